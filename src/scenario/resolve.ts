/**
 * From a scenario file's content (what YAML or JSON parsing gave) to the resolved
 * `Scenario`: schema parsing, then the rules that involve several fields, the
 * defaults that depend on other values, and `count` expansion.
 */
import { basename, extname, resolve as resolvePath } from 'node:path';
import { ScenarioError, IssueList, finishIssues, type Locator } from './errors.js';
import { FRAME_BYTES_MAX, FRAME_BYTES_MIN, TICKS_MAX } from './limits.js';
import { resolveEvents, resolveFreeMemoryStates, resolvePolicy, resolveFaults } from './resolve-events.js';
import { resolveGuests } from './resolve-guests.js';
import { scenarioFileSchema, type ScenarioFile } from './schema.js';
import type { HostSpec, Scenario } from '../model/scenario.js';
import { formatBytes, formatDuration } from '../model/units.js';
import { translateIssues } from './zod-issues.js';
import { describeValue } from '../util/suggest.js';

export interface ResolveOptions {
  /** Run for this long instead of the file's `duration` (a `--duration` flag); ramps without `end` follow it. */
  durationOverrideMs?: number | undefined;
  /** Finds line and column of a path in the file, for messages. */
  locate?: Locator | undefined;
}

/** The name a scenario gets when its file has none: the file name without extension. */
function defaultName(source: string): string {
  const name = basename(source, extname(source));
  return name.startsWith('built-in:') ? name.slice('built-in:'.length) : name;
}

function resolveHost(file: ScenarioFile['host'], frameBytes: number, baseDir: string, issues: IssueList): HostSpec {
  if (file.memory < frameBytes) {
    issues.add(['host', 'memory'], `host memory (${formatBytes(file.memory)}) is smaller than one frame (${formatBytes(frameBytes)})`, 'raise host memory or lower frameSize');
  }
  if (file.reserved >= file.memory) {
    issues.add(['host', 'reserved'], `reserved (${formatBytes(file.reserved)}) is not less than host memory (${formatBytes(file.memory)})`, 'reserved is the part of host memory the hypervisor keeps; leave some for guests');
  }
  const host: HostSpec = {
    memoryBytes: file.memory,
    reservedBytes: file.reserved,
    swapBytes: file.swap,
    backing: file.backing,
    policy: resolvePolicy(file.policy, ['host', 'policy'], { baseDir, issues }),
    ...(file.quarantineAfter !== undefined ? { quarantineAfterViolations: file.quarantineAfter } : {}),
    backPressure: file.backPressure,
    hotplug: file.hotplug,
    swapFaultMs: file.swapFault,
    ...(file.shards !== undefined ? { shards: file.shards } : {}),
  };
  if (file.freeMemoryStates !== undefined) host.freeMemoryStates = resolveFreeMemoryStates(file.freeMemoryStates, ['host', 'freeMemoryStates'], issues);
  return host;
}

function checkTime(file: ScenarioFile, durationMs: number, overridden: boolean, issues: IssueList): void {
  const durationText = `${formatDuration(durationMs)}${overridden ? ', from the duration override' : ''}`;
  if (file.tick > durationMs) {
    issues.add(['tick'], `tick (${formatDuration(file.tick)}) is longer than the duration (${durationText})`, 'a run needs at least one tick: shorten tick or lengthen duration');
  } else if (durationMs / file.tick > TICKS_MAX) {
    issues.add(['tick'], `duration / tick is ${Math.ceil(durationMs / file.tick)} ticks, more than ${TICKS_MAX}`, 'lengthen tick or shorten duration');
  }
}

function checkFrameSize(frameBytes: number, issues: IssueList): void {
  const powerOfTwo = frameBytes > 0 && (frameBytes & (frameBytes - 1)) === 0;
  if (!powerOfTwo || frameBytes < FRAME_BYTES_MIN || frameBytes > FRAME_BYTES_MAX) {
    issues.add(['frameSize'], `frameSize ${formatBytes(frameBytes)} is not a power of two from ${formatBytes(FRAME_BYTES_MIN)} to ${formatBytes(FRAME_BYTES_MAX)}`, 'for example 4KiB, 64KiB or 2MiB');
  }
}

/**
 * A duration override as its callers take it (`durationOverrideMs` of
 * defineScenario, loadScenarioFile, parseScenarioText and this module):
 * absent, or a positive whole number of ms. `what` names the caller.
 */
export function checkDurationOverride(durationOverrideMs: unknown, what: string): void {
  if (durationOverrideMs !== undefined && !(Number.isSafeInteger(durationOverrideMs) && (durationOverrideMs as number) > 0)) {
    throw new TypeError(`${what}: durationOverrideMs must be a positive whole number of ms (5 minutes is 300000), got ${describeValue(durationOverrideMs)}`);
  }
}

/**
 * Validates a scenario file's content and resolves it into a `Scenario`.
 *
 * @param fileObject the parsed YAML or JSON, not yet validated
 * @param source the file path (or `built-in:default`), for messages and the default name
 * @param baseDir the directory trace paths are relative to
 * @throws ScenarioError listing every problem found
 */
export function resolveScenario(fileObject: unknown, source: string, baseDir: string, options: ResolveOptions = {}): Scenario {
  const { durationOverrideMs, locate } = options;
  checkDurationOverride(durationOverrideMs, 'resolveScenario');
  if (fileObject === null || fileObject === undefined) {
    throw new ScenarioError(source, [{ path: '', message: 'the scenario is empty', hint: 'a scenario needs at least host and guests; `balloonsim run` with no file runs the built-in default' }]);
  }
  const parsed = scenarioFileSchema.safeParse(fileObject);
  if (!parsed.success) {
    throw new ScenarioError(source, finishIssues(translateIssues(parsed.error.issues, fileObject), locate));
  }
  const file = parsed.data;
  const issues = new IssueList();
  const durationMs = durationOverrideMs ?? file.duration;
  checkTime(file, durationMs, durationOverrideMs !== undefined, issues);
  checkFrameSize(file.frameSize, issues);
  const host = resolveHost(file.host, file.frameSize, resolvePath(baseDir), issues);
  const context = { durationMs, baseDir: resolvePath(baseDir), issues, frameBytes: file.frameSize };
  const guests = resolveGuests(file.guests, context);
  const events = resolveEvents(file.events, guests, { baseDir: resolvePath(baseDir), issues, hostMemoryBytes: file.host.memory });
  const faults = file.faults !== undefined ? resolveFaults(file.faults, durationMs, guests, issues) : undefined;
  if (!issues.isEmpty) throw new ScenarioError(source, finishIssues(issues.items, locate));
  return {
    name: file.name ?? defaultName(source),
    source,
    seed: file.seed,
    durationMs,
    tickMs: file.tick,
    frameBytes: file.frameSize,
    host,
    guests: guests.guests,
    events,
    ...(faults !== undefined ? { faults } : {}),
  };
}
