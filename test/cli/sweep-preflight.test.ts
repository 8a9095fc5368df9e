/** Unit tests of src/cli/sweep-preflight.ts: what sweep says before it starts, and how many cases it runs at once. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkSweepCases, concurrencyThatFits } from '../../src/cli/sweep-preflight.js';
import type { Scenario } from '../../src/model/scenario.js';
import { MEMORY_LIMIT_ENV } from '../../src/preflight/machine.js';
import { planSweep } from '../../src/sweep/sweep.js';
import { casePreflight } from '../../src/sweep/sweep-task.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

function tiny(name: string, hostBytes = 64 * MiB): Scenario {
  return scenario({
    name,
    durationMs: 5000,
    guests: [guest('g', { memoryBytes: 16 * MiB, maxMemoryBytes: 16 * MiB })],
    host: { memoryBytes: hostBytes, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 } },
  });
}

function stderrOf(run: () => number): { result: number; text: string } {
  const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const result = run();
    return { result, text: write.mock.calls.map((call) => String(call[0])).join('') };
  } finally {
    write.mockRestore();
  }
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('concurrencyThatFits', () => {
  it('adds up the largest cases, keeps the concurrency when they all fit, and never goes below one', () => {
    expect(concurrencyThatFits([3, 5, 4], 3, 12)).toBe(3);
    expect(concurrencyThatFits([3, 5, 4], 3, 9)).toBe(2);
    expect(concurrencyThatFits([3, 5, 4], 3, 8)).toBe(1);
    expect(concurrencyThatFits([3, 5, 4], 3, 1)).toBe(1);
    expect(concurrencyThatFits([3, 5], 8, 100)).toBe(8);
    expect(concurrencyThatFits([9, 1, 1, 1], 2, 10)).toBe(2);
  });
});

describe('checkSweepCases', () => {
  const cases = planSweep([tiny('a'), tiny('b'), tiny('c')], { shard: null }).cases;
  const caseBytes = casePreflight(cases[0]!.case.scenario).estimate.totalBytes;
  const options = { sampleEvery: undefined, concurrency: 3, concurrencyGiven: false, quiet: false };

  it('runs fewer cases at once when the largest would not fit together in the memory that is free, and says so', () => {
    vi.stubEnv(MEMORY_LIMIT_ENV, `${Math.floor(caseBytes * 2.5)}B`);
    const { result, text } = stderrOf(() => checkSweepCases(cases, options));
    expect(result).toBe(2);
    expect(text).toMatch(/running 2 cases at once, not 3: the 3 largest cases at once need about .*, more than is free .* \(--concurrency sets it\)/);
  });

  it('keeps a --concurrency the user gave, with a warning that says what fits', () => {
    vi.stubEnv(MEMORY_LIMIT_ENV, `${Math.floor(caseBytes * 1.5)}B`);
    const { result, text } = stderrOf(() => checkSweepCases(cases, { ...options, concurrencyGiven: true }));
    expect(result).toBe(3);
    expect(text).toMatch(/--concurrency 3: the 3 largest cases at once need about .*; they may swap or be killed \(--concurrency 1 fits\)/);
  });

  it('says nothing and keeps the concurrency when the cases fit; quiet says nothing but still fits them', () => {
    vi.stubEnv(MEMORY_LIMIT_ENV, `${caseBytes * 4}B`);
    expect(stderrOf(() => checkSweepCases(cases, options))).toEqual({ result: 3, text: '' });
    vi.stubEnv(MEMORY_LIMIT_ENV, `${Math.floor(caseBytes * 2.5)}B`);
    expect(stderrOf(() => checkSweepCases(cases, { ...options, quiet: true }))).toEqual({ result: 2, text: '' });
  });

  it('names the cases that cannot run, and leaves them out of the memory that must fit', () => {
    const mixed = planSweep([tiny('ok'), tiny('huge', 2 ** 46)], { shard: null }).cases;
    const { result, text } = stderrOf(() => checkSweepCases(mixed, options));
    expect(result).toBe(3);
    // A 64 TiB host of 4 KiB frames: a frame table larger than any machine here.
    expect(text).toMatch(/1 of 2 cases cannot run and will fail at once .*\n {2}case 1 \(huge\): /);
  });

  it('lists the warnings of the cases that run, once each with the cases it is about, as run prints them', () => {
    vi.stubEnv(MEMORY_LIMIT_ENV, `${caseBytes * 100}B`);
    const long = (name: string): Scenario => ({ ...tiny(name), tickMs: 1, durationMs: 2_000_000 });
    const mixed = planSweep([tiny('short'), long('long-1'), long('long-2')], { shard: null }).cases;
    const { result, text } = stderrOf(() => checkSweepCases(mixed, options));
    expect(result).toBe(3);
    expect(text).toMatch(/2 of 3 cases have warnings \(they run\):\n {2}cases 1 \(long-1\), 2 \(long-2\): .*2,000,000 ticks/);
    // A sweep has no --set or --duration: the fix names the scenario's fields.
    expect(text).toMatch(/\(a tick of 10ms makes 200,000 ticks: tick: 10ms in the scenario \(or in a grid's parameters\); or shorten the run \(its duration\)\)/);
    expect(text).not.toMatch(/--set|--duration/);
    expect(text).not.toMatch(/case 0/);
    expect(stderrOf(() => checkSweepCases(mixed, { ...options, quiet: true })).text).toBe('');
  });
});
