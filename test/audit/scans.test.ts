/** The full audit's tight loops: counts per owner value, pooled frames, and one guest's pages against the table. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countOwnerValues, newMarks, PROBLEMS_KEPT, scanFreeRuns, scanGuestPages, scanRange, scanRuns, type ScanFindings } from '../../src/audit/scans.js';
import { pageRunsInJs, pageRunsOf, type PageRuns } from '../../src/audit/page-scans.js';
import { tableScanInJs, tableScanOf, type TableScan } from '../../src/audit/table-scans.js';
import { allocatePageMaps } from '../../src/guest/page-map-arena.js';
import { allocateTable } from '../../src/host/frame-moves.js';
import { ownersOf } from '../../src/messages/table-share.js';
import { HOST_SWAPPED, NO_FRAME, SWAP_IN_PENDING, wordOfFrame } from '../../src/guest/shared-memory.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';

/** The table as the audit scans it: a copy of `values` in a WebAssembly memory, scanned there (as in a run). */
function table(values: Int32Array): TableScan {
  const share = allocateTable(Math.max(1, values.length));
  const owners = ownersOf(share).subarray(0, values.length);
  owners.set(values);
  return tableScanOf(share, owners);
}

/** A guest's map words and states copied into an arena (a WebAssembly memory, as in a run), and their runs found there. */
function inArena(words: Int32Array, states: Uint8Array): [Int32Array, Uint8Array, PageRuns] {
  const [views] = allocatePageMaps([Math.max(1, words.length)]);
  const arenaWords = views!.frameOf.subarray(0, words.length);
  const arenaStates = views!.pageState.subarray(0, states.length);
  arenaWords.set(words);
  arenaStates.set(states);
  return [arenaWords, arenaStates, pageRunsOf(arenaWords, arenaStates, views!.arena)];
}

describe('newMarks', () => {
  it('holds one bit per frame, in 32-bit words', () => {
    expect(newMarks(0).length).toBe(0);
    expect(newMarks(1).length).toBe(1);
    expect(newMarks(32).length).toBe(1);
    expect(newMarks(33).length).toBe(2);
  });
});

describe('countOwnerValues', () => {
  it('counts entries per value from the last shard\'s free value to the last guest, and keeps the first invalid frames', () => {
    // 2 guests, 2 shards: valid values -3 (shard 1), -2 (shard 0), -1 (hypervisor), 0 (free), 1, 2.
    const owners = Int32Array.of(0, 1, 1, 2, -1, -2, -3, 3, -4, 9, 7, 0);
    const { counts, invalid, invalidFrames } = countOwnerValues(table(owners), 0, owners.length, 2, 2);
    // Index owner + shards + 1.
    expect(Array.from(counts)).toEqual([1, 1, 1, 2, 2, 1]);
    expect(invalid).toBe(4);
    expect(invalidFrames).toEqual([7, 8, 9].slice(0, PROBLEMS_KEPT));
  });

  it('counts only its slice', () => {
    const owners = Int32Array.of(1, 1, 0, 0);
    expect(Array.from(countOwnerValues(table(owners), 1, 3, 1, 0).counts)).toEqual([0, 1, 1]);
  });
});

