/**
 * Policies that name guests and speak bytes. The host's policy interface
 * (`Policy`, src/host/policy/policy.ts) works in pages of the frame size and returns
 * targets by guest index, as the host keeps them; `definePolicy` lets a
 * policy see the host and its guests in bytes, look guests up by name, and
 * return targets by name, in bytes or as sizes with units (`'2GiB'`). It
 * gives back a `Policy`, so it goes wherever one goes: `simulate`'s `policy`
 * option, or the factory of a policy module (`kind: module`).
 */
import type { FreeMemoryState } from '../host/manager/free-memory-state.js';
import { describeReturned, PolicyError, refusePromise } from '../host/policy/policy-error.js';
import type { GuestStats, Policy, PolicyGuestView, PolicyHostView, PolicyParameter, PsiFigures } from '../host/policy/policy.js';
import type { DriverProfileName } from '../model/scenario.js';
import { UnitError } from '../model/unit-error.js';
import { parseDuration, parseSize } from '../model/units.js';
import { closest, describeValue } from '../util/suggest.js';

/** What a policy sees of one guest, in bytes. */
export interface GuestInBytes {
  name: string;
  /** False once it crashed: a dead guest's target is ignored. */
  alive: boolean;
  profile: DriverProfileName;
  shares: number;
  /** Its memory, balloon included (less hotplug room not plugged yet). */
  memoryBytes: number;
  bootBytes: number;
  /** The largest target the host may set (maxMemory). */
  maxBytes: number;
  /** minMemory: the host never sets a target below it. */
  minBytes: number;
  kernelBytes: number;
  /** The lowest target host reclaim sets: minMemory, kernel memory, the Hyper-V floor. */
  floorBytes: number;
  targetBytes: number;
  /** Host memory it holds. */
  residentBytes: number;
  balloonBytes: number;
  /** Its size as the balloon makes it: memory less balloon. */
  actualBytes: number;
  /** Kernel, anonymous and page-cache memory, from its last status; null before the first. */
  usedBytes: number | null;
  freeBytes: number | null;
  /** The latest virtio statistics (memory figures in bytes; -1 for what it has not reported). */
  stats: GuestStats;
  /** The latest Hyper-V style pressure report, in bytes, or null. */
  pressure: { availableBytes: number; committedBytes: number } | null;
  psi: PsiFigures | null;
  distressed: boolean;
  /** Fraction (0 to 1) of its memory found touched in the last sampling period; null before the first. */
  touchedFraction: number | null;
  /** Its memory the host has paged out to host swap. */
  hostSwappedBytes: number;
  /** The view in pages, as the host's own `Policy` interface has it. */
  pages: PolicyGuestView;
}

/** What a policy sees of the host, in bytes, with its guests by name. */
export interface HostInBytes {
  /** Simulated time, in ms (as `timeMs` in samples and events). */
  timeMs: number;
  frameBytes: number;
  memoryBytes: number;
  reservedBytes: number;
  /** What the guests can have between them. */
  usableBytes: number;
  freeBytes: number;
  state: FreeMemoryState;
  /** Free memory at which the host is back in the high state. */
  highBytes: number;
  /** Below this much free memory the host enters the soft state. */
  softBytes: number;
  guests: ReadonlyArray<GuestInBytes>;
  /** A guest by name, or undefined. */
  guest(name: string): GuestInBytes | undefined;
}

/** A target: bytes (a number) or a size with a unit (`'2GiB'`). */
export type TargetBytes = number | string;

/** Targets by guest name: an object or a Map. Guests left out keep their target. */
export type TargetsByName = Readonly<Record<string, TargetBytes>> | ReadonlyMap<string, TargetBytes>;

export interface PolicyDefinition {
  name: string;
  /** How often `decide` runs: ms, or a duration with a unit (`'10s'`). */
  period: number | string;
  /** Settings, for the summary. */
  parameters?: Readonly<Record<string, PolicyParameter>>;
  /** The targets, by guest name, in bytes; undefined or an empty result changes nothing. */
  decide(host: HostInBytes): TargetsByName | undefined | void;
  /** Called every `observeEvery` (every tick if unset), for policies that average what they see. */
  observe?(host: HostInBytes): void;
  observeEvery?: number | string;
  /** In the soft state and below: lower targets to free `bytes` more (see `Policy.reclaim`). */
  reclaim?(host: HostInBytes, bytes: number): TargetsByName | undefined | void;
  /** Active-memory sampling: pages per guest and how often (`{ pages: 100, period: '30s' }`). */
  activeSampling?: { pages: number; period: number | string };
}

/** The keys `definePolicy` reads (the type holds the list to the interface: a key added there must be added here). */
const DEFINITION_KEYS = Object.keys({
  name: true,
  period: true,
  parameters: true,
  decide: true,
  observe: true,
  observeEvery: true,
  reclaim: true,
  activeSampling: true,
} satisfies Record<keyof PolicyDefinition, true>);

