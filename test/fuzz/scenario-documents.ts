/**
 * Random scenario documents, as a user writes them (the YAML's keys and
 * texts, here as JSON), over the whole scenario reference: every driver and
 * its settings, hostile guests, kernel sizes, shares, fault costs, growth
 * kinds, the guest kernel's settings, workload curves of every kind
 * (constant, steps, ramp, sine, bursts, a CSV trace), access and order,
 * restarts, every policy (a policy module too), host swap and backing,
 * free-memory states, shards, quarantine, back-pressure and hotplug
 * switches, every event kind, and fault plans (crashes, kills, message
 * delays) that need free-running mode.
 *
 * Unlike `arbitraryScenario` (test/support/scenarios.ts: small parsed
 * scenarios for property tests of the host), these go through the CLI
 * whole, and at `scale: 'large'` reach the sizes where limits bite: groups
 * of up to 60 guests of up to 2 GiB, 2 MiB frames, ticks of up to a minute,
 * batches of 1 page. Some are refused (a guest that cannot boot with
 * `backing: eager`, say): the fuzzer holds those to a clear message.
 */
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';

/** small: a few guests of at most 256 MiB for seconds (`npm test`); large: the sizes above (`npm run fuzz`). */
export type DocumentScale = 'small' | 'large';

/** A scenario document and what running it needs. */
export interface ScenarioDocument {
  /** The document (what `JSON.stringify` writes as the scenario file). */
  document: Record<string, unknown>;
  /** A workload reads `trace.csv` next to the scenario file. */
  usesTrace: boolean;
  /** It needs free-running mode (worker kills or message delays). */
  needsFree: boolean;
}

/** The policy module the documents name: the project's example (it imports `balloonsim`, so it must sit inside the project). */
export const POLICY_MODULE = fileURLToPath(new URL('../../examples/policies/keep-free.mjs', import.meta.url));

/** The trace a `trace` curve reads (`trace.csv`, written next to the document): time,bytes rows. */
export function traceCsv(peakBytes: number): string {
  const rows = ['time,bytes'];
  for (let s = 0; s <= 600; s += 5) rows.push(`${s}s,${Math.round(peakBytes * (0.25 + 0.75 * Math.abs(Math.sin(s / 40))))}`);
  return `${rows.join('\n')}\n`;
}

const mib = (n: number): string => `${Math.max(0, Math.round(n))}MiB`;

