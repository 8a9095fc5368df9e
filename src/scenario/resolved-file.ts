/**
 * The resolved scenario written back as a scenario file: every default
 * filled in (the model's too: fault latencies, skew, driver batches,
 * free-memory states), every size and duration exact with its unit, groups
 * of identical guests folded back into `count`. `validate --print-resolved`
 * prints it, and every output of a run carries it, so that a run can be told
 * apart from another and made again: `balloonsim run resolved.yaml --seed N`.
 */
import { stringify } from 'yaml';
import { DRIVER_PROFILES } from '../guest/driver-profiles.js';
import { ESX_FREE_MEMORY_THRESHOLDS, type PolicySpec } from '../model/policy-spec.js';
import { FAULT_LATENCY_DEFAULTS, HOST_SWAP_FAULT_MS_DEFAULT, HOT_TOUCH_INTERVAL_MS_DEFAULT, LINUX_DEFAULTS, SKEW_DEFAULT } from '../model/defaults.js';
import type { GuestSpec, Scenario, ScenarioEvent, SizeCurve, WorkloadComponent } from '../model/scenario.js';
import { formatBytes, formatDuration } from '../model/units.js';
import { describeValue } from '../util/suggest.js';
import { policyFileOf } from './schema-policy.js';
import { checkScenario } from './resolved-scenario-check.js';

type FileObject = Record<string, unknown>;

/** `1.5GiB`, `123B`: exact, and read back by the loader as the same number of bytes. */
function size(bytes: number): string {
  return formatBytes(bytes).replace(' ', '');
}

function duration(ms: number): string {
  return formatDuration(ms);
}

/** Latencies are fractions of a ms: written in ms, exactly. */
function latency(ms: number): string {
  return `${ms}ms`;
}

/**
 * The scenario with the defaults the guest model and the host would apply
 * filled in, so that what is printed says everything (and printing twice
 * gives the same text).
 */
export function withModelDefaults(scenario: Scenario): Scenario {
  return {
    ...scenario,
    host: {
      ...scenario.host,
      freeMemoryStates: scenario.host.freeMemoryStates ?? { ...ESX_FREE_MEMORY_THRESHOLDS },
      quarantineAfterViolations: scenario.host.quarantineAfterViolations ?? 0,
      backPressure: scenario.host.backPressure ?? true,
      hotplug: scenario.host.hotplug ?? true,
      swapFaultMs: scenario.host.swapFaultMs ?? HOST_SWAP_FAULT_MS_DEFAULT,
    },
    guests: scenario.guests.map((guest) => ({
      ...guest,
      driver: { ...guest.driver, batchPages: guest.driver.batchPages ?? DRIVER_PROFILES[guest.driver.profile].batchPages },
      workload: guest.workload.map((component) => ({
        ...component,
        hotTouchIntervalMs: component.hotTouchIntervalMs ?? HOT_TOUCH_INTERVAL_MS_DEFAULT,
        skew: component.skew ?? SKEW_DEFAULT,
        coldTouchIntervalMs: component.coldTouchIntervalMs ?? 0,
        order: component.order ?? 'sequential',
      })),
      linux: guest.linux ?? { ...LINUX_DEFAULTS },
      faultLatency: guest.faultLatency ?? { ...FAULT_LATENCY_DEFAULTS },
      growth: guest.growth ?? { kind: 'reserved', blockBytes: 0, onlineDelayMs: 0 },
    })),
  };
}

function curveFile(curve: SizeCurve): unknown {
  switch (curve.kind) {
    case 'constant':
      return size(curve.bytes);
    case 'steps':
      return { steps: curve.steps.map((step) => [duration(step.atMs), size(step.bytes)]) };
    case 'ramp':
      return { ramp: { from: size(curve.fromBytes), to: size(curve.toBytes), start: duration(curve.startMs), end: duration(curve.endMs) } };
    case 'sine':
      return { sine: { min: size(curve.minBytes), max: size(curve.maxBytes), period: duration(curve.periodMs), phase: duration(curve.phaseMs) } };
    case 'bursts':
      return { bursts: { base: size(curve.baseBytes), peak: size(curve.peakBytes), every: duration(curve.meanGapMs), length: duration(curve.meanLengthMs) } };
    case 'trace':
      return { trace: curve.source };
  }
}

