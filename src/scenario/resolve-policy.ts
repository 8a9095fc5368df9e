/** The rules of a parsed policy that involve the file system or several settings. */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { PathSegment } from './errors.js';
import type { IssueList } from './raw-issue.js';
import type { FreeMemoryThresholds, PolicySpec } from '../model/policy-spec.js';

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
