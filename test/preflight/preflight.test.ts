/** Unit tests of src/preflight/preflight.ts: what the preflight finds in a resolved scenario before anything is allocated. */
import { describe, expect, it } from 'vitest';
import { assertPreflight, formatNotes, formatWarnings, preflight, threadsOf, TICKS_WARNING, type PreflightOptions } from '../../src/preflight/preflight.js';
import type { MachineMemory } from '../../src/preflight/machine.js';
import { ScenarioError } from '../../src/scenario/errors.js';
import type { FaultPlan, HostSpec, Scenario } from '../../src/model/scenario.js';
import { guest, GiB, MiB, scenario } from '../support/scenarios.js';

const TiB = 1024 * GiB;
const ROOMY: MachineMemory = { totalBytes: 2 ** 50, availableBytes: 2 ** 50, source: 'the test machine' };
/** Options that leave the machine's memory and heap out of it, inline (no threads). */
const QUIET: PreflightOptions = { machine: ROOMY, heapLimitBytes: 2 ** 50, placement: 'inline' };

function host(overrides: Partial<HostSpec>): HostSpec {
  return { ...scenario({ guests: [] }).host, ...overrides };
}

function paths(s: Scenario, options: PreflightOptions = QUIET): string[] {
  return preflight(s, options).issues.map((issue) => `${issue.severity} ${issue.path}`);
}

describe('preflight of what is not a scenario', () => {
  it('says what it takes, instead of a TypeError about reading guests of null', () => {
    for (const given of [null, {}, { guests: [] }]) {
      expect(() => preflight(given as never)).toThrow(new TypeError(`preflight: scenario must be a resolved Scenario, got ${given === null ? 'null (an empty value)' : 'a mapping without guests, frameBytes and host (a file form?)'}: make one with defineScenario({...}), parseScenarioText(text) or loadScenarioFile(path)`));
    }
  });
});

describe('threadsOf', () => {
  const eight = scenario({ guests: Array.from({ length: 8 }, (_, i) => guest(`g${i}`)) });
  it('is 0 inline', () => {
    expect(threadsOf(eight, { placement: 'inline', workers: 4 })).toBe(0);
  });
  it('in lockstep, the calling thread hosts a share when there are two workers or more', () => {
    expect(threadsOf(eight, { workers: 4 })).toBe(3);
    expect(threadsOf(eight, { workers: 1 })).toBe(1);
    expect(threadsOf(eight, { guestsPerWorker: 3 })).toBe(2); // ceil(8 / 3) = 3 workers
  });
  it('in free mode, every worker is a thread, plus the auditor', () => {
    expect(threadsOf(eight, { workers: 4, mode: 'free' })).toBe(5);
  });
  it('starts no more workers than guests, and at least one', () => {
    const two = scenario({ guests: [guest('a'), guest('b')] });
    expect(threadsOf(two, { workers: 10, mode: 'free' })).toBe(3);
    expect(threadsOf(scenario({ guests: [] }), { workers: 0 })).toBe(1);
  });
});

