/**
 * The checks of DESIGN.md's invariants 1 and 2 that run while everything
 * moves (free-running mode): an auditor thread reads the frame table and the
 * guests' page-to-frame maps while the host changes owners and the guests
 * map and unmap pages. It must never raise a false alarm.
 *
 * What everyone writes, and in which order:
 *
 * 1. Only the host changes the table, and every change is one
 *    `Atomics.compareExchange` (sequentially consistent).
 * 2. A guest maps a frame only after the host's grant (or boot) message named
 *    it; the host changed the table before it posted that message.
 * 3. A guest unmaps a page before it names the frame in a release; the host
 *    changes the table only after it has received the release.
 * 4. Every change a guest makes to its map happens inside a map window: the
 *    guest's MAP_VERSION counter (guest/shared-memory.ts) is made odd by an
 *    `Atomics.add` before the change and even by another after it, and the
 *    window is closed before the step's messages leave (GuestMemory.publish).
 *    Host paging is a guest-side change too: the guest replaces the frame of
 *    a page the host pages out by a mark (HOST_SWAPPED, SWAP_IN_PENDING, both
 *    negative) in a window, then names the frame in a `pagedOut`, exactly
 *    as in a release; a negative entry maps no frame and is not checked.
 * 5. The host marks a guest DYING in the shared guest states before it takes
 *    back the frames of a dead guest, and RECLAIMED after; it never gives a
 *    frame to a dead guest.
 *
 * What the auditor reads, all with `Atomics.load` (JS atomics are
 * sequentially consistent, so all these reads and writes fall in one total
 * order that agrees with each thread's program order and with
 * postMessage's happens-before):
 *
 * - Invariant 2 (a mapped page's frame is owned by its guest): read the
 *   guest's state (ALIVE) and MAP_VERSION (v1, even); read frameOf[page] (f)
 *   and table[f] (o); read MAP_VERSION again (v2) and the state again. If
 *   v1 === v2 and the guest was ALIVE both times, a mismatch o !== guest is
 *   real: the host can have taken f from the guest only after a release,
 *   which the guest sent after closing the window in which it unmapped f
 *   (3, 4); that closing add comes before the release, the release before
 *   the compare-exchange, the compare-exchange before our table read, and
 *   that before our second version read, which would then differ from v1.
 *   A crash is ruled out the same way by the state reads (5). A map entry
 *   newer than the grant is harmless: the grant's compare-exchange came first
 *   (2). Several pages are read under one pair of version reads (a chunk);
 *   a changed version discards the chunk, which is read again next sweep.
 *   Every mismatch is confirmed by reading the page again in a second stable
 *   window before it is reported.
 * - No frame mapped by two pages: across guests this follows from the check
 *   above (the table names one owner). Within a guest, duplicates count only
 *   if the whole guest was read under one map version (a consistent
 *   snapshot of its map).
 * - Invariant 1 (every frame has one valid owner): each table entry is free,
 *   the hypervisor's, or a guest's; an entry that names a guest whose state
 *   was RECLAIMED before the entry was read is a leak (5). The state is read
 *   first: read the other way round, a frame being taken back could be seen
 *   as still the dead guest's.
 *
 * The tight loops are small functions of their own (see scans.ts for why).
 */
import { frameOfWord, NO_FRAME } from '../guest/shared-memory.js';
import { OWNER_FREE, OWNER_HYPERVISOR } from '../host/owners.js';
import type { Owners } from '../messages/table-share.js';

export { GuestState } from '../host/device/guest-states.js';

/** What a chunk scan saw. */
export interface ChunkScan {
  /** Mapped pages read. */
  mapped: number;
  /** Pages whose frame is out of range or not owned by the guest (positions in `suspects`). */
  suspects: number;
  /** Pages whose frame an earlier page of the same guest scan maps too (positions in `duplicates`). */
  duplicates: number;
}

/**
 * Reads pages [from, to) of one guest: each mapped page's frame must be in
 * range and owned by `ownerId`. Marks each frame with `epoch` in `marks` and
 * notes a frame already marked with it. Up to `suspects.length` suspects and
 * duplicates are kept. Callers decide from the map version whether what was
 * read counts.
 */
export function scanChunk(
  mapWords: Int32Array,
  owners: Owners,
  ownerId: number,
  from: number,
  to: number,
  marks: Uint8Array,
  epoch: number,
  suspects: Int32Array,
  duplicates: Int32Array,
  out: ChunkScan,
): void {
  const frames = owners.length;
  let mapped = 0;
  let suspectCount = 0;
  let duplicateCount = 0;
  for (let page = from; page < to; page++) {
    const frame = frameOfWord(Atomics.load(mapWords, page));
    if (frame < 0) continue; // NO_FRAME, or a page the host paged out (no frame either way)
    mapped++;
    if (frame >= frames || Atomics.load(owners, frame) !== ownerId) {
      if (suspectCount < suspects.length) suspects[suspectCount] = page;
      suspectCount++;
      continue;
    }
    if (marks[frame] === epoch) {
      if (duplicateCount < duplicates.length) duplicates[duplicateCount] = page;
      duplicateCount++;
    }
    marks[frame] = epoch;
  }
  out.mapped = mapped;
  out.suspects = suspectCount;
  out.duplicates = duplicateCount;
}

/**
 * Reads table entries [from, to): each must be free (OWNER_FREE, or one of
 * the `shards` shards' free values), the hypervisor's or a guest's
 * (1..guests), and no entry may name a guest whose state, read before the
 * entry, was RECLAIMED (`reclaimed[g - 1] === 1`). Returns the number of bad
 * entries; the first ones go to `bad`.
 */
export function scanTableChunk(owners: Owners, from: number, to: number, guests: number, shards: number, reclaimed: Uint8Array, bad: Int32Array): number {
  let count = 0;
  const lowestFree = -1 - shards;
  for (let frame = from; frame < to; frame++) {
    const owner = Atomics.load(owners, frame);
    if (owner === OWNER_FREE || owner === OWNER_HYPERVISOR || (owner < OWNER_HYPERVISOR && owner >= lowestFree)) continue;
    if (owner >= 1 && owner <= guests && reclaimed[owner - 1] === 0) continue;
    if (count < bad.length) bad[count] = frame;
    count++;
  }
  return count;
}
