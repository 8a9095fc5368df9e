/**
 * The measured runs of a real 1 GiB Linux guest (validation/realguest/) and
 * the figures that compare balloonsim with them: each run's CSV, its
 * scenario, and for each figure how it is read from the real rows and from
 * the simulated samples, with the tolerance the README states.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sample } from '../runtime/sample.js';

const MIB = 2 ** 20;
const PAGE = 4096;

/** One row of a real run, by column name (numbers; NaN for a blank cell), and its kmsg and hog text. */
export interface RealRow {
  t: number;
  values: Record<string, number>;
  kmsg: string;
  hog: string;
}

/** One simulated second: the guest's sample at the end of that second. */
export interface SimRow {
  t: number;
  actualMiB: number;
  freeMiB: number;
  anonMiB: number;
  cacheMiB: number;
  swapIn: number;
  swapOut: number;
  majorFaults: number;
  refaults: number;
  oomKills: number;
  oomEvents: number;
  workWanted: number;
  workDone: number;
}

/** How a figure is allowed to differ: relative (a share of the real value), absolute (in the figure's unit), or either. */
export interface Tolerance {
  relative?: number;
  absolute?: number;
}

export interface Figure {
  name: string;
  unit: string;
  real: (rows: RealRow[]) => number;
  sim: (rows: SimRow[]) => number;
  tolerance: Tolerance;
}

export interface RealRun {
  name: string;
  setup: string;
  figures: Figure[];
}

/** Reads a run's CSV: a header line, then one line a second (`;` stands for commas inside kmsg). */
export function parseRealCsv(text: string): RealRow[] {
  const lines = text.trim().split('\n');
  const header = lines[0]!.split(',');
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const values: Record<string, number> = {};
    header.forEach((column, i) => {
      const cell = cells[i] ?? '';
      values[column] = cell === '' ? Number.NaN : Number(cell);
    });
    return { t: values.t!, values, kmsg: cells[header.indexOf('kmsg')] ?? '', hog: cells[header.indexOf('hog')] ?? '' };
  });
}

/** The guest's samples as one row a second (the sample at the end of each second). */
export function simRows(samples: ReadonlyArray<Sample>): SimRow[] {
  const rows: SimRow[] = [];
  for (const sample of samples) {
    const t = sample.timeMs / 1000;
    if (Math.abs(t - Math.round(t)) > 1e-9) continue;
    const g = sample.guests[0]!;
    rows.push({
      t: Math.round(t),
      actualMiB: (g.actualPages * PAGE) / MIB,
      freeMiB: (g.freePages * PAGE) / MIB,
      anonMiB: (g.anonPages * PAGE) / MIB,
      cacheMiB: (g.cachePages * PAGE) / MIB,
      swapIn: g.swapInTotal,
      swapOut: g.swapOutTotal,
      majorFaults: g.majorFaultsTotal,
      refaults: g.refaultsTotal,
      oomKills: g.oomKillsTotal,
      oomEvents: g.oomEventsTotal,
      workWanted: g.workWantedTotal,
      workDone: g.workDoneTotal,
    });
  }
  return rows;
}

// ---- reading figures

const kib = (row: RealRow, column: string): number => row.values[column]! / 1024;
const inWindow = <T extends { t: number }>(rows: T[], from: number, to: number): T[] => rows.filter((row) => row.t >= from && row.t <= to);
function median(values: number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}
const last = <T>(rows: T[]): T => rows[rows.length - 1]!;
const at = <T extends { t: number }>(rows: T[], t: number): T => rows.find((row) => row.t >= t) ?? last(rows);

/** Seconds from `from` until the balloon's actual size is within 2 MiB of `targetMiB`. */
function timeTo<T extends { t: number }>(rows: T[], from: number, targetMiB: number, actual: (row: T) => number): number {
  const reached = rows.find((row) => row.t >= from && Math.abs(actual(row) - targetMiB) <= 2);
  return reached === undefined ? Number.NaN : reached.t - from;
}

/** Real slowdown in [from, to]: the workload's progress lines against its unconstrained rate (lines a second in [calmFrom, calmTo]). */
function realSlowdown(rows: RealRow[], from: number, to: number, calmFrom: number, calmTo: number): number {
  const lines = (a: number, b: number): number => inWindow(rows, a, b).filter((row) => row.hog.startsWith('HOG')).length;
  const calmRate = lines(calmFrom, calmTo) / (calmTo - calmFrom + 1);
  const rate = lines(from, to) / (to - from + 1);
  return rate > 0 ? calmRate / rate : Number.POSITIVE_INFINITY;
}

