/**
 * The host's free-memory states, host reclaim, the low state's refusals, the
 * over-shrink guard on admin targets, and the host-wide events, driven
 * through the host (memory manager and device sides, support/inline-host.ts)
 * as the lockstep loop drives it.
 */
import { describe, expect, it } from 'vitest';
import type { Policy } from '../../src/host/policy/policy.js';
import { framesInRuns, type HostToGuest } from '../../src/messages/protocol.js';
import type { Scenario, ScenarioEvent } from '../../src/model/scenario.js';
import { publishStatus } from '../support/guest-signals.js';
import { InlineHost } from '../support/inline-host.js';
import { guest, scenario } from '../support/scenarios.js';

const PAGE = 4096;

/**
 * A host of 1000 frames (thresholds: high 60, soft 40, hard 20, low 10), two
 * guests of 400 pages with 40 pages of kernel, in one shard (one pool holds
 * every free frame), and a hypervisor reserve of `reservedPages` from boot.
 */
function smallHost(events: ScenarioEvent[] = [], overrides: Partial<Omit<Scenario, 'guests'>> = {}, reservedPages = 0): Scenario {
  const spec = (name: string) => guest(name, { memoryBytes: 400 * PAGE, maxMemoryBytes: 400 * PAGE, kernelBytes: 40 * PAGE });
  return scenario({
    host: { memoryBytes: 1000 * PAGE, reservedBytes: reservedPages * PAGE, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 }, shards: 1 },
    guests: [spec('a'), spec('b')],
    events,
    ...overrides,
  });
}

let nextId = 1000;

/**
 * The guest touches `pages` more pages: the host backs them (or not).
 * Returns the grant; a grant the pool cannot fill waits for the next tick's
 * start (`tick`, which this opens then).
 */
function touch(host: InlineHost, index: number, pages: number, tick?: number): HostToGuest {
  host.handleOutbox(index, [{ type: 'request', id: nextId++, purpose: 'populate', pages, withFrames: true }]);
  let grant = host.takeInboxes()[index]!.find((message) => message.type === 'grant');
  if (grant === undefined && tick !== undefined) {
    host.beginTick(tick);
    grant = host.takeInboxes()[index]!.find((message) => message.type === 'grant');
  }
  if (grant === undefined) throw new Error('no grant');
  return grant;
}

/** The guest publishes its status (in shared memory, where the manager reads it when the guard needs it). */
function status(host: InlineHost, index: number, usedPages: number, freePages: number): void {
  publishStatus(host.signals[index]!, host.manager.nowMs, { balloonPages: host.accounts[index]!.balloonPages, usedPages, freePages });
}

function booted(s: Scenario, policy?: Policy): InlineHost {
  const host = new InlineHost(s, policy !== undefined ? { policy } : {});
  host.boot();
  host.takeInboxes();
  return host;
}

const targets = (host: InlineHost): number[] => host.accounts.map((account) => account.targetPages);
const kinds = (host: InlineHost): string[] => host.log.map((event) => event.kind);

