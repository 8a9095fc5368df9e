/** Small sweep tables and run metrics for unit tests of src/sweep and src/output (values chosen by hand). */
import type { RunMetrics } from '../../src/output/run-metrics.js';
import type { SweepRow, SweepTable } from '../../src/sweep/table.js';

/** Metrics of a case: every figure distinct, so that a column mixed up shows. */
export function metrics(overrides: Partial<RunMetrics> = {}): RunMetrics {
  return {
    scenario: 'base',
    seed: 1,
    simulatedSeconds: 30,
    guests: 2,
    hostMemoryBytes: 1000,
    committedBytes: 900,
    residentBytesMean: 500,
    residentBytesPeak: 700,
    savedBytesMean: 400,
    balloonBytesMean: 100,
    hostFreeBytesMin: 200,
    majorFaults: 3,
    swapInPages: 4,
    swapOutPages: 5,
    stallSeconds: 0.5,
    psiSomeMax: 0.25,
    oomKills: 0,
    auditViolations: 0,
    protocolViolations: 0,
    ...overrides,
  };
}

/** An `ok` row of case `index` whose label is `p=VALUE`. */
export function row(index: number, overrides: Partial<SweepRow> = {}): SweepRow {
  return { case: index, label: `p=${index}`, base: 'base', parameters: { p: index }, status: 'ok', refused: [], warnings: [], error: null, metrics: metrics({ seed: index }), ...overrides };
}

/** A table of the given rows of a grid of `casesTotal` cases, fingerprint `fp`. */
export function table(rows: SweepRow[], overrides: Partial<SweepTable> = {}): SweepTable {
  return {
    kind: 'balloonsim-sweep',
    schemaVersion: 2,
    name: 'grid',
    fingerprint: 'fp',
    casesTotal: 4,
    parameterNames: ['p'],
    shard: null,
    rows,
    timing: [{ wallSeconds: 1, concurrency: 1, caseSeconds: {} }],
    ...overrides,
  };
}