function componentFile(component: WorkloadComponent): FileObject {
  return {
    kind: component.kind,
    name: component.name,
    size: curveFile(component.size),
    hot: component.hotFraction,
    ...(component.hotTouchIntervalMs !== undefined ? { hotTouchEvery: duration(component.hotTouchIntervalMs) } : {}),
    ...(component.skew !== undefined ? { skew: component.skew } : {}),
    ...(component.coldTouchIntervalMs !== undefined ? { coldTouchEvery: duration(component.coldTouchIntervalMs) } : {}),
    ...(component.access !== undefined ? { access: component.access } : {}),
    ...(component.order !== undefined ? { order: component.order } : {}),
    restart: component.restartAfterMs === undefined ? 'never' : duration(component.restartAfterMs),
  };
}

/** A policy as a file writes it; the path of a module policy stays absolute. */
export function policyFile(policy: PolicySpec): FileObject {
  return policyFileOf(policy, { duration, size });
}

/** Everything of a guest but its name. */
function guestBody(guest: GuestSpec): FileObject {
  const driver = guest.driver;
  return {
    memory: size(guest.memoryBytes),
    maxMemory: size(guest.maxMemoryBytes),
    minMemory: size(guest.minMemoryBytes),
    kernel: size(guest.kernelBytes),
    shares: guest.shares,
    swap: size(guest.swapBytes),
    driver: {
      profile: driver.profile,
      ...(driver.batchPages !== undefined ? { batch: driver.batchPages } : {}),
      inflateMode: driver.inflateMode,
      deflateOnOom: driver.deflateOnOom,
      statsInterval: duration(driver.statsIntervalMs),
      freePageReporting: driver.freePageReporting,
    },
    behaviour:
      guest.hostile === undefined ? 'honest' : { kind: 'hostile', every: duration(guest.hostile.everyMs), attacks: [...guest.hostile.attacks], flood: guest.hostile.floodMessages },
    workload: guest.workload.map(componentFile),
    ...(guest.faultLatency !== undefined ? { faults: { minor: latency(guest.faultLatency.minorMs), major: latency(guest.faultLatency.majorMs), refault: latency(guest.faultLatency.refaultMs) } } : {}),
    growth:
      guest.growth === undefined || guest.growth.kind === 'reserved'
        ? 'reserved'
        : { kind: guest.growth.kind, block: size(guest.growth.blockBytes), onlineDelay: duration(guest.growth.onlineDelayMs) },
    ...(guest.linux !== undefined
      ? {
          linux: {
            transparentHugePages: guest.linux.thp ? 'always' : 'never',
            ...(guest.linux.minFreeBytes !== undefined ? { minFree: size(guest.linux.minFreeBytes) } : {}),
            watermarkScale: guest.linux.watermarkScale,
            pageCluster: guest.linux.pageCluster,
            readAhead: size(guest.linux.readAheadBytes),
          },
        }
      : {}),
  };
}

/**
 * Guests as file entries: a run of guests named `NAME-0`, `NAME-1`, ... with
 * the same settings becomes one entry with `count`, as `count` made them
 * (unless another guest is called NAME, which `count` would not allow).
 */
function guestsFile(guests: ReadonlyArray<GuestSpec>): FileObject[] {
  const names = new Set(guests.map((guest) => guest.name));
  const entries: FileObject[] = [];
  let i = 0;
  while (i < guests.length) {
    const guest = guests[i]!;
    const body = guestBody(guest);
    const match = /^(.+)-0$/.exec(guest.name);
    let count = 1;
    if (match !== null && !names.has(match[1]!)) {
      const text = JSON.stringify(body);
      while (i + count < guests.length && guests[i + count]!.name === `${match[1]}-${count}` && JSON.stringify(guestBody(guests[i + count]!)) === text) count++;
    }
    entries.push(count > 1 ? { name: match![1], count, ...body } : { name: guest.name, ...body });
    i += count;
  }
  return entries;
}

