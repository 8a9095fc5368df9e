/** Unit tests of src/preflight/memory-estimate.ts: the memory a run will need, part by part. */
import { describe, expect, it } from 'vitest';
import { curveMaxBytes } from '../../src/model/curve-max.js';
import { estimateRunMemory, guestPages } from '../../src/preflight/memory-estimate.js';
import type { WorkloadComponent } from '../../src/model/scenario.js';
import { guest, KiB, MiB, scenario } from '../support/scenarios.js';

function component(bytes: number): WorkloadComponent {
  return { kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'constant', bytes } };
}

describe('curveMaxBytes', () => {
  it('is the largest size each kind of curve reaches', () => {
    expect(curveMaxBytes({ kind: 'constant', bytes: 7 })).toBe(7);
    expect(curveMaxBytes({ kind: 'steps', steps: [{ atMs: 0, bytes: 5 }, { atMs: 10, bytes: 9 }, { atMs: 20, bytes: 2 }] })).toBe(9);
    expect(curveMaxBytes({ kind: 'steps', steps: [] })).toBe(0);
    expect(curveMaxBytes({ kind: 'ramp', fromBytes: 30, toBytes: 10, startMs: 0, endMs: 5 })).toBe(30);
    expect(curveMaxBytes({ kind: 'ramp', fromBytes: 10, toBytes: 30, startMs: 0, endMs: 5 })).toBe(30);
    expect(curveMaxBytes({ kind: 'sine', minBytes: 4, maxBytes: 12, periodMs: 1000, phaseMs: 0 })).toBe(12);
    expect(curveMaxBytes({ kind: 'bursts', baseBytes: 3, peakBytes: 40, meanGapMs: 10, meanLengthMs: 5 })).toBe(40);
    expect(curveMaxBytes({ kind: 'trace', points: [{ atMs: 0, bytes: 1 }, { atMs: 5, bytes: 8 }], source: 't.csv' })).toBe(8);
  });
});

describe('guestPages', () => {
  it('counts whole frames of the guest address space (maxMemory)', () => {
    expect(guestPages(guest('g', { memoryBytes: 64 * MiB, maxMemoryBytes: 128 * MiB }), 4 * KiB)).toBe(32768);
    expect(guestPages(guest('g', { memoryBytes: 10 * KiB, maxMemoryBytes: 10 * KiB }), 4 * KiB)).toBe(2);
  });
});

