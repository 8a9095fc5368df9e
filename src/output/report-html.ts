/**
 * `report.html`: one offline page that shows a run in pictures: the memory of
 * each guest over time (page states stacked, with its target), each balloon
 * against its target, the host's free memory with its free-memory states, and
 * the guests' pressure, faults and swap; then the summary table and the
 * host's event log. The page script is assets/report/run-report.js.
 */
import type { HostEvent } from '../host/event-log.js';
import type { RunSummary } from '../runtime/summary.js';
import { formatBytesApprox } from '../model/units.js';
import { FREE_MEMORY_STATES } from '../host/manager/free-memory-state.js';
import { ESX_FREE_MEMORY_THRESHOLDS } from '../model/policy-spec.js';
import { GUEST_TABLE_HEADER, guestTableRow } from './guest-table.js';
import { htmlPage } from './html-page.js';
import { checkReportOptions, chooseReportGuestsUnchecked, type ReportOptions } from './report-guests.js';
import { checkEvents, checkSeries, checkSummary } from './run-checks.js';
import type { GuestFigure, TimeSeries } from './time-series.js';

export { REPORT_GUESTS_MAX, type ReportOptions } from './report-guests.js';
/** Host events listed in the page; all are counted. */
export const REPORT_EVENTS_MAX = 500;

const MiB = 2 ** 20;

/** One guest's series in the page, sizes in MiB. */
export interface ReportGuest {
  name: string;
  /** Why the report draws this guest (empty when it draws every guest). */
  reasons: string[];
  bootMiB: number;
  maxMiB: number;
  aliveAtEnd: boolean;
  series: Record<
    'target' | 'actual' | 'resident' | 'balloon' | 'kernel' | 'anon' | 'cache' | 'free' | 'swap' | 'psiSomePct' | 'psiFullPct' | 'majorFaultsPerS' | 'swapInPerS',
    number[]
  >;
}

/** Everything the page draws, as embedded JSON. */
export interface RunReportData {
  kind: 'run';
  title: string;
  subtitle: string;
  hostMemoryMiB: number;
  /** Memory the hypervisor keeps. */
  hostReservedMiB: number;
  /** Host memory held by the guests not drawn one by one, at each sample. */
  otherResidentMiB: number[];
  /** Free-memory thresholds, in percent of host memory. */
  thresholdsPct: Record<string, number>;
  stateNames: string[];
  timesS: number[];
  hostFreeMiB: number[];
  /** Guest memory the host has paged out to its own swap (hard and low states), at each sample. */
  hostSwapMiB: number[];
  /** Free-memory state index (0 high .. 3 low) at each sample. */
  freeStates: number[];
  guests: ReportGuest[];
  guestsOmitted: number;
  /** True when every guest's swap, faults, stall and pressure stayed 0 (the page says so rather than draw flat lines unexplained). */
  costsAllZero: boolean;
  table: { header: string[]; rows: string[][] };
  audit: { checks: number; fullChecks: number; violations: number; firstViolations: string[] };
  notes: string[];
  events: { counts: Record<string, number>; shown: Array<{ t: number; kind: string; guest: string; detail: string }>; omitted: number };
}

