/**
 * One guest actor driven by hand as the host would: boot (its checks), the
 * host's messages routed to the right part, a tick's order of work, a stop,
 * and its report. The host is played by the test: frames are numbers it
 * makes up (no table).
 */
import { describe, expect, it } from 'vitest';
import { GUEST_PROTOCOL_VERSION, GuestActor } from '../../src/guest/guest-actor.js';
import { PageState } from '../../src/guest/page-state.js';
import { GuestSharedViews } from '../../src/guest/shared-memory.js';
import type { GuestSpec } from '../../src/model/scenario.js';
import { guest, MiB } from '../support/scenarios.js';

type Inbox = Parameters<GuestActor['step']>[1];
type Boot = Extract<Inbox[number], { type: 'boot' }>;

/** A 64 MiB guest (16384 pages, 1024 of kernel), ticks of 1 s. */
function actor(spec: Partial<GuestSpec> = {}) {
  const s = guest('g', spec);
  const shared = GuestSharedViews.allocate(Math.floor(s.maxMemoryBytes / 4096));
  const a = new GuestActor({ index: 0, spec: s, tickMs: 1000, frameBytes: 4096, seed: 5, shared: shared.buffers });
  return { actor: a, shared };
}

const boot = (frames: number, overrides: Partial<Boot> = {}): Boot => ({ type: 'boot', version: GUEST_PROTOCOL_VERSION, ownerId: 1, runs: Int32Array.of(100, frames), targetPages: 16_384, ...overrides });

describe('GuestActor', () => {
  it('does nothing before boot but publish its (empty) state', () => {
    const { actor: a, shared } = actor();
    expect(a.step(0, [])).toEqual([]);
    expect(a.report()).toMatchObject({ alive: true, memoryPages: 0 });
    expect(shared.counters[PageState.UNPOPULATED]).toBe(16_384);
  });

  it('boots on the host\'s frames: the kernel\'s pages backed and in use, the rest free without frames', () => {
    const { actor: a } = actor();
    a.step(0, [boot(1024)]);
    const report = a.report();
    expect(report.pageStates).toMatchObject({ kernel: 1024, free: 0, freeUnbacked: 15_360, balloon: 0, unpopulated: 0 });
    expect(report.mappedPages).toBe(1024);
    expect(report.targetPages).toBe(16_384);
    expect(a.selfCheck()).toEqual([]);
  });

  it('refuses a boot in another protocol version, with too few frames for its kernel, or twice', () => {
    expect(() => actor().actor.step(0, [boot(1024, { version: 9 as never })])).toThrow(`GuestActor g: host speaks protocol 9, guest speaks ${GUEST_PROTOCOL_VERSION}`);
    expect(() => actor().actor.step(0, [boot(1000)])).toThrow('GuestActor g: booted with 1000 frames, its kernel needs 1024');
    const { actor: a } = actor();
    a.step(0, [boot(1024)]);
    expect(() => a.step(1, [boot(1024)])).toThrow('GuestActor g: booted twice');
  });

  it('asks the host to back the pages its workload claims, and backs them with the grant', () => {
    const { actor: a } = actor({ workload: [{ kind: 'anon', name: 'heap', hotFraction: 1, size: { kind: 'constant', bytes: 4 * MiB } }] });
    a.step(0, [boot(1024)]);
    const out = a.step(1, []);
    const populate = out.filter((m) => m.type === 'request' && m.purpose === 'populate');
    const asked = populate.reduce((sum, m) => sum + (m.type === 'request' ? m.pages : 0), 0);
    expect(asked).toBe(1024);
    const request = populate[0]!;
    if (request.type !== 'request') throw new Error('not a request');
    a.step(2, [{ type: 'grant', id: request.id, purpose: 'populate', pagesAsked: 1024, runs: Int32Array.of(5000, 1024), unbackedPages: 0 }]);
    a.step(3, []);
    expect(a.report().pageStates).toMatchObject({ anon: 1024, kernel: 1024 });
    expect(a.report().mappedPages).toBe(2048);
    expect(a.selfCheck()).toEqual([]);
  });

  it('hands a new target to its balloon driver, which starts inflating in the same tick', () => {
    const { actor: a } = actor();
    a.step(0, [boot(16_384)]);
    const out = a.step(1, [{ type: 'setTarget', targetPages: 16_384 - 512 }]);
    expect(a.report().targetPages).toBe(16_384 - 512);
    const released = out.flatMap((m) => (m.type === 'release' ? [m.frames.length + m.unbackedPages] : []));
    expect(released.reduce((a, b) => a + b, 0)).toBe(512);
  });

  it('refuses a report ack when free page reporting is off', () => {
    const { actor: a } = actor();
    a.step(0, [boot(1024)]);
    expect(() => a.step(1, [{ type: 'reportAck', id: 1, acceptedFrames: 0, refusedFrames: new Int32Array(0), invalidFrames: 0 }])).toThrow('GuestActor g: a report ack came, but free page reporting is off');
  });

  it('sends nothing once stopped, and reports itself dead', () => {
    const { actor: a } = actor();
    a.step(0, [boot(1024)]);
    a.stop();
    expect(a.step(1, [{ type: 'setTarget', targetPages: 100 }])).toEqual([]);
    expect(a.report().alive).toBe(false);
    expect(a.report().targetPages).toBe(16_384);
  });

  it('counts the typed arrays of its state in its footprint', () => {
    const { actor: a } = actor();
    // At least the shared page map (4 bytes a page) and page states (1 byte a page).
    expect(a.footprintBytes).toBeGreaterThanOrEqual(16_384 * 5);
  });
});
