/**
 * The tight loops of a full audit, kept apart from the code that words the
 * findings. Each returns counts and the positions of the first few problems;
 * V8 optimises a small loop-only function far better than a loop inside a
 * large function that runs once in a while.
 */

import { frameOfWord } from '../guest/shared-memory.js';

/** Positions of the first problems a scan found; the rest are only counted. */
export const PROBLEMS_KEPT = 3;

export interface ScanFindings {
  problems: number;
  /** The first PROBLEMS_KEPT problem positions (page or pool index). */
  first: number[];
  /** Pages marked paged out by the host (scanGuestPages). */
  pagedOut?: number;
}

/** Table entries of a slice per owner value, and entries that are no owner's. */
export interface OwnerValueCounts {
  /** Index `owner + shards + 1`: shards' free values, the hypervisor, free, then guests 1..G. */
  counts: Float64Array;
  invalid: number;
  /** The first PROBLEMS_KEPT entries that are no owner's. */
  invalidFrames: number[];
}

/** A bitmap of `bits` bits, one per frame: 1/8 byte a frame. */
export function newMarks(bits: number): Uint32Array {
  return new Uint32Array(Math.ceil(bits / 32));
}

/**
 * Counts the entries of the table slice [start, end) per owner value (plain
 * reads: call at quiescent points only). Valid values run from the last
 * shard's free value (-1 - shards) to the last guest's id (guests).
 */
export function countOwnerValues(owners: Int32Array, start: number, end: number, guests: number, shards: number): OwnerValueCounts {
  const offset = shards + 1;
  const counts = new Float64Array(guests + shards + 2);
  const low = -1 - shards;
  const invalidFrames: number[] = [];
  let invalid = 0;
  for (let frame = start; frame < end; frame++) {
    const owner = owners[frame]!;
    if (owner >= low && owner <= guests) counts[owner + offset]!++;
    else if (invalid++ < PROBLEMS_KEPT) invalidFrames.push(frame);
  }
  return { counts, invalid, invalidFrames };
}

/**
 * Pooled runs (first, count pairs) whose frames are out of range, pooled
 * twice or not `expected` in the table. Marks every frame in `marks`;
 * problems are reported as frame numbers.
 */
export function scanRuns(runs: Int32Array, owners: Int32Array, marks: Uint32Array, expected: number): ScanFindings {
  const findings: ScanFindings = { problems: 0, first: [] };
  for (let i = 0; i < runs.length; i += 2) {
    const part = scanRange(runs[i]!, runs[i]! + runs[i + 1]!, owners, marks, expected);
    for (const frame of part.first) if (findings.first.length < PROBLEMS_KEPT) findings.first.push(frame);
    findings.problems += part.problems;
  }
  return findings;
}

/**
 * Runs (first, count pairs) of frames that must all be `expected` in the
 * table (the manager's transit: OWNER_FREE): frames outside the table or
 * not `expected` are problems, reported as frame numbers. No marks: the
 * caller checks overlaps between holders by ranges.
 */
export function scanFreeRuns(runs: Int32Array, owners: Int32Array, expected: number): ScanFindings {
  const first: number[] = [];
  let problems = 0;
  const frames = owners.length;
  for (let i = 0; i < runs.length; i += 2) {
    const start = runs[i]!;
    const end = start + runs[i + 1]!;
    for (let frame = start; frame < end; frame++) {
      if ((frame < 0 || frame >= frames || owners[frame] !== expected) && problems++ < PROBLEMS_KEPT) first.push(frame);
    }
  }
  return { problems, first };
}

/**
 * The pooled frames [start, end): each must be in the table, `expected`
 * there, and pooled once. Problems are reported as frame numbers. Marks every frame.
 */
export function scanRange(start: number, end: number, owners: Int32Array, marks: Uint32Array, expected: number): ScanFindings {
  const first: number[] = [];
  let problems = 0;
  if (!(start >= 0 && end <= owners.length && start <= end)) return { problems: 1, first: [start] };
  for (let frame = start; frame < end; frame++) {
    const word = frame >>> 5;
    const bit = 1 << (frame & 31);
    if (((marks[word]! & bit) !== 0 || owners[frame] !== expected) && problems++ < PROBLEMS_KEPT) first.push(frame);
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
  mapWords: Int32Array,
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
  for (let page = 0; page < mapWords.length; page++) {
    const state = pageState[page]!;
    const frame = frameOfWord(mapWords[page]!);
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
