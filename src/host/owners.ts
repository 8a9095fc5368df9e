/**
 * Values stored in the frame ownership table. A guest's entries hold its
 * owner id, which is its index plus one, so that a zero-filled table means
 * "every frame is free".
 */

export const OWNER_FREE = 0;
export const OWNER_HYPERVISOR = -1;

/** The owner id of the guest with this index. */
export function ownerIdOfGuest(guestIndex: number): number {
  return guestIndex + 1;
}

/** The guest index of an owner id, or -1 if the id is not a guest's. */
export function guestIndexOfOwner(ownerId: number): number {
  return ownerId >= 1 ? ownerId - 1 : -1;
}

/** A readable name for an owner id, for reports. */
export function describeOwner(ownerId: number, guestNames: ReadonlyArray<string> = []): string {
  if (ownerId === OWNER_FREE) return 'free';
  if (ownerId === OWNER_HYPERVISOR) return 'hypervisor';
  const index = guestIndexOfOwner(ownerId);
  if (index < 0) return `invalid owner ${ownerId}`;
  return guestNames[index] !== undefined ? `guest ${guestNames[index]}` : `guest #${index}`;
}
