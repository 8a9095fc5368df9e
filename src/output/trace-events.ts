/**
 * `trace.json` in the Chrome trace event format (the JSON object form), which
 * ui.perfetto.dev and chrome://tracing open as a timeline: the host and each
 * guest are processes; on each guest's `balloon` thread, slices (a begin "B"
 * and an end "E") show when its balloon inflated and deflated, and instants
 * ("ph": "i") its OOM kills, the targets the over-shrink guard refused and
 * everything else the host logged about it (targets, crashes, refused
 * messages); counter events ("ph": "C") give each guest's memory, page
 * states, swap, faults and pressure over simulated time, and the host's free
 * memory, its swap and its free-memory state.
 *
 * Timestamps are simulated time in microseconds. Slices come from the
 * samples: a slice spans the samples between which the balloon grew (or
 * shrank), so its ends are as fine as the sample interval.
 */
import type { HostEvent } from '../host/event-log.js';
import type { RunSummary } from '../runtime/summary.js';

import { describeValue } from '../util/suggest.js';
import { checkEvents, checkSeries, checkSummary } from './run-checks.js';
import type { TimeSeries } from './time-series.js';

/** One trace event (the fields this writer uses). */
export interface TraceEvent {
  name: string;
  /** Phase: C counter, i instant, M metadata, B and E the begin and end of a slice. */
  ph: 'C' | 'i' | 'M' | 'B' | 'E';
  pid: number;
  tid: number;
  /** Microseconds (absent on metadata events). */
  ts?: number;
  cat?: string;
  /** Scope of an instant event: t thread, p process, g global. */
  s?: 't' | 'p' | 'g';
  args: Record<string, number | string>;
}

/** The trace file: events plus what run they describe. */
export interface TraceFile {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, string | number | object>;
}

/** Guests that get counter tracks; past this the trace says how many it left out. */
export const TRACE_GUESTS_MAX = 64;

/**
 * Bytes of trace.json per sample, at most: the host's 4 counters, and each
 * traced guest's 6 counters with its balloon slices and OOM instants (lines
 * of 90 to 140 characters seen; these leave room for large figures). The
 * preflight refuses a run whose trace would be longer than one text can be.
 */
export const TRACE_HOST_BYTES_PER_SAMPLE = 640;
export const TRACE_GUEST_BYTES_PER_SAMPLE = 1200;

const HOST_PID = 1;
const TID = 1;
const MiB = 2 ** 20;

function pidOfGuest(guest: number): number {
  return guest + 2;
}

function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function metadata(pid: number, name: string, sortIndex: number): TraceEvent[] {
  return [
    { name: 'process_name', ph: 'M', pid, tid: TID, args: { name } },
    { name: 'process_sort_index', ph: 'M', pid, tid: TID, args: { sort_index: sortIndex } },
    { name: 'thread_name', ph: 'M', pid, tid: TID, args: { name: pid === HOST_PID ? 'hypervisor' : 'balloon' } },
  ];
}

/** Slice names, by the way the balloon moved. */
const SLICE_NAMES = { 1: 'inflate', [-1]: 'deflate' } as const;

/**
 * One guest's inflate and deflate slices: each run of samples over which its
 * balloon grew (or shrank) is one slice, from the sample before the first
 * change to the sample of the last, with the balloon's size at both ends.
 */
