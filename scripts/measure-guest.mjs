#!/usr/bin/env node
/**
 * Measures the guest memory model's speed (after `npm run build`): 64 guests
 * of 4 GiB on a 192 GiB host with diurnal, bursty, idle and page-cache
 * workloads, targets moving, 1 simulated hour at 1 s ticks, inline (one
 * thread) and on 2 worker threads: simulated seconds per wall second, and
 * CPU time per guest per tick.
 *
 * Its memory budget (at most 16 bytes of state per guest page, swap in use
 * included) is a test: test/guest/footprint.test.ts. (This script measured
 * it too, through the host class the host split into a device side and a
 * manager replaced; the test runs the real host.)
 *
 * Usage: node scripts/measure-guest.mjs [--minutes M]
 */
import { performance } from 'node:perf_hooks';
import { parseScenarioText, simulate } from '../dist/index.js';

const minutesArg = process.argv.indexOf('--minutes');
const minutes = minutesArg > 0 ? Number(process.argv[minutesArg + 1]) : 60;
if (!(Number.isFinite(minutes) && minutes > 0)) {
  console.error(`measure-guest: --minutes must be a number of minutes above 0, got ${process.argv[minutesArg + 1]}`);
  process.exit(2);
}

// ---- speed
const denseYaml = `
name: dense-64-like
duration: ${minutes}m
tick: 1s
host: { memory: 192GiB, reserved: 2GiB }
guests:
  - name: diurnal
    count: 24
    memory: 4GiB
    swap: 1GiB
    workload:
      - { kind: anon, size: { sine: { min: 1GiB, max: 3GiB, period: 1h } }, hot: 40% }
      - { kind: file, size: 512MiB, hot: 30% }
  - name: bursty
    count: 24
    memory: 4GiB
    swap: 1GiB
    workload:
      - { kind: anon, size: { bursts: { base: 512MiB, peak: 3GiB, every: 5m, length: 2m } }, hot: 60% }
  - name: idle
    count: 16
    memory: 4GiB
    workload:
      - { kind: anon, size: 512MiB, hot: 2% }
events:
  - { at: 5m, setTarget: { guest: idle, memory: 1GiB } }
  - { at: 10m, setTarget: { guest: diurnal, memory: 3GiB } }
  - { at: 30m, setTarget: { guest: diurnal, memory: 4GiB } }
`;
const dense = parseScenarioText(denseYaml, 'dense.yaml');
for (const [placement, workers] of [['inline', 1], ['workers', 2]]) {
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const { summary } = await simulate(dense, { placement, workers, auditEveryTicks: 0 });
  const wallSeconds = (performance.now() - wallBefore) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const guestTicks = summary.ticks * dense.guests.length;
  const threads = placement === 'inline' ? 'one thread: host, guests and audit' : `all threads: the host and audit, ${workers} workers with the guests, the messages between them`;
  console.log(
    `dense-64-like, ${minutes} simulated minutes, ${placement}${placement === 'workers' ? ` x${workers}` : ''}: ${wallSeconds.toFixed(1)} s wall, ` +
      `${(summary.simulatedSeconds / wallSeconds).toFixed(0)}x real time; ${((cpu.user + cpu.system) / guestTicks).toFixed(1)} us of process CPU per guest per tick (${threads}); audit violations ${summary.audit.violations}`,
  );
  if (placement === 'inline') {
    const totals = summary.guests.reduce((t, g) => ({ majorFaults: t.majorFaults + g.majorFaults, swapOutPages: t.swapOutPages + g.swapOutPages, oomKills: t.oomKills + g.oomKills }), { majorFaults: 0, swapOutPages: 0, oomKills: 0 });
    console.log(`  guests in all: ${totals.majorFaults} major faults, ${totals.swapOutPages} pages swapped out, ${totals.oomKills} OOM kills; host free ${(summary.host.freeBytes / 2 ** 30).toFixed(1)} GiB`);
  }
}
