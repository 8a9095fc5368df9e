import { describe, expect, it } from 'vitest';
import { simulateStream } from '../../src/api/stream.js';
import { AbortError } from '../../src/runtime/abort.js';
import type { Sample } from '../../src/runtime/sample.js';
import { simulate } from '../../src/runtime/simulate.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

const small = scenario({
  durationMs: 30_000,
  guests: [guest('a', { workload: [{ kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'constant', bytes: 16 * MiB } }] }), guest('b')],
  events: [{ atMs: 10_000, kind: 'setTarget', guest: 'a', target: { bytes: 32 * MiB } }],
});

describe('simulateStream', () => {
  it('yields the samples onSample gives, then the same result', async () => {
    const viaCallback: Sample[] = [];
    const expected = await simulate(small, { placement: 'inline', sampleEveryTicks: 3, onSample: (s) => viaCallback.push(s) });
    const stream = simulateStream(small, { placement: 'inline', sampleEveryTicks: 3 });
    const streamed: Sample[] = [];
    for await (const sample of stream) streamed.push(sample);
    expect(streamed).toEqual(viaCallback);
    expect(streamed.map((s) => s.timeMs)).toEqual([3000, 6000, 9000, 12_000, 15_000, 18_000, 21_000, 24_000, 27_000, 30_000]);
    const { summary } = await stream.result;
    expect({ ...summary, timing: null, provenance: null }).toEqual({ ...expected.summary, timing: null, provenance: null });
    expect(summary.provenance).toMatchObject({ tool: 'balloonsim', seed: 1, source: 'test' });
  });

  it('has one reader: a second for await loop is refused, and the first still gets every sample', async () => {
    const stream = simulateStream(small, { placement: 'inline', sampleEveryTicks: 3 });
    const first = stream[Symbol.asyncIterator]();
    expect(() => stream[Symbol.asyncIterator]()).toThrow('simulateStream: a stream is read once, by one for await loop');
    let count = 0;
    while (!(await first.next()).done) count++;
    expect(count).toBe(10);
    await expect(stream.result).resolves.toMatchObject({ summary: { ticks: 30 } });
  });

  it('samples every tick by default for a short run, and works on worker threads', async () => {
    let count = 0;
    for await (const sample of simulateStream(small, { placement: 'workers', workers: 2 })) {
      expect(sample.guests.map((g) => g.name)).toEqual(['a', 'b']);
      count++;
    }
    expect(count).toBe(30);
  });

  it('stops the run when the reader leaves the loop: result rejects with an AbortError, soon after', async () => {
    for (const placement of ['inline', 'workers'] as const) {
      const long = { ...small, durationMs: 3_600_000 };
      const stream = simulateStream(long, { placement, workers: 2, sampleEveryTicks: 1 });
      for await (const sample of stream) if (sample.timeMs >= 5000) break;
      const error: unknown = await stream.result.then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(AbortError);
      const tick = Number(/at tick (\d+) of 3600/.exec((error as Error).message)?.[1]);
      expect(tick).toBeGreaterThanOrEqual(5);
      expect(tick).toBeLessThan(3600);
      expect((error as Error).message).toMatch(/was aborted: simulateStream: the reader left the loop$/);
    }
  });

  it("stops when the caller's signal is aborted, and the loop throws the AbortError", async () => {
    const controller = new AbortController();
    const stream = simulateStream({ ...small, durationMs: 3_600_000 }, { placement: 'inline', signal: controller.signal });
    let seen = 0;
    await expect(async () => {
      for await (const _ of stream) if (++seen === 3) controller.abort(new Error('enough'));
    }).rejects.toThrow(/simulate \(at tick \d+ of 3600\) was aborted: enough/);
    await expect(stream.result).rejects.toBeInstanceOf(AbortError);
  });

  it('passes a failure on to the reader and to result', async () => {
    const broken = { ...small, host: { ...small.host, memoryBytes: 4 * MiB, reservedBytes: 0, backing: 'eager' as const } };
    const stream = simulateStream(broken, { placement: 'inline' });
    await expect(async () => {
      for await (const _ of stream) void _;
    }).rejects.toThrow(/cannot boot/);
    await expect(stream.result).rejects.toThrow(/cannot boot/);
    expect(() => simulateStream(small, { onSample: () => undefined } as never)).toThrow(/onSample/);
  });
});

describe('simulateStream of what is not a scenario', () => {
  it('says what it takes, instead of a TypeError about reading durationMs of null', () => {
    expect(() => simulateStream(null as never)).toThrow(new TypeError('simulateStream: scenario must be a resolved Scenario, got null (an empty value): make one with defineScenario({...}), parseScenarioText(text) or loadScenarioFile(path)'));
  });

  it('checks its options under its own name, before anything runs', () => {
    // A signal that was not an AbortSignal failed in AbortSignal.any ("The "signals[1]" argument must be an instance of AbortSignal").
    expect(() => simulateStream(small, { placement: 'inline', signal: {} as never })).toThrow(/^simulateStream: signal must be an AbortSignal/);
    expect(() => simulateStream(small, { placment: 'inline' } as never)).toThrow(/^simulateStream: unknown option "placment" \(did you mean "placement"\? the options are .*\)$/);
    expect(() => simulateStream(small, { placment: 'inline' } as never)).not.toThrow(/onSample/);
    expect(() => simulateStream(small, { sampleEveryTicks: -1 })).toThrow('simulateStream: sampleEveryTicks must be a whole number of at least 0, got -1');
    expect(() => simulateStream(small, null as never)).toThrow(/^simulateStream: options must be an object \(\{ seed, placement, .*, onWarning \}, each optional\), got null \(an empty value\)$/);
    expect(() => simulateStream(small, { onSample: () => undefined } as never)).toThrow(new TypeError('simulateStream: onSample is the stream itself; use simulate() for a callback'));
  });
});
