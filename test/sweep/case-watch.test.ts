/**
 * A sweep case whose policy call never returns (needs `npm run build`: the
 * cases run from dist/ on the pool's threads): the coordinator stops its
 * thread and fails its row with the error a run gives, and the sweep goes on.
 */
import { describe, expect, it } from 'vitest';
import { CaseWatch } from '../../src/sweep/case-watch.js';
import { sweep } from '../../src/sweep/sweep.js';
import { DECIDE_LOOPS_FROM_5S, DECIDES_NOTHING, policyModuleScenario } from '../support/policy-module-scenario.js';
import { guest, scenario } from '../support/scenarios.js';

describe('a sweep case whose policy call never returns', () => {
  it('is stopped and fails with the run\'s error; the next case runs on a fresh thread', async () => {
    const endless = { ...policyModuleScenario(DECIDE_LOOPS_FROM_5S, 'endless.mjs'), name: 'endless' };
    const fine = { ...policyModuleScenario(DECIDES_NOTHING), name: 'fine' };
    const started = performance.now();
    const table = await sweep([endless, fine], { concurrency: 1, policyCallLimitMs: 400 });
    expect(performance.now() - started).toBeLessThan(20_000);
    const [stopped, next] = table.rows;
    expect(stopped!.status).toBe('failed');
    expect(stopped!.error!.code).toBe('POLICY_INVALID');
    expect(stopped!.error!.message).toMatch(
      /^the policy module .*endless\.mjs: decide\(\) did not return: called at 5s of simulated time \(tick 5\), it ran for \d+\.\d s of CPU time \(\d+\.\d s of wall time\), past the limit of 400ms for one call, and was stopped\. Does decide\(\) loop forever\?/,
    );
    expect(next!.status).toBe('ok');
    expect(next!.metrics).not.toBeNull();
  });
});

describe('CaseWatch.start', () => {
  it('watches nothing for a scenario without policy modules, or with a limit of 0', () => {
    expect(CaseWatch.start(scenario({ guests: [guest('a')] }), 400)).toBeNull();
    expect(CaseWatch.start(policyModuleScenario(DECIDES_NOTHING), 0)).toBeNull();
    const watch = CaseWatch.start(policyModuleScenario(DECIDES_NOTHING), 400)!;
    expect(watch.buffer.byteLength).toBe(24);
    expect(watch.signal.aborted).toBe(false);
    watch.stop();
  });
});
