/** Unit tests of src/runtime/inline-placement.ts: every shard on the calling thread, driven tick by tick as simulate does. */
import { describe, expect, it } from 'vitest';
import type { FullAuditPart } from '../../src/audit/thread-audit.js';
import { InlinePlacement } from '../../src/runtime/inline-placement.js';
import { prepareRun, threadSetups } from '../../src/runtime/run-setup.js';
import { tinyScenario } from '../support/tiny-run.js';

describe('InlinePlacement', () => {
  it('is one thread, and refuses to start with more than one setup', async () => {
    const placement = new InlinePlacement();
    expect(placement.kind).toBe('inline');
    expect(placement.threads).toBe(1);
    const setup = await prepareRun(tinyScenario());
    const [one] = threadSetups(setup, 1);
    await expect(placement.start([one!, one!])).rejects.toThrow(new RangeError('InlinePlacement: one thread hosts every shard, got 2 setups'));
  });

  it('steps every guest of the run, audits, reports, and refuses work once closed', async () => {
    const setup = await prepareRun(tinyScenario());
    const placement = new InlinePlacement();
    await expect(placement.reports()).rejects.toThrow('InlinePlacement: not started');
    await placement.start(threadSetups(setup, 1));
    for (let tick = 0; tick < 3; tick++) {
      const orders = setup.manager.beginTick(tick);
      const results = await placement.step(orders, [null]);
      expect(results).toHaveLength(1);
      expect(results[0]!.crashed).toEqual([]);
      expect(results[0]!.audit).toBeNull();
      setup.manager.endTick(results.map((r) => r.report));
    }
    const [part] = (await placement.audit([{ kind: 'full', timeMs: 3000, sliceStart: 0, sliceEnd: setup.table.frames }])) as FullAuditPart[];
    expect(part).toBeDefined();
    const reports = await placement.reports();
    expect(reports.map((r) => [r.name, r.alive])).toEqual([
      ['a', true],
      ['b', true],
    ]);
    // Guest a's 4 MiB workload is mapped by now.
    expect(reports[0]!.mappedPages).toBeGreaterThanOrEqual(1024);
    await placement.close();
    await expect(placement.step(setup.manager.beginTick(3), [null])).rejects.toThrow('InlinePlacement: not started');
  });
});