describe('preflight', () => {
  it('finds nothing in a small scenario that fits', () => {
    const report = preflight(scenario({ guests: [guest('a')] }), QUIET);
    expect(report.issues).toEqual([]);
    expect(report.threads).toBe(0);
    expect(report.machine).toBe(ROOMY);
    expect(report.estimate.totalBytes).toBeGreaterThan(0);
  });

  it('refuses a host with more frames than the table holds, naming the frame size that fits', () => {
    // 8 TiB at 4 KiB is 2^31 frames, one more than the table's 2^31 - 1.
    const report = preflight(scenario({ guests: [guest('a')], host: host({ memoryBytes: 8 * TiB }) }), QUIET);
    expect(report.issues[0]).toMatchObject({ severity: 'error', path: 'host.memory', hint: 'use frameSize: 8KiB or larger, or give the host less memory' });
    expect(report.issues[0]!.message).toContain('2,147,483,648 frames');
  });

  it('refuses guests with more pages than a guest holds, once, with how many more are like it', () => {
    const big = (name: string) => guest(name, { memoryBytes: 1 * GiB, maxMemoryBytes: 2 * TiB });
    const report = preflight(scenario({ guests: [big('x'), big('y'), big('z')], host: host({ memoryBytes: 4 * TiB }) }), QUIET);
    const errors = report.issues.filter((issue) => issue.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ path: 'guests[name=x].maxMemory', hint: 'use frameSize: 8KiB or larger, or give the guest less maxMemory' });
    expect(errors[0]!.message).toMatch(/536,870,912 pages .*\(and 2 more guests like it\)$/);
  });

  it('refuses guests whose kernels do not fit, warns of a guest bigger than the host, notes overcommit; errors first', () => {
    // 16 MiB host, 4 MiB reserved: 12 MiB for guests; four kernels of 4 MiB need 16 MiB.
    const s = scenario({ guests: ['a', 'b', 'c', 'd'].map((n) => guest(n)), host: host({ memoryBytes: 16 * MiB }) });
    const issues = preflight(s, QUIET).issues;
    expect(issues.map((issue) => `${issue.severity} ${issue.path}`)).toEqual(['error guests', 'warning guests[name=a].memory', 'note guests']);
    expect(issues[0]!.message).toBe('the guests cannot boot: they need 16 MiB at boot (their kernel memory), the host has 12 MiB after host.reserved');
    expect(issues[0]!.hint).not.toContain('backing: lazy');
    expect(issues[1]!.message).toContain('(and 3 more guests like it)');
    expect(issues[2]!.message).toMatch(/^overcommitted: the guests boot with 256 MiB, 2133 % of the 12 MiB/);
  });

  it('with eager backing, counts all boot memory and suggests lazy backing', () => {
    const s = scenario({ guests: [guest('a'), guest('b')], host: host({ memoryBytes: 100 * MiB, backing: 'eager' }) });
    const boot = preflight(s, QUIET).issues[0]!;
    expect(boot.message).toContain('need 128 MiB at boot (all their boot memory (backing: eager))');
    expect(boot.hint).toContain('or backing: lazy');
  });

  it('does not call one guest overcommitted', () => {
    expect(paths(scenario({ guests: [guest('a', { memoryBytes: 512 * MiB, maxMemoryBytes: 512 * MiB })] }))).toEqual(['warning guests[name=a].memory']);
  });

  it('warns of events after the last tick, and only notes them when the duration was shortened on purpose', () => {
    // 30 s at 1 s ticks: the last tick starts at 29 s.
    const s = scenario({
      guests: [guest('a')],
      events: [
        { atMs: 29_000, kind: 'pausePolicy' },
        { atMs: 29_001, kind: 'crash', guest: 'a' },
        { atMs: 40_000, kind: 'setPolicy', policy: { kind: 'static', periodMs: 1000 } },
      ],
    });
    const [late] = preflight(s, QUIET).issues;
    expect(late).toEqual({
      severity: 'warning',
      path: 'events',
      message: "2 events (crash a at 29.001s, setPolicy static at 40s) come after the run's last tick (at 29s of 30s) and will never fire",
      hint: 'lengthen duration to more than 29.001s or move the events earlier',
    });
    expect(paths(s, { ...QUIET, durationOverridden: true })).toEqual(['note events']);
  });

  it('warns of a run of many ticks, with the figure, about how long it takes and the tick that fits (1ms over 1h ran for minutes without a word)', () => {
    const [many] = preflight(scenario({ guests: [guest('a')], tickMs: 1, durationMs: 3_600_000 }), QUIET).issues;
    expect(many).toEqual({
      severity: 'warning',
      path: 'tick',
      message: 'a run of 1h in ticks of 1ms is 3,600,000 ticks; at about 10,000 ticks a second (a few guests; more make each tick slower) it takes 6 minutes or more',
      hint: 'a tick of 10ms makes 360,000 ticks: --set tick=10ms, or change tick in the file; or shorten the run with --duration',
    });
    // The limit itself is no warning; one tick more is.
    expect(paths(scenario({ guests: [guest('a')], tickMs: 1, durationMs: TICKS_WARNING }))).toEqual([]);
    expect(paths(scenario({ guests: [guest('a')], tickMs: 1, durationMs: TICKS_WARNING + 1 }))).toEqual(['warning tick']);
    // 10,000 h at 1 s (examples/stress-free.yaml): hours; three years at 1 min: no tick of the list fits, only the advice.
    expect(preflight(scenario({ guests: [guest('a')], durationMs: 36_000_000_000 }), QUIET).issues[0]).toMatchObject({
      message: 'a run of 10000h in ticks of 1s is 36,000,000 ticks; at about 10,000 ticks a second (a few guests; more make each tick slower) it takes 60 minutes or more',
      hint: 'a tick of 1m makes 600,000 ticks: --set tick=1m, or change tick in the file; or shorten the run with --duration',
    });
    const years = preflight(scenario({ guests: [guest('a')], tickMs: 60_000, durationMs: 1095 * 86_400_000 }), QUIET).issues[0];
    expect(years).toMatchObject({ severity: 'warning', hint: 'raise tick; or shorten the run with --duration' });
    // Without run's flags (a sweep's cases): the scenario's fields.
    expect(preflight(scenario({ guests: [guest('a')], tickMs: 1, durationMs: 3_600_000 }), { ...QUIET, runFlags: false }).issues[0]!.hint).toBe(
      "a tick of 10ms makes 360,000 ticks: tick: 10ms in the scenario (or in a grid's parameters); or shorten the run (its duration)",
    );
    expect(years!.message).toMatch(/ 1,576,800 ticks; .* it takes 3 minutes or more$/);
    // The most ticks a run may have (TICKS_MAX, 100 million): hours.
    expect(preflight(scenario({ guests: [guest('a')], tickMs: 1, durationMs: 100_000_000 }), QUIET).issues[0]!.message).toMatch(/ 100,000,000 ticks; .* it takes 3 hours or more$/);
    // A warning: the run is not refused.
    expect(() => assertPreflight(scenario({ guests: [guest('a')], tickMs: 1, durationMs: 3_600_000 }), QUIET)).not.toThrow();
  });

  it('warns of planned crashes after the last tick', () => {
    const faults: FaultPlan = { untilMs: 10_000, settleMs: 5000, crashes: [{ guest: 'a', atMs: 31_000, how: 'throw' }], randomThrows: 0, randomKills: 0, delayFraction: 0, delayTurnsMax: 8 };
    const [crash] = preflight(scenario({ guests: [guest('a')], faults }), QUIET).issues;
    expect(crash).toMatchObject({ severity: 'warning', path: 'faults.crashes' });
    expect(crash!.message).toBe("1 crash (first: a at 31s) comes after the run's last tick (at 29s) and will never happen");
  });

  it('refuses a run bigger than the machine, naming where the limit comes from and what takes the memory', () => {
    const machine: MachineMemory = { totalBytes: 64 * MiB, availableBytes: 64 * MiB, source: 'BALLOONSIM_MEMORY_LIMIT' };
    const [issue] = preflight(scenario({ guests: [guest('a')] }), { ...QUIET, machine }).issues;
    expect(issue).toMatchObject({ severity: 'error', path: '' });
    expect(issue!.message).toMatch(/^the run needs about \d+(\.\d+)? MiB of memory \(Node and the simulator 96 MiB, .*\), more than BALLOONSIM_MEMORY_LIMIT has \(64 MiB\)$/);
    expect(issue!.hint).toBe('use fewer or smaller guests, or a larger frameSize');
  });

  it('warns when the run fits the machine but not what is free now, and gives the fix for the biggest part', () => {
    const machine: MachineMemory = { totalBytes: 64 * GiB, availableBytes: 100 * MiB, source: 'this machine' };
    const [issue] = preflight(scenario({ guests: [guest('a'), guest('b')] }), { machine, heapLimitBytes: 2 ** 50, workers: 4 }).issues.filter((i) => i.path === '');
    expect(issue!.severity).toBe('warning');
    // Two workers (one thread) of 40 MiB and Node's 96 MiB: the biggest part is Node, the fix the general one.
    expect(issue!.hint).toBe('it may swap or be killed; use fewer or smaller guests, or a larger frameSize, or set BALLOONSIM_MEMORY_LIMIT to what you mean to give it');
  });

  it('refuses a run that needs more JavaScript heap than Node has', () => {
    const issues = preflight(scenario({ guests: [guest('a')] }), { ...QUIET, heapLimitBytes: 16 * MiB, samples: 5 }).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/of JavaScript heap \(1 guests, 5 samples of each\), more than Node's heap limit \(16 MiB\)$/);
    expect(issues[0]!.hint).toBe('use fewer guests or raise --sample-every, or give Node more heap: NODE_OPTIONS=--max-old-space-size=MiB');
  });

  it('refuses more samples than one timeseries.csv can hold, under the flag that sets them', () => {
    // 300 guests, 5,000 samples: 1.5 million rows of up to 400 bytes, 600 MB, past V8's longest string (2^29 - 24): keep 2 times fewer.
    const many = scenario({ guests: Array.from({ length: 300 }, (_, i) => guest(`g${i}`, { memoryBytes: 16 * MiB })), host: host({ memoryBytes: 16 * GiB }) });
    const issues = preflight(many, { ...QUIET, samples: 5_000, samplesFlag: '--sample' }).issues;
    const csv = issues.find((issue) => issue.path === '--sample');
    expect(csv).toMatchObject({ severity: 'error', hint: 'keep at least 2 times fewer samples: raise --sample' });
    expect(csv!.message).toMatch(/^5,000 samples of 300 guests make a timeseries\.csv of up to /);
  });

  it('refuses more samples than one trace.json can hold (with few guests it is the larger file)', () => {
    // 2 guests, 360,001 samples (100 h at 1 s): up to 1.02 GiB of trace. The run used to fail after the simulation, writing trace.json.
    const two = scenario({ guests: [guest('a'), guest('b')] });
    const trace = preflight(two, { ...QUIET, samples: 360_001 }).issues.find((issue) => issue.path === '--sample-every');
    expect(trace).toMatchObject({ severity: 'error', hint: 'keep at least 3 times fewer samples: raise --sample-every' });
    expect(trace!.message).toBe('360,001 samples of 2 guests make a trace.json of up to 1.02 GiB, more than one file of the outputs can hold (512 MiB)');
    // 40 h at 1 s writes fine (a trace of about 250 MB).
    expect(preflight(two, { ...QUIET, samples: 144_001 }).issues.filter((issue) => issue.severity === 'error')).toEqual([]);
  });
});

