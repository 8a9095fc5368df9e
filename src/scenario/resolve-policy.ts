/** Resolves a policy as the file gives it (`host.policy`, a `setPolicy` event) into its `PolicySpec`. */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { PathSegment } from './errors.js';
import type { IssueList } from './raw-issue.js';
import type { FreeMemoryThresholds, PolicySpec } from '../model/policy-spec.js';
import type { PolicyFile } from './schema-policy.js';

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
 * The resolved policy. `where` is the policy's path in the file (for messages).
 * Every kind must have a case: a new kind breaks the build here until it does.
 */
export function resolvePolicy(policy: PolicyFile, where: readonly PathSegment[], context: PolicyContext): PolicySpec {
  switch (policy.kind) {
    case 'static':
      return { kind: 'static', periodMs: policy.period };
    case 'rotate':
      if (!('percentOfMax' in policy.low)) {
        context.issues.add([...where, 'low'], "the rotate policy takes low as a percentage of each guest's maxMemory (its guests may differ in size)", 'for example low: 50%');
        return { kind: 'rotate', periodMs: policy.period, lowPercentOfMax: 50, groups: policy.groups };
      }
      return { kind: 'rotate', periodMs: policy.period, lowPercentOfMax: policy.low.percentOfMax, groups: policy.groups };
    case 'proportional':
      return { kind: 'proportional', periodMs: policy.period };
    case 'esx':
      return { kind: 'esx', periodMs: policy.period, tau: policy.tau, samples: policy.samples, fastWeight: policy.fastWeight, slowWeight: policy.slowWeight };
    case 'mom':
      if (policy.criticalFree > policy.pressureThreshold) {
        context.issues.add([...where, 'criticalFree'], `criticalFree (${policy.criticalFree * 100}%) is above pressureThreshold (${policy.pressureThreshold * 100}%)`, 'criticalFree is the lower of the two');
      }
      return {
        kind: 'mom',
        periodMs: policy.period,
        sampleIntervalMs: policy.sampleInterval,
        samples: policy.samples,
        pressureThreshold: policy.pressureThreshold,
        criticalFree: policy.criticalFree,
        maxChange: policy.maxChange,
        minChange: policy.minChange,
      };
    case 'senpai':
      return {
        kind: 'senpai',
        periodMs: policy.period,
        pressureTargetMs: policy.pressureTarget,
        probeIntervalMs: policy.probeInterval,
        maxProbe: policy.maxProbe,
        maxBackoff: policy.maxBackoff,
        coeffProbe: policy.coeffProbe,
        coeffBackoff: policy.coeffBackoff,
        minSizeBytes: policy.minSize,
      };
    case 'xen-selfballoon':
      return {
        kind: 'xen-selfballoon',
        periodMs: policy.period,
        reserveBytes: policy.reserve,
        downHysteresis: policy.downHysteresis,
        upHysteresis: policy.upHysteresis,
        minUsableBytes: policy.minUsable,
      };
    case 'hyperv':
      return { kind: 'hyperv', periodMs: policy.period, buffer: policy.buffer };
    case 'module':
      return { kind: 'module', periodMs: policy.period, path: modulePath(policy.path, where, context), options: { ...policy.options } };
    default: {
      const unknownKind: never = policy;
      throw new Error(`resolvePolicy: no case for policy ${JSON.stringify(unknownKind)}`);
    }
  }
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
  return { high: file.high, soft: file.soft, hard: file.hard, low: file.low };
}
