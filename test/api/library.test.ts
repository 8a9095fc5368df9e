/**
 * The library as a program uses it: scenarios from plain objects with the
 * file's rules and messages, runs that can be cancelled with an AbortSignal
 * (lockstep inline and on workers, free-running, sweeps), the preflight and
 * the provenance that the CLI has too.
 */
import { describe, expect, it } from 'vitest';
import { defineScenario } from '../../src/api/define-scenario.js';
import { simulate, simulateFree } from '../../src/api/simulate.js';
import { AbortError } from '../../src/runtime/abort.js';
import { ScenarioError } from '../../src/scenario/errors.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import type { ScenarioFileInput } from '../../src/scenario/schema.js';
import { sweep } from '../../src/sweep/sweep.js';

const base = {
  name: 'lib',
  duration: '20s',
  host: { memory: '2GiB', policy: { kind: 'mom', period: '5s' } },
  guests: [
    { name: 'web', memory: '512MiB', workload: [{ kind: 'anon', size: { sine: { min: '64MiB', max: '256MiB', period: '10s' } } }] },
    { name: 'batch', count: 2, memory: '256MiB', driver: 'xen' },
  ],
  events: [{ at: '5s', setTarget: { guest: 'web', memory: '384MiB' } }],
} satisfies ScenarioFileInput;

function issuesOf(fn: () => unknown): Array<{ path: string; message: string; hint?: string }> {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScenarioError) return error.issues.map(({ path, message, hint }) => ({ path, message, ...(hint !== undefined ? { hint } : {}) }));
    throw error;
  }
  throw new Error('expected a ScenarioError');
}

describe('defineScenario', () => {
  it('gives the scenario the same file would give', () => {
    const fromObject = defineScenario(base);
    const fromText = parseScenarioText(JSON.stringify(base), 'defineScenario');
    expect(fromObject).toEqual(fromText);
    expect(fromObject.guests.map((g) => g.name)).toEqual(['web', 'batch-0', 'batch-1']);
  });

  it('refuses what a file would refuse, with the same paths, messages and hints', () => {
    const broken: unknown[] = [
      { ...base, host: { memory: 4096 } },
      { ...base, guests: [{ name: 'a', memory: '1Gb' }] },
      { ...base, guests: [{ name: 'a', memmory: '1GiB' }] },
      { ...base, events: [{ at: '1m', setTarget: { guest: 'nobody', memory: '1GiB' } }] },
      { ...base, tick: '1h' },
      { ...base, guests: [{ name: 'tiny', memory: '4MiB' }] },
    ];
    for (const object of broken) {
      const fromObject = issuesOf(() => defineScenario(object as ScenarioFileInput));
      expect(fromObject.length).toBeGreaterThan(0);
      expect(fromObject).toEqual(issuesOf(() => parseScenarioText(JSON.stringify(object), 'defineScenario')));
    }
    expect(issuesOf(() => defineScenario({ ...base, guests: [{ name: 'a', memory: '1Gb' }] }))[0]).toMatchObject({ path: 'guests[0].memory', message: expect.stringMatching(/"1Gb" is in bits/) });
  });

  it('refuses an object that refers to itself or nests too deeply, instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = { ...base, host: { memory: '1GiB' } };
    (cyclic['host'] as Record<string, unknown>)['self'] = cyclic;
    expect(issuesOf(() => defineScenario(cyclic as ScenarioFileInput))[0]!.message).toBe('host.self refers back to itself');
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    expect(issuesOf(() => defineScenario({ ...base, host: deep } as unknown as ScenarioFileInput))[0]!.message).toMatch(/nests more than 64 levels deep/);
  });
});

describe('simulate and simulateFree from the library', () => {
  it('run the preflight first, and fill in the provenance', async () => {
    const tooBig = defineScenario({ host: { memory: '8TiB' }, guests: [{ name: 'a', memory: '1GiB' }] });
    await expect(simulate(tooBig, { placement: 'inline' })).rejects.toThrow(/host\.memory: 8 TiB is 2,147,483,648 frames of 4 KiB/);
    const warnings: string[] = [];
    const late = defineScenario({ ...base, events: [{ at: '1h', crash: 'web' }] });
    const { summary } = await simulate(late, { placement: 'inline', seed: 9, onWarning: (issue) => warnings.push(`${issue.severity}: ${issue.message}`) });
    expect(warnings).toEqual([expect.stringMatching(/^warning: an event \(crash web at 1h\) comes after the run's last tick/)]);
    expect(summary.provenance).toMatchObject({ tool: 'balloonsim', seed: 9, node: process.version, scenario: { name: 'lib', seed: 9 } });
    await expect(simulate({} as never)).rejects.toThrow(/simulate: scenario must be a resolved Scenario, got a mapping without guests, frameBytes and host \(a file form\?\): make one with defineScenario/);
  });

  it('stop at the next tick when the signal is aborted, inline (a timer can fire) and on workers', async () => {
    const long = defineScenario({ ...base, duration: '100h' });
    for (const placement of ['inline', 'workers'] as const) {
      const started = performance.now();
      const error: unknown = await simulate(long, { placement, workers: 2, signal: AbortSignal.timeout(300) }).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(AbortError);
      expect((error as AbortError).code).toBe('ABORT_ERR');
      expect((error as Error).message).toMatch(/^simulate \(at tick \d+ of 360000\) was aborted: The operation was aborted due to timeout$/);
      // Not a speed target: a run of 100 simulated hours could only end this soon by being stopped.
      expect(performance.now() - started).toBeLessThan(60_000);
    }
    const already = new AbortController();
    already.abort();
    await expect(simulate(long, { signal: already.signal })).rejects.toThrow(/^simulate was aborted$/);
  });

  it('stops a free run too', async () => {
    const error: unknown = await simulateFree(defineScenario({ ...base, duration: '100h' }), { workers: 2, signal: AbortSignal.timeout(300) }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as Error).message).toMatch(/^simulateFree \(at host tick \d+ of 360000\) was aborted/);
  });

  it('stops a sweep: running cases are stopped, the rest never start', async () => {
    const controller = new AbortController();
    const scenarios = [1, 2, 3, 4, 5, 6].map((seed) => defineScenario({ ...base, seed, duration: '100h' }));
    const sweeping = sweep(scenarios, { concurrency: 2, signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    await expect(sweeping).rejects.toThrow(/^sweep \(0 of 6 cases done\) was aborted$/);
  });
});
