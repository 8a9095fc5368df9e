/** What a run whose policy call was stopped says. */
import { describe, expect, it } from 'vitest';
import { PolicyError } from '../../../src/host/policy/policy-error.js';
import { stuckCallError } from '../../../src/runtime/policy-watch/stuck-call-error.js';

describe('stuckCallError', () => {
  const mark = { call: 7, modulePath: '/p/a.mjs', method: 'decide' as const, timeMs: 90_000 };

  it('names the module, the method, when, how long it ran, where it was stopped, and what to do', () => {
    const error = stuckCallError({ mark, cpuMs: 10_230, wallMs: 12_010 }, 10_000, 1000, '/p/a.mjs:3:7');
    expect(error).toBeInstanceOf(PolicyError);
    expect(error.message).toBe(
      'the policy module /p/a.mjs: decide() did not return: called at 90s of simulated time (tick 90), it ran for 10.2 s of CPU time (12.0 s of wall time), ' +
        'past the limit of 10s for one call, and was stopped at /p/a.mjs:3:7. Does decide() loop forever? ' +
        'If it is only slow, raise the limit: BALLOONSIM_POLICY_CALL_LIMIT=60s (0s turns the watch off), or the policyCallLimitMs option',
    );
  });

  it('says wall time when the CPU time is unknown, and leaves out a place it does not know', () => {
    const error = stuckCallError({ mark: { ...mark, timeMs: 2500, method: 'createPolicy' }, cpuMs: null, wallMs: 1500 }, 1000, 500);
    expect(error.message).toContain('createPolicy() did not return: called at 2.5s of simulated time (tick 5), it ran for 1.5 s (wall time), past the limit of 1s for one call, and was stopped. Does createPolicy() loop forever?');
  });

  it('says of a module stopped while loading that its top-level code did not finish, before the run, looping or waiting', () => {
    const error = stuckCallError({ mark: { ...mark, timeMs: 0, method: 'load' }, cpuMs: 0, wallMs: 2000 }, 500, 1000);
    expect(error.message).toBe(
      'the policy module /p/a.mjs: its top-level code did not finish loading: imported before the run started, it ran for 0.0 s of CPU time (2.0 s of wall time), ' +
        'past the limit of 500ms for one call, and was stopped. Does it loop forever, or await something that never settles? ' +
        'If it is only slow, raise the limit: BALLOONSIM_POLICY_CALL_LIMIT=60s (0s turns the watch off), or the policyCallLimitMs option',
    );
  });
});
