/**
 * Host paging (ESX's hard and low states): when ballooning cannot bring free
 * memory back fast enough, the host pages guest memory out to its own swap
 * behind the guests' backs. This module keeps the host swap space and plans
 * who pays: guests that hold more frames than their target (what they owe),
 * in proportion to what they owe, at most a disk's worth of pages per tick.
 * The guest's memory-management unit picks the pages at random (ESX picks
 * random pages) and hands the frames over (guest/host-swap.ts).
 */
import type { GuestRecord } from './guest-record.js';
import { shareOut } from '../policy/reclaim.js';

/** How fast the host writes guest memory to its swap: 256 MiB/s (approx.: one fast disk). */
export const HOST_PAGING_BYTES_PER_SECOND = 256 * 2 ** 20;

/**
 * The host's swap device and its counters, in pages. The device sides keep
 * each guest's slots; the manager adds them up after every tick.
 */
export class HostSwapSpace {
  usedPages = 0;
  /** Pages written (paged out) and read back (swap-ins and double-paging reads), since boot. */
  swapOutPages = 0;
  swapInPages = 0;
  /** Ticks in which the host paged something out. */
  pagingTicks = 0;

  constructor(readonly capacityPages: number) {
    if (!(Number.isSafeInteger(capacityPages) && capacityPages >= 0)) throw new RangeError(`HostSwapSpace: capacityPages must be a whole number >= 0, got ${capacityPages}`);
  }

  get freePages(): number {
    return this.capacityPages - this.usedPages;
  }
}

/**
 * How many pages to page out of each guest this tick: up to `demandFrames`
 * (what free memory lacks to reach the soft threshold), within the swap's
 * free space and the paging rate. Guests that own more frames than their
 * target pay first, in proportion to the excess and never more than it (ESX
 * pages to bring a VM down to its target); if that is not enough (targets
 * that back-pressure or floors keep up), the rest is taken from every guest
 * in proportion to the frames it holds above its kernel memory: host paging
 * is the last resort and does not hear distress.
 */
export function planPageOut(
  accounts: ReadonlyArray<GuestRecord>,
  demandFrames: number,
  space: HostSwapSpace,
  tickMs: number,
  frameBytes: number,
): Array<{ account: GuestRecord; pages: number }> {
  const rate = Math.max(1, Math.floor((HOST_PAGING_BYTES_PER_SECOND * tickMs) / 1000 / frameBytes));
  const total = Math.min(demandFrames, space.freePages, rate);
  if (total <= 0) return [];
  const alive = accounts.filter((account) => account.alive);
  const planned = new Map<GuestRecord, number>();
  const owing = alive.filter((account) => account.heldFrames > account.targetPages);
  const first = shareOut(
    total,
    owing.map((account) => {
      const owed = account.heldFrames - account.targetPages;
      return { weight: owed, minPages: 0, maxPages: owed };
    }),
  );
  let left = total;
  owing.forEach((account, i) => {
    planned.set(account, first[i]!);
    left -= first[i]!;
  });
  if (left > 0) {
    const room = (account: GuestRecord): number => Math.max(0, account.heldFrames - account.kernelPages - (planned.get(account) ?? 0));
    const rest = shareOut(
      left,
      alive.map((account) => ({ weight: room(account), minPages: 0, maxPages: room(account) })),
    );
    alive.forEach((account, i) => planned.set(account, (planned.get(account) ?? 0) + rest[i]!));
  }
  const plan: Array<{ account: GuestRecord; pages: number }> = [];
  for (const account of alive) {
    const pages = planned.get(account) ?? 0;
    if (pages > 0) plan.push({ account, pages });
  }
  return plan;
}
