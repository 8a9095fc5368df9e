/**
 * The preflight: everything `validate` and `run` can tell about a resolved
 * scenario before a single frame is allocated. Limits of the simulator's
 * tables, whether the guests can boot, the memory the run will need against
 * the machine's, events that will never fire, overcommit. Each problem names
 * the field, gives the figure and says how to fix it; errors stop the run,
 * warnings are printed and the run goes on.
 */
import { availableParallelism } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { GUEST_PAGES_MAX } from '../guest/component-layout.js';
import { printable, ScenarioError, type ScenarioIssue } from '../scenario/errors.js';
import { checkScenario } from '../scenario/resolved-scenario-check.js';
import { FRAME_BYTES_MAX, FRAME_BYTES_MIN } from '../scenario/limits.js';
import type { GuestSpec, Scenario, ScenarioEvent } from '../model/scenario.js';
import { formatBytesApprox, formatDuration } from '../model/units.js';
import { machineMemory, MEMORY_LIMIT_ENV, type MachineMemory } from './machine.js';
import { checkPreflightOptions, type PreflightOptions } from './preflight-options.js';
import { estimateRunMemoryUnchecked, guestPages, type MemoryEstimate } from './memory-estimate.js';
import { TRACE_GUEST_BYTES_PER_SAMPLE, TRACE_GUESTS_MAX, TRACE_HOST_BYTES_PER_SAMPLE } from '../output/trace-events.js';

export type { PreflightOptions } from './preflight-options.js';

/** Most frames the host's frame table can hold (one Int32Array entry each, indexed by frame number). */
export const HOST_FRAMES_MAX = 2 ** 31 - 1;
/**
 * Longest text V8 can build (about 512 MiB of characters): a file of the
 * outputs that is built in memory must stay below it.
 */
export const TEXT_LENGTH_MAX = 2 ** 29 - 24;
/** Bytes of timeseries.csv per guest sample, at most (a row of 27 cells of up to 16 characters). */
export const CSV_ROW_BYTES_MAX = 400;
/**
 * Ticks a run may have before the preflight warns that it will take long
 * (`tick: 1ms` with `duration: 1h` is 3.6 million, and ran for minutes
 * without a word): about a minute and a half at TICKS_PER_SECOND_TYPICAL.
 */
export const TICKS_WARNING = 1_000_000;
/**
 * Ticks a second a small run makes, to say how long a long one takes: the
 * default scenario (4 guests) on worker threads, with a 1 ms tick, made
 * 10,000 to 17,500 a second on 2 shared cores, 7,000 with a 100 ms tick
 * (more happens in each), 31,000 inline. More guests make each tick slower.
 */
export const TICKS_PER_SECOND_TYPICAL = 10_000;

/**
 * `error`: the run cannot be made, or would fail. `warning`: it can, but
 * something in it will not do what it says. `note`: worth knowing, and
 * usually meant (overcommit is what the simulator is for): `validate` shows
 * notes, `run` does not.
 */
export type PreflightSeverity = 'error' | 'warning' | 'note';

/** One problem the preflight found: where (the scenario field or flag), what (with the figures), and the fix. */
export interface PreflightIssue extends ScenarioIssue {
  severity: PreflightSeverity;
}

export interface PreflightReport {
  /** Errors first, then warnings. */
  issues: PreflightIssue[];
  estimate: MemoryEstimate;
  machine: MachineMemory;
  /** Worker threads the estimate assumed. */
  threads: number;
}

/** Ticks the run has, and when its last tick starts (events later than that never fire). */
function lastTickMs(scenario: Scenario): number {
  const ticks = Math.max(1, Math.ceil(scenario.durationMs / scenario.tickMs));
  return (ticks - 1) * scenario.tickMs;
}

/** `guests[name=web]`: a resolved guest, as sweep parameters and --set paths name it. */
function guestPath(guest: GuestSpec, field?: string): string {
  return `guests[name=${guest.name}]${field === undefined ? '' : `.${field}`}`;
}

/** The smallest frame size (a power of two within the limits) that gives at most `limit` units of `bytes`; null if none does. */
function frameSizeFor(bytes: number, limit: number): number | null {
  for (let frame = FRAME_BYTES_MIN; frame <= FRAME_BYTES_MAX; frame *= 2) if (Math.floor(bytes / frame) <= limit) return frame;
  return null;
}