describe('host free-memory states and host reclaim', () => {
  // The host is made short by a reserve held from boot (a reserve that grows takes the frames the pools give up
  // when the tick of its event ends: see 'setReserved ...' below) and is given room back by shrinking it.
  it('in the soft state lowers targets by shares until free memory will be back at the high threshold', () => {
    const host = booted(smallHost([], {}, 180));
    host.beginTick(0);
    touch(host, 0, 360);
    touch(host, 1, 360); // 800 frames held, 180 reserved: 20 free
    expect(host.freeFrames).toBe(20);
    expect(targets(host)).toEqual([400, 400]);
    host.beginTick(1); // soft: 60 - 20 = 40 frames to find, 20 from each (equal shares, equal holdings)
    expect(host.freeState).toBe('soft');
    expect(targets(host)).toEqual([380, 380]);
    expect(host.takeInboxes()).toEqual([[{ type: 'setTarget', targetPages: 380 }], [{ type: 'setTarget', targetPages: 380 }]]);
    host.beginTick(2); // the balloons owe 40 frames: nothing more to ask
    expect(targets(host)).toEqual([380, 380]);
    expect(kinds(host)).toContain('hostState');
    expect(host.log.filter((event) => event.kind === 'reclaim')).toHaveLength(1);
    expect(host.stateTicks).toEqual({ high: 1, soft: 2, hard: 0, low: 0 });
    expect(host.hostPagingDemandFrames).toBe(0);
  });

  it('gives back what it took once the host is in the high state with memory to spare, by shares, as far as free memory allows', () => {
    const host = booted(smallHost([], {}, 180));
    host.beginTick(0);
    touch(host, 0, 360);
    touch(host, 1, 360);
    host.beginTick(1); // soft: both targets 400 -> 380
    expect(targets(host)).toEqual([380, 380]);
    expect(host.accounts.map((account) => account.reclaimedPages)).toEqual([20, 20]);
    expect(host.log.find((event) => event.kind === 'reclaim')?.detail).toBe(
      'soft: 80 KiB free and 0 B owed by balloons, 160 KiB short of the high threshold; lowered 2 targets (by 160 KiB in all): the balloons now owe 160 KiB',
    );
    host.setReserve(150); // 50 free: at least soft (40) but not high (60): still soft
    host.beginTick(2);
    expect(host.freeState).toBe('soft');
    host.setReserve(130); // 70 free: high again, 10 frames above the threshold
    host.beginTick(3);
    expect(host.freeState).toBe('high');
    expect(targets(host)).toEqual([385, 385]);
    host.setReserve(0); // 200 free: the rest of the cuts come back, no more
    host.beginTick(4);
    expect(targets(host)).toEqual([400, 400]);
    expect(host.accounts.map((account) => account.reclaimedPages)).toEqual([0, 0]);
  });

  it('forgets a cut once the policy or the administrator sets the target', () => {
    const host = booted(smallHost([], {}, 180));
    host.beginTick(0);
    touch(host, 0, 360);
    touch(host, 1, 360);
    host.beginTick(1);
    status(host, 0, 300, 80);
    host.setTargetOf(0, { bytes: 390 * PAGE }, 'test');
    expect(host.accounts.map((account) => account.reclaimedPages)).toEqual([0, 20]);
    host.setReserve(0);
    host.beginTick(2);
    expect(targets(host)).toEqual([390, 400]);
  });

  it('revokes from the guest with fewer shares first', () => {
    const s = smallHost([], {}, 180);
    const host = booted({ ...s, guests: [{ ...s.guests[0]!, shares: 1000 }, { ...s.guests[1]!, shares: 3000 }] });
    host.beginTick(0);
    touch(host, 0, 360);
    touch(host, 1, 360);
    host.beginTick(1);
    // 40 frames from a (400 pages for 1000 shares) before b (400 for 3000).
    expect(targets(host)).toEqual([360, 400]);
  });

  it('in the low state refuses first-touch frames to guests at or above their target', () => {
    const host = booted(smallHost([], {}, 305));
    host.beginTick(0);
    touch(host, 0, 350); // a holds 390 of its 400
    touch(host, 1, 260); // b holds 300 of its 400: 5 free
    host.beginTick(1);
    expect(host.freeState).toBe('low');
    // Host reclaim: 60 - 5 = 55 frames, all from a (it holds more per share): a's target 335, b's stays 400.
    expect(targets(host)).toEqual([335, 400]);
    expect(host.hostPagingDemandFrames).toBe(35); // soft threshold 40 - 5 free
    host.takeInboxes();
    const refused = touch(host, 0, 10);
    expect(refused).toMatchObject({ type: 'grant', purpose: 'populate', pagesAsked: 10, shortBecause: 'host-busy' });
    expect(refused.type === 'grant' && framesInRuns(refused.runs)).toBe(0);
    expect(host.accounts[0]!.lowStateRefusedPages).toBe(10);
    // b is below its target: it gets what the pool has (5 frames; the grant waits for the next tick for more, and there is none),
    // and is not counted as refused for the state.
    const granted = touch(host, 1, 10, 2);
    expect(granted).toMatchObject({ type: 'grant', purpose: 'populate', pagesAsked: 10, shortBecause: 'host-busy' });
    expect(granted.type === 'grant' && framesInRuns(granted.runs)).toBe(5);
    expect(host.accounts[1]!.lowStateRefusedPages).toBe(0);
  });

  it('while short, lets a policy move memory between guests but not raise the sum of targets', () => {
    const mover: Policy = {
      name: 'mover',
      periodMs: 1000,
      decide: (view) => (view.nowMs < 2000 ? new Map() : new Map([[0, 380], [1, 300]])),
    };
    const host = booted(smallHost([], {}, 175), mover);
    host.manager.records[0]!.targetPages = 300; // as if an administrator had shrunk a earlier
    host.beginTick(0);
    touch(host, 0, 260);
    touch(host, 1, 360); // 700 held, 175 reserved: 125 free, not short
    host.beginTick(1);
    expect(host.freeState).toBe('high');
    touch(host, 0, 75); // 50 free: below high, not yet below soft: still high
    host.beginTick(2);
    expect(host.freeState).toBe('high');
    expect(targets(host)).toEqual([380, 300]); // high: the raise of a is not limited
    host.manager.records[0]!.targetPages = 300;
    host.manager.records[1]!.targetPages = 400;
    touch(host, 0, 25); // 25 free: soft
    host.beginTick(3);
    expect(host.freeState).toBe('soft');
    // a asks +80, b gives -100 (cuts 100 >= raises 80): allowed; then host reclaim (60 - 25 - owed 120 <= 0) adds nothing.
    expect(targets(host)).toEqual([380, 300]);
    host.manager.records[0]!.targetPages = 300;
    host.manager.records[1]!.targetPages = 320;
    host.beginTick(4);
    // Now a asks +80 but b gives only 20: a's raise is cut to 20.
    expect(targets(host)[0]).toBe(320);
    expect(host.log.some((event) => event.detail.includes('raise limited while the host is soft'))).toBe(true);
  });
});

