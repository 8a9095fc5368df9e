/**
 * Resolves what happens over time: events (guest names, where a group name
 * means every member; target checks; expansion; stable sort by time), the
 * fault plan, and the rules of the policies they name that the file format
 * cannot check alone.
 */
import type { PathSegment, IssueList } from './errors.js';
import { EVENTS_MAX } from './limits.js';
import type { ResolvedGuests } from './resolve-guests.js';
import { EVENT_ACTIONS, type EventFile } from './schema.js';
import type { ScenarioEvent, FaultCrash, FaultPlan } from '../model/scenario.js';
import { didYouMean, listFew } from '../util/suggest.js';
import { formatBytes, formatDuration } from '../model/units.js';
import type { FaultsFile } from './schema-faults.js';
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { FreeMemoryThresholds, PolicySpec } from '../model/policy-spec.js';

/** The guests a name stands for: the guest itself, or every member of a count group. */
export function lookUp(name: string, path: PathSegment[], guests: ResolvedGuests, issues: IssueList): readonly string[] {
  if (guests.byName.has(name)) return [name];
  const members = guests.groups.get(name);
  if (members !== undefined) return members;
  const known = [...guests.groups.keys(), ...guests.byName.keys()];
  const shown = [
    ...[...guests.groups].map(([group, names]) => `${group} (group of ${names.length})`),
    ...[...guests.byName.keys()].filter((guest) => ![...guests.groups.values()].some((names) => names.includes(guest))),
  ];
  issues.add(path, `there is no guest or group named ${JSON.stringify(name)}`, `${didYouMean(name, known)}guests: ${listFew(shown)}`);
  return [];
}

/** What resolving events needs besides the guests. */
export interface EventsContext {
  /** The directory module paths in `setPolicy` are relative to. */
  baseDir: string;
  issues: IssueList;
  hostMemoryBytes: number;
}

interface ActionContext extends EventsContext {
  atMs: number;
  path: PathSegment[];
  guests: ResolvedGuests;
  events: ScenarioEvent[];
}

type EventAction = (typeof EVENT_ACTIONS)[number];

/** One resolver per action; adding an action to EVENT_ACTIONS without one here breaks the build. */
const ACTION_RESOLVERS: { [K in EventAction]: (value: NonNullable<EventFile[K]>, context: ActionContext) => void } = {
  setTarget(value, { atMs, path, guests, issues, events }) {
    const target = value.memory;
    const flags = { ...(value.force ? { force: true } : {}), ...(value.dryRun ? { dryRun: true } : {}) };
    for (const name of lookUp(value.guest, [...path, 'setTarget', 'guest'], guests, issues)) {
      const spec = guests.byName.get(name);
      if (spec !== undefined && 'bytes' in target && target.bytes > spec.maxMemoryBytes) {
        issues.add([...path, 'setTarget', 'memory'], `the target ${formatBytes(target.bytes)} is more than ${name}'s maxMemory (${formatBytes(spec.maxMemoryBytes)})`, "lower the target, or raise the guest's maxMemory");
        return;
      }
      events.push({ atMs, kind: 'setTarget', guest: name, target: { ...target }, ...flags });
    }
  },
  crash(value, { atMs, path, guests, issues, events }) {
    for (const name of lookUp(value, [...path, 'crash'], guests, issues)) {
      events.push({ atMs, kind: 'crash', guest: name });
    }
  },
  setPolicy(value, context) {
    const policy = resolvePolicy(value, [...context.path, 'setPolicy'], context);
    context.events.push({ atMs: context.atMs, kind: 'setPolicy', policy });
  },
  pausePolicy(_value, { atMs, events }) {
    events.push({ atMs, kind: 'pausePolicy' });
  },
  resumePolicy(_value, { atMs, events }) {
    events.push({ atMs, kind: 'resumePolicy' });
  },
  setShares(value, { atMs, path, guests, issues, events }) {
    for (const name of lookUp(value.guest, [...path, 'setShares', 'guest'], guests, issues)) {
      events.push({ atMs, kind: 'setShares', guest: name, shares: value.shares });
    }
  },
  hotplug(value, { atMs, path, guests, issues, events }) {
    for (const name of lookUp(value.guest, [...path, 'hotplug', 'guest'], guests, issues)) {
      const spec = guests.byName.get(name);
      if (spec !== undefined && spec.maxMemoryBytes <= spec.memoryBytes) {
        issues.add([...path, 'hotplug', 'guest'], `${name} cannot grow: its maxMemory (${formatBytes(spec.maxMemoryBytes)}) is its boot memory`, `give ${name} a maxMemory above its memory (and growth: hotplug or virtio-mem for hotplugged memory)`);
        return;
      }
      events.push({ atMs, kind: 'hotplug', guest: name, bytes: value.memory });
    }
  },
  resendTarget(value, { atMs, path, guests, issues, events }) {
    for (const name of lookUp(value, [...path, 'resendTarget'], guests, issues)) {
      events.push({ atMs, kind: 'resendTarget', guest: name });
    }
  },
  setReserved(value, { atMs, path, issues, events, hostMemoryBytes }) {
    if (value >= hostMemoryBytes) {
      issues.add([...path, 'setReserved'], `the reserve ${formatBytes(value)} is not less than host memory (${formatBytes(hostMemoryBytes)})`, 'the hypervisor must leave some memory for guests');
      return;
    }
    events.push({ atMs, kind: 'setReserved', bytes: value });
  },
};