describe('estimateRunMemory', () => {
  it('adds up each part from the measured constants, largest first', () => {
    // Two 64 MiB guests (16384 pages each) on a 256 MiB host with 4 MiB reserved (1024 frames); one has an 8 MiB workload.
    const s = scenario({ guests: [guest('a', { workload: [component(8 * MiB)] }), guest('b')] });
    const estimate = estimateRunMemory(s, { threads: 2, samples: 10 });
    expect(estimate.parts).toEqual([
      { part: 'Node and the simulator', bytes: 96 * MiB },
      { part: 'worker threads', bytes: 2 * 40 * MiB },
      { part: "the guests' fixed state", bytes: 2 * 144 * KiB },
      // A 16-bit owner (2 bytes), a pool entry (4) and an audit mark (1) per frame the guests may touch.
      { part: 'the frame table', bytes: (1024 + 2 * 16384) * 7 },
      { part: "the guests' page maps and memory models", bytes: 2 * 16384 * 5 + 2048 * 6 },
      { part: 'samples kept for the outputs', bytes: 2 * 10 * 650 },
    ]);
    expect(estimate.totalBytes).toBe(96 * MiB + 80 * MiB + 33792 * 7 + 288 * KiB + 176128 + 13000);
    expect(estimate.heapBytes).toBe(2 * 16 * KiB + 20 * 300 + (96 * MiB) / 3);
  });

  it('leaves out parts that are zero (no threads, no samples)', () => {
    const estimate = estimateRunMemory(scenario({ guests: [guest('a')] }), { threads: 0, samples: 0 });
    expect(estimate.parts.map((p) => p.part)).not.toContain('worker threads');
    expect(estimate.parts.map((p) => p.part)).not.toContain('samples kept for the outputs');
    expect(estimate.parts.every((p) => p.bytes > 0)).toBe(true);
  });

  it('caps the frame table at the host frames, however many guest pages there are', () => {
    // 8 guests of 64 MiB on a 64 MiB host: 16384 frames, not 131072 + reserved.
    const s = scenario({ guests: Array.from({ length: 8 }, (_, i) => guest(`g${i}`)), host: { ...scenario({ guests: [] }).host, memoryBytes: 64 * MiB } });
    const table = estimateRunMemory(s, { threads: 0, samples: 0 }).parts.find((p) => p.part === 'the frame table');
    expect(table?.bytes).toBe(16384 * 7);
  });

  it('counts 4 bytes a frame for the table\'s owner past 32,767 guests (32-bit owners), 2 up to there', () => {
    const one = scenario({ guests: [guest('a')] });
    const tableOf = (guests: number) => {
      const s = { ...one, guests: Array.from({ length: guests }, (_, index) => ({ ...one.guests[0]!, name: `g-${index}` })) };
      return estimateRunMemory(s, { threads: 0, samples: 0 }).parts.find((p) => p.part === 'the frame table')!.bytes;
    };
    // 256 MiB of host: 65536 frames, all of them touched by so many guests.
    expect(tableOf(32_767)).toBe(65_536 * 7);
    expect(tableOf(32_768)).toBe(65_536 * 9);
  });

  it('counts no more workload pages than memory and swap can hold', () => {
    // A 100 MiB workload in a 64 MiB guest with 8 MiB of swap: 16384 + 2048 pages of it, not 25600.
    const s = scenario({ guests: [guest('a', { swapBytes: 8 * MiB, workload: [component(60 * MiB), component(40 * MiB)] })] });
    const maps = estimateRunMemory(s, { threads: 0, samples: 0 }).parts.find((p) => p.part === "the guests' page maps and memory models");
    expect(maps?.bytes).toBe(16384 * 5 + 18432 * 6);
  });
});

describe('estimateRunMemory of what it cannot estimate', () => {
  const s = scenario({ guests: [guest('a', { memoryBytes: 16 * MiB, maxMemoryBytes: 16 * MiB })] });

  it('refuses what is not a resolved scenario with how to make one, instead of reading memoryBytes of null deep inside', () => {
    expect(() => estimateRunMemory(null as never, { threads: 0, samples: 0 })).toThrow(
      new TypeError('estimateRunMemory: scenario must be a resolved Scenario, got null (an empty value): make one with defineScenario({...}), parseScenarioText(text) or loadScenarioFile(path)'),
    );
  });

  it('refuses a shape whose counts are missing, fractional, negative or infinite, instead of an estimate of NaN bytes', () => {
    const hint = 'worker threads the run starts, 0 inline, and samples kept in memory, 0 when nothing records them';
    expect(() => estimateRunMemory(s, undefined as never)).toThrow(new TypeError(`estimateRunMemory: shape must be { threads, samples } (${hint}), got nothing`));
    expect(() => estimateRunMemory(s, { threads: 0 } as never)).toThrow(new RangeError(`estimateRunMemory: shape.samples must be a whole number of at least 0 (${hint}), got nothing`));
    expect(() => estimateRunMemory(s, { threads: Number.NaN, samples: 0 })).toThrow(new RangeError(`estimateRunMemory: shape.threads must be a whole number of at least 0 (${hint}), got NaN`));
    expect(() => estimateRunMemory(s, { threads: 0, samples: -1 })).toThrow(/^estimateRunMemory: shape.samples must be a whole number of at least 0 .*, got -1$/);
    expect(() => estimateRunMemory(s, { threads: 0, samples: Number.POSITIVE_INFINITY })).toThrow(/shape.samples must be a whole number .*, got Infinity$/);
    expect(Number.isFinite(estimateRunMemory(s, { threads: 1, samples: 10 }).totalBytes)).toBe(true);
  });
});