export function balloonSlices(series: TimeSeries, guest: number, pid = pidOfGuest(guest)): TraceEvent[] {
  const events: TraceEvent[] = [];
  const mib = (pages: number): number => round((pages * series.frameBytes) / MiB);
  let open: { direction: 1 | -1; fromPages: number; startUs: number } | null = null;
  let beforePages = 0;
  let beforeUs = 0;
  const close = (endUs: number, toPages: number, target: number): void => {
    if (open === null) return;
    const name = SLICE_NAMES[open.direction];
    events.push({ name, ph: 'B', cat: 'balloon', pid, tid: TID, ts: open.startUs, args: { from_MiB: mib(open.fromPages) } });
    events.push({ name, ph: 'E', cat: 'balloon', pid, tid: TID, ts: endUs, args: { to_MiB: mib(toPages), target_MiB: mib(target), changed_MiB: round(mib(toPages) - mib(open.fromPages)) } });
    open = null;
  };
  let lastTarget = 0;
  for (let i = 0; i < series.length; i++) {
    const ts = series.timeMs(i) * 1000;
    const pages = series.value('balloonPages', i, guest);
    const target = series.value('targetPages', i, guest);
    const direction = pages > beforePages ? 1 : pages < beforePages ? -1 : 0;
    if (open !== null && direction !== open.direction) close(beforeUs, beforePages, lastTarget);
    if (direction !== 0 && open === null) open = { direction, fromPages: beforePages, startUs: beforeUs };
    beforePages = pages;
    beforeUs = ts;
    lastTarget = target;
  }
  close(beforeUs, beforePages, lastTarget);
  return events;
}

function hostCounters(series: TimeSeries): TraceEvent[] {
  const events: TraceEvent[] = [];
  const hostBytes = series.hostFrames * series.frameBytes;
  const states = series.hostStateIndexes();
  for (let i = 0; i < series.length; i++) {
    const ts = series.timeMs(i) * 1000;
    const freeBytes = series.freeFrames(i) * series.frameBytes;
    events.push({ name: 'host free (MiB)', ph: 'C', pid: HOST_PID, tid: TID, ts, args: { free: round(freeBytes / MiB) } });
    events.push({ name: 'host free (%)', ph: 'C', pid: HOST_PID, tid: TID, ts, args: { free: round((freeBytes / Math.max(1, hostBytes)) * 100) } });
    events.push({ name: 'host swap (MiB)', ph: 'C', pid: HOST_PID, tid: TID, ts, args: { used: round((series.hostSwapUsedPages(i) * series.frameBytes) / MiB) } });
    events.push({
      name: 'free-memory state (0 high, 1 soft, 2 hard, 3 low)',
      ph: 'C',
      pid: HOST_PID,
      tid: TID,
      ts,
      args: { state: states[i]! },
    });
  }
  return events;
}

function guestCounters(series: TimeSeries, guest: number): TraceEvent[] {
  const events: TraceEvent[] = [];
  const pid = pidOfGuest(guest);
  const mib = (pages: number): number => round((pages * series.frameBytes) / MiB);
  let oomBefore = 0;
  for (let i = 0; i < series.length; i++) {
    const ts = series.timeMs(i) * 1000;
    const v = (figure: Parameters<TimeSeries['value']>[0]): number => series.value(figure, i, guest);
    events.push({
      name: 'memory (MiB)',
      ph: 'C',
      pid,
      tid: TID,
      ts,
      args: { target: mib(v('targetPages')), actual: mib(v('actualPages')), resident: mib(v('residentPages')), balloon: mib(v('balloonPages')) },
    });
    events.push({
      name: 'page states (MiB)',
      ph: 'C',
      pid,
      tid: TID,
      ts,
      args: { kernel: mib(v('kernelPages')), anon: mib(v('anonPages')), cache: mib(v('cachePages')), free: mib(v('freePages')), balloon: mib(v('balloonPages')) },
    });
    events.push({ name: 'swap (MiB)', ph: 'C', pid, tid: TID, ts, args: { used: mib(v('swapPages')), paged_out_by_host: mib(v('hostSwappedPages')) } });
    events.push({ name: 'faults (total)', ph: 'C', pid, tid: TID, ts, args: { major: v('majorFaultsTotal'), minor: v('minorFaultsTotal') } });
    events.push({
      name: 'pressure (%)',
      ph: 'C',
      pid,
      tid: TID,
      ts,
      args: { some_avg10: round(v('psiSomeAvg10') * 100), full_avg10: round(v('psiFullAvg10') * 100) },
    });
    events.push({ name: 'stall (s, total)', ph: 'C', pid, tid: TID, ts, args: { stall: round(v('stallSecondsTotal')) } });
    const oom = v('oomKillsTotal');
    if (oom > oomBefore) {
      events.push({ name: 'OOM kill', ph: 'i', s: 't', cat: 'oom', pid, tid: TID, ts, args: { kills: oom - oomBefore, total: oom } });
    }
    oomBefore = oom;
  }
  return events;
}