function resolveAction<K extends EventAction>(action: K, file: EventFile, context: ActionContext): void {
  const value = file[action];
  if (value !== undefined && value !== null) ACTION_RESOLVERS[action](value, context);
}

/**
 * Resolves every event, expanding group events into one per member (in member
 * order), and sorts them by time, stably. Problems go to `issues`.
 */
export function resolveEvents(files: readonly EventFile[], guests: ResolvedGuests, eventsContext: EventsContext): ScenarioEvent[] {
  const { issues } = eventsContext;
  const events: ScenarioEvent[] = [];
  files.forEach((file, index) => {
    const context: ActionContext = { ...eventsContext, atMs: file.at, path: ['events', index], guests, events };
    // The schema guarantees exactly one action per event.
    for (const action of EVENT_ACTIONS) resolveAction(action, file, context);
  });
  if (events.length > EVENTS_MAX) {
    issues.add(['events'], `the scenario has ${events.length} events after group expansion, more than ${EVENTS_MAX}`, 'use fewer events or smaller groups');
  }
  // Array.prototype.sort is stable: events at the same time keep their file order.
  return events.sort((a, b) => a.atMs - b.atMs);
}

// ---- fault plans

/** Resolves the `faults` section: guest names (a group means every member), the phases, sorted crashes. */
/**
 * The fault plan of a scenario file. `until` defaults to the whole run; a
 * crash after `until` is refused (it would fall in the liveness phase).
 */
export function resolveFaults(file: FaultsFile, durationMs: number, guests: ResolvedGuests, issues: IssueList): FaultPlan {
  const untilMs = file.until ?? durationMs;
  if (untilMs > durationMs) {
    issues.add(['faults', 'until'], `faults.until (${formatDuration(untilMs)}) is after the end of the run (${formatDuration(durationMs)})`, 'faults happen in the safety phase, which must end within the run');
  }
  const crashes: FaultCrash[] = [];
  file.crashes.forEach((crash, index) => {
    const path = ['faults', 'crashes', index];
    if (crash.at >= untilMs) {
      issues.add([...path, 'at'], `a crash at ${formatDuration(crash.at)} is not before faults.until (${formatDuration(untilMs)})`, 'crashes belong to the safety phase: move it earlier or faults.until later');
    }
    for (const name of lookUp(crash.guest, [...path, 'guest'], guests, issues)) crashes.push({ atMs: crash.at, guest: name, how: crash.how });
  });
  crashes.sort((a, b) => a.atMs - b.atMs);
  return {
    untilMs,
    settleMs: file.settle,
    crashes,
    randomThrows: file.random.throws,
    randomKills: file.random.kills,
    delayFraction: file.messages.delayed,
    delayTurnsMax: file.messages.maxDelay,
  };
}

// ---- policies (host.policy and setPolicy)

/** The rules of a parsed policy that involve the file system or several settings. */
export interface PolicyContext {
  /** The directory a module path is relative to (the scenario file's). */
  baseDir: string;
  issues: IssueList;
}

/** Checks that a policy module exists where the file says; returns its absolute path. */
function modulePath(path: string, where: readonly PathSegment[], context: PolicyContext): string {
  const absolute = isAbsolute(path) ? path : resolvePath(context.baseDir, path);
  if (!existsSync(absolute)) {
    context.issues.add([...where, 'path'], `there is no policy module at ${JSON.stringify(path)} (looked for ${absolute})`, 'a module path is relative to the scenario file; check the name and the folder');
  } else if (!statSync(absolute).isFile()) {
    context.issues.add([...where, 'path'], `${JSON.stringify(path)} is not a file`, 'name the .mjs or .js file that exports createPolicy');
  }
  return absolute;
}

/**
 * The rules of a parsed policy (`host.policy`, a `setPolicy` event) that the
 * file format cannot check alone: a module's path is made absolute and must
 * name a file; MOM's critical free fraction is below its pressure threshold.
 * `where` is the policy's path in the file (for messages).
 */
export function resolvePolicy(policy: PolicySpec, where: readonly PathSegment[], context: PolicyContext): PolicySpec {
  if (policy.kind === 'mom' && policy.criticalFree > policy.pressureThreshold) {
    context.issues.add([...where, 'criticalFree'], `criticalFree (${policy.criticalFree * 100}%) is above pressureThreshold (${policy.pressureThreshold * 100}%)`, 'criticalFree is the lower of the two');
  }
  if (policy.kind === 'module') return { ...policy, path: modulePath(policy.path, where, context) };
  return policy;
}

/** Checks the free-memory thresholds are in order: high >= soft >= hard >= low. */
export function resolveFreeMemoryStates(file: FreeMemoryThresholds, where: readonly PathSegment[], issues: IssueList): FreeMemoryThresholds {
  const order: ReadonlyArray<keyof FreeMemoryThresholds> = ['high', 'soft', 'hard', 'low'];
  for (let i = 1; i < order.length; i++) {
    const above = order[i - 1]!;
    const below = order[i]!;
    if (file[below] > file[above]) {
      issues.add([...where, below], `${below} (${file[below] * 100}%) is above ${above} (${file[above] * 100}%)`, 'the thresholds go down: high >= soft >= hard >= low');
    }
  }
  return file;
}
