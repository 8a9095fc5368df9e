/** Unit tests of src/runtime/summary.ts: the run summary, checked against the scenario and the run's last sample (a 5-tick inline run). */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../../src/runtime/sample.js';
import { simulate } from '../../src/runtime/simulate.js';
import { SUMMARY_SCHEMA_VERSION, type RunSummary } from '../../src/runtime/summary.js';
import { MiB } from '../support/scenarios.js';
import { tinyScenario } from '../support/tiny-run.js';

const FRAME = 4096;
let summary: RunSummary;
let last: Sample;
beforeAll(async () => {
  const result = await simulate(tinyScenario({ events: [{ atMs: 1000, kind: 'setTarget', guest: 'b', target: { bytes: 12 * MiB }, force: true }] }), {
    placement: 'inline',
    sampleEveryTicks: 5,
    onSample: (sample) => {
      last = sample;
    },
  });
  summary = result.summary;
});

describe('buildSummary', () => {
  it('names the run: schema, scenario, seed, ticks and simulated time', () => {
    expect(summary).toMatchObject({ schemaVersion: SUMMARY_SCHEMA_VERSION, scenario: 'tiny', seed: 5, ticks: 5, tickSeconds: 1, simulatedSeconds: 5 });
  });

  it('gives the host in bytes and frames, its frames adding up, as the last sample saw them', () => {
    const host = summary.host;
    expect(host).toMatchObject({ memoryBytes: 64 * MiB, frameBytes: FRAME, frames: 16384, hypervisorFrames: 1024, backing: 'lazy', backPressure: true, hotplug: true, swapBytes: 0, protocolViolations: 0, transferFailures: 0, quarantinedGuests: 0 });
    expect(host.policy).toMatchObject({ name: 'static', periodSeconds: 1, paused: false });
    expect(host.freeFrames + host.hypervisorFrames + host.guestFrames).toBe(host.frames);
    expect(host.freeBytes).toBe(host.freeFrames * FRAME);
    expect(host.freeFrames).toBe(last.freeFrames);
    expect(host.guestFrames).toBe(last.guests.reduce((sum, g) => sum + g.residentPages, 0));
    expect(host.events).toBeGreaterThan(0);
  });

  it('gives each guest its sizes in bytes, the same as the last sample in pages', () => {
    expect(summary.guests.map((g) => g.name)).toEqual(['a', 'b']);
    summary.guests.forEach((g, i) => {
      const sample = last.guests[i]!;
      expect(g).toMatchObject({ alive: true, maxBytes: 16 * MiB, bootBytes: 16 * MiB, quarantined: false, protocolViolations: 0 });
      expect(g.targetBytes).toBe(sample.targetPages * FRAME);
      expect(g.actualBytes).toBe(sample.actualPages * FRAME);
      expect(g.residentBytes).toBe(sample.residentPages * FRAME);
      expect(g.balloonBytes).toBe(sample.balloonPages * FRAME);
      const states = Object.values(g.pageStates).reduce((a, b) => a + b, 0);
      expect(states * FRAME).toBe(g.maxBytes);
      expect(g.usedBytes).toBe(((g.pageStates.kernel ?? 0) + (g.pageStates.anon ?? 0) + (g.pageStates.cache ?? 0)) * FRAME);
    });
    // The forced target: b is asked to shrink to 12 MiB, and its balloon holds the rest once it gets there.
    expect(summary.guests[1]!.targetBytes).toBe(12 * MiB);
    expect(summary.guests[0]!.targetBytes).toBe(16 * MiB);
    expect(summary.guests[1]!.actualBytes + summary.guests[1]!.balloonBytes).toBe(16 * MiB);
  });

  it('gives the audit and the timing of the run', () => {
    expect(summary.audit.violations).toBe(0);
    expect(summary.audit.fullChecks).toBeGreaterThan(0);
    expect(summary.timing).toMatchObject({ mode: 'lockstep', placement: 'inline', threads: 1 });
    expect(summary.timing.wallSeconds).toBeGreaterThan(0);
    expect(summary.faults).toBeUndefined();
  });
});