describe('administrator targets through the guard', () => {
  it('refuses a shrink below the working set, logs why, and counts it', () => {
    const host = booted(smallHost([{ atMs: 1000, kind: 'setTarget', guest: 'a', target: { bytes: 100 * PAGE } }]));
    host.beginTick(0);
    status(host, 0, 250, 150);
    host.beginTick(1);
    expect(targets(host)).toEqual([400, 400]);
    expect(host.accounts[0]!.guardRefusals).toBe(1);
    const refusal = host.log.find((event) => event.kind === 'guardRefusal')!;
    expect(refusal).toMatchObject({ timeMs: 1000, guest: 'a' });
    expect(refusal.detail).toBe(
      "refused to shrink a to 400 KiB: that is 600 KiB below its floor of 1000 KiB (working set plus kernel memory); add force: true to shrink it anyway" +
        " (a target is the guest's size, not its balloon's: for a balloon of 400 KiB write 1.17 MiB)",
    );
  });

  it('applies a forced shrink, even below minMemory, and warns about a target below the kernel', () => {
    const s = smallHost([{ atMs: 1000, kind: 'setTarget', guest: 'a', target: { bytes: 20 * PAGE }, force: true }]);
    const host = booted({ ...s, guests: [{ ...s.guests[0]!, minMemoryBytes: 100 * PAGE }, s.guests[1]!] });
    host.beginTick(0);
    status(host, 0, 250, 150);
    host.beginTick(1);
    expect(targets(host)).toEqual([20, 400]);
    expect(host.accounts[0]!.guardRefusals).toBe(0);
    expect(host.log.find((event) => event.kind === 'guardWarning')?.detail).toBe('the target for a (80 KiB) is smaller than its kernel memory (160 KiB): the guest cannot run in it');
    expect(host.log.find((event) => event.kind === 'setTarget' && event.guest === 'a')?.detail).toContain('(forced)');
  });

  it('a dry run reports the predicted effect and changes nothing', () => {
    const host = booted(smallHost([{ atMs: 1000, kind: 'setTarget', guest: 'a', target: { percentOfMax: 75 }, dryRun: true }]));
    host.beginTick(0);
    touch(host, 0, 210); // a holds 250 frames
    status(host, 0, 200, 200);
    host.beginTick(1);
    expect(targets(host)).toEqual([400, 400]);
    expect(host.takeInboxes()).toEqual([[], []]);
    const report = host.log.find((event) => event.kind === 'dryRun')!;
    // 75 % of 400 = 300 pages: the balloon grows by 100 pages (400 KiB), within the 200 free; the host gets nothing back (250 < 300).
    expect(report.detail).toBe(
      "dry run: a to 75% of maxMemory: the balloon would grow by 400 KiB (from 0 B to 400 KiB), take 0 B beyond the guest's free memory, and give the host back 0 B; its floor is 800 KiB (working set plus kernel memory)",
    );
  });

  it('setTargetOf returns the outcome to library callers', () => {
    const host = booted(smallHost());
    host.beginTick(0);
    status(host, 1, 300, 100);
    expect(host.setTargetOf(1, { bytes: 100 * PAGE }, 'test')).toMatchObject({ outcome: 'refused', askedPages: 100, targetPages: 400, floor: { pages: 300 } });
    expect(host.setTargetOf(1, { bytes: 100 * PAGE }, 'test', { dryRun: true, force: true })).toMatchObject({
      outcome: 'dryRun',
      targetPages: 400,
      prediction: { balloonChangePages: 300, beyondFreePages: 200, framesReturned: 0 },
    });
    expect(host.setTargetOf(1, { bytes: 100 * PAGE }, 'test', { force: true })).toMatchObject({ outcome: 'applied', targetPages: 100 });
    host.crash(1, 'test');
    expect(host.setTargetOf(1, { bytes: 300 * PAGE }, 'test').outcome).toBe('dead');
  });
});

