/**
 * The concurrent auditor's chunk scans (audit/concurrent-check.ts) on hand-made
 * maps and tables: each kind of bad entry alone, found at its exact position
 * and counted, and nothing found in what is fine. (concurrent-auditor.test.ts
 * tests the auditor that reads chunks under map versions and words findings.)
 */
import { describe, expect, it } from 'vitest';
import { scanChunk, scanTableChunk, type ChunkScan } from '../../src/audit/concurrent-check.js';
import { HOST_SWAPPED, NO_FRAME, SWAP_IN_PENDING, wordOfFrame } from '../../src/guest/shared-memory.js';
import { freeOwnerOfShard, OWNER_FREE, OWNER_HYPERVISOR } from '../../src/host/owners.js';

const GUEST = 1;
const OTHER = 2;

/** A table of 16 frames: 0..3 the guest's, 4..5 the other guest's, 6 the hypervisor's, the rest free. */
function table(): Int32Array {
  const owners = new Int32Array(16);
  owners.fill(GUEST, 0, 4);
  owners.fill(OTHER, 4, 6);
  owners[6] = OWNER_HYPERVISOR;
  return owners;
}

function scan(frameOf: number[], from = 0, to = frameOf.length, marks = new Uint8Array(16), epoch = 1, kept = 4) {
  const suspects = new Int32Array(kept).fill(-1);
  const duplicates = new Int32Array(kept).fill(-1);
  const out: ChunkScan = { mapped: -1, suspects: -1, duplicates: -1 };
  scanChunk(Int32Array.from(frameOf, wordOfFrame), table(), GUEST, from, to, marks, epoch, suspects, duplicates, out);
  return { out, suspects: Array.from(suspects), duplicates: Array.from(duplicates), marks };
}

describe('scanChunk', () => {
  it('finds nothing in pages that map the guest\'s own frames once, or no frame', () => {
    expect(scan([0, NO_FRAME, 1, HOST_SWAPPED, 2, SWAP_IN_PENDING, 3])).toMatchObject({ out: { mapped: 4, suspects: 0, duplicates: 0 }, suspects: [-1, -1, -1, -1] });
  });

  it('names a page that maps another guest\'s frame, the hypervisor\'s, a free one, or one outside the table', () => {
    const found = scan([0, 4, 1, 6, 9, 16]);
    expect(found.out).toEqual({ mapped: 6, suspects: 4, duplicates: 0 });
    expect(found.suspects).toEqual([1, 3, 4, 5]);
  });

  it('counts every suspect, keeping as many as it has room for', () => {
    const found = scan([4, 5, 6, 7, 8, 9], 0, 6, new Uint8Array(16), 1, 2);
    expect(found.out.suspects).toBe(6);
    expect(found.suspects).toEqual([0, 1]);
  });

  it('names a page that maps a frame an earlier page maps, with the marks of this epoch only', () => {
    const found = scan([2, 0, 2, 3, 0]);
    expect(found.out).toEqual({ mapped: 5, suspects: 0, duplicates: 2 });
    expect(found.duplicates).toEqual([2, 4, -1, -1]);
    // Marks left by an earlier epoch are not duplicates.
    const marks = new Uint8Array(16).fill(7);
    expect(scan([0, 1], 0, 2, marks, 8).out.duplicates).toBe(0);
    expect(Array.from(marks.subarray(0, 3))).toEqual([8, 8, 7]);
  });

  it('reads only the pages [from, to), and carries marks from one chunk to the next', () => {
    const marks = new Uint8Array(16);
    expect(scan([0, 4, 1, 0], 2, 4, marks).out).toEqual({ mapped: 2, suspects: 0, duplicates: 0 });
    const next = scan([9, 1], 1, 2, marks);
    expect(next.out).toEqual({ mapped: 1, suspects: 0, duplicates: 1 });
    expect(next.duplicates[0]).toBe(1);
  });
});

describe('scanTableChunk', () => {
  function bad(owners: Int32Array, from: number, to: number, reclaimed = new Uint8Array(2), kept = 4): { count: number; frames: number[] } {
    const frames = new Int32Array(kept).fill(-1);
    const count = scanTableChunk(owners, from, to, 2, 3, reclaimed, frames);
    return { count, frames: Array.from(frames) };
  }

  it('takes free frames, every shard\'s free value, the hypervisor\'s and live guests\' frames', () => {
    const owners = table();
    owners[7] = freeOwnerOfShard(0);
    owners[8] = freeOwnerOfShard(2);
    owners[9] = OWNER_FREE;
    expect(bad(owners, 0, 16)).toEqual({ count: 0, frames: [-1, -1, -1, -1] });
  });

  it('names entries that are no owner: past the last shard\'s free value, past the last guest', () => {
    const owners = table();
    owners[7] = freeOwnerOfShard(3);
    owners[8] = 3;
    owners[9] = -1000;
    expect(bad(owners, 0, 16)).toEqual({ count: 3, frames: [7, 8, 9, -1] });
  });

  it('names an entry past the last guest by the guest count, not by the room its reclaimed marks have', () => {
    const owners = table();
    owners[7] = 3;
    owners[8] = 4;
    // Marks for four guests, of which the table has two: guests 3 and 4 are still no owners.
    const reclaimed = new Uint8Array(4);
    const frames = new Int32Array(4).fill(-1);
    expect(scanTableChunk(owners, 0, 16, 2, 3, reclaimed, frames)).toBe(2);
    expect(Array.from(frames)).toEqual([7, 8, -1, -1]);
  });

  it('names frames of a guest whose frames the host took back, and reads only [from, to)', () => {
    const owners = table();
    expect(bad(owners, 0, 16, Uint8Array.of(0, 1))).toEqual({ count: 2, frames: [4, 5, -1, -1] });
    expect(bad(owners, 5, 16, Uint8Array.of(0, 1))).toEqual({ count: 1, frames: [5, -1, -1, -1] });
    expect(bad(owners, 0, 4, Uint8Array.of(0, 1))).toEqual({ count: 0, frames: [-1, -1, -1, -1] });
  });

  it('counts every bad entry, keeping as many as it has room for', () => {
    const owners = new Int32Array(8).fill(99);
    expect(bad(owners, 0, 8, new Uint8Array(2), 3)).toEqual({ count: 8, frames: [0, 1, 2] });
  });
});