function frameSizeHint(bytes: number, limit: number, current: number, otherwise: string): string {
  const fits = frameSizeFor(bytes, limit);
  return fits !== null && fits > current ? `use frameSize: ${formatBytesApprox(fits).replace(' ', '')} or larger, or ${otherwise}` : otherwise;
}

class Issues {
  readonly items: PreflightIssue[] = [];
  error(path: string, message: string, hint: string): void {
    this.items.push({ severity: 'error', path, message, hint });
  }
  warning(path: string, message: string, hint: string): void {
    this.items.push({ severity: 'warning', path, message, hint });
  }
  note(path: string, message: string, hint: string): void {
    this.items.push({ severity: 'note', path, message, hint });
  }
}

/** Guests with the same problem are reported once: the first by name, then how many more. */
function perGuest(guests: ReadonlyArray<GuestSpec>, check: (guest: GuestSpec) => { path: string; message: string; hint: string } | null, add: (path: string, message: string, hint: string) => void): void {
  const found = guests.map((guest) => ({ guest, problem: check(guest) })).filter((entry) => entry.problem !== null);
  const first = found[0];
  if (first === undefined || first.problem === null) return;
  const more = found.length - 1;
  add(first.problem.path, `${first.problem.message}${more > 0 ? ` (and ${more} more guest${more === 1 ? '' : 's'} like it)` : ''}`, first.problem.hint);
}

function checkTables(scenario: Scenario, issues: Issues): void {
  const frameBytes = scenario.frameBytes;
  const frames = Math.floor(scenario.host.memoryBytes / frameBytes);
  if (frames > HOST_FRAMES_MAX) {
    issues.error(
      'host.memory',
      `${formatBytesApprox(scenario.host.memoryBytes)} is ${frames.toLocaleString('en-US')} frames of ${formatBytesApprox(frameBytes)}, more than the frame table's ${HOST_FRAMES_MAX.toLocaleString('en-US')}`,
      frameSizeHint(scenario.host.memoryBytes, HOST_FRAMES_MAX, frameBytes, 'give the host less memory'),
    );
  }
  perGuest(
    scenario.guests,
    (guest) => {
      const pages = guestPages(guest, frameBytes);
      if (pages <= GUEST_PAGES_MAX) return null;
      const field = guest.maxMemoryBytes > guest.memoryBytes ? 'maxMemory' : 'memory';
      return {
        path: guestPath(guest, field),
        message: `${formatBytesApprox(guest.maxMemoryBytes)} is ${pages.toLocaleString('en-US')} pages of ${formatBytesApprox(frameBytes)}, more than a guest's ${GUEST_PAGES_MAX.toLocaleString('en-US')}`,
        hint: frameSizeHint(guest.maxMemoryBytes, GUEST_PAGES_MAX, frameBytes, `give the guest less ${field}`),
      };
    },
    (path, message, hint) => issues.error(path, message, hint),
  );
}

function checkBoot(scenario: Scenario, issues: Issues): void {
  const frameBytes = scenario.frameBytes;
  const frames = Math.floor(scenario.host.memoryBytes / frameBytes);
  const usableFrames = Math.max(0, frames - Math.ceil(scenario.host.reservedBytes / frameBytes));
  const eager = scenario.host.backing === 'eager';
  const bootFrames = scenario.guests.reduce((sum, guest) => {
    const bootPages = Math.floor(guest.memoryBytes / frameBytes);
    return sum + (eager ? bootPages : Math.min(bootPages, Math.ceil(guest.kernelBytes / frameBytes)));
  }, 0);
  if (bootFrames > usableFrames) {
    const what = eager ? 'all their boot memory (backing: eager)' : 'their kernel memory';
    issues.error(
      'guests',
      `the guests cannot boot: they need ${formatBytesApprox(bootFrames * frameBytes)} at boot (${what}), the host has ${formatBytesApprox(usableFrames * frameBytes)} after host.reserved`,
      `raise host.memory, lower host.reserved, use fewer or smaller guests${eager ? ', or backing: lazy' : ''}`,
    );
  }
  const usableBytes = usableFrames * frameBytes;
  perGuest(
    scenario.guests,
    (guest) =>
      guest.memoryBytes > usableBytes
        ? {
            path: guestPath(guest, 'memory'),
            message: `the guest (${formatBytesApprox(guest.memoryBytes)}) is bigger than all the memory the host can give guests (${formatBytesApprox(usableBytes)}): it can never be fully backed, and once it touches more the host must balloon it or page it out`,
            hint: 'lower the guest\'s memory or raise host.memory, unless that is the point of the experiment',
          }
        : null,
    (path, message, hint) => issues.warning(path, message, hint),
  );
  const bootBytes = scenario.guests.reduce((sum, guest) => sum + guest.memoryBytes, 0);
  if (usableBytes > 0 && bootBytes > usableBytes && scenario.guests.length > 1) {
    issues.note(
      'guests',
      `overcommitted: the guests boot with ${formatBytesApprox(bootBytes)}, ${Math.round((bootBytes / usableBytes) * 100)} % of the ${formatBytesApprox(usableBytes)} the host can give them; when they touch more than that, ballooning, host reclaim or host swap must make room`,
      'that is what ballooning is for; raise host.memory if you did not mean it',
    );
  }
}

