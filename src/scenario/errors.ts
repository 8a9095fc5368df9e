/**
 * The scenario loader's diagnostics: errors a user can cause with a scenario,
 * each saying what was wrong, where (file, line, column, path inside the
 * scenario) and how to fix it; the issues as they are collected; the details
 * the schema passes to the issue translator; and finding a path in the file.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

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

// ---- details carried through zod's messages

/**
 * A private channel from the schema's error functions to the issue translator.
 *
 * A zod error function can only return a message string, but our issues also want
 * a hint, and an unknown-key issue wants the keys that are allowed. So the schema's
 * error functions return `encodeDetails(...)`, and `zod-issues.ts` decodes it. Both
 * ends live in this folder; nothing else ever sees an encoded message.
 */
const MARKER = '\u0000balloonsim-issue:';

export interface IssueDetails {
  message: string;
  hint?: string | undefined;
  /** For unknown keys: the keys allowed in that mapping. */
  knownKeys?: readonly string[] | undefined;
}

/** Packs details into a zod error message. */
export function encodeDetails(details: IssueDetails): string {
  return `${MARKER}${JSON.stringify(details)}`;
}

/** Unpacks `encodeDetails`; a plain zod message comes back as `{ message, encoded: false }`. */
export function decodeDetails(message: string): IssueDetails & { encoded: boolean } {
  if (!message.startsWith(MARKER)) return { message, encoded: false };
  const parsed: unknown = JSON.parse(message.slice(MARKER.length));
  if (typeof parsed !== 'object' || parsed === null) return { message, encoded: false };
  const record = parsed as Record<string, unknown>;
  const knownKeys = Array.isArray(record['knownKeys']) ? record['knownKeys'].filter((k): k is string => typeof k === 'string') : undefined;
  return {
    message: typeof record['message'] === 'string' ? record['message'] : 'invalid value',
    hint: typeof record['hint'] === 'string' ? record['hint'] : undefined,
    knownKeys,
    encoded: true,
  };
}

// ---- issues as they are found

/** Issues while they are being collected: paths as segments, positions not yet known. */
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

// ---- where a path is in the file

/**
 * Maps a path inside the scenario (`guests[0].memory`) back to a line and column
 * of the YAML or JSON text, through the document's node ranges.
 */
function resolveAlias(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' || typeof key === 'number' ? String(key) : undefined;
}

function startOf(node: unknown): number | undefined {
  const range = (node as Partial<Node> | null | undefined)?.range;
  return range === undefined || range === null ? undefined : range[0];
}

/**
 * A locator for a parsed document: it follows the path as far as the document
 * goes (a missing key points at the mapping that lacks it) and returns the start
 * of the value, or of the key itself when `target` is `key`.
 */
export function makeLocator(doc: Document, lineCounter: LineCounter): Locator {
  return (path: readonly PathSegment[], target: 'key' | 'value') => {
    let node: unknown = doc.contents;
    let offset = startOf(node);
    for (let i = 0; i < path.length; i++) {
      node = resolveAlias(doc, node);
      const segment = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((item) => keyText(item.key) === String(segment));
        if (pair === undefined) break;
        const keyStart = startOf(pair.key);
        const valueStart = startOf(pair.value);
        if (last && target === 'key') {
          offset = keyStart ?? offset;
          break;
        }
        offset = valueStart ?? keyStart ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item: unknown = node.items[segment];
        if (item === undefined) break;
        offset = startOf(item) ?? offset;
        node = item;
      } else {
        break;
      }
    }
    if (offset === undefined) return undefined;
    const position = lineCounter.linePos(offset);
    return { line: position.line, column: position.col };
  };
}
