/**
 * The guest's OOM path: with deflate-on-OOM the balloon gives back 1 MiB
 * (256 pages of 4 KiB) and the host is told, the target unchanged; without
 * it, or with an empty balloon, the OOM killer kills the largest component.
 */
import { describe, expect, it } from 'vitest';
import { OOM_DEFLATE_BYTES, OOM_EVENT_MS, OomPath } from '../../src/guest/oom-path.js';
import { OOM_DEFLATE_MESSAGES_PER_TICK_MAX } from '../../src/messages/limits.js';
import { TaskClock } from '../../src/guest/page-allocator.js';
import { PageState } from '../../src/guest/page-state.js';
import type { GuestSpec } from '../../src/model/scenario.js';
import { GiB, MiB } from '../support/scenarios.js';
import { bootedParts, run, type Outbox } from './driver-world.js';

function parts(deflateOnOom: boolean, workload: GuestSpec['workload'] = [], frameBytes = 4096) {
  return bootedParts({
    profile: 'virtio',
    frameBytes,
    spec: { driver: { profile: 'virtio', inflateMode: 'noretry', deflateOnOom, statsIntervalMs: 0, freePageReporting: false }, workload },
  });
}

function task(): TaskClock {
  const t = new TaskClock();
  t.reset(1000);
  return t;
}

describe('OomPath', () => {
  it('with deflate-on-OOM: 256 pages out of the balloon, an oomDeflate message, an OOM reserve for the retried allocation, 20 ms of stall', () => {
    const p = parts(true);
    p.driver.setTarget(p.bootPages - 1000, 0);
    run(p, p.driver, 0, 100);
    const oom = new OomPath(p);
    const outbox: Outbox = [];
    const t = task();
    expect(oom.handle(t, 100, outbox)).toBe(true);
    expect(OOM_DEFLATE_BYTES).toBe(MiB);
    expect(outbox).toEqual([{ type: 'oomDeflate', pages: 256 }]);
    expect([p.events.oomEvents, p.events.deflateOnOomPages, p.events.oomKills]).toEqual([1, 256, 0]);
    expect(p.allocator.oomReservePages).toBe(256);
    expect(t.stallMs).toBe(OOM_EVENT_MS);
    expect(oom.reachedThisTick).toBe(true);
    expect(p.driver.targetPages).toBe(p.bootPages - 1000);
  });

  it('gives back 1 MiB in pages of the guest\'s frame size, and what is left of a smaller balloon', () => {
    const p = parts(true, [], 16_384);
    p.driver.setTarget(p.bootPages - 100, 0);
    run(p, p.driver, 0, 100);
    const outbox: Outbox = [];
    new OomPath(p).handle(null, 0, outbox);
    expect(outbox).toEqual([{ type: 'oomDeflate', pages: 64 }]);
    new OomPath(p).handle(null, 0, outbox);
    expect(outbox[1]).toEqual({ type: 'oomDeflate', pages: 36 });
  });

  it('with an empty balloon and nothing to kill: nothing done, the event counted', () => {
    const p = parts(true);
    const outbox: Outbox = [];
    const t = task();
    expect(new OomPath(p).handle(t, 0, outbox)).toBe(false);
    expect(outbox).toEqual([]);
    expect([p.events.oomEvents, p.events.oomKills]).toEqual([1, 0]);
    expect(t.stallMs).toBe(0);
  });

  it('without deflate-on-OOM: the OOM killer takes the largest component, whatever the balloon holds', () => {
    const p = parts(false, [
      { kind: 'anon', name: 'small', hotFraction: 0, size: { kind: 'constant', bytes: 4 * MiB } },
      { kind: 'anon', name: 'big', hotFraction: 0, size: { kind: 'constant', bytes: 16 * MiB } },
    ]);
    const oom = new OomPath(p);
    const outbox: Outbox = [];
    const handler = (t: TaskClock | null) => oom.handle(t, 0, outbox);
    p.workload.step(0, p.allocator, p.pressure, handler);
    const big = p.workload.reports().find((r) => r.name === 'big')!;
    expect(big.pages).toBeGreaterThan(0);
    p.driver.setTarget(p.bootPages - 1000, 0);
    run(p, p.driver, 0, 100);
    expect(oom.handle(task(), 100, outbox)).toBe(true);
    expect(outbox.filter((m) => m.type === 'oomDeflate')).toEqual([]);
    expect(p.events.oomKills).toBe(1);
    const after = Object.fromEntries(p.workload.reports().map((r) => [r.name, r.pages]));
    expect(after.big).toBe(0);
    expect(after.small).toBeGreaterThan(0);
  });

  it('sends at most OOM_DEFLATE_MESSAGES_PER_TICK_MAX oomDeflate messages a tick: later events of the tick add their pages to the last one', () => {
    // 1 MiB frames: each OOM event gives back one page, so a 20 GiB guest has room for more events than the limit.
    const p = bootedParts({ profile: 'virtio', frameBytes: MiB, memoryBytes: 20 * GiB, spec: { driver: { profile: 'virtio', inflateMode: 'noretry', deflateOnOom: true, statsIntervalMs: 0, freePageReporting: false } } });
    const events = OOM_DEFLATE_MESSAGES_PER_TICK_MAX + 600;
    p.driver.setTarget(p.bootPages - events - 10, 0);
    run(p, p.driver, 0, 100_000);
    expect(p.memory.count(PageState.BALLOON)).toBe(events + 10);
    const oom = new OomPath(p);
    oom.beginTick();
    const outbox: Outbox = [];
    for (let i = 0; i < events; i++) expect(oom.handle(null, 0, outbox)).toBe(true);
    expect(outbox).toHaveLength(OOM_DEFLATE_MESSAGES_PER_TICK_MAX);
    expect(outbox.at(-2)).toEqual({ type: 'oomDeflate', pages: 1 });
    expect(outbox.at(-1)).toEqual({ type: 'oomDeflate', pages: 601 });
    expect([p.events.oomEvents, p.events.deflateOnOomPages]).toEqual([events, events]);
    // A new tick starts a new message.
    oom.beginTick();
    const next: Outbox = [];
    oom.handle(null, 1000, next);
    expect(next).toEqual([{ type: 'oomDeflate', pages: 1 }]);
  });
});
