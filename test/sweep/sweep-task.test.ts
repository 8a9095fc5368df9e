/** Unit tests of src/sweep/sweep-task.ts: one case of a sweep, run inline, its row and its status (small runs of 5 ticks). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUN_OUTPUT_FILES } from '../../src/output/run-outputs.js';
import type { ScenarioEvent } from '../../src/model/scenario.js';
import { ROW_NOTES_MAX, runSweepTask, type SweepTask } from '../../src/sweep/sweep-task.js';
import { guest, MiB, scenario } from '../support/scenarios.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

/** One 16 MiB guest on a 64 MiB host for 5 s. */
function task(events: ScenarioEvent[] = [], overrides: Partial<SweepTask> = {}): SweepTask {
  const s = scenario({
    name: 'tiny',
    durationMs: 5000,
    guests: [guest('g', { memoryBytes: 16 * MiB, maxMemoryBytes: 16 * MiB })],
    host: { memoryBytes: 64 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 } },
    events,
  });
  return { case: 3, label: 'p=x', base: 'tiny', parameters: { p: 'x' }, scenario: s, ...overrides };
}

/** Below the guest's 4 MiB of kernel memory: the guard refuses it, and warns it looks like a unit mistake. */
const tooSmall = (atMs: number, force = false): ScenarioEvent => ({ atMs, kind: 'setTarget', guest: 'g', target: { bytes: 1 * MiB }, ...(force ? { force } : {}) });

describe('runSweepTask', () => {
  it('runs a case to an ok row with its metrics and how long it took', async () => {
    const { row, wallSeconds } = await runSweepTask(task());
    expect(row).toMatchObject({ case: 3, label: 'p=x', base: 'tiny', parameters: { p: 'x' }, status: 'ok', refused: [], warnings: [], error: null });
    expect(row.metrics).toMatchObject({ scenario: 'tiny', seed: 1, simulatedSeconds: 5, guests: 1, hostMemoryBytes: 64 * MiB, committedBytes: 16 * MiB, auditViolations: 0 });
    expect(wallSeconds).toBeGreaterThan(0);
  });

  it('marks a case refused when the guard refused a target it sets, listing when and what', async () => {
    const { row } = await runSweepTask(task([tooSmall(2000)]));
    expect(row.status).toBe('refused');
    expect(row.refused).toHaveLength(1);
    expect(row.refused[0]).toMatch(/^g at 2s: /);
    expect(row.error).toBeNull();
    expect(row.metrics).not.toBeNull();
  });

  it('marks a forced target that looks like a unit mistake as a warning', async () => {
    const { row } = await runSweepTask(task([tooSmall(1000, true)]));
    expect(row.status).toBe('warning');
    expect(row.refused).toEqual([]);
    expect(row.warnings).toEqual([expect.stringMatching(/^g at 1s: the target for g \(1 MiB\) is smaller than its kernel memory \(4 MiB\)/)]);
  });

  it('lists at most ROW_NOTES_MAX refusals, then how many more', async () => {
    const { row } = await runSweepTask(task([1000, 1000, 2000, 2000, 3000, 3000, 4000].map((at) => tooSmall(at))));
    expect(row.refused).toHaveLength(ROW_NOTES_MAX + 1);
    expect(row.refused[ROW_NOTES_MAX]).toBe('2 more (see events.jsonl of --case-outputs)');
  });

  it('turns what the preflight refuses into a failed row, without throwing', async () => {
    const t = task();
    const s = { ...t.scenario, host: { ...t.scenario.host, memoryBytes: 4 * MiB } };
    const { row } = await runSweepTask({ ...t, scenario: s });
    expect(row).toMatchObject({ case: 3, status: 'failed', refused: [], warnings: [], metrics: null });
    expect(row.error?.code).toBe('PREFLIGHT');
    expect(row.error?.message).toMatch(/cannot boot/);
  });

  it('writes the run outputs of the case when asked to', async () => {
    const out = join(temporaryDirectory('balloonsim-sweep-task-'), 'case-3');
    const { row } = await runSweepTask(task([], { outDir: out, sampleEveryTicks: 1 }));
    expect(row.status).toBe('ok');
    for (const name of RUN_OUTPUT_FILES) expect(existsSync(join(out, name)), name).toBe(true);
    // Each says where it came from, as run --out's files do (docs/outputs.md); a case's had no provenance at all.
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { provenance?: { tool: string; seed: number; source: string; scenario: { name: string } } };
    expect(summary.provenance).toMatchObject({ tool: 'balloonsim', seed: 1, source: 'test', scenario: { name: 'tiny' } });
    expect(JSON.parse(readFileSync(join(out, 'events.jsonl'), 'utf8').split('\n')[0]!)).toMatchObject({ kind: 'provenance' });
    expect(JSON.parse(readFileSync(join(out, 'trace.json'), 'utf8')).otherData).toMatchObject({ provenance: { tool: 'balloonsim', seed: 1 } });
  });
});