/** A random scenario document of the given scale. */
export function arbitraryScenarioDocument(scale: DocumentScale): fc.Arbitrary<ScenarioDocument> {
  const large = scale === 'large';
  return fc.gen().map((g) => {
    const pick = <T>(...values: T[]): T => g((...choices: T[]) => fc.constantFrom(...choices), ...values);
    const chance = (p: number): boolean => g(fc.integer, { min: 0, max: 999 }) < p * 1000;
    const int = (min: number, max: number): number => g(fc.integer, { min, max });

    const seed = g(fc.nat, 2 ** 31 - 1);
    const frameSize = large ? pick('4KiB', '4KiB', '4KiB', '4KiB', '64KiB', '2MiB') : '4KiB';
    const tickMs = large ? pick(100, 250, 500, 1000, 1000, 2000, 10_000, 60_000) : pick(250, 1000);
    const ticks = large ? int(20, 180) : int(10, 30);
    const durationMs = tickMs * ticks;
    const at = (): string => `${int(0, durationMs - 1)}ms`;
    const minMemoryMiB = frameSize === '2MiB' ? 256 : 64;

    const groups: Array<Record<string, unknown>> = [];
    let totalMiB = 0;
    let usesTrace = false;
    const groupCount = large ? int(1, 4) : int(1, 3);
    for (let index = 0; index < groupCount; index++) {
      const memoryMiB = Math.max(minMemoryMiB, large ? pick(64, 128, 256, 512, 1024, 2048) : pick(64, 128, 256));
      const count = large ? pick(1, 1, 2, 3, 8, 20, 60) : pick(1, 1, 2, 3);
      totalMiB += memoryMiB * count;
      const guest: Record<string, unknown> = { name: `g${index}`, memory: mib(memoryMiB) };
      if (count > 1) guest.count = count;
      if (chance(0.3)) guest.maxMemory = mib(memoryMiB * pick(1, 2));
      if (chance(0.2)) guest.minMemory = mib(memoryMiB / 4);
      if (chance(0.4)) guest.swap = mib(pick(0, 64, 256, memoryMiB));
      const profile = pick('virtio', 'vmware', 'xen', 'hyperv');
      if (chance(0.5)) {
        const driver: Record<string, unknown> = { profile };
        if (chance(0.3)) driver.inflateMode = pick('noretry', 'reclaim', 'free-only');
        if (chance(0.3)) driver.deflateOnOom = chance(0.5);
        if (chance(0.3)) driver.statsInterval = pick('0s', '1s', '5s');
        if (chance(0.3)) driver.freePageReporting = chance(0.5);
        if (chance(0.2)) driver.batch = pick(1, 16, 256, 4096);
        guest.driver = driver;
      } else guest.driver = profile;
      if (chance(0.15)) guest.behaviour = pick<unknown>('hostile', { kind: 'hostile', every: '2s', attacks: ['forged', 'repeated', 'flood'], flood: int(1, 500) });
      if (chance(0.15)) guest.kernel = pick('5%', '24MiB');
      if (chance(0.15)) guest.shares = int(1, 5000);
      if (chance(0.1)) guest.faults = { minor: '2us', major: '1ms', refault: '50us' };
      if (chance(0.2)) {
        guest.growth = pick<unknown>('reserved', 'hotplug', 'virtio-mem', { kind: 'virtio-mem', block: '4MiB', onlineDelay: '0s' }, { kind: 'hotplug', block: '32MiB', onlineDelay: '2s' });
        guest.maxMemory = mib(memoryMiB * 2);
      }
      if (chance(0.2)) {
        const linux: Record<string, unknown> = { transparentHugePages: pick('always', 'madvise', 'never'), pageCluster: int(0, 6) };
        if (chance(0.3)) linux.readAhead = pick('0B', '32KiB', '512KiB');
        if (chance(0.2)) linux.watermarkScale = pick('0.1%', '1%', '5%');
        guest.linux = linux;
      }
      const workload: Array<Record<string, unknown>> = [];
      const components = pick(0, 1, 1, 2);
      for (let c = 0; c < components; c++) {
        const kind = pick('anon', 'anon', 'file');
        const highMiB = Math.max(8, memoryMiB * pick(0.3, 0.6, 0.9, 1.2));
        const lowMiB = Math.max(4, highMiB / 4);
        const shape = pick('constant', 'sine', 'steps', 'ramp', 'bursts', 'trace');
        let size: unknown;
        if (shape === 'constant') size = mib(highMiB);
        else if (shape === 'sine') size = { sine: { min: mib(lowMiB), max: mib(highMiB), period: pick('30s', '1m', '5m'), ...(chance(0.3) ? { phase: '20s' } : {}) } };
        else if (shape === 'steps') size = { steps: [['0s', mib(lowMiB)], [`${Math.floor(durationMs / 3)}ms`, mib(highMiB)], [`${Math.floor((2 * durationMs) / 3)}ms`, mib(lowMiB)]] };
        else if (shape === 'ramp') size = { ramp: { from: mib(lowMiB), to: mib(highMiB) } };
        else if (shape === 'bursts') size = { bursts: { base: mib(lowMiB), peak: mib(highMiB), every: '30s', length: '10s' } };
        else {
          size = { trace: 'trace.csv' };
          usesTrace = true;
        }
        const component: Record<string, unknown> = { kind, size, hot: `${pick(0, 10, 50, 100)}%` };
        if (chance(0.2)) component.order = pick('sequential', 'random');
        if (kind === 'file' && chance(0.3)) component.access = pick('read', 'mmap');
        if (chance(0.2)) component.coldTouchEvery = pick('10s', '1m');
        if (chance(0.15)) component.skew = pick(1, 4, 256);
        if (chance(0.15)) component.restart = pick('never', '10s');
        workload.push(component);
      }
      guest.workload = workload;
      groups.push(guest);
    }

    const hostMiB = Math.max(256, Math.round(totalMiB * pick(0.4, 0.7, 1.0, 1.5)));
    const host: Record<string, unknown> = { memory: mib(hostMiB) };
    if (chance(0.3)) host.reserved = mib(pick(0, 64, 128));
    if (chance(0.3)) host.swap = mib(pick(0, 256, hostMiB));
    if (chance(0.2)) host.backing = pick('lazy', 'eager');
    const policy = pick('static', 'proportional', 'esx', 'mom', 'senpai', 'xen-selfballoon', 'hyperv', 'rotate', 'module');
    if (policy === 'module') host.policy = { kind: 'module', path: POLICY_MODULE, period: pick('1s', '5s'), options: { headroom: pick('10%', '25%') } };
    else if (policy === 'rotate') host.policy = { kind: 'rotate', period: pick('10s', '1m'), low: pick('40%', '70%'), groups: int(2, 4) };
    else host.policy = policy === 'static' || chance(0.7) ? policy : { kind: policy, period: pick('1s', '5s', '10s') };
    if (chance(0.2)) host.backPressure = chance(0.5);
    if (chance(0.2)) host.hotplug = chance(0.5);
    if (chance(0.3)) host.shards = pick(1, 2, 3, 7, 64);
    if (chance(0.2)) host.quarantineAfter = pick(0, 1, 10);
    if (chance(0.2)) host.freeMemoryStates = { high: '10%', soft: '6%', hard: '3%', low: '1%' };
    if (chance(0.15)) host.swapFault = pick('100us', '5ms');

    const document: Record<string, unknown> = { name: `fuzz-${seed}`, seed, duration: `${durationMs}ms`, tick: `${tickMs}ms`, frameSize, host, guests: groups };
    const names = groups.map((group) => group.name as string);
    const canGrow = (name: string): boolean => groups.some((group) => group.name === name && group.maxMemory !== undefined && group.maxMemory !== group.memory);
    const events: Array<Record<string, unknown>> = [];
    for (let e = pick(0, 0, 1, 3); e > 0; e--) {
      const guest = pick(...names);
      const kind = pick('setTarget', 'crash', 'pausePolicy', 'resumePolicy', 'setShares', 'setReserved', 'hotplug', 'resendTarget', 'setPolicy');
      if (kind === 'setTarget') events.push({ at: at(), setTarget: { guest, memory: chance(0.7) ? `${pick(10, 50, 90)}%` : mib(64), force: chance(0.3), ...(chance(0.1) ? { dryRun: true } : {}) } });
      else if (kind === 'crash') events.push({ at: at(), crash: guest });
      else if (kind === 'pausePolicy' || kind === 'resumePolicy') events.push({ at: at(), [kind]: true });
      else if (kind === 'setShares') events.push({ at: at(), setShares: { guest, shares: int(1, 5000) } });
      else if (kind === 'setReserved') events.push({ at: at(), setReserved: mib(pick(0, 32, 128)) });
      else if (kind === 'hotplug') {
        if (canGrow(guest)) events.push({ at: at(), hotplug: { guest, memory: mib(64) } });
      } else if (kind === 'resendTarget') events.push({ at: at(), resendTarget: guest });
      else events.push({ at: at(), setPolicy: pick('static', 'esx', 'mom', 'senpai') });
    }
    if (events.length > 0) document.events = events.sort((a, b) => Number.parseInt(a.at as string, 10) - Number.parseInt(b.at as string, 10));

    let needsFree = false;
    if (tickMs <= 2000 && chance(large ? 0.15 : 0.1)) {
      // A safety phase of 20 s with faults, then a liveness phase long enough for every guest to get where the host wants it.
      const untilMs = 20_000;
      const kills = int(0, 2);
      const faults: Record<string, unknown> = { until: `${untilMs}ms`, settle: '2m', random: { throws: int(0, 3), kills } };
      if (chance(0.5)) faults.messages = { delayed: '20%', maxDelay: 4 };
      const kill = chance(0.5) && chance(0.5);
      if (chance(0.5)) faults.crashes = [{ at: `${int(0, untilMs - 1)}ms`, guest: pick(...names), how: kill ? 'kill-worker' : 'throw' }];
      needsFree = kills > 0 || faults.messages !== undefined || kill;
      document.duration = `${Math.max(durationMs, untilMs + 160_000)}ms`;
      document.faults = faults;
    }
    return { document, usesTrace, needsFree };
  });
}