describe('scanRange and scanRuns', () => {
  it('finds pooled frames that are not the pool\'s value in the table or are pooled twice, and marks every frame', () => {
    const owners = Int32Array.of(-2, -2, 1, -2, -2, -2);
    const marks = newMarks(owners.length);
    expect(scanRange(0, 2, table(owners), marks, -2)).toEqual({ problems: 0, first: [] });
    // Frame 2 is a guest's; frame 1 is pooled a second time.
    expect(scanRange(1, 4, table(owners), marks, -2)).toEqual({ problems: 2, first: [1, 2] });
    expect(marks[0]).toBe(0b1111);
  });

  it('reports a range outside the table as one problem at its start', () => {
    const owners = new Int32Array(4);
    expect(scanRange(2, 5, table(owners), newMarks(4), 0)).toEqual({ problems: 1, first: [2] });
    expect(scanRange(-1, 2, table(owners), newMarks(4), 0)).toEqual({ problems: 1, first: [-1] });
    expect(scanRange(3, 2, table(owners), newMarks(4), 0)).toEqual({ problems: 1, first: [3] });
  });

  it('reports a range that starts below frame 0 as one problem, however far below it starts', () => {
    // Without the check of the start, the frames below 0 would each count (owners[-2] reads undefined).
    expect(scanRange(-2, 1, table(new Int32Array(4)), newMarks(4), 0)).toEqual({ problems: 1, first: [-2] });
  });

  it('takes an empty range [start, start) as no problem and marks nothing', () => {
    const marks = newMarks(4);
    expect(scanRange(2, 2, table(new Int32Array(4)), marks, 0)).toEqual({ problems: 0, first: [] });
    expect(scanRange(4, 4, table(new Int32Array(4)), marks, 0)).toEqual({ problems: 0, first: [] });
    expect(marks[0]).toBe(0);
  });

  it('finds the frames pooled twice in a range whose owners are all right, and marks every frame', () => {
    const owners = new Int32Array(40).fill(-2);
    const marks = newMarks(owners.length);
    expect(scanRange(0, 10, table(owners), marks, -2)).toEqual({ problems: 0, first: [] });
    expect(scanRange(5, 40, table(owners), marks, -2)).toEqual({ problems: 5, first: [5, 6, 7] });
    expect(Array.from(marks)).toEqual([0xffff_ffff, 0xff]);
  });

  it('scans runs (first, count) and keeps only the first few problems, counting all', () => {
    const owners = new Int32Array(20).fill(5);
    const findings = scanRuns(Int32Array.of(0, 2, 10, 3, 0, 1), table(owners), newMarks(20), -2);
    expect(findings.problems).toBe(6);
    expect(findings.first).toEqual([0, 1, 10]);
  });
});

describe('scanFreeRuns', () => {
  it('finds frames of runs that are outside the table or not the expected value, counting all and keeping the first few', () => {
    const owners = Int32Array.of(0, 0, 0, 4, 0, 0, 0, 0);
    // [0, 3) is free; [2, 5) holds frame 3, a guest's; [6, 10) reaches two frames past the table.
    const findings = scanFreeRuns(Int32Array.of(0, 3, 2, 3, 6, 4), table(owners), 0);
    expect(findings).toEqual({ problems: 3, first: [3, 8, 9] });
    expect(scanFreeRuns(Int32Array.of(0, 3, 4, 4), table(owners), 0)).toEqual({ problems: 0, first: [] });
    expect(scanFreeRuns(Int32Array.of(-2, 3), table(owners), 0)).toEqual({ problems: 2, first: [-2, -1] });
  });

  it('finds the frames of a long run past the end of the table, though the memory past it reads as free', () => {
    // A table of 100 frames in a WebAssembly memory of 64 KiB: what lies past frame 99 is zero, the free value.
    const owners = new Int32Array(100);
    expect(scanFreeRuns(Int32Array.of(60, 80), table(owners), 0)).toEqual({ problems: 40, first: [100, 101, 102] });
  });
});

