/**
 * Free page reporting: frames behind free 2 MiB blocks go back to the host;
 * the guest reuses those pages by asking for frames; the table stays exact
 * (a full audit after every tick).
 */
import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../../src/scenario/load.js';
import { runLockstep } from '../support/lockstep.js';

const MiB = 2 ** 20;
const PAGE = 4096;

function scenario(reporting: boolean): string {
  return `
duration: 40s
tick: 1s
host: { memory: 2GiB }
guests:
  - name: g
    memory: 1GiB
    driver: { profile: virtio, freePageReporting: ${reporting} }
    workload: [ { kind: anon, size: { steps: [[0s, 700MiB], [10s, 100MiB], [25s, 600MiB]] } } ]
`;
}

describe('free page reporting', () => {
  it('gives the frames behind free memory back to the host, and the guest gets frames again when it grows', () => {
    const resident: number[] = [];
    const result = runLockstep(parseScenarioText(scenario(true), 'fpr.yaml'), {
      onTick: (_tick, _endMs, world) => resident.push(world.host.accounts[0]!.ownedFrames),
    });
    expect(result.audit.violations).toBe(0);
    expect(result.audit.fullChecks).toBeGreaterThanOrEqual(40);
    const report = result.reports[0]!;
    const device = result.world.host.accounts[0]!.device;
    expect(report.reportedFreePages).toBeGreaterThan((500 * MiB) / PAGE);
    expect(device.reportedFreeFrames).toBe(report.reportedFreePages);
    expect(result.messageCounts.get('freePageReport')).toBeGreaterThan(0);
    // After the shrink at 10 s, the host holds the frames again: the guest keeps little more than its kernel and workload.
    expect((resident[20]! * PAGE) / MiB).toBeLessThan(200);
    // It grew again at 25 s by asking for frames, and got them all.
    expect((resident[39]! * PAGE) / MiB).toBeGreaterThan(600);
    expect(report.hostShortPages).toBe(0);
    expect(report.workloadPages).toBe((600 * MiB) / PAGE);
  });

  it('keeps the frames in the guest without it', () => {
    const result = runLockstep(parseScenarioText(scenario(false), 'no-fpr.yaml'), { auditEveryTicks: 10 });
    expect(result.reports[0]!.reportedFreePages).toBe(0);
    expect(result.messageCounts.get('freePageReport')).toBeUndefined();
    expect((result.world.host.accounts[0]!.ownedFrames * PAGE) / MiB).toBeGreaterThan(700);
  });
});