function describeEvent(event: ScenarioEvent): string {
  switch (event.kind) {
    case 'setTarget':
    case 'crash':
    case 'setShares':
    case 'hotplug':
      return `${event.kind} ${event.guest}`;
    case 'setPolicy':
      return `setPolicy ${event.policy.kind}`;
    default:
      return event.kind;
  }
}

/**
 * Events after the start of the last tick never fire. A warning, not an
 * error: what the run does simulate is still right, and a sweep over
 * durations cuts later events on purpose. When the duration was shortened
 * from the command line (`--duration`) it is only a note.
 */
function checkEventTimes(scenario: Scenario, issues: Issues, durationOverridden: boolean): void {
  const add = durationOverridden ? issues.note.bind(issues) : issues.warning.bind(issues);
  const last = lastTickMs(scenario);
  const late = scenario.events.filter((event) => event.atMs > last);
  const first = late[0];
  if (first !== undefined) {
    const shown = late.slice(0, 3).map((event) => `${describeEvent(event)} at ${formatDuration(event.atMs)}`);
    const more = late.length > 3 ? ` and ${late.length - 3} more` : '';
    add(
      'events',
      `${late.length === 1 ? 'an event' : `${late.length} events`} (${shown.join(', ')}${more}) ${late.length === 1 ? 'comes' : 'come'} after the run's last tick (at ${formatDuration(last)} of ${formatDuration(scenario.durationMs)}) and will never fire`,
      `lengthen duration to more than ${formatDuration(first.atMs)} or move the event${late.length === 1 ? '' : 's'} earlier`,
    );
  }
  const crashes = scenario.faults?.crashes.filter((crash) => crash.atMs > last) ?? [];
  if (crashes.length > 0) {
    add(
      'faults.crashes',
      `${crashes.length} crash${crashes.length === 1 ? '' : 'es'} (first: ${crashes[0]!.guest} at ${formatDuration(crashes[0]!.atMs)}) ${crashes.length === 1 ? 'comes' : 'come'} after the run's last tick (at ${formatDuration(last)}) and will never happen`,
      'lengthen duration or move the crashes earlier',
    );
  }
}

/** Seconds of wall time in words: `100 s`, `6 minutes`, `3 hours` (TICKS_MAX ticks are about 3 hours at the typical rate). */
function wallTimeText(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 100 * 60) return `${Math.round(seconds / 60)} minutes`;
  return `${Math.round(seconds / 3600)} hours`;
}

/** Ticks a larger tick would take the run down to, in steps of ten: the first that gives at most TICKS_WARNING; null if none does. */
function tickThatFits(scenario: Scenario): { tickMs: number; ticks: number } | null {
  for (const tickMs of [10, 100, 1000, 10_000, 60_000]) {
    const ticks = Math.ceil(scenario.durationMs / tickMs);
    if (tickMs > scenario.tickMs && ticks <= TICKS_WARNING) return { tickMs, ticks };
  }
  return null;
}

/**
 * A run of many ticks takes long, at any size: warn, with the figure and
 * what to change. Only a warning: a long run may be meant (a soak).
 */