/**
 * A key that is a slip of one the definition takes (`observeEvry`, or the host
 * `Policy`'s `periodMs`) would be ignored, and the policy run with the
 * default. Other keys are the policy's own state (its methods are called with
 * the definition as `this`) and are left alone.
 */
function refuseNearMisses(definition: object, name: string): void {
  for (const key of Object.keys(definition)) {
    if (DEFINITION_KEYS.includes(key)) continue;
    const meant = closest(key, DEFINITION_KEYS);
    if (meant !== undefined) {
      throw new PolicyError(`definePolicy ${name}: ${key} is not a key a definition takes (did you mean ${meant}?); rename it, or give it a name further from ${meant} if it is the policy's own state`);
    }
  }
}

function durationOf(value: number | string, where: string): number {
  if (typeof value === 'number') {
    if (!(Number.isSafeInteger(value) && value > 0)) throw new PolicyError(`${where} must be a positive whole number of ms or a duration such as '10s', got ${value}`);
    return value;
  }
  try {
    const ms = parseDuration(value, where);
    if (ms <= 0) throw new PolicyError(`${where} must be longer than 0, got ${JSON.stringify(value)}`);
    return ms;
  } catch (error) {
    if (error instanceof UnitError) throw new PolicyError(error.message);
    throw error;
  }
}

function guestInBytes(guest: PolicyGuestView, frameBytes: number): GuestInBytes {
  const bytes = (pages: number): number => pages * frameBytes;
  const maybe = (pages: number | null): number | null => (pages === null ? null : pages * frameBytes);
  return {
    name: guest.name,
    alive: guest.alive,
    profile: guest.profile,
    shares: guest.shares,
    memoryBytes: bytes(guest.memoryPages),
    bootBytes: bytes(guest.bootPages),
    maxBytes: bytes(guest.maxPages),
    minBytes: bytes(guest.minPages),
    kernelBytes: bytes(guest.kernelPages),
    floorBytes: bytes(guest.floorPages),
    targetBytes: bytes(guest.targetPages),
    residentBytes: bytes(guest.residentPages),
    balloonBytes: bytes(guest.balloonPages),
    actualBytes: bytes(guest.actualPages),
    usedBytes: maybe(guest.usedPages),
    freeBytes: maybe(guest.freePages),
    stats: guest.stats,
    pressure: guest.pressure === null ? null : { availableBytes: bytes(guest.pressure.availablePages), committedBytes: bytes(guest.pressure.committedPages) },
    psi: guest.psi,
    distressed: guest.distressed,
    touchedFraction: guest.touchedFraction,
    hostSwappedBytes: bytes(guest.hostSwappedPages),
    pages: guest,
  };
}

/** The host's view in bytes, with a lookup by name (unchecked: the run calls it for every decide and observe). */
function viewInBytes(view: PolicyHostView): HostInBytes {
  const frameBytes = view.frameBytes;
  const guests = view.guests.map((guest) => guestInBytes(guest, frameBytes));
  const byName = new Map(guests.map((guest) => [guest.name, guest]));
  return {
    timeMs: view.timeMs,
    frameBytes,
    memoryBytes: view.frames * frameBytes,
    reservedBytes: view.reservedFrames * frameBytes,
    usableBytes: view.usableFrames * frameBytes,
    freeBytes: view.freeFrames * frameBytes,
    state: view.state,
    highBytes: view.highFrames * frameBytes,
    softBytes: view.softFrames * frameBytes,
    guests,
    guest: (name) => byName.get(name),
  };
}

/**
 * The host's view in bytes, with a lookup by name: what a policy made with
 * definePolicy sees, from the view a Policy's decide(view) is given.
 *
 * @throws TypeError when `view` is not a policy's view of the host (null failed reading frameBytes of null)
 */
export function hostInBytes(view: PolicyHostView): HostInBytes {
  const candidate = view as Partial<PolicyHostView> | null;
  if (candidate === null || typeof candidate !== 'object' || !(typeof candidate.frameBytes === 'number' && candidate.frameBytes > 0) || !Array.isArray(candidate.guests)) {
    throw new TypeError(`hostInBytes: view must be the host's view a policy's decide(view) or observe(view) is given, with frameBytes and guests, got ${describeValue(view)}`);
  }
  return viewInBytes(view);
}

