/** When a policy call counts as stuck: by its thread's CPU time, or wall time when that is unknown or it is blocked. */
import { describe, expect, it } from 'vitest';
import { PolicyCallMarks } from '../../../src/runtime/policy-watch/call-marks.js';
import { isStuck, lookEveryMs, StuckCallJudge, threadCpuMs } from '../../../src/runtime/policy-watch/stuck-calls.js';

/** A judge over fresh marks, with a clock and a CPU meter the test moves by hand. */
function judgeWith(limitMs: number, cpuKnown = true) {
  const marks = new PolicyCallMarks(['/p/a.mjs']);
  const clock = { wallMs: 0, cpuMs: 0 };
  const judge = new StuckCallJudge(marks, limitMs, () => (cpuKnown ? clock.cpuMs : null), () => clock.wallMs);
  const advance = (wallMs: number, cpuMs: number): void => {
    clock.wallMs += wallMs;
    clock.cpuMs += cpuMs;
  };
  return { marks, judge, advance };
}

describe('StuckCallJudge', () => {
  it('stops a call once its thread has used the limit of CPU inside it, counted from when it first saw the call', () => {
    const { marks, judge, advance } = judgeWith(1000);
    expect(judge.look()).toBeNull(); // between calls
    marks.enter(marks.codeOf('/p/a.mjs', 'decide'), 5000);
    expect(judge.look()).toBeNull(); // first sight
    advance(600, 600);
    expect(judge.look()).toBeNull();
    advance(400, 400);
    expect(judge.look()).toEqual({ mark: { call: 1, modulePath: '/p/a.mjs', method: 'decide', timeMs: 5000 }, cpuMs: 1000, wallMs: 1000 });
  });

  it('does not stop a call on a loaded machine, where it gets little CPU: only past four times the limit of wall time (blocked)', () => {
    const { marks, judge, advance } = judgeWith(1000);
    marks.enter(0, 0);
    judge.look();
    advance(3000, 200);
    expect(judge.look()).toBeNull();
    advance(999, 100);
    expect(judge.look()).toBeNull();
    advance(1, 0);
    expect(judge.look()).toMatchObject({ cpuMs: 300, wallMs: 4000 });
  });

  it('counts each call afresh: calls that each return in time are never stopped, however long the run', () => {
    const { marks, judge, advance } = judgeWith(1000);
    for (let i = 0; i < 50; i++) {
      marks.enter(0, i * 1000);
      expect(judge.look()).toBeNull();
      advance(900, 900);
      expect(judge.look()).toBeNull();
      marks.leave();
      expect(judge.look()).toBeNull();
    }
    // Back to back, without a look between them: a new number is a new call.
    marks.enter(0, 0);
    judge.look();
    advance(900, 900);
    marks.leave();
    marks.enter(0, 1000);
    expect(judge.look()).toBeNull();
    advance(900, 900);
    expect(judge.look()).toBeNull();
  });

  it('takes the limit as wall time where the CPU time is unknown', () => {
    const { marks, judge, advance } = judgeWith(1000, false);
    marks.enter(0, 0);
    judge.look();
    advance(999, 0);
    expect(judge.look()).toBeNull();
    advance(1, 0);
    expect(judge.look()).toMatchObject({ cpuMs: null, wallMs: 1000 });
  });

  it('refuses a limit that is not a positive number', () => {
    expect(() => new StuckCallJudge(new PolicyCallMarks([]), 0)).toThrow('StuckCallJudge: limitMs must be a positive number of milliseconds, got 0');
  });
});

describe('isStuck and lookEveryMs', () => {
  it('judge by CPU where known, by wall time otherwise, and look a few times a second', () => {
    expect([isStuck(500, 500, 500), isStuck(1999, 499, 500), isStuck(1999, 0, 500), isStuck(2000, 0, 500), isStuck(500, null, 500), isStuck(499, null, 500)]).toEqual([true, false, false, true, true, false]);
    expect([lookEveryMs(10_000), lookEveryMs(400), lookEveryMs(20)]).toEqual([250, 80, 10]);
  });
});

describe('threadCpuMs', () => {
  it.runIf(process.platform === 'linux')("reads a thread's CPU time from /proc, and grows as it works", () => {
    const before = threadCpuMs(process.pid)!;
    const end = performance.now() + 120;
    while (performance.now() < end) {
      // burn CPU
    }
    expect(threadCpuMs(process.pid)! - before).toBeGreaterThanOrEqual(50);
  });

  it('is null for a thread it cannot read', () => {
    expect(threadCpuMs(0)).toBeNull();
    expect(threadCpuMs(2 ** 30)).toBeNull();
  });
});
