/**
 * Values stored in the frame ownership table. A guest's entries hold its
 * owner id, which is its index plus one, so that a zero-filled table means
 * "every frame is free".
 *
 * Free frames are of two kinds. OWNER_FREE frames are held by bookkeeping
 * alone: the never-used ranges a shard of guests was given (its untouched
 * ranges) and the frames the memory manager holds between shards (transit).
 * A frame a guest gave back goes to its shard's pool and is marked with that
 * shard's free value, so that the table itself says which pool holds it: two
 * pools cannot both hold a frame, and when a thread dies the table still
 * says which free frames were its.
 */

export const OWNER_FREE = 0;
export const OWNER_HYPERVISOR = -1;

/** Most shards a host may have (their free values run from -2 down). */
export const SHARDS_MAX = 1 << 16;

/**
 * The narrowest owner width that holds every owner value of a host with
 * `guests` guests and `shards` shards: 16 bits (values from -32,768 to
 * 32,767: up to 32,767 guests, and 32,767 shards, the last one's free value
 * -32,768), else 32. With 16 bits the table is half the memory, and a 64-bit
 * compare-exchange moves four frames (host/frame-moves.ts).
 */
export function ownerBitsFor(guests: number, shards: number): 16 | 32 {
  return ownerIdOfGuest(guests - 1) <= 0x7fff && freeOwnerOfShard(shards - 1) >= -0x8000 ? 16 : 32;
}

/** The owner id of the guest with this index. */
export function ownerIdOfGuest(guestIndex: number): number {
  return guestIndex + 1;
}

/** The guest index of an owner id, or -1 if the id is not a guest's. */
export function guestIndexOfOwner(ownerId: number): number {
  return ownerId >= 1 ? ownerId - 1 : -1;
}

/** The table value of a free frame in shard `shard`'s pool. */
export function freeOwnerOfShard(shard: number): number {
  return -2 - shard;
}

/** The shard whose pool a table value names, or -1 if it names none. */
export function shardOfFreeOwner(owner: number): number {
  return owner <= -2 && owner > -2 - SHARDS_MAX ? -2 - owner : -1;
}

/** True for the values of free frames (held by bookkeeping or in a shard's pool). */
export function isFreeOwner(owner: number): boolean {
  return owner === OWNER_FREE || shardOfFreeOwner(owner) >= 0;
}

/** A readable name for an owner id, for reports. */
export function describeOwner(ownerId: number, guestNames: ReadonlyArray<string> = []): string {
  if (ownerId === OWNER_FREE) return 'free';
  if (ownerId === OWNER_HYPERVISOR) return 'hypervisor';
  const shard = shardOfFreeOwner(ownerId);
  if (shard >= 0) return `free (in shard ${shard}'s pool)`;
  const index = guestIndexOfOwner(ownerId);
  if (index < 0) return `invalid owner ${ownerId}`;
  return guestNames[index] !== undefined ? `guest ${guestNames[index]}` : `guest #${index}`;
}