describe('assertPreflight', () => {
  it('returns the report when there are only warnings', () => {
    const s = scenario({ guests: [guest('a')], events: [{ atMs: 60_000, kind: 'pausePolicy' }] });
    expect(assertPreflight(s, QUIET).issues).toHaveLength(1);
  });

  it('throws a ScenarioError with every error, its path, figure and fix, and no warnings', () => {
    const s = scenario({ source: 'big.yaml', guests: ['a', 'b', 'c', 'd'].map((n) => guest(n)), host: host({ memoryBytes: 16 * MiB }) });
    let error: unknown;
    try {
      assertPreflight(s, QUIET);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    const scenarioError = error as ScenarioError;
    expect(scenarioError.source).toBe('big.yaml');
    expect(scenarioError.issues).toEqual([{ path: 'guests', message: expect.stringContaining('cannot boot'), hint: expect.stringContaining('raise host.memory') }]);
    expect(scenarioError.message.startsWith('big.yaml: guests: the guests cannot boot')).toBe(true);
  });
});

describe('formatWarnings and formatNotes', () => {
  it('write one line per issue of their severity: SEVERITY: SOURCE: PATH: MESSAGE (FIX)', () => {
    const s = scenario({ source: 'x.yaml', guests: [guest('a'), guest('b')], host: host({ memoryBytes: 100 * MiB }), events: [{ atMs: 60_000, kind: 'resumePolicy' }] });
    const report = preflight(s, QUIET);
    expect(formatWarnings(s, report)).toEqual([
      "warning: x.yaml: events: an event (resumePolicy at 1m) comes after the run's last tick (at 29s of 30s) and will never fire (lengthen duration to more than 1m or move the event earlier)",
    ]);
    const notes = formatNotes(s, report);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^note: x\.yaml: guests: overcommitted: the guests boot with 128 MiB, 133 % of the 96 MiB .* \(that is what ballooning is for; raise host.memory if you did not mean it\)$/);
  });

  it('escapes control characters in what they print', () => {
    const s = scenario({ source: 'bad\u0007.yaml', guests: [guest('a')], events: [{ atMs: 60_000, kind: 'pausePolicy' }] });
    expect(formatWarnings(s, preflight(s, QUIET))[0]).toMatch(/^warning: bad\\u\{7\}\.yaml: events: /);
  });
});
