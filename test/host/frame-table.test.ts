import { describe, expect, it } from 'vitest';
import { describeTransferFailure, FrameTable } from '../../src/host/frame-table.js';
import { RunList } from '../../src/host/frame-runs.js';
import { describeOwner, freeOwnerOfShard, guestIndexOfOwner, isFreeOwner, OWNER_FREE, OWNER_HYPERVISOR, ownerIdOfGuest, shardOfFreeOwner, SHARDS_MAX } from '../../src/host/owners.js';

describe('owners', () => {
  it('maps guest indexes to owner ids and back, keeping 0 for free and -1 for the hypervisor', () => {
    expect(ownerIdOfGuest(0)).toBe(1);
    expect(ownerIdOfGuest(7)).toBe(8);
    expect(guestIndexOfOwner(1)).toBe(0);
    expect(guestIndexOfOwner(8)).toBe(7);
    expect(guestIndexOfOwner(OWNER_FREE)).toBe(-1);
    expect(guestIndexOfOwner(OWNER_HYPERVISOR)).toBe(-1);
    expect(ownerIdOfGuest(0)).not.toBe(OWNER_FREE);
  });

  it('describes owners for reports', () => {
    expect(describeOwner(OWNER_FREE)).toBe('free');
    expect(describeOwner(OWNER_HYPERVISOR)).toBe('hypervisor');
    expect(describeOwner(ownerIdOfGuest(1), ['web', 'db'])).toBe('guest db');
    expect(describeOwner(ownerIdOfGuest(5), ['web'])).toBe('guest #5');
    // A shard's pool marks the frames guests gave back with its own free value.
    expect(describeOwner(freeOwnerOfShard(5))).toBe("free (in shard 5's pool)");
    expect(describeOwner(freeOwnerOfShard(SHARDS_MAX))).toBe(`invalid owner ${freeOwnerOfShard(SHARDS_MAX)}`);
  });

  it('gives each shard a free value of its own, below the hypervisor\'s, and reads it back', () => {
    expect(freeOwnerOfShard(0)).toBeLessThan(OWNER_HYPERVISOR);
    for (const shard of [0, 1, 63, SHARDS_MAX - 1]) {
      expect(shardOfFreeOwner(freeOwnerOfShard(shard))).toBe(shard);
      expect(isFreeOwner(freeOwnerOfShard(shard))).toBe(true);
    }
    for (const owner of [OWNER_HYPERVISOR, ownerIdOfGuest(0), freeOwnerOfShard(SHARDS_MAX)]) {
      expect(shardOfFreeOwner(owner)).toBe(-1);
      expect(isFreeOwner(owner)).toBe(false);
    }
    expect(isFreeOwner(OWNER_FREE)).toBe(true);
  });
});

