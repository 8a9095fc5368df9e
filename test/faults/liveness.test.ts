/** Unit tests of src/faults/liveness.ts: the liveness phase's verdict, from the guests' published status. */
import { describe, expect, it } from 'vitest';
import { LivenessWatch } from '../../src/faults/liveness.js';
import { DeviceSlot } from '../../src/host/device/device-figures.js';
import { GuestRecord } from '../../src/host/manager/guest-record.js';
import type { MemoryManager } from '../../src/host/manager/memory-manager.js';
import { allocateGuestSignals } from '../../src/messages/guest-signals.js';
import { publishStatus } from '../support/guest-signals.js';
import { guest, KiB, MiB } from '../support/scenarios.js';

const FRAME = 4 * KiB;
/** 64 MiB guests: 16384 pages each. */
const PAGES = (64 * MiB) / FRAME;

interface Guests {
  host: MemoryManager;
  records: GuestRecord[];
  buffers: SharedArrayBuffer[];
}

/** Guest records the watch reads, each with its own signals buffer, targets at 12288 pages (a balloon of 4096 reaches them). */
function guests(count: number): Guests {
  const buffers = Array.from({ length: count }, () => allocateGuestSignals());
  const records = buffers.map((buffer, index) => {
    const record = new GuestRecord(index, guest(`g${index}`), FRAME, buffer);
    record.targetPages = PAGES - 4096;
    return record;
  });
  // The watch reads only the manager's records.
  return { host: { records } as unknown as MemoryManager, records, buffers };
}

function balloon(buffer: SharedArrayBuffer, balloonPages: number, atMs = 0): void {
  publishStatus(buffer, atMs, { balloonPages, usedPages: 100, freePages: PAGES - 100 - balloonPages });
}

