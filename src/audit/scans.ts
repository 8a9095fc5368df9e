/**
 * The tight loops of a full audit, kept apart from the code that words the
 * findings. Each returns counts and the positions of the first few problems;
 * V8 optimises a small loop-only function far better than a loop inside a
 * large function that runs once in a while.
 */
import { OWNER_FREE, OWNER_HYPERVISOR } from '../host/owners.js';

/** Positions of the first problems a scan found; the rest are only counted. */
export const PROBLEMS_KEPT = 3;

export interface ScanFindings {
  problems: number;
  /** The first PROBLEMS_KEPT problem positions (page or pool index). */
  first: number[];
  /** Pages marked paged out by the host (scanGuestPages). */
  pagedOut?: number;
}

/** Frames per owner: free, hypervisor, each guest (by index), and entries that are none of those. */
export interface OwnerCounts {
  free: number;
  hypervisor: number;
  perGuest: Float64Array;
  invalidFrames: number[];
  invalid: number;
}

/** A bitmap of `bits` bits, one per frame: 1/8 byte a frame. */
export function newMarks(bits: number): Uint32Array {
  return new Uint32Array(Math.ceil(bits / 32));
}

/** Counts every entry of the table (plain reads: call at quiescent points only). */
export function countOwners(owners: Int32Array, guests: number): OwnerCounts {
  const perGuest = new Float64Array(guests);
  const invalidFrames: number[] = [];
  let free = 0;
  let hypervisor = 0;
  let invalid = 0;
  for (let frame = 0; frame < owners.length; frame++) {
    const owner = owners[frame]!;
    if (owner === OWNER_FREE) free++;
    else if (owner === OWNER_HYPERVISOR) hypervisor++;
    else if (owner >= 1 && owner <= guests) perGuest[owner - 1]!++;
    else if (invalid++ < PROBLEMS_KEPT) invalidFrames.push(frame);
  }
  return { free, hypervisor, perGuest, invalidFrames, invalid };
}

/** Pooled frames that are out of range, pooled twice, or not free in the table. Marks every pooled frame in the bitmap `marks`. */
export function scanPool(pooled: Int32Array, owners: Int32Array, marks: Uint32Array): ScanFindings {
  const first: number[] = [];
  let problems = 0;
  const frames = owners.length;
  for (let i = 0; i < pooled.length; i++) {
    const frame = pooled[i]!;
    let bad = frame < 0 || frame >= frames;
    if (!bad) {
      const word = frame >>> 5;
      const bit = 1 << (frame & 31);
      bad = (marks[word]! & bit) !== 0 || owners[frame] !== OWNER_FREE;
      marks[word]! |= bit;
    }
    if (bad && problems++ < PROBLEMS_KEPT) first.push(i);
  }
  return { problems, first };
}

/**
 * A range of pooled frames that the pool keeps without listing them (never
 * handed out since boot): each must be in the table, free, and pooled once.
 * Problems are reported as frame numbers. Marks every frame of the range.
 */
export function scanPoolRange(start: number, end: number, owners: Int32Array, marks: Uint32Array): ScanFindings {
  const first: number[] = [];
  let problems = 0;
  if (start < 0 || end > owners.length || start > end) return { problems: 1, first: [start] };
  for (let frame = start; frame < end; frame++) {
    const word = frame >>> 5;
    const bit = 1 << (frame & 31);
    if (((marks[word]! & bit) !== 0 || owners[frame] !== OWNER_FREE) && problems++ < PROBLEMS_KEPT) first.push(frame);
    marks[word]! |= bit;
  }
  return { problems, first };
}

/**
 * One guest's pages: counts pages per state into `counted` and returns the
 * number of mapped pages; a page is a problem if its state is invalid, if it
 * maps a frame when its state says it must not (or the reverse, per
 * `mustMap`: 0 must not, 1 must, 2 must unless marked paged out by the host,
 * frameOf -2 or -3), or if its frame is out of range, already marked (mapped
 * by another page) or not owned by `ownerId`. Marks every mapped frame;
 * counts pages marked paged out in `findings.pagedOut`.
 */
export function scanGuestPages(
  frameOf: Int32Array,
  pageState: Uint8Array,
  owners: Int32Array,
  marks: Uint32Array,
  ownerId: number,
  mustMap: Uint8Array,
  counted: Int32Array,
  findings: ScanFindings,
): number {
  const frames = owners.length;
  const states = counted.length;
  let mapped = 0;
  let pagedOut = 0;
  for (let page = 0; page < frameOf.length; page++) {
    const state = pageState[page]!;
    const frame = frameOf[page]!;
    let bad = false;
    if (state >= states) bad = true;
    else {
      counted[state]!++;
      if (frame === -1) bad = mustMap[state] !== 0;
      else if (frame < 0) {
        pagedOut++;
        bad = mustMap[state] !== 2 || frame < -3;
      } else {
        mapped++;
        if (frame >= frames) bad = true;
        else {
          const word = frame >>> 5;
          const bit = 1 << (frame & 31);
          if (mustMap[state] === 0 || (marks[word]! & bit) !== 0 || owners[frame] !== ownerId) bad = true;
          marks[word]! |= bit;
        }
      }
    }
    if (bad && findings.problems++ < PROBLEMS_KEPT) findings.first.push(page);
  }
  findings.pagedOut = pagedOut;
  return mapped;
}
