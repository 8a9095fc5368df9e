import { describe, expect, it } from 'vitest';
import type { HostEvent } from '../../src/host/event-log.js';
import { GUEST_FIGURES, TimeSeries } from '../../src/output/time-series.js';
import { buildTrace, traceJson, TRACE_GUESTS_MAX, type TraceEvent } from '../../src/output/trace-events.js';
import type { GuestSample } from '../../src/runtime/sample.js';
import { simulate } from '../../src/runtime/simulate.js';
import { guest, MiB, scenario } from '../support/scenarios.js';
import { traceProblems } from '../support/trace-format.js';
import { guestSample, sampleAt, seriesOf, summaryOf } from '../support/samples.js';

async function tracedRun() {
  const s = scenario({
    durationMs: 20_000,
    guests: [
      guest('web', { workload: [{ kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'constant', bytes: 32 * MiB } }] }),
      guest('db'),
    ],
    events: [
      { atMs: 5000, kind: 'setTarget', guest: 'web', target: { bytes: 44 * MiB } },
      { atMs: 12_000, kind: 'crash', guest: 'db' },
    ],
  });
  const series = new TimeSeries(['web', 'db'], s.frameBytes, s.host.memoryBytes / s.frameBytes);
  const result = await simulate(s, { placement: 'inline', sampleEveryTicks: 1, onSample: (sample) => series.add(sample) });
  return { result, series };
}

function byName(events: TraceEvent[], name: string): TraceEvent[] {
  return events.filter((e) => e.name === name);
}

describe('trace.json', () => {
  it('is a valid trace: counters per guest and for the host, instants for what the host logged', async () => {
    const { result, series } = await tracedRun();
    const text = traceJson(buildTrace(result.summary, series, result.events));
    const trace = JSON.parse(text) as { traceEvents: TraceEvent[] };
    expect(traceProblems(trace)).toEqual([]);
    const events = trace.traceEvents;
    const processes = byName(events, 'process_name').map((e) => e.args['name']);
    expect(processes).toEqual(['host', 'guest web', 'guest db']);
    const webPid = byName(events, 'process_name').find((e) => e.args['name'] === 'guest web')!.pid;
    const memory = byName(events, 'memory (MiB)').filter((e) => e.pid === webPid);
    expect(memory).toHaveLength(series.length);
    expect(Object.keys(memory[0]!.args)).toEqual(['target', 'actual', 'resident', 'balloon']);
    expect(memory[memory.length - 1]!.args['target']).toBe(44);
    expect(byName(events, 'host free (MiB)')).toHaveLength(series.length);
    expect(byName(events, 'host swap (MiB)')).toHaveLength(series.length);
    for (const name of ['page states (MiB)', 'swap (MiB)', 'faults (total)', 'pressure (%)', 'stall (s, total)']) expect(byName(events, name).length).toBe(2 * series.length);
    const crash = byName(events, 'crash');
    expect(crash).toHaveLength(1);
    expect(crash[0]).toMatchObject({ ph: 'i', ts: 12_000_000, cat: 'crash' });
    expect(byName(events, 'target').some((e) => e.pid === webPid && e.ts === 5_000_000)).toBe(true);
  });

  it('marks OOM kills and refused messages with instants', () => {
    const series = new TimeSeries(['g'], 4096, 1000);
    const sample = (oomKillsTotal: number): GuestSample => {
      const g = { name: 'g', alive: true } as GuestSample;
      for (const figure of GUEST_FIGURES) g[figure] = 0;
      g.oomKillsTotal = oomKillsTotal;
      return g;
    };
    [0, 0, 2, 2, 3].forEach((kills, i) => series.add({ timeMs: (i + 1) * 1000, freeFrames: 100, hostSwapUsedPages: 0, hostState: 'high', guests: [sample(kills)] }));
    const log: HostEvent[] = [{ timeMs: 4000, kind: 'violation', guest: 'g', detail: 'release 7: 3 of 3 frames refused (not-owned)' }];
    const trace = JSON.parse(traceJson(buildTrace({ scenario: 's', seed: 1, simulatedSeconds: 5 } as never, series, log))) as { traceEvents: TraceEvent[] };
    expect(traceProblems(trace)).toEqual([]);
    expect(byName(trace.traceEvents, 'OOM kill').map((e) => [e.ts, e.args['kills']])).toEqual([
      [3_000_000, 2],
      [5_000_000, 1],
    ]);
    expect(byName(trace.traceEvents, 'refused')).toMatchObject([{ ph: 'i', ts: 4_000_000, args: { detail: expect.stringContaining('refused') } }]);
  });

  it('shows inflate and deflate as slices on each guest\'s balloon track, guard refusals and OOM kills as instants', () => {
    const series = new TimeSeries(['g'], MiB, 1000);
    const sample = (balloon: number, target: number): GuestSample => {
      const g = { name: 'g', alive: true } as GuestSample;
      for (const figure of GUEST_FIGURES) g[figure] = 0;
      g.balloonPages = balloon;
      g.targetPages = target;
      return g;
    };
    // Balloon (MiB) at 1..9 s: inflates from 1 s to 3 s, holds, deflates from 5 s to 6 s, inflates again to the end.
    [0, 4, 8, 8, 8, 2, 2, 5, 6].forEach((balloon, i) => series.add({ timeMs: (i + 1) * 1000, freeFrames: 100, hostSwapUsedPages: 0, hostState: 'high', guests: [sample(balloon, 10)] }));
    const log: HostEvent[] = [{ timeMs: 2500, kind: 'guardRefusal', guest: 'g', detail: 'refused to shrink g to 1 MiB' }];
    const trace = JSON.parse(traceJson(buildTrace({ scenario: 's', seed: 1, simulatedSeconds: 9 } as never, series, log))) as { traceEvents: TraceEvent[] };
    expect(traceProblems(trace)).toEqual([]);
    const slices = trace.traceEvents.filter((e) => e.ph === 'B' || e.ph === 'E').map((e) => [e.ph, e.name, e.ts! / 1e6]);
    expect(slices).toEqual([
      ['B', 'inflate', 1],
      ['E', 'inflate', 3],
      ['B', 'deflate', 5],
      ['E', 'deflate', 6],
      ['B', 'inflate', 7],
      ['E', 'inflate', 9],
    ]);
    const ends = trace.traceEvents.filter((e) => e.ph === 'E');
    expect(ends[0]!.args).toMatchObject({ to_MiB: 8, target_MiB: 10, changed_MiB: 8 });
    expect(ends[1]!.args).toMatchObject({ to_MiB: 2, changed_MiB: -6 });
    const gPid = byName(trace.traceEvents, 'process_name').find((e) => e.args['name'] === 'guest g')!.pid;
    expect(byName(trace.traceEvents, 'guard refused target')).toMatchObject([{ ph: 'i', s: 't', pid: gPid, ts: 2_500_000 }]);
    expect(new Set(trace.traceEvents.filter((e) => e.ph === 'B').map((e) => `${e.pid}/${e.tid}`))).toEqual(new Set([`${gPid}/1`]));
    expect(byName(trace.traceEvents, 'thread_name').find((e) => e.pid === gPid)!.args['name']).toBe('balloon');
  });

  it('the trace checker catches slices that do not pair up', () => {
    const base = { pid: 2, tid: 1, args: {} };
    expect(traceProblems({ traceEvents: [{ ...base, name: 'inflate', ph: 'B', ts: 5 }] })).toEqual([expect.stringMatching(/never ends/)]);
    expect(traceProblems({ traceEvents: [{ ...base, name: 'inflate', ph: 'E', ts: 5 }] })).toEqual([expect.stringMatching(/no slice open/)]);
    expect(
      traceProblems({
        traceEvents: [
          { ...base, name: 'inflate', ph: 'B', ts: 5 },
          { ...base, name: 'deflate', ph: 'E', ts: 6 },
        ],
      }).join('\n'),
    ).toMatch(/ends deflate, but inflate/);
    expect(
      traceProblems({
        traceEvents: [
          { ...base, name: 'inflate', ph: 'B', ts: 5 },
          { ...base, name: 'inflate', ph: 'E', ts: 4 },
        ],
      }).join('\n'),
    ).toMatch(/goes back in time/);
  });

  it('gives counter tracks to the first guests only, and says so', () => {
    const names = Array.from({ length: TRACE_GUESTS_MAX + 3 }, (_, i) => `g${i}`);
    const series = new TimeSeries(names, 4096, 1000);
    const trace = buildTrace({ scenario: 's', seed: 1, simulatedSeconds: 0 } as never, series, []);
    expect(byName(trace.traceEvents, 'process_name')).toHaveLength(TRACE_GUESTS_MAX + 1);
    expect(trace.otherData).toMatchObject({ guests: TRACE_GUESTS_MAX + 3, guestsWithTracks: TRACE_GUESTS_MAX });
  });

  it('the format checker finds broken traces', () => {
    expect(traceProblems({ traceEvents: [{ name: 'x', ph: 'C', pid: 1, tid: 1, ts: -1, args: { v: 'high' } }] })).toHaveLength(2);
    expect(traceProblems({ traceEvents: [{ name: 'x', ph: 'Q', pid: 1.5, tid: 1 }] })).toHaveLength(2);
    expect(traceProblems([])).toHaveLength(1);
  });
});

