/**
 * One case of a sweep, as a task: run the scenario inline (the sweep's
 * parallelism is across cases, one per thread), keep the metrics, and report
 * a failure as a row rather than an exception, so that one bad case does not
 * stop the others. This runs inside piscina's worker threads (see
 * sweep-thread.cts and sweep-worker.ts), and inline in tests.
 */
import { performance } from 'node:perf_hooks';
import type { HostEvent } from '../host/event-log.js';
import { BootError } from '../host/manager/memory-manager.js';
import { PolicyError } from '../host/policy/policy-error.js';
import { MetricsAccumulator } from '../output/run-metrics.js';
import { writeRunOutputsUnchecked } from '../output/run-outputs.js';
import { defaultSampleEveryTicks, TimeSeries } from '../output/time-series.js';
import { RunFailure } from '../runtime/errors.js';
import { simulate } from '../runtime/simulate.js';
import type { Scenario } from '../model/scenario.js';
import { ScenarioError } from '../scenario/errors.js';
import { withProvenance } from '../scenario/provenance.js';
import { formatDuration } from '../model/units.js';
import { assertPreflight, preflightUnchecked, type PreflightOptions, type PreflightReport } from '../preflight/preflight.js';
import type { SweepRow, SweepStatus } from './table.js';

/** What the main thread sends for one case (structured-cloned). */
export interface SweepTask {
  case: number;
  label: string;
  /** The base scenario's name. */
  base: string;
  parameters: Record<string, unknown>;
  scenario: Scenario;
  /** Sample interval for the metrics' time averages (default: as `run --out`). */
  sampleEveryTicks?: number;
  /** When set, the case also writes `run --out` files into this directory. */
  outDir?: string;
  /** Where the case marks its calls into policy modules, for the coordinator's watch (case-watch.ts). */
  policyCallMarks?: SharedArrayBuffer;
}

/** What comes back: the row, and how long the case took (kept apart: it is not deterministic). */
export interface SweepTaskResult {
  row: SweepRow;
  wallSeconds: number;
}

function errorCode(error: unknown): string {
  if (error instanceof RunFailure) return error.code;
  if (error instanceof BootError) return 'BOOT_FAILED';
  if (error instanceof PolicyError) return error.code;
  if (error instanceof ScenarioError) return 'PREFLIGHT';
  return 'INTERNAL';
}

/** Guard refusals and warnings a row lists, at most (the rest are counted). */
export const ROW_NOTES_MAX = 5;

/** `idle at 2m: <what the host logged>`, the first few, then how many more. */
function notesOf(events: ReadonlyArray<HostEvent>, kind: HostEvent['kind']): string[] {
  const found = events.filter((event) => event.kind === kind);
  const notes = found.slice(0, ROW_NOTES_MAX).map((event) => `${event.guest ?? 'host'} at ${formatDuration(event.timeMs)}: ${event.detail}`);
  if (found.length > ROW_NOTES_MAX) notes.push(`${found.length - ROW_NOTES_MAX} more (see events.jsonl of --case-outputs)`);
  return notes;
}

/** The ticks a case runs. */
function ticksOf(scenario: Scenario): number {
  return Math.max(1, Math.ceil(scenario.durationMs / scenario.tickMs));
}

/** The sample interval of a case: the one given, or as `run --out` would take. */
function sampleEveryOf(scenario: Scenario, sampleEveryTicks: number | undefined): number {
  return sampleEveryTicks ?? defaultSampleEveryTicks(ticksOf(scenario), scenario.guests.length);
}

/** The preflight's options for a case as the sweep runs it: inline, with the samples `sampleEveryTicks` makes (and no `run` flags to name in a fix). */
function casePreflightOptions(scenario: Scenario, sampleEveryTicks: number): PreflightOptions {
  return { placement: 'inline', samples: Math.ceil(ticksOf(scenario) / sampleEveryTicks) + 1, runFlags: false };
}

/**
 * A case's preflight as the sweep runs it: its issues (a case with errors
 * fails at once when the sweep reaches it; the CLI says so before the sweep
 * starts) and the memory it will need.
 */
export function casePreflight(scenario: Scenario, sampleEveryTicks?: number): PreflightReport {
  return preflightUnchecked(scenario, casePreflightOptions(scenario, sampleEveryOf(scenario, sampleEveryTicks)));
}

/** Runs one case; never throws for a failure of the case itself. */
export async function runSweepTask(task: SweepTask): Promise<SweepTaskResult> {
  const started = performance.now();
  const scenario = task.scenario;
  const metrics = new MetricsAccumulator();
  const series = task.outDir !== undefined ? new TimeSeries(scenario.guests.map((g) => g.name), scenario.frameBytes, Math.floor(scenario.host.memoryBytes / scenario.frameBytes)) : null;
  const base = { case: task.case, label: task.label, base: task.base, parameters: task.parameters };
  let row: SweepRow;
  const sampleEveryTicks = sampleEveryOf(scenario, task.sampleEveryTicks);
  try {
    // What run would refuse before it starts fails this case alone, before anything is allocated.
    assertPreflight(scenario, casePreflightOptions(scenario, sampleEveryTicks));
    const result = await simulate(scenario, {
      placement: 'inline',
      ...(task.policyCallMarks !== undefined ? { policyCallMarks: task.policyCallMarks } : {}),
      sampleEveryTicks,
      onSample: (sample) => {
        metrics.add(sample);
        series?.add(sample);
      },
    });
    // The case's files say where they came from, as run --out's do (summary.json, events.jsonl, trace.json, report.html had none).
    if (series !== null && task.outDir !== undefined) await writeRunOutputsUnchecked(task.outDir, withProvenance(result, scenario, result.summary.seed), series);
    const violations = result.summary.audit.violations;
    const refused = notesOf(result.events, 'guardRefusal');
    const warnings = notesOf(result.events, 'guardWarning');
    const status: SweepStatus = violations > 0 ? 'failed' : refused.length > 0 ? 'refused' : warnings.length > 0 ? 'warning' : 'ok';
    row = {
      ...base,
      status,
      refused,
      warnings,
      error: violations === 0 ? null : { code: 'INVARIANT_BROKEN', message: result.summary.audit.firstViolations[0] ?? `${violations} violations` },
      metrics: metrics.finish(result.summary),
    };
  } catch (error) {
    row = { ...base, status: 'failed', refused: [], warnings: [], error: { code: errorCode(error), message: error instanceof Error ? error.message : String(error) }, metrics: null };
  }
  return { row, wallSeconds: (performance.now() - started) / 1000 };
}
