/**
 * Dividing memory by weight, the two ways host policies need it:
 * - `shareOut`: give `total` pages out in proportion to weights, each share
 *   kept within its own minimum and maximum (proportional, esx);
 * - `revoke`: take `pages` back from the holders whose pages-per-weight is
 *   highest first, never below a floor (min-funded revocation: ESX takes from
 *   the VM with the lowest shares-per-page ratio).
 *
 * Both find one level by bisection over a monotone sum, so the result is the
 * same on every run and platform (only +, *, / and comparisons on doubles).
 */
import type { PolicyGuestView, PolicyHostView } from './policy.js';

/** Bisection steps: 2^-100 of the range is far below one page. */
const BISECTION_STEPS = 100;

export interface ShareItem {
  weight: number;
  minPages: number;
  maxPages: number;
}

/**
 * Whole pages for each item: `clamp(level * weight, min, max)`, with the level
 * chosen so that they add up to `total` as nearly as whole pages allow
 * (rounded down, so never more than `total` unless the minimums alone are).
 */
export function shareOut(total: number, items: ReadonlyArray<ShareItem>): number[] {
  for (const item of items) {
    if (!(item.weight >= 0 && item.minPages >= 0 && item.maxPages >= item.minPages)) {
      throw new RangeError(`shareOut: each item needs weight >= 0 and 0 <= minPages <= maxPages, got ${JSON.stringify(item)}`);
    }
  }
  const at = (level: number, item: ShareItem): number => Math.min(item.maxPages, Math.max(item.minPages, level * item.weight));
  const sumAt = (level: number): number => items.reduce((sum, item) => sum + at(level, item), 0);
  let high = 0;
  for (const item of items) if (item.weight > 0) high = Math.max(high, item.maxPages / item.weight);
  let low = 0;
  if (sumAt(high) <= total) low = high;
  else {
    for (let step = 0; step < BISECTION_STEPS; step++) {
      const middle = (low + high) / 2;
      if (sumAt(middle) <= total) low = middle;
      else high = middle;
    }
  }
  return items.map((item) => Math.floor(at(low, item)));
}

export interface RevokeItem {
  weight: number;
  /** Pages held now. */
  allocationPages: number;
  /** Never revoke below this. */
  floorPages: number;
}

/**
 * Takes `pages` back: each item keeps `max(floor, min(allocation, level *
 * weight))`, with the level chosen so that the pages taken add up to at
 * least `pages` (or everything above the floors, if that is less). Items
 * with the most pages per weight lose pages first. Returns the new
 * allocations.
 */
export function revoke(pages: number, items: ReadonlyArray<RevokeItem>): number[] {
  const kept = (level: number, item: RevokeItem): number =>
    item.allocationPages <= item.floorPages ? item.allocationPages : Math.max(item.floorPages, Math.min(item.allocationPages, level * item.weight));
  const takenAt = (level: number): number => items.reduce((sum, item) => sum + item.allocationPages - Math.floor(kept(level, item)), 0);
  if (pages <= 0) return items.map((item) => item.allocationPages);
  let high = 0;
  for (const item of items) if (item.weight > 0) high = Math.max(high, item.allocationPages / item.weight);
  let low = 0;
  if (takenAt(0) > pages) {
    // Bisection: the largest level that still takes enough.
    for (let step = 0; step < BISECTION_STEPS; step++) {
      const middle = (low + high) / 2;
      if (takenAt(middle) >= pages) low = middle;
      else high = middle;
    }
  }
  return items.map((item) => Math.floor(kept(low, item)));
}

/** Guests that host reclaim may take from, with what they hold: alive, above their floor. */
function reclaimable(view: PolicyHostView): PolicyGuestView[] {
  return view.guests.filter((guest) => guest.alive && Math.min(guest.residentPages, guest.targetPages) > guest.floorPages);
}

/**
 * Host reclaim by shares (the default when a policy has none of its own):
 * revokes `frames` from the guests with the fewest shares per resident page
 * first, never below their floor. A guest's allocation is what it holds and
 * may keep: min(resident, target). Returns lowered targets by guest index.
 *
 * @param weightOf a guest's weight; shares by default (ESX passes shares adjusted by its idle tax)
 */
export function reclaimByWeight(view: PolicyHostView, frames: number, weightOf: (guest: PolicyGuestView) => number = (guest) => guest.shares): Map<number, number> {
  const guests = reclaimable(view);
  const items = guests.map((guest) => ({ weight: weightOf(guest), allocationPages: Math.min(guest.residentPages, guest.targetPages), floorPages: guest.floorPages }));
  const kept = revoke(frames, items);
  const targets = new Map<number, number>();
  guests.forEach((guest, i) => {
    // Only guests that give something get a new target; the others keep theirs.
    if (kept[i]! < items[i]!.allocationPages) targets.set(guest.index, kept[i]!);
  });
  return targets;
}