describe('a long run\'s trace', () => {
  it('takes 40,000 samples (their 160,000 host counters, pushed as push(...counters), overflowed the stack after the whole run)', () => {
    // run --duration 10h --sample-every 1 --out DIR: 36,000 samples, "internal error: RangeError: Maximum call stack size exceeded".
    const series = seriesOf(Array.from({ length: 40_000 }, (_, i) => sampleAt((i + 1) * 1000, [guestSample('g')])));
    const trace = buildTrace(summaryOf([{ name: 'g' }]), series, []);
    expect(trace.traceEvents.filter((e) => e.name === 'host free (MiB)')).toHaveLength(40_000);
  });
});

describe('trace.json of what it cannot trace', () => {
  it('buildTrace names the argument that is not a summary, a series or an event log, instead of reading scenario of null', () => {
    const series = seriesOf([sampleAt(0, [guestSample('g')])]);
    const summary = summaryOf([{ name: 'g' }]);
    expect(() => buildTrace(null as never, series, [])).toThrow(/^buildTrace: summary must be a run's summary \(simulate\(\)'s result.summary, or a summary.json parsed\), got null/);
    expect(() => buildTrace(summary, {} as never, [])).toThrow(/^buildTrace: series must be a TimeSeries .*got a mapping without guestNames/);
    expect(() => buildTrace(summary, series, undefined as never)).toThrow(/^buildTrace: events must be the run's event log, a list .*got nothing$/);
  });

  it('traceJson refuses what buildTrace did not make', () => {
    expect(() => traceJson({} as never)).toThrow(new TypeError('traceJson: trace must be a trace file (buildTrace(summary, series, events)), got a mapping (key: value pairs)'));
  });
});