describe('scanGuestPages', () => {
  // Two states: 0 must not map (free-unbacked), 1 must map (anon), 2 must map unless paged out by the host.
  const mustMap = Uint8Array.of(0, 1, 2);
  const fresh = (): ScanFindings => ({ problems: 0, first: [] });

  it('counts pages per state, returns the mapped ones, and counts pages the host paged out', () => {
    const owners = Int32Array.of(1, 1, 1, 0);
    const words = Int32Array.from([NO_FRAME, 0, 1, HOST_SWAPPED, SWAP_IN_PENDING, 2].map(wordOfFrame));
    const states = Uint8Array.of(0, 1, 2, 2, 2, 1);
    const counted = new Int32Array(3);
    const findings = fresh();
    const mapped = scanGuestPages(...inArena(words, states), table(owners), newMarks(4), 1, mustMap, counted, findings);
    expect(mapped).toBe(3);
    expect(Array.from(counted)).toEqual([1, 2, 3]);
    // The two paged-out marks are checked one by one; the other pages in four runs at once (the states split them).
    expect(findings).toEqual({ problems: 0, first: [], pagedOut: 2, runsAtOnce: 4, pagesOneByOne: 2 });
  });

  it('finds each kind of bad page: invalid state, mapped when it must not, unmapped when it must, frame out of range, mapped twice, not the guest\'s, a paged-out mark where none may be', () => {
    const owners = Int32Array.of(1, 1, 2);
    // Each case: its pages (state, frame); only the last one is bad.
    const cases: Record<string, Array<[state: number, frame: number]>> = {
      'invalid state': [[7, NO_FRAME]],
      'mapped when it must not': [[0, 0]],
      'unmapped when it must': [[1, NO_FRAME]],
      'frame out of range': [[1, 3]],
      'mapped twice': [
        [1, 1],
        [1, 1],
      ],
      'another guest\'s frame': [[1, 2]],
      'paged out where it may not be': [[1, HOST_SWAPPED]],
      'no such mark': [[2, -4]],
    };
    for (const [name, pages] of Object.entries(cases)) {
      const findings = fresh();
      const words = Int32Array.from(pages.map(([, frame]) => wordOfFrame(frame)));
      const states = Uint8Array.from(pages.map(([state]) => state));
      scanGuestPages(...inArena(words, states), table(owners), newMarks(3), 1, mustMap, new Int32Array(3), findings);
      expect([name, findings.problems, findings.first]).toEqual([name, 1, [pages.length - 1]]);
    }
  });

  it('keeps the first 3 bad pages and counts the rest', () => {
    const words = new Int32Array(10).fill(wordOfFrame(NO_FRAME));
    const states = new Uint8Array(10).fill(1);
    const findings = fresh();
    scanGuestPages(...inArena(words, states), table(new Int32Array(1)), newMarks(1), 1, mustMap, new Int32Array(3), findings);
    expect(findings.problems).toBe(10);
    expect(findings.first).toEqual([0, 1, 2]);
  });
});

/**
 * The scan checks runs of pages at once and falls back to page by page for a
 * run with a problem: whatever the pages, it must find exactly what a plain
 * page-by-page scan finds (counts, mapped pages, marks, problems and their
 * first positions). The reference below is that plain scan, written apart.
 */
function scanPageByPage(words: Int32Array, states: Uint8Array, owners: Int32Array, marks: Uint32Array, ownerId: number, mustMap: Uint8Array, counted: Int32Array, findings: ScanFindings): number {
  let mapped = 0;
  let pagedOut = 0;
  for (let page = 0; page < words.length; page++) {
    const state = states[page]!;
    const frame = ~words[page]!;
    let bad: boolean;
    if (state >= counted.length) bad = true;
    else if (frame === NO_FRAME) {
      counted[state]!++;
      bad = mustMap[state] !== 0;
    } else if (frame < 0) {
      counted[state]!++;
      pagedOut++;
      bad = mustMap[state] !== 2 || frame < SWAP_IN_PENDING;
    } else {
      counted[state]!++;
      mapped++;
      const marked = frame < owners.length && (marks[frame >>> 5]! & (1 << (frame & 31))) !== 0;
      bad = frame >= owners.length || mustMap[state] === 0 || marked || owners[frame] !== ownerId;
      if (frame < owners.length) marks[frame >>> 5]! |= 1 << (frame & 31);
    }
    if (bad && findings.problems++ < PROBLEMS_KEPT) findings.first.push(page);
  }
  findings.pagedOut = pagedOut;
  return mapped;
}

/** A stretch of pages: one state, and no frame, one mark, or consecutive frames from `frame` (up, or down to frame 0). */
interface Stretch {
  state: number;
  kind: 'none' | 'frames' | 'down' | 'mark';
  frame: number;
  length: number;
}

const stretchArb: fc.Arbitrary<Stretch> = fc.record({
  // States 0..2 are valid (mustMap below), 3 is not.
  state: fc.integer({ min: 0, max: 3 }),
  kind: fc.constantFrom<Stretch['kind']>('none', 'frames', 'frames', 'down', 'mark'),
  // Frames reach past the table's 160 frames; marks go below SWAP_IN_PENDING.
  frame: fc.integer({ min: 0, max: 170 }),
  length: fc.integer({ min: 1, max: 70 }),
});