/** What an instant event of a host log entry is called in the trace. */
function instantName(event: HostEvent): string {
  switch (event.kind) {
    case 'violation':
      return 'refused';
    case 'setTarget':
      return 'target';
    case 'guardRefusal':
      return 'guard refused target';
    case 'guardWarning':
      return 'guard warning';
    default:
      return event.kind;
  }
}

function hostInstants(events: ReadonlyArray<HostEvent>, pidOf: ReadonlyMap<string, number>): TraceEvent[] {
  return events.map((event) => ({
    name: instantName(event),
    ph: 'i' as const,
    s: 't' as const,
    cat: event.kind,
    pid: (event.guest !== undefined ? pidOf.get(event.guest) : undefined) ?? HOST_PID,
    tid: TID,
    ts: event.timeMs * 1000,
    args: { detail: event.detail, ...(event.guest !== undefined ? { guest: event.guest } : {}) },
  }));
}

/** Appends one by one: push(...items) passes every item as an argument, and 130,000 of them overflow the stack (a run of 30,000 samples has that many host counters). */
function append(into: TraceEvent[], items: ReadonlyArray<TraceEvent>): void {
  for (const item of items) into.push(item);
}

/**
 * The trace of a run: counters from its samples, instants from the host's
 * event log and from OOM kills seen between samples. Guests past
 * TRACE_GUESTS_MAX keep their instants on the host's track.
 */
export function buildTrace(summary: RunSummary, series: TimeSeries, events: ReadonlyArray<HostEvent>): TraceFile {
  checkSummary(summary, 'buildTrace', ['scenario']);
  checkSeries(series, 'buildTrace');
  checkEvents(events, 'buildTrace');
  return buildTraceUnchecked(summary, series, events);
}

/** `buildTrace` without its checks, for `writeRunOutputs`, which makes them under its own name. */
export function buildTraceUnchecked(summary: RunSummary, series: TimeSeries, events: ReadonlyArray<HostEvent>): TraceFile {
  const traced = Math.min(series.guests, TRACE_GUESTS_MAX);
  const traceEvents: TraceEvent[] = [...metadata(HOST_PID, 'host', 0)];
  const pidOf = new Map<string, number>();
  for (let g = 0; g < traced; g++) {
    traceEvents.push(...metadata(pidOfGuest(g), `guest ${series.guestNames[g]}`, g + 1));
    pidOf.set(series.guestNames[g]!, pidOfGuest(g));
  }
  append(traceEvents, hostCounters(series));
  for (let g = 0; g < traced; g++) {
    append(traceEvents, balloonSlices(series, g));
    append(traceEvents, guestCounters(series, g));
  }
  append(traceEvents, hostInstants(events, pidOf));
  return {
    traceEvents,
    displayTimeUnit: 'ms',
    otherData: {
      generator: 'balloonsim',
      scenario: summary.scenario,
      seed: summary.seed,
      simulatedSeconds: summary.simulatedSeconds,
      timestamps: 'simulated time',
      guests: series.guests,
      guestsWithTracks: traced,
      ...(summary.provenance !== undefined ? { version: summary.provenance.version, node: summary.provenance.node, provenance: summary.provenance } : {}),
    },
  };
}

/** The trace as text: one event per line, so that large traces stay readable and diffable. */
export function traceJson(trace: TraceFile): string {
  if (trace === null || typeof trace !== 'object' || !Array.isArray(trace.traceEvents)) {
    throw new TypeError(`traceJson: trace must be a trace file (buildTrace(summary, series, events)), got ${describeValue(trace)}`);
  }
  const lines = trace.traceEvents.map((event) => JSON.stringify(event));
  return `{"displayTimeUnit":"ms","otherData":${JSON.stringify(trace.otherData)},"traceEvents":[\n${lines.join(',\n')}\n]}\n`;
}
