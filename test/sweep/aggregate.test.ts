/** Seeds aggregated: cases that differ only by seed become one setting, with its mean and 95 % interval. */
import { describe, expect, it } from 'vitest';
import type { RunMetrics } from '../../src/output/run-metrics.js';
import { aggregateSeeds, meanInterval, tQuantile975 } from '../../src/sweep/aggregate.js';
import { SWEEP_TABLE_SCHEMA_VERSION, type SweepRow, type SweepTable } from '../../src/sweep/table.js';

function metrics(saved: number, faults: number): RunMetrics {
  return {
    scenario: 'default',
    seed: 0,
    simulatedSeconds: 60,
    guests: 4,
    hostMemoryBytes: 16,
    committedBytes: 16,
    residentBytesMean: 8,
    residentBytesPeak: 9,
    savedBytesMean: saved,
    balloonBytesMean: 1,
    hostFreeBytesMin: 2,
    majorFaults: faults,
    swapInPages: 0,
    swapOutPages: 0,
    stallSeconds: 0.5,
    psiSomeMax: 0.1,
    oomKills: 0,
    auditViolations: 0,
    protocolViolations: 0,
  };
}

function row(index: number, parameters: Record<string, unknown>, m: RunMetrics | null, status: SweepRow['status'] = 'ok', base = 'default'): SweepRow {
  return { case: index, label: `case ${index}`, base, parameters, status, refused: status === 'refused' ? ['idle at 2m: refused'] : [], warnings: [], error: m === null ? { code: 'BOOT_FAILED', message: 'no' } : null, metrics: m };
}

function table(rows: SweepRow[], parameterNames: string[]): SweepTable {
  return { kind: 'balloonsim-sweep', schemaVersion: SWEEP_TABLE_SCHEMA_VERSION, name: 't', fingerprint: 'f', casesTotal: rows.length, parameterNames, shard: null, rows, timing: [] };
}

describe('seeds aggregated', () => {
  it('Student\'s t and the interval of a mean', () => {
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(4)).toBe(2.776);
    expect(tQuantile975(1000)).toBe(1.96);
    expect(() => tQuantile975(0)).toThrow(/degrees of freedom/);
    // 10, 12, 14: mean 12, sd 2, half-width 4.303 * 2 / sqrt(3).
    const { mean, ci95 } = meanInterval([10, 12, 14]);
    expect(mean).toBe(12);
    expect(ci95![0]).toBeCloseTo(12 - (4.303 * 2) / Math.sqrt(3), 9);
    expect(ci95![1]).toBeCloseTo(12 + (4.303 * 2) / Math.sqrt(3), 9);
    expect(meanInterval([5])).toEqual({ mean: 5, ci95: null });
  });

  it('groups by every parameter but the seed, keeps the worst status and leaves failed cases out of the means', () => {
    const rows = [
      row(0, { 'host.memory': '12GiB', seed: 1 }, metrics(10, 100)),
      row(1, { 'host.memory': '12GiB', seed: 2 }, metrics(12, 200), 'refused'),
      row(2, { 'host.memory': '12GiB', seed: 3 }, metrics(14, 300)),
      row(3, { 'host.memory': '16GiB', seed: 1 }, metrics(20, 0)),
      row(4, { 'host.memory': '16GiB', seed: 2 }, null, 'failed'),
      row(5, { 'host.memory': '16GiB', seed: 3 }, metrics(20, 0)),
    ];
    const groups = aggregateSeeds(table(rows, ['host.memory', 'seed']))!;
    expect(groups.map((g) => [g.label, g.cases, g.seeds, g.n, g.status])).toEqual([
      ['host.memory=12GiB', [0, 1, 2], [1, 2, 3], 3, 'refused'],
      ['host.memory=16GiB', [3, 4, 5], [1, 2, 3], 2, 'failed'],
    ]);
    expect(groups[0]!.mean!.savedBytesMean).toBe(12);
    expect(groups[0]!.ci95!.majorFaults[1] - 200).toBeCloseTo((4.303 * 100) / Math.sqrt(3), 9);
    expect(groups[1]!.statusCounts).toEqual({ failed: 1, refused: 0, warning: 0, ok: 2 });
    expect(groups[1]!.ci95!.savedBytesMean).toEqual([20, 20]);
    expect(Object.keys(groups[0]!.mean!)).not.toContain('seed');
  });

  it('keeps bases apart, and gives nothing for a grid that does not vary the seed', () => {
    const rows = [row(0, { seed: 1 }, metrics(1, 0), 'ok', 'a'), row(1, { seed: 2 }, metrics(3, 0), 'ok', 'a'), row(2, { seed: 1 }, metrics(5, 0), 'ok', 'b')];
    const groups = aggregateSeeds(table(rows, ['seed']))!;
    expect(groups.map((g) => [g.label, g.n, g.mean?.savedBytesMean, g.ci95 === null])).toEqual([
      ['a', 2, 2, false],
      ['b', 1, 5, true],
    ]);
    expect(aggregateSeeds(table(rows, ['host.memory']))).toBeNull();
  });
});
