/** Resolves events: guest names (a group name means every member), target checks, expansion, stable sort by time. */
import type { PathSegment } from './errors.js';
import { EVENTS_MAX } from './limits.js';
import type { IssueList } from './raw-issue.js';
import type { ResolvedGuests } from './resolve-guests.js';
import { EVENT_ACTIONS, type EventFile } from './schema.js';
import { resolvePolicy } from './resolve-policy.js';
import type { ScenarioEvent } from '../model/scenario.js';
import { didYouMean, listFew } from '../util/suggest.js';
import { formatBytes } from '../model/units.js';

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
