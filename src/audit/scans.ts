/**
 * The tight loops of a full audit, kept apart from the code that words the
 * findings. Each returns counts and the positions of the first few problems;
 * V8 optimises a small loop-only function far better than a loop inside a
 * large function that runs once in a while.
 */

import { frameOfWord } from '../guest/shared-memory.js';
import type { PageRuns } from './page-scans.js';
import type { TableScan } from './table-scans.js';
import type { Owners } from '../messages/table-share.js';

/** Positions of the first problems a scan found; the rest are only counted. */
export const PROBLEMS_KEPT = 3;

export interface ScanFindings {
  problems: number;
  /** The first PROBLEMS_KEPT problem positions (page or pool index). */
  first: number[];
  /** Pages marked paged out by the host (scanGuestPages). */
  pagedOut?: number;
  /**
   * How scanGuestPages went: runs of pages it checked at once, and pages it
   * checked one by one (paged-out marks, invalid states, runs with a
   * problem). The findings do not depend on them; they say that the scan of
   * an honest guest takes the fast way (tests hold it to that).
   */
  runsAtOnce?: number;
  pagesOneByOne?: number;
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
export function countOwnerValues(table: TableScan, start: number, end: number, guests: number, shards: number): OwnerValueCounts {
  const owners = table.owners;
  const offset = shards + 1;
  const counts = new Float64Array(guests + shards + 2);
  const low = -1 - shards;
  const invalidFrames: number[] = [];
  let invalid = 0;
  for (let frame = start; frame < end; ) {
    const owner = owners[frame]!;
    if (owner >= low && owner <= guests) {
      // Owners come in runs (frames move in ranges): count a run at once.
      const next = table.sameEnd(frame + 1, end, owner);
      counts[owner + offset]! += next - frame;
      frame = next;
    } else {
      if (invalid++ < PROBLEMS_KEPT) invalidFrames.push(frame);
      frame++;
    }
  }
  return { counts, invalid, invalidFrames };
}

/**
 * Pooled runs (first, count pairs) whose frames are out of range, pooled
 * twice or not `expected` in the table. Marks every frame in `marks`;
 * problems are reported as frame numbers.
 */
export function scanRuns(runs: Int32Array, table: TableScan, marks: Uint32Array, expected: number): ScanFindings {
  const findings: ScanFindings = { problems: 0, first: [] };
  for (let i = 0; i < runs.length; i += 2) {
    const part = scanRange(runs[i]!, runs[i]! + runs[i + 1]!, table, marks, expected);
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
export function scanFreeRuns(runs: Int32Array, table: TableScan, expected: number): ScanFindings {
  const owners = table.owners;
  const first: number[] = [];
  let problems = 0;
  const frames = owners.length;
  for (let i = 0; i < runs.length; i += 2) {
    const start = runs[i]!;
    const end = start + runs[i + 1]!;
    // A run inside the table whose frames are all `expected` has no problem; any other goes frame by frame.
    if (start >= 0 && end <= frames && table.sameEnd(start, end, expected) === end) continue;
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
export function scanRange(start: number, end: number, table: TableScan, marks: Uint32Array, expected: number): ScanFindings {
  const owners = table.owners;
  const first: number[] = [];
  let problems = 0;
  if (!(start >= 0 && end <= owners.length && start <= end)) return { problems: 1, first: [start] };
  // All `expected` and none marked: marked at once, a word of marks at a time; else frame by frame.
  if (table.sameEnd(start, end, expected) === end && unmarked(marks, start, end)) {
    mark(marks, start, end);
    return { problems, first };
  }
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
 *
 * Pages come in runs (one state, and either no frame or consecutive frames,
 * going up or down: grants are ranges), and a run is checked at once:
 * `pageRuns` (of these same pages) finds where it ends, `table` reads its
 * frames' owners, and its marks go a word at a time. A run with any problem in
 * it is checked again page by page (`scanPages`), before anything of it is
 * counted or marked, so the findings are the same as a scan page by page.
 */
export function scanGuestPages(
  mapWords: Int32Array,
  pageState: Uint8Array,
  pageRuns: PageRuns,
  table: TableScan,
  marks: Uint32Array,
  ownerId: number,
  mustMap: Uint8Array,
  counted: Int32Array,
  findings: ScanFindings,
): number {
  const owners = table.owners;
  const pages = mapWords.length;
  const frames = owners.length;
  const states = counted.length;
  let mapped = 0;
  let runsAtOnce = 0;
  let pagesOneByOne = 0;
  findings.pagedOut = 0;
  for (let page = 0; page < pages; ) {
    const state = pageState[page]!;
    const word = mapWords[page]!;
    let end = page + 1;
    if (word === 0) {
      // No frame: the run goes on while the pages stay in this state without one.
      end = pageRuns.unmappedEnd(end, state);
      if (state < states && mustMap[state] === 0) {
        counted[state]! += end - page;
        runsAtOnce++;
        page = end;
        continue;
      }
    } else if (word < 0) {
      // A frame: the run goes on while the next page maps the next frame up (its word one less) or down (one
      // more: a guest maps the frames of a grant to its free pages from the top), in this state. Down stops at frame 0.
      const frame = frameOfWord(word);
      const frameStep = end < pages && mapWords[end] === word + 1 && frame > 0 ? -1 : 1;
      end = pageRuns.mappedEnd(end, word - frameStep, state, frameStep, frameStep === 1 ? pages : Math.min(pages, page + frame + 1));
      // The run's frames, [first, last).
      const first = frameStep === 1 ? frame : frame - (end - page) + 1;
      const last = first + (end - page);
      if (state < states && mustMap[state] !== 0 && last <= frames && table.sameEnd(first, last, ownerId) === last && unmarked(marks, first, last)) {
        mark(marks, first, last);
        counted[state]! += end - page;
        mapped += end - page;
        runsAtOnce++;
        page = end;
        continue;
      }
    }
    // A paged-out mark, an invalid state or a problem somewhere in the run: page by page.
    mapped += scanPages(mapWords, pageState, owners, marks, ownerId, mustMap, counted, findings, page, end);
    pagesOneByOne += end - page;
    page = end;
  }
  findings.runsAtOnce = runsAtOnce;
  findings.pagesOneByOne = pagesOneByOne;
  return mapped;
}

/** The bits of `marks` for the frames [first, last) of one 32-bit word, first and last in the same word (last > first). */
function wordMask(first: number, last: number): number {
  const width = last - first;
  // ~(-1 << width), not (1 << width) - 1: that overflows 32 bits at width 31.
  return (width === 32 ? -1 : ~(-1 << width)) << (first & 31);
}

/** Whether no frame of [first, last) is marked, a word of marks at a time. */
function unmarked(marks: Uint32Array, first: number, last: number): boolean {
  for (let frame = first; frame < last; ) {
    const next = Math.min(last, ((frame >>> 5) + 1) << 5);
    if ((marks[frame >>> 5]! & wordMask(frame, next)) !== 0) return false;
    frame = next;
  }
  return true;
}

/** Marks the frames [first, last), a word of marks at a time. */
function mark(marks: Uint32Array, first: number, last: number): void {
  for (let frame = first; frame < last; ) {
    const next = Math.min(last, ((frame >>> 5) + 1) << 5);
    marks[frame >>> 5]! |= wordMask(frame, next);
    frame = next;
  }
}

/** `scanGuestPages` page by page over the pages [from, to): counts, marks and problems added to the caller's; returns the mapped pages. */
function scanPages(
  mapWords: Int32Array,
  pageState: Uint8Array,
  owners: Owners,
  marks: Uint32Array,
  ownerId: number,
  mustMap: Uint8Array,
  counted: Int32Array,
  findings: ScanFindings,
  from: number,
  to: number,
): number {
  const frames = owners.length;
  const states = counted.length;
  let mapped = 0;
  let pagedOut = 0;
  for (let page = from; page < to; page++) {
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
  findings.pagedOut = (findings.pagedOut ?? 0) + pagedOut;
  return mapped;
}
