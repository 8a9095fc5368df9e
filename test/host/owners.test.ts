/** The values of the frame table: guests' owner ids, the free values of shards' pools, and their names in reports. */
import { describe, expect, it } from 'vitest';
import { describeOwner, freeOwnerOfShard, guestIndexOfOwner, isFreeOwner, OWNER_FREE, OWNER_HYPERVISOR, ownerBitsFor, ownerIdOfGuest, SHARDS_MAX, shardOfFreeOwner } from '../../src/host/owners.js';

describe('owner ids', () => {
  it('a guest owns with its index plus one, so that a zero-filled table is all free', () => {
    expect(OWNER_FREE).toBe(0);
    expect(ownerIdOfGuest(0)).toBe(1);
    expect(ownerIdOfGuest(41)).toBe(42);
    expect(guestIndexOfOwner(42)).toBe(41);
    for (const notAGuest of [OWNER_FREE, OWNER_HYPERVISOR, freeOwnerOfShard(0)]) expect(guestIndexOfOwner(notAGuest)).toBe(-1);
  });

  it('shard pools have free values from -2 down, none taken by the hypervisor', () => {
    expect(freeOwnerOfShard(0)).toBe(-2);
    expect(freeOwnerOfShard(5)).toBe(-7);
    expect(shardOfFreeOwner(-7)).toBe(5);
    expect(shardOfFreeOwner(freeOwnerOfShard(SHARDS_MAX - 1))).toBe(SHARDS_MAX - 1);
    // Past the last shard, the hypervisor, free and guests: no shard.
    for (const value of [freeOwnerOfShard(SHARDS_MAX), OWNER_HYPERVISOR, OWNER_FREE, 3]) expect(shardOfFreeOwner(value)).toBe(-1);
  });

  it('free frames are OWNER_FREE or in a shard\'s pool; the hypervisor\'s and guests\' are not', () => {
    expect(isFreeOwner(OWNER_FREE)).toBe(true);
    expect(isFreeOwner(freeOwnerOfShard(3))).toBe(true);
    expect(isFreeOwner(OWNER_HYPERVISOR)).toBe(false);
    expect(isFreeOwner(ownerIdOfGuest(0))).toBe(false);
    expect(isFreeOwner(freeOwnerOfShard(SHARDS_MAX))).toBe(false);
  });

  it('fit 16 bits up to 32,767 guests and 32,767 shards (the owner ids and free values at the ends of an Int16Array), 32 bits past that', () => {
    expect(ownerBitsFor(1, 1)).toBe(16);
    expect(ownerIdOfGuest(32_766)).toBe(0x7fff);
    expect(freeOwnerOfShard(32_766)).toBe(-0x8000);
    expect(ownerBitsFor(32_767, 32_767)).toBe(16);
    expect(ownerBitsFor(32_768, 64)).toBe(32);
    expect(ownerBitsFor(40_000, 32_768)).toBe(32);
    expect(ownerBitsFor(100_000, SHARDS_MAX)).toBe(32);
  });

  it('names owners for reports, by guest name when known', () => {
    expect(describeOwner(OWNER_FREE)).toBe('free');
    expect(describeOwner(OWNER_HYPERVISOR)).toBe('hypervisor');
    expect(describeOwner(freeOwnerOfShard(2))).toBe("free (in shard 2's pool)");
    expect(describeOwner(ownerIdOfGuest(1), ['web', 'db'])).toBe('guest db');
    expect(describeOwner(ownerIdOfGuest(7), ['web'])).toBe('guest #7');
    expect(describeOwner(freeOwnerOfShard(SHARDS_MAX))).toBe(`invalid owner ${freeOwnerOfShard(SHARDS_MAX)}`);
  });
});