/** Targets by name in bytes → targets by index in whole pages (rounded down to frames). */
function targetsInPages(policy: string, method: string, result: TargetsByName | undefined | void, view: PolicyHostView): ReadonlyMap<number, number> {
  const targets = new Map<number, number>();
  refusePromise(result, `policy ${policy}`, method);
  if (result === undefined || result === null) return targets;
  if (typeof result !== 'object' || Array.isArray(result)) {
    throw new PolicyError(`policy ${policy}: ${method} returned ${Array.isArray(result) ? 'a list' : typeof result}; return an object (or a Map) from guest name to a target in bytes or a size such as '2GiB'`);
  }
  const entries: Array<[string, TargetBytes]> = result instanceof Map ? [...(result as ReadonlyMap<string, TargetBytes>).entries()] : Object.entries(result as Record<string, TargetBytes>);
  for (const [name, value] of entries) {
    const guest = view.guests.find((g) => g.name === name);
    if (guest === undefined) {
      const names = view.guests.slice(0, 8).map((g) => g.name).join(', ');
      throw new PolicyError(`policy ${policy}: ${method} returned a target for ${JSON.stringify(name)}, which is no guest (guests: ${names}${view.guests.length > 8 ? ', ...' : ''})`);
    }
    let bytes: number;
    if (typeof value === 'number') bytes = value;
    else if (typeof value === 'string') {
      try {
        bytes = parseSize(value, `the target of ${name}`);
      } catch (error) {
        if (error instanceof UnitError) throw new PolicyError(`policy ${policy}: ${method}: ${error.message}`);
        throw error;
      }
    } else bytes = Number.NaN;
    if (!Number.isFinite(bytes) || bytes < 0) {
      throw new PolicyError(`policy ${policy}: ${method} returned ${describeReturned(value)} as the target of ${name}; give bytes (a number of at least 0) or a size such as '2GiB'`);
    }
    targets.set(guest.index, Math.floor(bytes / view.frameBytes));
  }
  return targets;
}

/**
 * A host policy written with guest names and bytes.
 *
 * @throws PolicyError when the definition is not usable (no name, a bad period)
 * @example
 * ```ts
 * // Keep every guest at what it uses plus a quarter, never below 512 MiB.
 * const headroom = definePolicy({
 *   name: 'headroom',
 *   period: '10s',
 *   decide(host) {
 *     const targets: Record<string, number> = {};
 *     for (const guest of host.guests) if (guest.alive && guest.usedBytes !== null) targets[guest.name] = Math.max(512 * 2 ** 20, guest.usedBytes * 1.25);
 *     return targets;
 *   },
 * });
 * await simulate(scenario, { policy: headroom });
 * ```
 */
export function definePolicy(definition: PolicyDefinition): Policy {
  if (typeof definition !== 'object' || definition === null) throw new PolicyError('definePolicy: give an object with name, period and decide(host)');
  const { name } = definition;
  if (typeof name !== 'string' || name === '') throw new PolicyError('definePolicy: name must be a non-empty string');
  refuseNearMisses(definition, name);
  if (typeof definition.decide !== 'function') throw new PolicyError(`definePolicy ${name}: decide(host) must be a function that returns targets by guest name`);
  // Anything else failed during the run, as "observe.call is not a function".
  for (const method of ['observe', 'reclaim'] as const) {
    const given: unknown = definition[method];
    if (given !== undefined && typeof given !== 'function') throw new PolicyError(`definePolicy ${name}: ${method} must be a function or left out, got ${describeValue(given)}`);
  }
  const periodMs = durationOf(definition.period, `definePolicy ${name}: period`);
  const observe = definition.observe;
  const reclaim = definition.reclaim;
  const sampling = definition.activeSampling;
  if (sampling !== undefined && (sampling === null || typeof sampling !== 'object' || !(Number.isSafeInteger(sampling.pages) && sampling.pages > 0))) {
    throw new PolicyError(`definePolicy ${name}: activeSampling must be { pages, period } with pages a positive whole number (such as { pages: 100, period: '30s' }), got ${describeValue(sampling?.pages ?? sampling)}`);
  }
  return {
    name,
    periodMs,
    ...(definition.parameters !== undefined ? { parameters: definition.parameters } : {}),
    decide: (view) => targetsInPages(name, 'decide', definition.decide(viewInBytes(view)), view),
    ...(observe !== undefined ? { observe: (view: PolicyHostView) => refusePromise(observe.call(definition, viewInBytes(view)), `policy ${name}`, 'observe') } : {}),
    ...(definition.observeEvery !== undefined ? { observeEveryMs: durationOf(definition.observeEvery, `definePolicy ${name}: observeEvery`) } : {}),
    ...(reclaim !== undefined ? { reclaim: (view: PolicyHostView, frames: number) => targetsInPages(name, 'reclaim', reclaim.call(definition, viewInBytes(view), frames * view.frameBytes), view) } : {}),
    ...(sampling !== undefined ? { activeSampling: { pages: sampling.pages, periodMs: durationOf(sampling.period, `definePolicy ${name}: activeSampling.period`) } } : {}),
  };
}
