/** Unit tests of src/runtime/simulate.ts: the lockstep loop's options, checks and determinism (5-tick runs). */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cpuSecondsSince, simulate, workerCount } from '../../src/runtime/simulate.js';
import type { FaultPlan } from '../../src/model/scenario.js';
import { expectCleanRun } from '../support/clean-run.js';
import { runTiny, tinyScenario } from '../support/tiny-run.js';

const faults: FaultPlan = { untilMs: 3000, settleMs: 2000, crashes: [], randomThrows: 0, randomKills: 0, delayFraction: 0, delayTurnsMax: 8 };

describe('workerCount', () => {
  it('takes workers, or enough workers for guestsPerWorker, or the machine parallelism', () => {
    expect(workerCount({ workers: 3 }, 10)).toBe(3);
    expect(workerCount({ guestsPerWorker: 4 }, 10)).toBe(3);
    expect(workerCount({ guestsPerWorker: 4 }, 0)).toBe(1);
    expect(workerCount({}, 10)).toBe(availableParallelism());
  });
  it('refuses both at once, and a guestsPerWorker that is not a positive whole number', () => {
    expect(() => workerCount({ workers: 2, guestsPerWorker: 2 }, 4)).toThrow(new RangeError('simulate: give workers or guestsPerWorker, not both'));
    expect(() => workerCount({ guestsPerWorker: 0 }, 4)).toThrow(new RangeError('simulate: guestsPerWorker must be a positive integer, got 0'));
    expect(() => workerCount({ guestsPerWorker: 1.5 }, 4)).toThrow(RangeError);
  });
});

describe('cpuSecondsSince', () => {
  it('is the CPU time used since a process.cpuUsage() reading, in seconds', () => {
    const start = process.cpuUsage();
    let x = 0;
    for (let i = 0; i < 2e6; i++) x += i;
    expect(x).toBeGreaterThan(0);
    const seconds = cpuSecondsSince(start);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(60);
  });
});

describe('simulate', () => {
  it('runs every tick, samples every sampleEveryTicks and after the last, reports progress, and ends clean', async () => {
    const times: number[] = [];
    const progress: string[] = [];
    const { summary } = await simulate(tinyScenario(), { placement: 'inline', sampleEveryTicks: 2, onSample: (s) => times.push(s.timeMs), onProgress: (done, total) => progress.push(`${done}/${total}`) });
    expect(summary.ticks).toBe(5);
    expect(times).toEqual([2000, 4000, 5000]);
    expect(progress).toEqual(['1/5', '2/5', '3/5', '4/5', '5/5']);
    expect(summary.timing).toMatchObject({ mode: 'lockstep', placement: 'inline', threads: 1 });
    expectCleanRun(summary);
  });

  it('gives the same summary for the same seed, and another for another seed', async () => {
    const strip = (s: Awaited<ReturnType<typeof runTiny>>['result']['summary']) => JSON.stringify({ ...s, timing: null });
    const a = await runTiny();
    const b = await runTiny();
    expect(strip(b.result.summary)).toBe(strip(a.result.summary));
    const other = await simulate(tinyScenario(), { placement: 'inline', seed: 99 });
    expect(other.summary.seed).toBe(99);
    expect(a.result.summary.seed).toBe(5);
  });

  it('calls beforeTick with an administrator at each tick start', async () => {
    const seen: number[] = [];
    const { summary } = await simulate(tinyScenario(), {
      placement: 'inline',
      beforeTick: (admin) => {
        seen.push(admin.nowMs);
        if (admin.nowMs === 1000) admin.setTarget('b', '12MiB', { force: true });
      },
    });
    expect(seen).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(summary.guests[1]!.targetBytes).toBe(12 * 2 ** 20);
  });

  it('refuses host hooks off inline placement, and faults only free-running mode can make', async () => {
    await expect(simulate(tinyScenario(), { placement: 'workers', host: {} })).rejects.toThrow(new RangeError('simulate: host hooks work only with placement inline'));
    const kill = tinyScenario({ faults: { ...faults, crashes: [{ guest: 'a', atMs: 1000, how: 'kill-worker' }] } });
    await expect(simulate(kill, { placement: 'inline' })).rejects.toThrow(/^simulate: worker kills and message delays need free-running mode/);
    await expect(simulate(tinyScenario({ faults: { ...faults, delayFraction: 0.1 } }), { placement: 'inline' })).rejects.toThrow(/need free-running mode/);
  });

  it('summarizes injected throws: the crashed guest is dead, the other carries on, liveness is judged', async () => {
    const s = tinyScenario({ durationMs: 8000, faults: { ...faults, crashes: [{ guest: 'a', atMs: 2000, how: 'throw' }] } });
    const { summary } = await simulate(s, { placement: 'inline' });
    expect(summary.faults?.crashes).toEqual([expect.objectContaining({ guest: 'a', timeSeconds: 2, how: 'throw' })]);
    expect(summary.faults).toMatchObject({ untilSeconds: 3, settleSeconds: 2, throwsPlanned: 1, killsPlanned: 0, delayedBatches: 0 });
    expect(summary.guests.map((g) => g.alive)).toEqual([false, true]);
    expect(summary.faults?.liveness).toMatchObject({ checked: true, fromSeconds: 3, deadlineSeconds: 5, reached: 1, missed: [] });
    expectCleanRun(summary);
  });
});
