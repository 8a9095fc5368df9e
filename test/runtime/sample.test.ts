/** Unit tests of src/runtime/sample.ts: what a sample reads of the host and the guests (5-tick inline runs). */
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../src/runtime/sample.js';
import { simulate } from '../../src/runtime/simulate.js';
import type { Scenario } from '../../src/model/scenario.js';
import { MiB } from '../support/scenarios.js';
import { tinyScenario } from '../support/tiny-run.js';

async function samplesOf(s: Scenario) {
  const samples: Sample[] = [];
  const { summary } = await simulate(s, { placement: 'inline', sampleEveryTicks: 1, onSample: (sample) => samples.push(sample) });
  return { samples, summary };
}

describe('sampleGuests', () => {
  it('reads the guests in scenario order, with page counts that agree with the summary at the end', async () => {
    const { samples, summary } = await samplesOf(tinyScenario());
    expect(samples.map((s) => s.timeMs)).toEqual([1000, 2000, 3000, 4000, 5000]);
    const end = samples.at(-1)!;
    expect(end.guests.map((g) => g.name)).toEqual(['a', 'b']);
    end.guests.forEach((g, i) => {
      const states = summary.guests[i]!.pageStates;
      const pages = (16 * MiB) / 4096;
      expect(g.alive).toBe(true);
      expect(g.balloonPages).toBe(states.balloon ?? 0);
      expect(g.actualPages).toBe(pages - (states.unpopulated ?? 0) - g.balloonPages);
      expect(g.anonPages).toBe(states.anon ?? 0);
      expect(g.kernelPages).toBe(states.kernel ?? 0);
      expect(g.freePages).toBe((states.free ?? 0) + (states.freeUnbacked ?? 0));
      expect(g.targetPages).toBe(pages);
      expect(g.memoryPages).toBe(pages);
    });
    // Guest a's workload (4 MiB, all hot) is in its anon pages; b has none.
    expect(end.guests[0]!.anonPages).toBe(1024);
    expect(end.guests[1]!.anonPages).toBe(0);
    expect(end.freeFrames).toBe(summary.host.freeFrames);
    expect(['high', 'soft', 'hard', 'low']).toContain(end.hostState);
  });

  it('reads a dead guest as not alive, with no actual memory and no resident frames', async () => {
    const faults = { untilMs: 3000, settleMs: 1000, crashes: [{ guest: 'a', atMs: 2000, how: 'throw' as const }], randomThrows: 0, randomKills: 0, delayFraction: 0, delayTurnsMax: 8 };
    const { samples } = await samplesOf(tinyScenario({ faults }));
    const a = samples.map((s) => s.guests[0]!);
    expect(a.map((g) => g.alive)).toEqual([true, true, false, false, false]);
    expect(a.at(-1)).toMatchObject({ actualPages: 0, residentPages: 0 });
    expect(samples.at(-1)!.guests[1]!.alive).toBe(true);
  });
});