describe('host-wide events', () => {
  it('switch, pause and resume the policy, change shares, all logged', () => {
    const host = booted(
      smallHost([
        { atMs: 2000, kind: 'setPolicy', policy: { kind: 'proportional', periodMs: 1000 } },
        { atMs: 3000, kind: 'pausePolicy' },
        { atMs: 4000, kind: 'setShares', guest: 'b', shares: 3000 },
        { atMs: 5000, kind: 'resumePolicy' },
      ]),
    );
    for (let tick = 0; tick < 2; tick++) host.beginTick(tick);
    expect(host.policy.name).toBe('static');
    host.beginTick(2);
    expect(host.policy.name).toBe('proportional');
    // (1000 - 60) / 2 = 470 each, capped at 400.
    expect(targets(host)).toEqual([400, 400]);
    host.beginTick(3);
    host.beginTick(4);
    expect(host.accounts[1]!.shares).toBe(3000);
    host.setReserve(500); // 500 usable - 60 = 440 to share: paused, nothing moves
    host.beginTick(4);
    expect(targets(host)).toEqual([400, 400]);
    host.beginTick(5);
    // Resumed: 440 by shares 1:3 = 110 and 330.
    expect(targets(host)).toEqual([110, 330]);
    expect(kinds(host).filter((kind) => ['setPolicy', 'pausePolicy', 'setShares', 'resumePolicy', 'setReserved'].includes(kind))).toEqual([
      'setPolicy',
      'pausePolicy',
      'setShares',
      'setReserved',
      'resumePolicy',
    ]);
    expect(host.log.find((event) => event.kind === 'setPolicy')?.detail).toBe('policy static -> proportional');
  });

  it('setReserved gives frames back at once', () => {
    const host = booted(smallHost([], {}, 100));
    expect(host.reservedFrames).toBe(100);
    host.beginTick(0);
    touch(host, 0, 360);
    touch(host, 1, 360); // 800 + 100 reserved: 100 free
    host.setReserve(50);
    expect(host.reservedFrames).toBe(50);
    expect(host.freeFrames).toBe(150);
    expect(host.log.at(-1)).toMatchObject({ kind: 'setReserved', detail: 'hypervisor reserve 400 KiB -> 200 KiB' });
  });

  it('setReserved takes the free frames when the tick after its event starts, and the rest as they become free', () => {
    const host = booted(smallHost([{ atMs: 1000, kind: 'setReserved', bytes: 300 * PAGE }], {}, 100));
    host.beginTick(0);
    touch(host, 0, 360);
    touch(host, 1, 360); // 800 + 100 reserved: 100 free, in the shard's pool
    host.beginTick(1); // the event: the reserve wants 200 more, and the pool gives up what it holds when the tick ends
    expect(host.reservedFrames).toBe(100);
    expect(host.log.find((event) => event.kind === 'setReserved')?.detail).toBe('hypervisor reserve 400 KiB -> 1.17 MiB; 800 KiB still to take as frames become free');
    host.beginTick(2);
    expect(host.reservedFrames).toBe(200);
    expect(host.freeFrames).toBe(0);
    const frames = Int32Array.from({ length: 10 }, (_, i) => host.table.owners.indexOf(host.accounts[0]!.ownerId) + i);
    host.handleOutbox(0, [{ type: 'release', id: nextId++, frames, unbackedPages: 0 }]);
    host.beginTick(3);
    expect(host.reservedFrames).toBe(210);
  });
});

describe('host reclaim and grants that wait for frames', () => {
  it('counts a grant that waited for frames as the guest\'s when it decides whom to reclaim from', () => {
    const a = guest('a', { memoryBytes: 930 * PAGE, maxMemoryBytes: 930 * PAGE, kernelBytes: 40 * PAGE });
    const b = guest('b', { memoryBytes: 100 * PAGE, maxMemoryBytes: 100 * PAGE, kernelBytes: 40 * PAGE });
    const host = booted(scenario({ host: { memoryBytes: 1000 * PAGE, reservedBytes: 0, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 }, shards: 1 }, guests: [a, b] }));
    host.beginTick(0);
    touch(host, 1, 50); // b holds 90
    host.beginTick(1); // tick 0 closes: the pool, far above what its guests ask, gives its frames to transit
    host.handleOutbox(0, [{ type: 'request', id: nextId++, purpose: 'populate', pages: 840, withFrames: true }]);
    expect(host.takeInboxes()[0]).toEqual([]); // a's grant waits for transit's frames
    // Tick 2: a's grant is complete (a holds 880) and 30 frames are free (below soft, 40): 30 to find, from the guest
    // that holds the most per share, a. One global pool would have granted a at once, and host reclaim cut a.
    host.beginTick(2);
    expect(host.freeState).toBe('soft');
    expect(host.accounts.map((account) => account.ownedFrames)).toEqual([880, 90]);
    expect(targets(host)).toEqual([850, 100]);
  });
});