function roundTo(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function guestSeries(series: TimeSeries, guest: number): ReportGuest['series'] {
  const mib = (figure: GuestFigure): number[] => Array.from(series.guestColumn(figure, guest), (pages) => roundTo((pages * series.frameBytes) / MiB, 2));
  const pct = (figure: GuestFigure): number[] => Array.from(series.guestColumn(figure, guest), (fraction) => roundTo(fraction * 100, 3));
  const perSecond = (figure: GuestFigure): number[] => {
    const totals = series.guestColumn(figure, guest);
    const times = series.timesMs();
    return Array.from(totals, (total, i) => {
      const before = i === 0 ? 0 : totals[i - 1]!;
      const spanS = (times[i]! - (i === 0 ? 0 : times[i - 1]!)) / 1000;
      return spanS > 0 ? roundTo((total - before) / spanS, 3) : 0;
    });
  };
  return {
    target: mib('targetPages'),
    actual: mib('actualPages'),
    resident: mib('residentPages'),
    balloon: mib('balloonPages'),
    kernel: mib('kernelPages'),
    anon: mib('anonPages'),
    cache: mib('cachePages'),
    free: mib('freePages'),
    swap: mib('swapPages'),
    psiSomePct: pct('psiSomeAvg10'),
    psiFullPct: pct('psiFullAvg10'),
    majorFaultsPerS: perSecond('majorFaultsTotal'),
    swapInPerS: perSecond('swapInTotal'),
  };
}

/** Host memory held by the guests not in `shown`, at each sample, in MiB. */
function otherResident(series: TimeSeries, shown: ReadonlySet<number>): number[] {
  const totals = new Float64Array(series.length);
  for (let g = 0; g < series.guests; g++) {
    if (shown.has(g)) continue;
    const column = series.guestColumn('residentPages', g);
    for (let i = 0; i < series.length; i++) totals[i] = totals[i]! + column[i]!;
  }
  return Array.from(totals, (pages) => roundTo((pages * series.frameBytes) / MiB, 2));
}

const COST_FIGURES: GuestFigure[] = ['swapPages', 'swapInTotal', 'swapOutTotal', 'majorFaultsTotal', 'stallSecondsTotal', 'psiSomeAvg10', 'psiFullAvg10'];

function costsAllZero(series: TimeSeries): boolean {
  for (let g = 0; g < series.guests; g++) {
    for (const figure of COST_FIGURES) if (series.guestColumn(figure, g).some((value) => value !== 0)) return false;
  }
  return true;
}

/** A count with thousands separators. */
function count(value: number): string {
  return value.toLocaleString('en-US');
}

function summaryTable(summary: RunSummary): RunReportData['table'] {
  return {
    header: [...GUEST_TABLE_HEADER, 'slowdown'],
    rows: summary.guests.map((g) => [
      ...guestTableRow(g, count),
      // Older summaries have no slowdown; null: the workload did nothing of what it wanted.
      typeof g.slowdown === 'number' ? `${g.slowdown.toFixed(2)}x` : g.slowdown === null ? 'stopped' : '',
    ]),
  };
}

/** The arguments of the report functions, checked under the name of the one called. */
function checkReportArguments(summary: unknown, series: unknown, events: unknown, options: unknown, what: string): void {
  checkSummary(summary, what);
  checkSeries(series, what);
  checkEvents(events, what);
  checkReportOptions(options, what);
}

/**
 * The data of a run's report page.
 *
 * @throws RangeError when `options.guests` names a guest the run does not have
 */
export function runReportData(summary: RunSummary, series: TimeSeries, events: ReadonlyArray<HostEvent>, options: ReportOptions = {}): RunReportData {
  checkReportArguments(summary, series, events, options, 'runReportData');
  return runReportDataUnchecked(summary, series, events, options);
}

/** `runReportData` without its checks, for `runReportHtml`, which makes them under its own name. */
function runReportDataUnchecked(summary: RunSummary, series: TimeSeries, events: ReadonlyArray<HostEvent>, options: ReportOptions): RunReportData {
  const free = series.freeFramesColumn();
  const states = series.hostStateIndexes();
  const chosen = chooseReportGuestsUnchecked(summary, series.guestNames, options);
  const shown = new Set(chosen.map((c) => c.index));
  const shownGuests = chosen.length;
  const counts: Record<string, number> = {};
  for (const event of events) counts[event.kind] = (counts[event.kind] ?? 0) + 1;
  const host = summary.host;
  const notes: string[] = [];
  if (series.length === 0) notes.push('The run kept no samples, so there is nothing to draw over time.');
  if (series.guests > shownGuests) {
    notes.push(
      options.guests !== undefined && options.guests.length > 0
        ? `${shownGuests} of ${series.guests} guests are drawn one by one, as picked; the others are in timeseries.csv.`
        : `${shownGuests} of ${series.guests} guests are drawn one by one: those with OOM kills, crashes, the longest stalls, most swap, most major faults and largest balloons first (pick others with --report-guests NAME,...). All are in timeseries.csv.`,
    );
  }
  return {
    kind: 'run',
    title: `balloonsim: ${summary.scenario}`,
    subtitle:
      `seed ${summary.seed}, ${summary.simulatedSeconds} simulated seconds in ${summary.ticks} ticks; ` +
      `host ${formatBytesApprox(host.memoryBytes)} (${formatBytesApprox(host.hypervisorFrames * host.frameBytes)} reserved), policy ${host.policy.name}, backing ${host.backing}; ` +
      `${summary.guests.length} guest${summary.guests.length === 1 ? '' : 's'}`,
    hostMemoryMiB: roundTo(host.memoryBytes / MiB, 2),
    hostReservedMiB: roundTo((host.hypervisorFrames * host.frameBytes) / MiB, 2),
    otherResidentMiB: otherResident(series, shown),
    // Summaries written before the thresholds were recorded used ESX's defaults.
    thresholdsPct: Object.fromEntries(FREE_MEMORY_STATES.map((state) => [state, (host.freeMemoryThresholds ?? ESX_FREE_MEMORY_THRESHOLDS)[state] * 100])),
    stateNames: [...FREE_MEMORY_STATES],
    timesS: Array.from(series.timesMs(), (ms) => ms / 1000),
    hostFreeMiB: Array.from(free, (frames) => roundTo((frames * series.frameBytes) / MiB, 2)),
    hostSwapMiB: Array.from(series.hostSwapColumn(), (pages) => roundTo((pages * series.frameBytes) / MiB, 2)),
    freeStates: Array.from(states),
    guests: chosen.map(({ index: g, reasons }) => {
      const guest = summary.guests[g];
      return {
        name: series.guestNames[g]!,
        reasons,
        bootMiB: roundTo((guest?.bootBytes ?? 0) / MiB, 2),
        maxMiB: roundTo((guest?.maxBytes ?? 0) / MiB, 2),
        aliveAtEnd: guest?.alive ?? true,
        series: guestSeries(series, g),
      };
    }),
    guestsOmitted: series.guests - shownGuests,
    costsAllZero: costsAllZero(series),
    table: summaryTable(summary),
    audit: {
      checks: summary.audit.checks,
      fullChecks: summary.audit.fullChecks,
      violations: summary.audit.violations,
      firstViolations: summary.audit.firstViolations,
    },
    notes,
    events: {
      counts,
      shown: events.slice(0, REPORT_EVENTS_MAX).map((event) => ({ t: event.timeMs / 1000, kind: event.kind, guest: event.guest ?? '', detail: event.detail })),
      omitted: Math.max(0, events.length - REPORT_EVENTS_MAX),
    },
  };
}

/**
 * The report page of a run, as HTML text.
 *
 * @throws TypeError when an argument is not what the run gave (see `runReportData`)
 * @throws RangeError when `options.guests` names a guest the run does not have
 */
export function runReportHtml(summary: RunSummary, series: TimeSeries, events: ReadonlyArray<HostEvent>, options: ReportOptions = {}): string {
  checkReportArguments(summary, series, events, options, 'runReportHtml');
  return runReportHtmlUnchecked(summary, series, events, options);
}

/** `runReportHtml` without its checks, for `writeRunOutputs`, which makes them under its own name. */
export function runReportHtmlUnchecked(summary: RunSummary, series: TimeSeries, events: ReadonlyArray<HostEvent>, options: ReportOptions = {}): string {
  const data = runReportDataUnchecked(summary, series, events, options);
  return htmlPage({ title: data.title, kind: 'run-report', data, provenance: summary.provenance });
}