/** Simulated slowdown in [from, to]: work wanted / done over the window. */
function simSlowdown(rows: SimRow[], from: number, to: number): number {
  const a = at(rows, from - 1);
  const b = at(rows, to);
  const done = b.workDone - a.workDone;
  return done > 0 ? (b.workWanted - a.workWanted) / done : Number.POSITIVE_INFINITY;
}

/** The four runs and what is compared. Windows are in host seconds of the real run; the simulation uses the same times. */
export const REAL_RUNS: RealRun[] = [
  {
    name: 'e1-idle',
    setup: 'idle guest; target 384 MiB at 5 s, 1024 MiB at 40 s',
    figures: [
      { name: 'time to 384 MiB', unit: 's', real: (r) => timeTo(r, 5, 384, (x) => x.values.actual_mib!), sim: (s) => timeTo(s, 5, 384, (x) => x.actualMiB), tolerance: { absolute: 1.5 } },
      { name: 'time back to 1024 MiB', unit: 's', real: (r) => timeTo(r, 40, 1024, (x) => x.values.actual_mib!), sim: (s) => timeTo(s, 40, 1024, (x) => x.actualMiB), tolerance: { absolute: 1.5 } },
      { name: 'free while ballooned', unit: 'MiB', real: (r) => median(inWindow(r, 12, 38).map((x) => kib(x, 'MemFree'))), sim: (s) => median(inWindow(s, 12, 38).map((x) => x.freeMiB)), tolerance: { relative: 0.1 } },
    ],
  },
  {
    name: 'e3-hog-swap-hot',
    setup: 'hog 600 MiB all hot, 1 GiB swap; target 256 MiB at 20 s, 1024 MiB at 90 s',
    figures: [
      { name: 'time to 256 MiB', unit: 's', real: (r) => timeTo(r, 20, 256, (x) => x.values.actual_mib!), sim: (s) => timeTo(s, 20, 256, (x) => x.actualMiB), tolerance: { absolute: 5 } },
      { name: 'swap-in total', unit: 'pages', real: (r) => last(r).values.pswpin!, sim: (s) => last(s).swapIn, tolerance: { relative: 0.4 } },
      { name: 'swap-out total', unit: 'pages', real: (r) => last(r).values.pswpout!, sim: (s) => last(s).swapOut, tolerance: { relative: 0.4 } },
      { name: 'major faults', unit: 'faults', real: (r) => last(r).values.pgmajfault!, sim: (s) => last(s).majorFaults, tolerance: { relative: 0.4 } },
      {
        name: 'pages per major fault (thrash)',
        unit: 'pages',
        real: (r) => (at(r, 89).values.pswpin! - at(r, 31).values.pswpin!) / (at(r, 89).values.pgmajfault! - at(r, 31).values.pgmajfault!),
        sim: (s) => (at(s, 89).swapIn - at(s, 31).swapIn) / Math.max(1, at(s, 89).majorFaults - at(s, 31).majorFaults),
        tolerance: { relative: 0.25 },
      },
      { name: 'free while thrashing', unit: 'MiB', real: (r) => median(inWindow(r, 32, 88).map((x) => kib(x, 'MemFree'))), sim: (s) => median(inWindow(s, 32, 88).map((x) => x.freeMiB)), tolerance: { relative: 0.25 } },
      { name: 'anon resident while thrashing', unit: 'MiB', real: (r) => median(inWindow(r, 32, 88).map((x) => kib(x, 'AnonPages'))), sim: (s) => median(inWindow(s, 32, 88).map((x) => x.anonMiB)), tolerance: { relative: 0.3 } },
      { name: 'slowdown while thrashing', unit: 'x', real: (r) => realSlowdown(r, 40, 89, 4, 19), sim: (s) => simSlowdown(s, 40, 89), tolerance: { relative: 0.6 } },
      { name: 'anon at the end', unit: 'MiB', real: (r) => kib(last(r), 'AnonPages'), sim: (s) => last(s).anonMiB, tolerance: { relative: 0.05 } },
    ],
  },
  {
    name: 'e5-deflate-on-oom',
    setup: 'deflate-on-oom, no swap; target 300 MiB at 5 s; hog grows to 800 MiB from 20 s',
    figures: [
      { name: 'time to 300 MiB', unit: 's', real: (r) => timeTo(r, 5, 300, (x) => x.values.actual_mib!), sim: (s) => timeTo(s, 5, 300, (x) => x.actualMiB), tolerance: { absolute: 1.5 } },
      { name: 'actual at the end', unit: 'MiB', real: (r) => last(r).values.actual_mib!, sim: (s) => last(s).actualMiB, tolerance: { relative: 0.05 } },
      { name: 'given back by OOM events', unit: 'MiB', real: (r) => last(r).values.actual_mib! - 300, sim: (s) => last(s).actualMiB - 300, tolerance: { relative: 0.1 } },
      { name: 'OOM kills', unit: 'kills', real: (r) => last(r).values.oom_kill!, sim: (s) => last(s).oomKills, tolerance: { absolute: 0 } },
      { name: 'OOM events after growth (50-120 s)', unit: 'events', real: (r) => last(r).values.actual_mib! - at(r, 50).values.actual_mib!, sim: (s) => last(s).oomEvents - at(s, 50).oomEvents, tolerance: { absolute: 0 } },
      { name: 'free at the end', unit: 'MiB', real: (r) => kib(last(r), 'MemFree'), sim: (s) => last(s).freeMiB, tolerance: { relative: 0.1 } },
    ],
  },
  {
    name: 'e8-pagecache',
    setup: '408 MiB file read in a loop, no swap; target 384 MiB at 25 s, 1024 MiB at 70 s',
    figures: [
      { name: 'time to 384 MiB', unit: 's', real: (r) => timeTo(r, 25, 384, (x) => x.values.actual_mib!), sim: (s) => timeTo(s, 25, 384, (x) => x.actualMiB), tolerance: { absolute: 2 } },
      { name: 'cache while ballooned', unit: 'MiB', real: (r) => median(inWindow(r, 35, 69).map((x) => kib(x, 'Cached'))), sim: (s) => median(inWindow(s, 35, 69).map((x) => x.cacheMiB)), tolerance: { relative: 0.15 } },
      { name: 'free while ballooned', unit: 'MiB', real: (r) => median(inWindow(r, 35, 69).map((x) => kib(x, 'MemFree'))), sim: (s) => median(inWindow(s, 35, 69).map((x) => x.freeMiB)), tolerance: { relative: 0.2 } },
      { name: 'file refaults', unit: 'pages', real: (r) => last(r).values.refault_file!, sim: (s) => last(s).refaults, tolerance: { relative: 0.4 } },
      { name: 'major faults', unit: 'faults', real: (r) => last(r).values.pgmajfault!, sim: (s) => last(s).majorFaults, tolerance: { absolute: 0 } },
      { name: 'OOM kills', unit: 'kills', real: (r) => last(r).values.oom_kill!, sim: (s) => last(s).oomKills, tolerance: { absolute: 0 } },
      { name: 'slowdown while ballooned', unit: 'x', real: (r) => realSlowdown(r, 35, 69, 5, 24), sim: (s) => simSlowdown(s, 35, 69), tolerance: { relative: 0.5 } },
    ],
  },
];

/** Whether `sim` is within `tolerance` of `real`. */
export function withinTolerance(real: number, sim: number, tolerance: Tolerance): boolean {
  if (!Number.isFinite(real) || !Number.isFinite(sim)) return real === sim;
  const error = Math.abs(sim - real);
  if (tolerance.absolute !== undefined && error <= tolerance.absolute + 1e-9) return true;
  if (tolerance.relative !== undefined && error <= tolerance.relative * Math.abs(real) + 1e-9) return true;
  return false;
}

/** How a tolerance reads in a table. */
export function describeTolerance(tolerance: Tolerance, unit: string): string {
  const parts: string[] = [];
  if (tolerance.relative !== undefined) parts.push(`±${Math.round(tolerance.relative * 100)} %`);
  if (tolerance.absolute !== undefined) parts.push(tolerance.absolute === 0 ? 'exact' : `±${tolerance.absolute} ${unit}`);
  return parts.join(' or ');
}

/** The validation folder of the package. */
export function realGuestDir(root: string): string {
  return join(root, 'validation', 'realguest');
}

export function readRealRun(root: string, name: string): RealRow[] {
  return parseRealCsv(readFileSync(join(realGuestDir(root), `${name}.csv`), 'utf8'));
}