function eventFile(event: ScenarioEvent): FileObject {
  const at = duration(event.atMs);
  switch (event.kind) {
    case 'setTarget':
      return {
        at,
        setTarget: {
          guest: event.guest,
          memory: 'bytes' in event.target ? size(event.target.bytes) : `${event.target.percentOfMax}%`,
          force: event.force ?? false,
          dryRun: event.dryRun ?? false,
        },
      };
    case 'crash':
      return { at, crash: event.guest };
    case 'setPolicy':
      return { at, setPolicy: policyFile(event.policy) };
    case 'pausePolicy':
      return { at, pausePolicy: true };
    case 'resumePolicy':
      return { at, resumePolicy: true };
    case 'setShares':
      return { at, setShares: { guest: event.guest, shares: event.shares } };
    case 'setReserved':
      return { at, setReserved: size(event.bytes) };
    case 'hotplug':
      return { at, hotplug: { guest: event.guest, memory: size(event.bytes) } };
    case 'resendTarget':
      return { at, resendTarget: event.guest };
  }
}

/**
 * The resolved scenario as a scenario file object (what YAML or JSON would
 * hold): loading it gives the same scenario, with every default explicit.
 *
 * @throws TypeError when `scenario` is not a resolved scenario
 */
export function resolvedScenarioFile(scenario: Scenario): FileObject {
  checkScenario(scenario, 'resolvedScenarioFile');
  return resolvedScenarioFileUnchecked(scenario);
}

/** `resolvedScenarioFile` without its check, for the library's own callers, which hold a scenario checked already. */
export function resolvedScenarioFileUnchecked(scenario: Scenario): FileObject {
  const full = withModelDefaults(scenario);
  const host = full.host;
  const states = host.freeMemoryStates!;
  return {
    name: full.name,
    seed: full.seed,
    duration: duration(full.durationMs),
    tick: duration(full.tickMs),
    frameSize: size(full.frameBytes),
    host: {
      memory: size(host.memoryBytes),
      reserved: size(host.reservedBytes),
      swap: size(host.swapBytes),
      backing: host.backing,
      policy: policyFile(host.policy),
      freeMemoryStates: { high: states.high, soft: states.soft, hard: states.hard, low: states.low },
      quarantineAfter: host.quarantineAfterViolations,
      backPressure: host.backPressure,
      hotplug: host.hotplug,
      swapFault: latency(host.swapFaultMs!),
      // Its default depends on the number of guests (shards.ts): written only when the scenario set it.
      ...(host.shards !== undefined ? { shards: host.shards } : {}),
    },
    guests: guestsFile(full.guests),
    events: full.events.map(eventFile),
    ...(full.faults !== undefined
      ? {
          faults: {
            until: duration(full.faults.untilMs),
            settle: duration(full.faults.settleMs),
            crashes: full.faults.crashes.map((crash) => ({ at: duration(crash.atMs), guest: crash.guest, how: crash.how })),
            random: { throws: full.faults.randomThrows, kills: full.faults.randomKills },
            messages: { delayed: full.faults.delayFraction, maxDelay: full.faults.delayTurnsMax },
          },
        }
      : {}),
  };
}

/** The resolved scenario as YAML, under a comment that says where it came from. */
export function resolvedScenarioYaml(scenario: Scenario, header: ReadonlyArray<string> = []): string {
  checkScenario(scenario, 'resolvedScenarioYaml');
  // A string was taken one character a line, anything else failed as "header is not iterable".
  if (!Array.isArray(header) || !header.every((line) => typeof line === 'string')) {
    throw new TypeError(`resolvedScenarioYaml: header must be a list of lines of text (each becomes a # comment), got ${describeValue(header)}`);
  }
  const comment = [`the scenario ${scenario.source} as balloonsim resolved it, every default filled in`, ...header].map((line) => `# ${line}\n`).join('');
  return `${comment}${stringify(resolvedScenarioFileUnchecked(scenario), { lineWidth: 0, flowCollectionPadding: true })}`;
}