describe('LivenessWatch', () => {
  it('counts a guest whose balloon reached memory - target inside the window as reached', () => {
    const { host, buffers } = guests(2);
    const watch = new LivenessWatch(host, 10, 20, 500, FRAME);
    balloon(buffers[0]!, 4096);
    balloon(buffers[1]!, 4096);
    for (let tick = 10; tick <= 20; tick++) watch.observe(tick);
    expect(watch.result()).toEqual({ checked: true, fromSeconds: 5, deadlineSeconds: 10, reached: 2, missed: [] });
  });

  it('reports a guest that never reached its target, with its target and its actual size', () => {
    const { host, buffers } = guests(2);
    const watch = new LivenessWatch(host, 0, 4, 1000, FRAME);
    balloon(buffers[0]!, 4096);
    balloon(buffers[1]!, 1024);
    for (let tick = 0; tick <= 4; tick++) watch.observe(tick);
    const result = watch.result();
    expect(result.reached).toBe(1);
    expect(result.missed).toEqual([{ guest: 'g1', targetBytes: (PAGES - 4096) * FRAME, actualBytes: (PAGES - 1024) * FRAME, targetChanges: 0 }]);
  });

  it('counts how often the target of a missed guest changed in the window: a target that runs ahead of the balloon', () => {
    const { host, records, buffers } = guests(2);
    const watch = new LivenessWatch(host, 3, 8, 1000, FRAME);
    balloon(buffers[0]!, 1024);
    balloon(buffers[1]!, 1024);
    for (let tick = 0; tick <= 8; tick++) {
      // g0's target moves every tick, before and in the window; g1's holds still. Neither is ever met.
      records[0]!.targetPages = PAGES - 2048 - tick;
      watch.observe(tick);
    }
    // Changes before the window do not count: the looks at ticks 4 to 8 saw five.
    expect(watch.result().missed).toEqual([
      { guest: 'g0', targetBytes: (PAGES - 2048 - 8) * FRAME, actualBytes: (PAGES - 1024) * FRAME, targetChanges: 5 },
      { guest: 'g1', targetBytes: (PAGES - 4096) * FRAME, actualBytes: (PAGES - 1024) * FRAME, targetChanges: 0 },
    ]);
  });

  it('ignores what a guest shows before the window opens or after the deadline', () => {
    const { host, buffers } = guests(1);
    const watch = new LivenessWatch(host, 5, 8, 1000, FRAME);
    balloon(buffers[0]!, 4096);
    watch.observe(4); // at target, but before the window
    balloon(buffers[0]!, 0);
    for (let tick = 5; tick <= 8; tick++) watch.observe(tick);
    balloon(buffers[0]!, 4096);
    watch.observe(9); // at target again, too late
    expect(watch.result().reached).toBe(0);
    // The miss shows where the guest stood by the deadline (no balloon), not where it got to after.
    expect(watch.result().missed).toEqual([{ guest: 'g0', targetBytes: (PAGES - 4096) * FRAME, actualBytes: PAGES * FRAME, targetChanges: 0 }]);
  });

  it('decides nothing (checked false, no misses) while some live guest has not reached the deadline', () => {
    const { host, buffers } = guests(2);
    const watch = new LivenessWatch(host, 0, 6, 1000, FRAME);
    balloon(buffers[1]!, 0);
    for (let tick = 0; tick <= 6; tick++) watch.observeGuest(0, tick);
    for (let tick = 0; tick <= 3; tick++) watch.observeGuest(1, tick);
    expect(watch.result()).toMatchObject({ checked: false, reached: 0, missed: [] });
  });

  it('leaves dead and quarantined guests out of the verdict', () => {
    const { host, records, buffers } = guests(3);
    records[1]!.alive = false;
    records[2]!.device[DeviceSlot.QUARANTINED] = 1;
    balloon(buffers[0]!, 4096);
    const watch = new LivenessWatch(host, 0, 2, 1000, FRAME);
    watch.observeGuest(0, 2);
    expect(watch.result()).toEqual({ checked: true, fromSeconds: 0, deadlineSeconds: 2, reached: 1, missed: [] });
  });

  it('counts a guest that has published no status as missed, with no balloon', () => {
    const { host } = guests(1);
    const watch = new LivenessWatch(host, 0, 1, 1000, FRAME);
    watch.observe(0);
    watch.observe(1);
    expect(watch.result().missed).toEqual([{ guest: 'g0', targetBytes: (PAGES - 4096) * FRAME, actualBytes: 64 * MiB, targetChanges: 0 }]);
  });

  it('asks for an empty balloon when the target is above the guest memory', () => {
    const { host, records, buffers } = guests(1);
    records[0]!.targetPages = PAGES + 100;
    balloon(buffers[0]!, 0);
    const watch = new LivenessWatch(host, 0, 0, 1000, FRAME);
    watch.observe(0);
    expect(watch.result().reached).toBe(1);
  });

  it('counts a virtio-mem guest whose target falls between two blocks as there once the block above it is plugged, its balloon empty', () => {
    const buffer = allocateGuestSignals();
    // 64 MiB at boot, up to 128 MiB in 2 MiB blocks (512 pages): a target of 1000 pages above boot is met by 1024 plugged.
    const record = new GuestRecord(0, guest('m', { maxMemoryBytes: 128 * MiB, growth: { kind: 'virtio-mem', blockBytes: 2 * MiB, onlineDelayMs: 250 } }), FRAME, buffer);
    const host = { records: [record] } as unknown as MemoryManager;
    record.targetPages = PAGES + 1000;
    const watch = new LivenessWatch(host, 0, 2, 1000, FRAME);
    record.device[DeviceSlot.MEMORY] = PAGES + 1536;
    balloon(buffer, 0);
    watch.observe(0); // a whole block too many: it must unplug one
    expect(watch.result().reached).toBe(0);
    record.device[DeviceSlot.MEMORY] = PAGES + 1024;
    watch.observe(1);
    expect(watch.result()).toMatchObject({ reached: 1, missed: [] });
  });

  it('does not excuse a guest of any other growth kind that stops short of a whole block above its target', () => {
    const { host, records, buffers } = guests(1);
    records[0]!.targetPages = PAGES - 100;
    balloon(buffers[0]!, 0);
    const watch = new LivenessWatch(host, 0, 0, 1000, FRAME);
    watch.observe(0);
    expect(watch.result().missed).toEqual([{ guest: 'g0', targetBytes: (PAGES - 100) * FRAME, actualBytes: PAGES * FRAME, targetChanges: 0 }]);
  });
});
