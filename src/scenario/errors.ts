/**
 * Errors a user can cause with a scenario: each says what was wrong, where (file,
 * line, column, path inside the scenario) and how to fix it.
 */

/** One step of a path inside a scenario: an object key or an array index. */
export type PathSegment = string | number;

/** One problem found in a scenario. */
export interface ScenarioIssue {
  /** Where in the scenario, printed like `guests[0].memory`; empty for the whole file. */
  path: string;
  /** What is wrong, in a sentence that names the offending value. */
  message: string;
  /** How to fix it, when there is something better to say than the message. */
  hint?: string;
  /** 1-based line in the scenario file, when known. */
  line?: number;
  /** 1-based column in the scenario file, when known. */
  column?: number;
}

/**
 * Prints a path the way users write it: `guests[0].memory`,
 * `host["odd key"]` for keys that are not plain identifiers.
 */
export function formatPath(segments: readonly PathSegment[]): string {
  let text = '';
  for (const segment of segments) {
    if (typeof segment === 'number') {
      text += `[${segment}]`;
    } else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) {
      text += text === '' ? segment : `.${segment}`;
    } else {
      text += `[${JSON.stringify(segment)}]`;
    }
  }
  return text;
}

// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufffd-\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Text from a user's file as a message may show it: characters that would
 * garble a terminal (controls, lone surrogates, replacement characters) are
 * written as `\u{...}` escapes, so that binary never reaches the screen.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (char) => `\\u{${char.charCodeAt(0).toString(16)}}`);
}

/** Formats one issue as `FILE:LINE:COL: PATH: MESSAGE (HINT)`, leaving out what is unknown. */
export function formatIssue(source: string, issue: ScenarioIssue): string {
  let where = source;
  if (issue.line !== undefined) {
    where += `:${issue.line}`;
    if (issue.column !== undefined) where += `:${issue.column}`;
  }
  const path = issue.path === '' ? '' : `${issue.path}: `;
  const hint = issue.hint === undefined ? '' : ` (${issue.hint})`;
  return printable(`${where}: ${path}${issue.message}${hint}`);
}

/**
 * A scenario that cannot be used: a file that cannot be read, a YAML syntax error,
 * or values that break the rules. Carries every problem found, not just the first.
 */
export class ScenarioError extends Error {
  /** A stable code for callers and for errors that cross a thread. */
  readonly code = 'SCENARIO_INVALID';
  /** The scenario file path, or `built-in:default`. */
  readonly source: string;
  readonly issues: readonly ScenarioIssue[];

  constructor(source: string, issues: readonly ScenarioIssue[]) {
    super(issues.map((issue) => formatIssue(source, issue)).join('\n'));
    this.name = 'ScenarioError';
    this.source = source;
    this.issues = issues;
  }

  /** One line per issue: `FILE:LINE:COL: PATH: MESSAGE (HINT)`. */
  format(): string {
    return this.issues.map((issue) => formatIssue(this.source, issue)).join('\n');
  }
}
