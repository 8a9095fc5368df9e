/**
 * The concurrent auditor on one thread, with hand-made states: what it must
 * report (a map entry the table contradicts, a frame mapped twice, a leaked
 * frame of a reclaimed guest, an invalid owner) and what it must not (a guest
 * in the middle of a map window, a dead guest's stale map).
 */
import { describe, expect, it } from 'vitest';
import { AUDIT_CONTROL_SLOTS, ConcurrentAuditor } from '../../src/audit/concurrent-auditor.js';
import { GuestState } from '../../src/audit/concurrent-check.js';
import { GuestMemory } from '../../src/guest/guest-memory.js';
import { Counter, GuestSharedViews } from '../../src/guest/shared-memory.js';
import { PageState } from '../../src/guest/page-state.js';
import { FrameTable } from '../../src/host/frame-table.js';
import { freeOwnerOfShard, OWNER_FREE, OWNER_HYPERVISOR } from '../../src/host/owners.js';

interface World {
  table: FrameTable;
  guests: GuestMemory[];
  states: Int32Array;
  auditor: ConcurrentAuditor;
}

/** Two guests of 64 pages (in two shards) on a table of 256 frames; guest g maps frames g*100 .. g*100+31 on pages 0..31. */
function world(): World {
  const table = new FrameTable(256);
  const guests = [0, 1].map((g) => {
    const memory = new GuestMemory(GuestSharedViews.allocate(64));
    memory.layOut(64);
    for (let i = 0; i < 32; i++) {
      const frame = g * 100 + i;
      table.transfer(frame, OWNER_FREE, g + 1);
      memory.put(memory.take(PageState.FREE_UNBACKED), PageState.FREE);
    }
    // Pages come off the stack low first: map page i to frame g*100+i.
    for (let page = 0; page < 32; page++) memory.map(page, g * 100 + page);
    memory.publish();
    return memory;
  });
  table.transfer(255, OWNER_FREE, OWNER_HYPERVISOR);
  const states = new Int32Array(new SharedArrayBuffer(8));
  const auditor = new ConcurrentAuditor({
    table: table.share,
    guests: guests.map((memory, g) => ({ name: `g${g}`, frameOf: memory.shared.buffers.frameOf, counters: memory.shared.buffers.counters })),
    states: states.buffer as SharedArrayBuffer,
    shards: 2,
    control: new SharedArrayBuffer(AUDIT_CONTROL_SLOTS * 4),
  });
  return { table, guests, states, auditor };
}

describe('ConcurrentAuditor', () => {
  it('finds nothing wrong in a consistent world, and counts its checks', () => {
    const w = world();
    w.auditor.sweep();
    const result = w.auditor.snapshot();
    expect(result.violations).toBe(0);
    expect(result.sweeps).toBe(1);
    expect(result.tableEntriesChecked).toBe(256);
    expect(result.mappedPagesChecked).toBe(64);
    expect(result.checks).toBe(256 + 64);
    expect(result.consistentGuestScans).toBe(2);
  });

  it('reports a page that maps a frame the table gives to another guest', () => {
    const w = world();
    w.guests[0]!.unmap(5);
    w.guests[0]!.map(5, 105); // guest 1's frame
    w.guests[0]!.publish();
    w.auditor.sweep();
    const result = w.auditor.snapshot();
    expect(result.violations).toBe(1);
    expect(result.firstViolations[0]).toMatch(/guest g0: page 5 maps frame 105, which the table gives to guest g1/);
  });

  it('reports a page that maps a free frame and a frame out of range', () => {
    const w = world();
    w.guests[1]!.unmap(0);
    w.guests[1]!.map(0, 200);
    w.guests[1]!.unmap(1);
    w.guests[1]!.map(1, 9999);
    w.guests[1]!.publish();
    w.auditor.sweep();
    const lines = w.auditor.snapshot().firstViolations.join('\n');
    expect(lines).toMatch(/page 0 maps frame 200, which the table gives to free/);
    expect(lines).toMatch(/page 1 maps frame 9999, outside 0..255/);
  });

  it('reports a frame mapped twice by one guest when the whole guest was read under one version', () => {
    const w = world();
    w.guests[0]!.map(40, 3); // page 3 maps frame 3 already
    w.guests[0]!.publish();
    w.auditor.sweep();
    const result = w.auditor.snapshot();
    expect(result.violations).toBe(1);
    expect(result.firstViolations[0]).toMatch(/frame 3 is mapped by page 40 and by another page/);
  });

  it('does not read a guest whose map window is open (its version is odd)', () => {
    const w = world();
    const counters = w.guests[0]!.shared.counters;
    Atomics.add(counters, Counter.MAP_VERSION, 1); // a window opens...
    w.guests[0]!.shared.setFrameAt(7, 107); // ...and the guest is in the middle of a change
    w.auditor.sweep();
    const result = w.auditor.snapshot();
    expect(result.violations).toBe(0);
    expect(result.unstableChunks).toBeGreaterThan(0);
    expect(result.mappedPagesChecked).toBe(32); // only guest 1
    Atomics.add(counters, Counter.MAP_VERSION, 1); // the window closes with the bad entry in place: now it counts
    w.auditor.sweep();
    expect(w.auditor.snapshot().violations).toBe(1);
  });

  it('skips a dying guest, and reports a frame still owned by a guest the host has reclaimed', () => {
    const w = world();
    Atomics.store(w.states, 0, GuestState.DYING);
    w.auditor.sweep();
    expect(w.auditor.snapshot().violations).toBe(0);
    expect(w.auditor.snapshot().mappedPagesChecked).toBe(32);
    // The host says it took everything back, but frame 10 is still guest 0's: a leak.
    for (let frame = 0; frame < 32; frame++) if (frame !== 10) w.table.transfer(frame, 1, OWNER_FREE);
    Atomics.store(w.states, 0, GuestState.RECLAIMED);
    w.auditor.sweep();
    const result = w.auditor.snapshot();
    expect(result.violations).toBe(1);
    expect(result.firstViolations[0]).toMatch(/frame 10 still belongs to guest g0, whose frames the host took back/);
  });

  it('takes the free values of the host\'s shards as free frames, and no value past them', () => {
    const w = world();
    Atomics.store(w.table.owners, 200, freeOwnerOfShard(1));
    w.auditor.sweep();
    expect(w.auditor.snapshot().violations).toBe(0);
    Atomics.store(w.table.owners, 201, freeOwnerOfShard(2));
    w.auditor.sweep();
    expect(w.auditor.snapshot().firstViolations).toEqual([`frame 201 has an invalid owner ${freeOwnerOfShard(2)}`]);
  });

  it('reports a page that maps a frame a shard\'s pool holds', () => {
    const w = world();
    Atomics.store(w.table.owners, 200, freeOwnerOfShard(0));
    w.guests[1]!.unmap(0);
    w.guests[1]!.map(0, 200);
    w.guests[1]!.publish();
    w.auditor.sweep();
    expect(w.auditor.snapshot().firstViolations.join('\n')).toMatch(/guest g1: page 0 maps frame 200, which the table gives to free \(in shard 0's pool\)/);
  });

  it('reports a table entry that names no one', () => {
    const w = world();
    Atomics.store(w.table.owners, 77, 42);
    w.auditor.sweep();
    expect(w.auditor.snapshot().firstViolations).toEqual(['frame 77 has an invalid owner 42']);
  });
});