describe('FrameTable', () => {
  it('starts with every frame free, in a shared WebAssembly memory', () => {
    const table = new FrameTable(16);
    expect(table.frames).toBe(16);
    expect(table.share.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(table.share.memory?.constructor.name).toBe('Memory');
    expect(table.owners.length).toBe(16);
    for (let frame = 0; frame < 16; frame++) expect(table.ownerOf(frame)).toBe(OWNER_FREE);
    expect(table.transferFailures).toBe(0);
    expect(table.transferFailureDetails).toEqual([]);
  });

  it('rejects a frame count that is not an integer from 1 to 2^31-1, naming itself', () => {
    for (const frames of [0, -1, 1.5, Number.NaN, 2 ** 31]) {
      expect(() => new FrameTable(frames)).toThrow(/^FrameTable: /);
    }
  });

  it('accepts the largest count owner ids allow, 2^31-1 frames, in a plain SharedArrayBuffer (too large for a WebAssembly memory; backed lazily: no page of it is touched)', () => {
    const table = new FrameTable(2 ** 31 - 1);
    expect(table.frames).toBe(2 ** 31 - 1);
    expect(table.share.memory).toBeNull();
  });

  it('shares its entries with a second view of the same share, cut to the table although the memory is longer', () => {
    const table = new FrameTable(8);
    expect(table.share.buffer.byteLength).toBe(65_536);
    const view = new FrameTable(table.share);
    expect(view.frames).toBe(8);
    expect(table.transfer(3, OWNER_FREE, ownerIdOfGuest(0))).toBe(true);
    expect(view.ownerOf(3)).toBe(ownerIdOfGuest(0));
    expect(view.transferRange(4, 4, OWNER_FREE, ownerIdOfGuest(1), new RunList())).toBe(4);
    expect(table.ownerOf(7)).toBe(ownerIdOfGuest(1));
  });

  it('takes a run a guest names, up or down, stopping at the first frame that is not the claimed owner\'s, with no failure recorded', () => {
    const table = new FrameTable(16);
    const guest = ownerIdOfGuest(0);
    table.transferRange(2, 10, OWNER_FREE, guest, new RunList());
    table.transfer(4, guest, OWNER_HYPERVISOR);
    expect(table.tryTransferRun(11, 8, -1, guest, OWNER_FREE)).toBe(7);
    expect([11, 10, 9, 8, 7, 6, 5].map((frame) => table.ownerOf(frame))).toEqual(new Array(7).fill(OWNER_FREE));
    expect(table.ownerOf(4)).toBe(OWNER_HYPERVISOR);
    expect(table.ownerOf(3)).toBe(guest);
    expect(table.tryTransferRun(2, 3, 1, guest, OWNER_FREE)).toBe(2);
    expect(table.ownerOf(3)).toBe(OWNER_FREE);
    expect(table.transferFailures).toBe(0);
    expect(() => table.tryTransferRun(1, 3, -1, guest, OWNER_FREE)).toThrow(/tryTransferRun: frames -1 to 1 are not all in the table's 0 to 15$/);
    expect(() => table.tryTransferRun(14, 3, 1, guest, OWNER_FREE)).toThrow(RangeError);
    expect(() => table.tryTransferRun(5, -1, 1, guest, OWNER_FREE)).toThrow(RangeError);
    // An empty run is a run: nothing moves.
    expect(table.tryTransferRun(5, 0, 1, guest, OWNER_FREE)).toBe(0);
    expect(table.tryTransferRun(5, 0, -1, guest, OWNER_FREE)).toBe(0);
  });

  it('refuses a range move that leaves the table, though its memory goes on (a RangeError naming the frames)', () => {
    const table = new FrameTable(8);
    expect(() => table.transferRange(6, 3, OWNER_FREE, ownerIdOfGuest(0), new RunList())).toThrow(/transferRange: frames 6 to 8 are not all in the table's 0 to 7/);
    expect(() => table.transferRange(-1, 2, OWNER_FREE, ownerIdOfGuest(0), new RunList())).toThrow(RangeError);
    expect(() => table.transferRange(5, -1, OWNER_FREE, ownerIdOfGuest(0), new RunList())).toThrow(/transferRange: frames 5 to 3 are not all in the table's 0 to 7/);
    // An empty range is a range: nothing moves.
    expect(table.transferRange(5, 0, OWNER_FREE, ownerIdOfGuest(0), new RunList())).toBe(0);
    expect(table.ownerOf(6)).toBe(OWNER_FREE);
    expect(table.transfers).toBe(0);
  });

  it('transfers a frame from its expected owner', () => {
    const table = new FrameTable(4);
    const guest = ownerIdOfGuest(2);
    expect(table.transfer(1, OWNER_FREE, guest)).toBe(true);
    expect(table.ownerOf(1)).toBe(guest);
    expect(table.transfer(1, guest, OWNER_HYPERVISOR)).toBe(true);
    expect(table.ownerOf(1)).toBe(OWNER_HYPERVISOR);
    expect(table.transfer(1, OWNER_HYPERVISOR, OWNER_FREE)).toBe(true);
    expect(table.ownerOf(1)).toBe(OWNER_FREE);
    expect(table.transferFailures).toBe(0);
  });

  it('refuses a transfer from any other owner, leaves the entry unchanged, and records the failure', () => {
    const table = new FrameTable(4);
    const a = ownerIdOfGuest(0);
    const b = ownerIdOfGuest(1);
    table.transfer(2, OWNER_FREE, a);
    expect(table.transfer(2, b, OWNER_FREE)).toBe(false);
    expect(table.ownerOf(2)).toBe(a);
    expect(table.transfer(2, OWNER_FREE, b)).toBe(false);
    expect(table.ownerOf(2)).toBe(a);
    expect(table.transferFailures).toBe(2);
    expect(table.transferFailureDetails).toEqual([
      { frame: 2, expectedOwner: b, foundOwner: a, newOwner: OWNER_FREE },
      { frame: 2, expectedOwner: OWNER_FREE, foundOwner: a, newOwner: b },
    ]);
    expect(describeTransferFailure(table.transferFailureDetails[0]!, ['web', 'db'])).toBe(
      'frame 2: expected guest db, found guest web (while moving it to free)',
    );
  });

  it('counts every failure but keeps the details of the first 32 only', () => {
    const table = new FrameTable(1);
    for (let i = 0; i < 50; i++) expect(table.transfer(0, ownerIdOfGuest(i), OWNER_FREE)).toBe(false);
    expect(table.transferFailures).toBe(50);
    expect(table.transferFailureDetails).toHaveLength(32);
    expect(table.transferFailureDetails[31]!.expectedOwner).toBe(ownerIdOfGuest(31));
    expect(table.ownerOf(0)).toBe(OWNER_FREE);
  });

  it('counts in `transfers` each change of owner, by transfer, tryTransfer or transferRange, and no failed one', () => {
    const table = new FrameTable(8);
    const a = ownerIdOfGuest(0);
    expect(table.transfer(0, OWNER_FREE, a)).toBe(true);
    expect(table.transfers).toBe(1);
    expect(table.transfer(0, OWNER_FREE, a)).toBe(false);
    expect(table.transfers).toBe(1);
    expect(table.tryTransfer(1, OWNER_FREE, a)).toBe(true);
    expect(table.tryTransfer(1, OWNER_FREE, a)).toBe(false);
    expect(table.transfers).toBe(2);
    // Frames 2..7 from free to guest b: frame 3 is taken already, so 5 move (in two runs) and 1 fails.
    table.transfer(3, OWNER_FREE, a);
    expect(table.transfers).toBe(3);
    const moved = new RunList();
    expect(table.transferRange(2, 6, OWNER_FREE, ownerIdOfGuest(1), moved)).toBe(5);
    expect(Array.from(moved.toRuns())).toEqual([2, 1, 4, 4]);
    expect(table.transfers).toBe(8);
    expect(table.transferFailures).toBe(2);
    expect(table.ownerOf(3)).toBe(a);
  });

  it('names a guest by its index when no names are given', () => {
    const table = new FrameTable(2);
    table.transfer(1, OWNER_FREE, ownerIdOfGuest(0));
    expect(table.transfer(1, OWNER_FREE, OWNER_HYPERVISOR)).toBe(false);
    expect(describeTransferFailure(table.transferFailureDetails[0]!)).toBe('frame 1: expected free, found guest #0 (while moving it to hypervisor)');
  });

  it('counts frames per owner', () => {
    const table = new FrameTable(10);
    table.transfer(0, OWNER_FREE, OWNER_HYPERVISOR);
    table.transfer(1, OWNER_FREE, OWNER_HYPERVISOR);
    for (const frame of [2, 3, 4]) table.transfer(frame, OWNER_FREE, ownerIdOfGuest(0));
    table.transfer(9, OWNER_FREE, ownerIdOfGuest(3));
    const counts = table.countOwners();
    expect(Object.fromEntries(counts)).toEqual({ [OWNER_FREE]: 4, [OWNER_HYPERVISOR]: 2, [ownerIdOfGuest(0)]: 3, [ownerIdOfGuest(3)]: 1 });
    let total = 0;
    for (const count of counts.values()) total += count;
    expect(total).toBe(table.frames);
  });
});