function checkTicks(scenario: Scenario, issues: Issues, runFlags: boolean): void {
  const ticks = Math.ceil(scenario.durationMs / scenario.tickMs);
  if (ticks <= TICKS_WARNING) return;
  const fits = tickThatFits(scenario);
  let larger = 'raise tick';
  if (fits !== null) {
    const tick = formatDuration(fits.tickMs);
    larger = `a tick of ${tick} makes ${fits.ticks.toLocaleString('en-US')} ticks: ${runFlags ? `--set tick=${tick}, or change tick in the file` : `tick: ${tick} in the scenario (or in a grid's parameters)`}`;
  }
  issues.warning(
    'tick',
    `a run of ${formatDuration(scenario.durationMs)} in ticks of ${formatDuration(scenario.tickMs)} is ${ticks.toLocaleString('en-US')} ticks; ` +
      `at about ${TICKS_PER_SECOND_TYPICAL.toLocaleString('en-US')} ticks a second (a few guests; more make each tick slower) it takes ${wallTimeText(ticks / TICKS_PER_SECOND_TYPICAL)} or more`,
    `${larger}; or shorten the run ${runFlags ? 'with --duration' : '(its duration)'}`,
  );
}

/** The worker threads a run starts, as `simulate` and `simulateFree` count them. */
export function threadsOf(scenario: Scenario, options: PreflightOptions): number {
  const guests = Math.max(1, scenario.guests.length);
  if ((options.placement ?? 'workers') === 'inline') return 0;
  const wanted = options.guestsPerWorker !== undefined ? Math.ceil(guests / options.guestsPerWorker) : (options.workers ?? availableParallelism());
  const workers = Math.max(1, Math.min(wanted, guests));
  // Lockstep: with two workers or more the calling thread hosts a share itself; free mode adds the concurrent auditor's thread.
  if (options.mode === 'free') return workers + 1;
  return workers === 1 ? 1 : workers - 1;
}

function checkMemory(scenario: Scenario, options: PreflightOptions, estimate: MemoryEstimate, machine: MachineMemory, issues: Issues): void {
  const parts = estimate.parts
    .slice(0, 3)
    .map((part) => `${part.part} ${formatBytesApprox(part.bytes)}`)
    .join(', ');
  const biggest = estimate.parts[0]?.part ?? '';
  const samplesFlag = options.samplesFlag ?? '--sample-every';
  const fix =
    biggest === 'the frame table'
      ? 'use a larger frameSize (2MiB makes the table 512 times smaller) or less host memory'
      : biggest === 'samples kept for the outputs'
        ? `keep fewer samples: raise ${samplesFlag}`
        : biggest === 'worker threads'
          ? 'start fewer worker threads (--workers, --guests-per-worker) or run --placement inline'
          : 'use fewer or smaller guests, or a larger frameSize';
  if (estimate.totalBytes > machine.totalBytes) {
    issues.error(
      '',
      `the run needs about ${formatBytesApprox(estimate.totalBytes)} of memory (${parts}), more than ${machine.source} has (${formatBytesApprox(machine.totalBytes)})`,
      fix,
    );
  } else if (estimate.totalBytes > machine.availableBytes) {
    issues.warning(
      '',
      `the run needs about ${formatBytesApprox(estimate.totalBytes)} of memory (${parts}), more than is free now (${formatBytesApprox(machine.availableBytes)} of ${formatBytesApprox(machine.totalBytes)})`,
      `it may swap or be killed; ${fix}, or set ${MEMORY_LIMIT_ENV} to what you mean to give it`,
    );
  }
  const heapLimit = options.heapLimitBytes ?? getHeapStatistics().heap_size_limit;
  if (estimate.heapBytes > heapLimit) {
    issues.error(
      '',
      `the run needs about ${formatBytesApprox(estimate.heapBytes)} of JavaScript heap (${scenario.guests.length.toLocaleString('en-US')} guests${options.samples ? `, ${options.samples.toLocaleString('en-US')} samples of each` : ''}), more than Node's heap limit (${formatBytesApprox(heapLimit)})`,
      `use fewer guests${options.samples ? ` or raise ${samplesFlag}` : ''}, or give Node more heap: NODE_OPTIONS=--max-old-space-size=MiB`,
    );
  }
  const samples = options.samples ?? 0;
  const csvBytes = samples * scenario.guests.length * CSV_ROW_BYTES_MAX;
  // trace.json is written whole too, and a run with few guests makes more of it than of the CSV (it failed after the run).
  const traceBytes = samples * (TRACE_HOST_BYTES_PER_SAMPLE + Math.min(scenario.guests.length, TRACE_GUESTS_MAX) * TRACE_GUEST_BYTES_PER_SAMPLE);
  const [file, fileBytes] = csvBytes >= traceBytes ? ['timeseries.csv', csvBytes] : ['trace.json', traceBytes];
  if (fileBytes > TEXT_LENGTH_MAX) {
    const every = Math.ceil(fileBytes / TEXT_LENGTH_MAX);
    issues.error(
      samplesFlag,
      `${samples.toLocaleString('en-US')} samples of ${scenario.guests.length.toLocaleString('en-US')} guests make a ${file} of up to ${formatBytesApprox(fileBytes)}, more than one file of the outputs can hold (${formatBytesApprox(TEXT_LENGTH_MAX)})`,
      `keep at least ${every} times fewer samples: raise ${samplesFlag}`,
    );
  }
}

/**
 * Checks a resolved scenario, and the way it will be run, before anything is
 * allocated. Never throws for a problem: it returns them (see `assertPreflight`).
 *
 * @throws TypeError or RangeError when `scenario` is not a resolved scenario or `options` are not preflight options (a problem of the arguments, not of the run)
 */
export function preflight(scenario: Scenario, options: PreflightOptions = {}): PreflightReport {
  checkScenario(scenario, 'preflight');
  checkPreflightOptions(options, 'preflight');
  return preflightUnchecked(scenario, options);
}

/**
 * `preflight` without its checks, for the library's own callers: `simulate`,
 * the CLI and the sweeps, which have checked the scenario and the way of
 * running (or made them) already.
 */
export function preflightUnchecked(scenario: Scenario, options: PreflightOptions = {}): PreflightReport {
  const issues = new Issues();
  const machine = options.machine ?? machineMemory();
  const threads = threadsOf(scenario, options);
  const estimate = estimateRunMemoryUnchecked(scenario, { threads, samples: options.samples ?? 0 });
  checkTables(scenario, issues);
  checkBoot(scenario, issues);
  checkEventTimes(scenario, issues, options.durationOverridden === true);
  checkTicks(scenario, issues, options.runFlags !== false);
  checkMemory(scenario, options, estimate, machine, issues);
  const ordered = (['error', 'warning', 'note'] as const).flatMap((severity) => issues.items.filter((issue) => issue.severity === severity));
  return { issues: ordered, estimate, machine, threads };
}

/**
 * The preflight's errors as a ScenarioError (every one, with field, figure
 * and fix); the report when there are none. Unchecked, as `preflightUnchecked`:
 * its callers are the library's own.
 */
export function assertPreflight(scenario: Scenario, options: PreflightOptions = {}): PreflightReport {
  const report = preflightUnchecked(scenario, options);
  const errors = report.issues.filter((issue) => issue.severity === 'error');
  if (errors.length > 0) throw new ScenarioError(scenario.source, errors.map(({ severity: _severity, ...issue }) => issue));
  return report;
}

/** One issue as a line: `SEVERITY: SOURCE: PATH: MESSAGE (FIX)`. */
function formatLine(scenario: Scenario, issue: PreflightIssue): string {
  return printable(`${issue.severity}: ${scenario.source}: ${issue.path === '' ? '' : `${issue.path}: `}${issue.message}${issue.hint === undefined ? '' : ` (${issue.hint})`}`);
}

/** The warnings of a report, one line each: `warning: SOURCE: PATH: MESSAGE (FIX)`. */
export function formatWarnings(scenario: Scenario, report: PreflightReport): string[] {
  return report.issues.filter((issue) => issue.severity === 'warning').map((issue) => formatLine(scenario, issue));
}

/** The notes of a report (overcommit), one line each: `note: SOURCE: PATH: MESSAGE (FIX)`. */
export function formatNotes(scenario: Scenario, report: PreflightReport): string[] {
  return report.issues.filter((issue) => issue.severity === 'note').map((issue) => formatLine(scenario, issue));
}
