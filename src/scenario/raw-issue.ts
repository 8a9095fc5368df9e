/** Issues while they are being collected: paths as segments, positions not yet known. */
import { formatPath, type PathSegment, type ScenarioIssue } from './errors.js';

export interface RawIssue {
  path: PathSegment[];
  message: string;
  hint?: string | undefined;
  /** Point at the key itself (an unknown key) rather than at its value. */
  target?: 'key' | 'value';
}

/** Finds the line and column of a path in the scenario file, when there is a file. */
export type Locator = (path: readonly PathSegment[], target: 'key' | 'value') => { line: number; column: number } | undefined;

/** Collects issues so that one run reports every problem, not just the first. */
export class IssueList {
  readonly items: RawIssue[] = [];

  add(path: readonly PathSegment[], message: string, hint?: string): void {
    this.items.push({ path: [...path], message, hint });
  }

  get isEmpty(): boolean {
    return this.items.length === 0;
  }
}

/** Turns collected issues into public ones: printed paths, positions, duplicates dropped. */
export function finishIssues(raw: readonly RawIssue[], locate?: Locator): ScenarioIssue[] {
  const seen = new Set<string>();
  const issues: ScenarioIssue[] = [];
  for (const item of raw) {
    const issue: ScenarioIssue = { path: formatPath(item.path), message: item.message };
    if (item.hint !== undefined) issue.hint = item.hint;
    const position = locate?.(item.path, item.target ?? 'value');
    if (position !== undefined) {
      issue.line = position.line;
      issue.column = position.column;
    }
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  // In file order, so that a reader can walk down the file; unlocated issues last. The sort is stable.
  return issues.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER) || (a.column ?? 0) - (b.column ?? 0));
}
