/** The guest model's examples do what their comments (and the acceptance) say. */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/runtime/simulate.js';
import type { GuestSummary, RunSummary } from '../../src/runtime/summary.js';
import { loadScenarioFile } from '../../src/scenario/load.js';

async function runExample(name: string): Promise<RunSummary> {
  const { summary } = await simulate(loadScenarioFile(`examples/${name}.yaml`), { placement: 'inline', auditEveryTicks: 0 });
  // Quick checks every tick, a full pass at the end (the host of drivers.yaml has 4.5 million frames).
  expect(summary.audit.violations).toBe(0);
  expect(summary.audit.fullChecks).toBe(1);
  expect(summary.host.protocolViolations).toBe(0);
  return summary;
}

function guest(summary: RunSummary, name: string): GuestSummary {
  const found = summary.guests.find((g) => g.name === name);
  if (found === undefined) throw new Error(`no guest ${name}`);
  return found;
}

describe('examples of the guest memory model', () => {
  it('pressure.yaml: the squeezed guest swaps, faults and stalls; the roomy one does not', async () => {
    const summary = await runExample('pressure');
    const squeezed = guest(summary, 'squeezed');
    expect(squeezed.swapOutPages).toBeGreaterThan(0);
    expect(squeezed.majorFaults).toBeGreaterThan(0);
    expect(squeezed.psi.someAvg10).toBeGreaterThan(0);
    const roomy = guest(summary, 'roomy');
    expect(roomy.majorFaults).toBe(0);
    expect(roomy.swapOutPages).toBe(0);
    expect(roomy.psi.someAvg10).toBe(0);
  });

  it('deflate-on-oom.yaml: 1 MiB per OOM event and no kill with the feature; the balloon stays put under a static host, churns under one that re-sends its target; kills without it', async () => {
    const summary = await runExample('deflate-on-oom');
    const virtio = guest(summary, 'virtio');
    expect(virtio.oomEvents).toBeGreaterThan(10);
    expect(virtio.deflateOnOomPages).toBe(256 * virtio.oomEvents);
    expect(virtio.oomKills).toBe(0);
    expect(virtio.actualBytes).toBeGreaterThan(virtio.targetBytes);
    expect(virtio.driver.outOfPuff).toBe(0);
    const resend = guest(summary, 'resend');
    expect(resend.oomKills).toBe(0);
    expect(resend.oomEvents).toBeGreaterThan(virtio.oomEvents + 30); // about one more a second for the last minute
    expect(resend.driver.outOfPuff).toBeGreaterThan(30);
    const killed = guest(summary, 'no-deflate');
    expect(killed.oomKills).toBe(1); // killed once, and it stays dead
    expect(killed.deflateOnOomPages).toBe(0);
    expect(killed.components[0]!.bytes).toBe(0);
  });

  it('drivers.yaml: the four profiles reach the same target at different speeds', async () => {
    const summary = await runExample('drivers');
    const times = summary.guests.map((g) => g.driver.inflateToTargetMs);
    for (const time of times) expect(time).toBeGreaterThan(0);
    expect(new Set(times.map((time) => Math.round(time / 100))).size).toBe(4);
    expect(Math.max(...times)).toBeGreaterThan(3 * Math.min(...times));
    for (const g of summary.guests) expect(g.targetBytes).toBe(g.maxBytes);
  });
});
