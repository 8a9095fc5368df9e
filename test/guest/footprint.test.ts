/**
 * The guest model's memory budget: at most 16 bytes of state per guest page,
 * counting every typed array a guest keeps (its shared page map and states
 * included), at its peak, while its workloads fill memory and swap. Bytes, not
 * time: deterministic.
 */
import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../../src/scenario/load.js';
import { runLockstep } from '../support/lockstep.js';

describe('guest state', () => {
  it('costs at most 16 bytes per guest page, swap in use included', () => {
    const yaml = `
duration: 45s
tick: 1s
host: { memory: 3GiB }
guests:
  - name: g
    memory: 1GiB
    swap: 512MiB
    driver: { profile: virtio, freePageReporting: true }
    workload:
      - { kind: anon, size: { ramp: { from: 256MiB, to: 1.1GiB, start: 0s, end: 20s } }, hot: 30% }
      - { kind: file, size: 256MiB, hot: 50% }
events: [{ at: 25s, setTarget: { guest: g, memory: 768MiB, force: true } }]
`;
    let peak = 0;
    const result = runLockstep(parseScenarioText(yaml, 'footprint.yaml'), {
      auditEveryTicks: 15,
      onTick: (_tick, _endMs, world) => {
        peak = Math.max(peak, world.honest(0).footprintBytes);
      },
    });
    const report = result.reports[0]!;
    // The workload really pushed memory to swap and dropped cache: the hard case for the budget.
    expect(report.swapUsedPages).toBeGreaterThan(50_000);
    expect(report.components.reduce((sum, c) => sum + c.pages, 0)).toBeGreaterThan(report.pages);
    expect(peak / report.pages).toBeLessThanOrEqual(16);
    expect(peak / report.pages).toBeGreaterThan(5); // the page map and states alone are 5 bytes a page
  });
});