/** The table: runs of owners (mostly the guest, 1), so that runs of frames are often whole and sometimes broken. */
const ownersArb = fc.array(fc.record({ owner: fc.constantFrom(1, 1, 1, 2, 0), length: fc.integer({ min: 1, max: 90 }) }), { minLength: 1, maxLength: 8 });

const runsParams = propertyParams<[Stretch[], { owner: number; length: number }[], number[]]>('finds what a page-by-page scan finds', { numRuns: 300 });

describe(`scanGuestPages on runs of pages ${describeSeed(runsParams.seed)}`, () => {
  // As the audit's: an entry for every byte value, 0 past the valid states (an invalid state is found by the state's range, not by this table).
  const mustMap = new Uint8Array(256);
  mustMap.set([0, 1, 2]);
  it(runsParams.name, () => {
    assertProperty(
      fc.property(fc.array(stretchArb, { maxLength: 12 }), ownersArb, fc.array(fc.integer({ min: 0, max: 159 }), { maxLength: 3 }), (stretches, ownerRuns, premarked) => {
        const owners = new Int32Array(160);
        let at = 0;
        for (const { owner, length } of ownerRuns) {
          owners.fill(owner, at, Math.min(owners.length, at + length));
          at += length;
        }
        const pages: number[] = [];
        const states: number[] = [];
        for (const stretch of stretches) {
          for (let k = 0; k < stretch.length; k++) {
            states.push(stretch.state);
            if (stretch.kind === 'none') pages.push(wordOfFrame(NO_FRAME));
            else if (stretch.kind === 'mark') pages.push(wordOfFrame(-2 - (stretch.frame % 3)));
            else if (stretch.kind === 'down') pages.push(wordOfFrame(Math.max(0, stretch.frame - k)));
            else pages.push(wordOfFrame(stretch.frame + k));
          }
        }
        const words = Int32Array.from(pages);
        const pageStates = Uint8Array.from(states);
        const run = (scan: (marks: Uint32Array, counted: Int32Array, findings: ScanFindings) => number) => {
          const marks = newMarks(owners.length);
          for (const frame of premarked) marks[frame >>> 5]! |= 1 << (frame & 31);
          const counted = new Int32Array(3);
          const findings: ScanFindings = { problems: 0, first: [] };
          const mapped = scan(marks, counted, findings);
          return { mapped, counted: Array.from(counted), findings, marks: Array.from(marks) };
        };
        const reference = run((marks, counted, findings) => scanPageByPage(words, pageStates, owners, marks, 1, mustMap, counted, findings));
        // As the audit runs it (the map, the states and the table in WebAssembly memories, runs found there), and
        // with the other loops: in JavaScript, the states on a word boundary (read four at a time) and one past it
        // (read one by one).
        const statesOffBoundary = new Uint8Array(pageStates.length + 1).fill(9).subarray(1);
        statesOffBoundary.set(pageStates);
        const ways: Array<[Int32Array, Uint8Array, PageRuns, TableScan]> = [
          [...inArena(words, pageStates), table(owners)],
          [words, pageStates, pageRunsInJs(words, pageStates), tableScanInJs(owners)],
          [words, statesOffBoundary, pageRunsInJs(words, statesOffBoundary), tableScanInJs(owners)],
        ];
        for (const [scannedWords, scannedStates, pageRuns, tableScan] of ways) {
          const { findings, ...rest } = run((marks, counted, found) => scanGuestPages(scannedWords, scannedStates, pageRuns, tableScan, marks, 1, mustMap, counted, found));
          const { runsAtOnce, pagesOneByOne, ...found } = findings;
          expect({ ...rest, findings: found }).toEqual(reference);
          // Every page is checked once, at once or one by one, and each page with a problem one by one.
          expect(runsAtOnce).toBeLessThanOrEqual(words.length - pagesOneByOne!);
          expect(pagesOneByOne).toBeGreaterThanOrEqual(reference.findings.problems);
          // With no problem and no paged-out mark, every page goes the fast way.
          if (reference.findings.problems === 0 && reference.findings.pagedOut === 0) expect(pagesOneByOne).toBe(0);
        }
      }),
      runsParams,
    );
  });

  it('checks runs at once and only the runs with a problem page by page', () => {
    const owners = new Int32Array(200).fill(1);
    owners[70] = 2; // just past a run's frames: the run reads no further than its own
    const marks = newMarks(owners.length);
    marks[44 >>> 5]! |= 1 << (44 & 31); // frame 44, mapped already by another page
    const layout: Array<[state: number, count: number, frame: (k: number) => number]> = [
      [0, 40, () => NO_FRAME], // a run without frames
      [1, 60, (k) => 100 + k], // across words of marks
      [1, 10, (k) => 60 + k], // the next frame, 70, is another guest's
      [1, 20, (k) => 180 + k], // up to the table's last frame
      [0, 1, () => HOST_SWAPPED], // a paged-out mark where none may be...
      [0, 1, () => NO_FRAME], // ...and a page without a frame after it: its own run
      [1, 8, (k) => 40 + k], // frame 44 is marked: page by page
      [3, 10, () => NO_FRAME], // an invalid state: page by page
    ];
    const words: number[] = [];
    const states: number[] = [];
    for (const [state, count, frame] of layout) {
      for (let k = 0; k < count; k++) {
        words.push(wordOfFrame(frame(k)));
        states.push(state);
      }
    }
    const findings: ScanFindings = { problems: 0, first: [] };
    const counted = new Int32Array(3);
    const mapped = scanGuestPages(...inArena(Int32Array.from(words), Uint8Array.from(states)), table(owners), marks, 1, mustMap, counted, findings);
    expect(mapped).toBe(60 + 10 + 20 + 8);
    expect(findings).toEqual({ problems: 12, first: [130, 136, 140], pagedOut: 1, runsAtOnce: 5, pagesOneByOne: 19 });
    expect(Array.from(counted)).toEqual([42, 98, 0]);
  });

  it('checks a run of frames going down a page at once (a guest maps a grant to its free pages from the top), down to frame 0', () => {
    const owners = new Int32Array(200).fill(1);
    const marks = newMarks(owners.length);
    // Pages 0..99 map frames 150 down to 51, pages 100..119 frames 19 down to 0, and page 120 none.
    const words = Int32Array.from({ length: 121 }, (_, page) => (page < 100 ? wordOfFrame(150 - page) : page < 120 ? wordOfFrame(119 - page) : wordOfFrame(NO_FRAME)));
    const states = new Uint8Array(121).fill(1);
    states[120] = 0;
    const findings: ScanFindings = { problems: 0, first: [] };
    const counted = new Int32Array(3);
    expect(scanGuestPages(...inArena(words, states), table(owners), marks, 1, mustMap, counted, findings)).toBe(120);
    expect(findings).toEqual({ problems: 0, first: [], pagedOut: 0, runsAtOnce: 3, pagesOneByOne: 0 });
    for (let frame = 0; frame < 200; frame++) expect([frame, (marks[frame >>> 5]! >>> (frame & 31)) & 1]).toEqual([frame, (frame >= 51 && frame <= 150) || frame < 20 ? 1 : 0]);
  });

  it('checks a run that crosses words of marks, and finds the one page in it whose frame is marked already', () => {
    const owners = new Int32Array(200).fill(1);
    const marks = newMarks(owners.length);
    marks[3]! |= 1 << 7; // frame 103
    const words = Int32Array.from({ length: 100 }, (_, page) => wordOfFrame(20 + page));
    const findings: ScanFindings = { problems: 0, first: [] };
    const counted = new Int32Array(3);
    expect(scanGuestPages(...inArena(words, new Uint8Array(100).fill(1)), table(owners), marks, 1, mustMap, counted, findings)).toBe(100);
    expect(findings).toEqual({ problems: 1, first: [83], pagedOut: 0, runsAtOnce: 0, pagesOneByOne: 100 });
    // Every frame of the run is marked now, and nothing outside it.
    for (let frame = 0; frame < 200; frame++) expect([frame, (marks[frame >>> 5]! >>> (frame & 31)) & 1]).toEqual([frame, frame >= 20 && frame < 120 ? 1 : 0]);
  });
});
