/**
 * Unit tests of src/runtime/free/free-watchdog.ts: the text a watchdog prints and the stall timer
 * (test/runtime/free-watchdog.test.ts runs a stalled free run end to end).
 */
import { describe, expect, it } from 'vitest';
import { RunFailure } from '../../../src/runtime/errors.js';
import { describeFreeRun, watchForStall, type FreeRunView } from '../../../src/runtime/free/free-watchdog.js';

function view(silent: [number, number], states: Array<'running' | 'finished' | 'dead'> = ['running', 'running']): FreeRunView {
  return {
    scenario: 'busy',
    hostTick: 12,
    rounds: 60,
    batches: 30,
    workers: [
      { index: 0, guests: ['a', 'b'], roundsDone: 14, state: states[0]!, silentMs: silent[0], toHostWaiting: 0, toGuestsWaiting: 1 },
      { index: 1, guests: ['c'], roundsDone: 12, state: states[1]!, silentMs: silent[1], toHostWaiting: 2, toGuestsWaiting: 0 },
    ],
  };
}

describe('describeFreeRun', () => {
  it('writes the host clock, then a line per worker', () => {
    expect(describeFreeRun(view([250, 4321]))).toBe(
      [
        'free-running run of busy: host tick 12 of 60, 30 batches handled',
        '  worker 0 (a, b): running, rounds handled 14, silent 0.3 s, batches held to the host 0, to the guests 1',
        '  worker 1 (c): running, rounds handled 12, silent 4.3 s, batches held to the host 2, to the guests 0',
      ].join('\n'),
    );
  });
});

describe('watchForStall', () => {
  it('refuses a stall time that is not positive', () => {
    expect(() => watchForStall(0, () => view([0, 0]), () => {})).toThrow(new RangeError('simulateFree: stallMs must be a positive number of milliseconds, got 0'));
    expect(() => watchForStall(Number.NaN, () => view([0, 0]), () => {})).toThrow(RangeError);
  });

  it('fails the run once every running worker has been silent that long, with the description', async () => {
    const error = await new Promise<Error>((resolve) => {
      const timer = watchForStall(100, () => view([150, 160]), (e) => {
        clearInterval(timer);
        resolve(e);
      });
    });
    expect(error).toBeInstanceOf(RunFailure);
    expect((error as RunFailure).code).toBe('RUN_STALLED');
    expect(error.message).toBe(`free-running run stalled: no batch for 0.1 s\n${describeFreeRun(view([150, 160]))}`);
  });

  it('does not fire while one running worker still talks, nor when only finished or dead workers are silent', async () => {
    let failed = 0;
    const talking = watchForStall(20, () => view([5, 10_000]), () => failed++);
    const done = watchForStall(20, () => view([10_000, 10_000], ['finished', 'dead']), () => failed++);
    await new Promise((resolve) => setTimeout(resolve, 120));
    clearInterval(talking);
    clearInterval(done);
    expect(failed).toBe(0);
  });
});
