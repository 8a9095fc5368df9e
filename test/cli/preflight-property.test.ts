/**
 * Whatever `validate` accepts, `run` can do: scenarios that look valid, with
 * tiny and huge sizes, many or few guests, events inside and outside the run,
 * go through `validate` and `run` (the CLI's own entry, in this process, with
 * guests inline), and neither ever ends in an internal error or a stack trace.
 * BALLOONSIM_MEMORY_LIMIT keeps what the preflight lets through small enough
 * to run here in a moment.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

const TICKS = ['1ms', '100ms', '1s', '1m', '1h'];
const TICK_MS: Record<string, number> = { '1ms': 1, '100ms': 100, '1s': 1000, '1m': 60_000, '1h': 3_600_000 };

/** Bytes with an exact unit: `64KiB`, `3GiB`, `123B`. */
function sizeText(bytes: number): string {
  for (const [unit, value] of [['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (bytes >= value && bytes % value === 0) return `${bytes / value}${unit}`;
  }
  return `${bytes}B`;
}

interface GuestCase {
  count: number;
  /** log2 of memory in bytes. */
  memoryLog2: number;
  maxFactor: number;
  minQuarter: boolean;
  swapFraction: number;
  profile: string;
  workloadFraction: number | null;
  sine: boolean;
  growth: string | null;
}

interface Case {
  tick: string;
  ticks: number;
  frameLog2: number;
  /** log2 of host memory in bytes. */
  hostLog2: number;
  reservedFraction: number;
  hostSwapFraction: number;
  backing: 'lazy' | 'eager';
  policy: string;
  guests: GuestCase[];
  events: Array<{ atTicks: number; what: 'setTarget' | 'crash'; fraction: number; percent: boolean; guest: number }>;
}

/** Sizes from a frame to far past every limit, relative to the frame size so that most cases hold together. */
const caseArb: fc.Arbitrary<Case> = fc.record({
  tick: fc.constantFrom(...TICKS),
  ticks: fc.integer({ min: 1, max: 6 }),
  frameLog2: fc.oneof({ weight: 8, arbitrary: fc.constant(12) }, { weight: 1, arbitrary: fc.constantFrom(16, 21, 30) }),
  hostLog2: fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 27, max: 35 }) }, { weight: 1, arbitrary: fc.integer({ min: 12, max: 26 }) }, { weight: 2, arbitrary: fc.integer({ min: 43, max: 52 }) }),
  reservedFraction: fc.constantFrom(0, 0, 1 / 64, 1 / 2),
  hostSwapFraction: fc.constantFrom(0, 0, 1 / 4, 4),
  backing: fc.constantFrom('lazy' as const, 'lazy' as const, 'eager' as const),
  policy: fc.constantFrom('static', 'proportional', '{ kind: mom, period: 1s }', '{ kind: esx, period: 1s }', '{ kind: rotate, period: 1s, low: 10%, groups: 2 }', '{ kind: senpai, period: 1s }', '{ kind: hyperv, period: 1s }', '{ kind: xen-selfballoon, period: 1s }'),
  guests: fc.array(
    fc.record({
      count: fc.oneof({ weight: 10, arbitrary: fc.constantFrom(1, 2, 7) }, { weight: 1, arbitrary: fc.constantFrom(300, 99_999) }),
      memoryLog2: fc.oneof({ weight: 14, arbitrary: fc.integer({ min: 24, max: 32 }) }, { weight: 1, arbitrary: fc.integer({ min: 12, max: 23 }) }, { weight: 1, arbitrary: fc.integer({ min: 33, max: 50 }) }),
      maxFactor: fc.constantFrom(1, 1, 2),
      minQuarter: fc.boolean(),
      swapFraction: fc.constantFrom(0, 0, 1 / 2, 4),
      profile: fc.constantFrom('virtio', 'vmware', 'xen', 'hyperv'),
      workloadFraction: fc.option(fc.constantFrom(0.01, 0.5, 0.95, 3), { nil: null }),
      sine: fc.boolean(),
      growth: fc.option(fc.constantFrom('hotplug', 'virtio-mem'), { nil: null, freq: 4 }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  events: fc.array(
    fc.record({ atTicks: fc.integer({ min: 0, max: 9 }), what: fc.constantFrom('setTarget' as const, 'crash' as const), fraction: fc.constantFrom(0.01, 0.5, 1), percent: fc.boolean(), guest: fc.nat(2) }),
    { maxLength: 3 },
  ),
});

function yamlOf(c: Case): string {
  const frame = 2 ** c.frameLog2;
  const hostBytes = 2 ** c.hostLog2;
  const lines = [`name: preflight-case`, `seed: 3`, `tick: ${c.tick}`, `duration: ${c.ticks * TICK_MS[c.tick]!}ms`, `frameSize: ${sizeText(frame)}`];
  lines.push('host:', `  memory: ${sizeText(hostBytes)}`, `  backing: ${c.backing}`, `  policy: ${c.policy}`);
  if (c.reservedFraction > 0) lines.push(`  reserved: ${sizeText(Math.max(frame, Math.floor((hostBytes * c.reservedFraction) / frame) * frame))}`);
  if (c.hostSwapFraction > 0) lines.push(`  swap: ${sizeText(Math.floor(hostBytes * c.hostSwapFraction))}`);
  lines.push('guests:');
  const maxBytes: number[] = [];
  c.guests.forEach((g, index) => {
    const memory = 2 ** g.memoryLog2;
    const max = memory * g.maxFactor;
    maxBytes.push(max);
    lines.push(`  - name: g${index}`, `    count: ${g.count}`, `    memory: ${sizeText(memory)}`, `    driver: ${g.profile}`);
    if (g.maxFactor > 1) lines.push(`    maxMemory: ${sizeText(max)}`);
    if (g.minQuarter) lines.push(`    minMemory: ${sizeText(Math.floor(memory / 4))}`);
    if (g.swapFraction > 0) lines.push(`    swap: ${sizeText(Math.floor(memory * g.swapFraction))}`);
    if (g.growth !== null && g.maxFactor > 1) lines.push(`    growth: ${g.growth}`);
    if (g.workloadFraction !== null) {
      const bytes = Math.floor(memory * g.workloadFraction);
      lines.push(g.sine ? `    workload: [ { kind: anon, size: { sine: { min: 0B, max: ${sizeText(bytes)}, period: ${c.tick} } } } ]` : `    workload: [ { kind: anon, size: ${sizeText(bytes)}, hot: 50% } ]`);
    }
  });
  if (c.events.length > 0) {
    lines.push('events:');
    for (const event of c.events) {
      const index = event.guest % c.guests.length;
      const at = `${event.atTicks * TICK_MS[c.tick]!}ms`;
      const target = event.percent ? `${event.fraction * 100}%` : sizeText(Math.max(frame, Math.floor((maxBytes[index]! * event.fraction) / frame) * frame));
      lines.push(event.what === 'crash' ? `  - { at: ${at}, crash: g${index} }` : `  - { at: ${at}, setTarget: { guest: g${index}, memory: "${target}", force: true } }`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Runs the CLI's entry in this process and returns its exit code and everything it printed. */
async function cli(args: string[]): Promise<{ code: number; output: string }> {
  let output = '';
  const capture = (chunk: unknown): boolean => {
    output += String(chunk);
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    return { code: await main(args), output };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const STACK_LINE = /\n\s+at .+:\d+:\d+/;
const dir = temporaryDirectory('balloonsim-preflight-');
let file = 0;
const params = propertyParams<[Case]>('validate and run agree, and neither ends in an internal error', { numRuns: 40 });
const savedLimit = process.env.BALLOONSIM_MEMORY_LIMIT;

describe(`the preflight ${describeSeed(params.seed)}`, () => {
  beforeAll(() => {
    process.env.BALLOONSIM_MEMORY_LIMIT = '160MiB';
  });
  afterAll(() => {
    if (savedLimit === undefined) delete process.env.BALLOONSIM_MEMORY_LIMIT;
    else process.env.BALLOONSIM_MEMORY_LIMIT = savedLimit;
  });

  it(params.name, async () => {
    await assertProperty(
      fc.asyncProperty(caseArb, async (c) => {
        const path = join(dir, `case-${file++}.yaml`);
        writeFileSync(path, yamlOf(c));
        const validate = await cli(['validate', path, '--placement', 'inline']);
        const run = await cli(['run', path, '--placement', 'inline', '--quiet']);
        const context = `\n--- scenario:\n${yamlOf(c)}--- validate (${validate.code}):\n${validate.output}--- run (${run.code}):\n${run.output}`;
        for (const result of [validate, run]) {
          expect(result.output, context).not.toMatch(/internal error/);
          expect(result.output, context).not.toMatch(STACK_LINE);
          expect([0, 2], context).toContain(result.code);
        }
        expect(run.code, context).toBe(validate.code);
      }),
      params,
    );
  });
});
