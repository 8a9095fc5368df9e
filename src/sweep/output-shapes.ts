/**
 * The shapes of the outputs that merge and compare read back (sweep.json,
 * summary.json): a file cut short, edited by hand or written by another tool
 * is refused with the first field that is wrong, instead of a TypeError deep
 * inside the table code (or, for a casesTotal of 10^12, V8 dying while it
 * lists the missing cases). Only what merge and compare read is checked.
 */
import { z } from 'zod';
import { SWEEP_CASES_MAX } from './grid.js';
import { METRIC_KEYS, SWEEP_STATUSES } from './table.js';

const count = z.number().int().min(0);
const strings = z.array(z.string());

const metricsShape = z.object(
  Object.fromEntries(METRIC_KEYS.map((key) => [key, key === 'scenario' ? z.string() : z.number()])) as Record<string, z.ZodType>,
);

const rowShape = z.object({
  case: count.max(SWEEP_CASES_MAX - 1),
  label: z.string(),
  // Version 1 tables have no base, refused or warnings (upgradeSweepTable fills them in).
  base: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()),
  status: z.enum(SWEEP_STATUSES as [string, ...string[]]),
  refused: strings.optional(),
  warnings: strings.optional(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  metrics: metricsShape.nullable(),
});

const sweepTableShape = z.object({
  kind: z.literal('balloonsim-sweep'),
  schemaVersion: count,
  name: z.string(),
  fingerprint: z.string(),
  casesTotal: count.min(1).max(SWEEP_CASES_MAX),
  parameterNames: strings,
  shard: z.object({ index: count.min(1), count: count.min(1) }).nullable(),
  sampleEveryTicks: count.min(1).nullable().optional(),
  rows: z.array(rowShape).max(SWEEP_CASES_MAX),
  timing: z.array(z.object({ wallSeconds: z.number(), concurrency: z.number() })),
});

const summaryShape = z.object({
  schemaVersion: z.number(),
  scenario: z.string(),
  seed: z.number(),
  simulatedSeconds: z.number(),
  host: z.object({
    memoryBytes: z.number(),
    frameBytes: count.min(1),
    frames: count,
    freeBytes: z.number(),
    protocolViolations: z.number(),
  }),
  guests: z.array(
    z.object({
      name: z.string(),
      bootBytes: z.number(),
      residentBytes: z.number(),
      balloonBytes: z.number(),
      majorFaults: z.number(),
      swapInPages: z.number(),
      swapOutPages: z.number(),
      oomKills: z.number(),
    }),
  ),
  audit: z.object({ violations: z.number() }),
});

/** `rows[3].metrics.savedBytesMean`. */
function pathText(path: ReadonlyArray<PropertyKey>): string {
  return path.map((step, i) => (typeof step === 'number' ? `[${step}]` : `${i === 0 ? '' : '.'}${String(step)}`)).join('');
}

function firstProblem(shape: z.ZodType, value: unknown): string | null {
  const parsed = shape.safeParse(value);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0]!;
  return `${issue.path.length === 0 ? 'the document' : pathText(issue.path)}: ${issue.message}`;
}

/**
 * What is wrong with a sweep table read from a file (version 1 or later), or
 * null if merge and compare can use it.
 */
export function sweepTableProblem(value: unknown): string | null {
  const problem = firstProblem(sweepTableShape, value);
  if (problem !== null) return problem;
  const table = value as { casesTotal: number; rows: Array<{ case: number }> };
  const outside = table.rows.findIndex((row) => row.case >= table.casesTotal);
  return outside === -1 ? null : `rows[${outside}].case: ${table.rows[outside]!.case} is not a case of a sweep of ${table.casesTotal}`;
}

/** What is wrong with one row read from a file (a finished case a resumed sweep takes over), or null if it is sound. */
export function sweepRowProblem(value: unknown): string | null {
  return firstProblem(rowShape, value);
}

/** What is wrong with a run summary read from a file, or null if compare can use it. */
export function runSummaryProblem(value: unknown): string | null {
  return firstProblem(summaryShape, value);
}
