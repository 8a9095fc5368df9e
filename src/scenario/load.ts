/**
 * Reading scenarios: YAML or JSON text (both through the yaml package, so that
 * every problem gets a line and column) and files, after checks of the raw
 * text (characters, nesting) that the sweep's grid files share.
 */
import { dirname, resolve as resolvePath } from 'node:path';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { ScenarioError, formatPath, type PathSegment, type ScenarioIssue, makeLocator } from './errors.js';
import { SCENARIO_FILE_BYTES_MAX, NESTING_MAX } from './limits.js';
import { applyOverrides, type ScenarioOverride } from './overrides.js';
import { checkDurationOverride, resolveScenario } from './resolve.js';
import type { Scenario } from '../model/scenario.js';
import { readFileBounded, readProblem, WRITE_PIPE_TO_FILE, type ReadProblemKind } from '../util/read-bounded.js';
import { checkOptionsObject } from '../util/option-checks.js';
import { describeValue } from '../util/suggest.js';

export interface LoadOptions {
  /** The directory trace paths are relative to (default: the file's directory, or the working directory for text). */
  baseDir?: string | undefined;
  /** Run for this long instead of the file's `duration` (a `--duration` flag): `tick <= duration` is checked against it and ramps without `end` follow it. */
  durationOverrideMs?: number | undefined;
  /** Settings changed from the command line (`--set host.policy.tau=0`), applied before validation. */
  overrides?: ReadonlyArray<ScenarioOverride> | undefined;
}

const LOAD_OPTION_KEYS: ReadonlyArray<keyof LoadOptions> = ['baseDir', 'durationOverrideMs', 'overrides'];

/**
 * The options as the caller wrote them: null failed as "Cannot read properties
 * of null", a bad duration override was blamed on resolveScenario, a misspelt
 * key was ignored, and overrides that were not { path, value } pairs became a
 * ScenarioError about "undefined: Cannot read properties of undefined".
 */
export function checkLoadOptions(options: LoadOptions, what: string, keys: ReadonlyArray<keyof LoadOptions> = LOAD_OPTION_KEYS): void {
  checkOptionsObject(options, keys, what);
  const { baseDir, overrides } = options;
  checkDurationOverride(options.durationOverrideMs, what);
  if (baseDir !== undefined && (typeof baseDir !== 'string' || baseDir === '')) throw new TypeError(`${what}: baseDir must be the path of a directory, got ${describeValue(baseDir)}`);
  if (overrides === undefined) return;
  const pair = (item: unknown): boolean => item !== null && typeof item === 'object' && typeof (item as ScenarioOverride).path === 'string' && typeof (item as ScenarioOverride).value === 'string';
  if (!Array.isArray(overrides) || !overrides.every(pair)) {
    throw new TypeError(`${what}: overrides must be a list of { path, value }, both text as --set writes them (such as { path: 'host.memory', value: '8GiB' }), got ${describeValue(overrides)}`);
  }
}

const YAML_HINTS: Readonly<Record<string, string>> = {
  DUPLICATE_KEY: 'each key may appear once in a mapping',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  BAD_INDENT: 'check the indentation of this line and the lines above it',
  MULTIPLE_DOCS: 'a scenario file holds one document; remove the extra ---',
};

function yamlIssue(error: YAMLError, lineCounter: LineCounter): ScenarioIssue {
  const issue: ScenarioIssue = {
    path: '',
    message: `not valid YAML or JSON: ${error.message.split('\n')[0] ?? error.message}`,
    hint: YAML_HINTS[error.code] ?? 'check the syntax near this position',
  };
  const position = lineCounter.linePos(error.pos[0]);
  issue.line = position.line;
  issue.column = position.col;
  return issue;
}

/**
 * Parses a scenario from YAML or JSON text and resolves it.
 *
 * @param text the file's content
 * @param source the file path (or a label such as `built-in:default`), for messages and the default name
 * @throws ScenarioError with the line and column of every problem
 */
export function parseScenarioText(text: string, source: string, options: LoadOptions = {}): Scenario {
  if (typeof text !== 'string') throw new TypeError(`parseScenarioText: text must be a string, got ${typeof text}`);
  if (typeof source !== 'string' || source === '') throw new TypeError('parseScenarioText: source must be a non-empty string (a file path or a label)');
  checkLoadOptions(options, 'parseScenarioText');
  return parseScenarioDocument(text, source, options).scenario;
}

/**
 * `parseScenarioText` that also gives the document as it was read (before
 * any override): for a sweep's base, which is checked once with its lines
 * and then varied case by case. The caller has checked the arguments.
 */
export function parseScenarioDocument(text: string, source: string, options: LoadOptions = {}): { scenario: Scenario; content: unknown } {
  const { doc, lineCounter, data: content } = readScenarioDocument(text, source);
  const overrides = options.overrides ?? [];
  const overridePaths: PathSegment[][] = [];
  const data = applyOverrides(content, overrides, source, overridePaths);
  try {
    const scenario = resolveScenario(data, source, options.baseDir ?? process.cwd(), {
      durationOverrideMs: options.durationOverrideMs,
      locate: makeLocator(doc, lineCounter),
    });
    return { scenario, content };
  } catch (error) {
    if (error instanceof ScenarioError && overrides.length > 0) throw blameOverrides(error, overrides, overridePaths);
    if (isStackOverflow(error)) throw tooDeep(source);
    throw error;
  }
}

/**
 * A scenario document read from text, not resolved: checked for binary
 * content and deep nesting, parsed (with the line counter its issues are
 * located with) and turned into plain data.
 *
 * @throws ScenarioError with the line and column of a syntax problem
 */
export function readScenarioDocument(text: string, source: string): { doc: ReturnType<typeof parseDocument>; lineCounter: LineCounter; data: unknown } {
  const textIssue = checkCharacters(text) ?? checkNesting(text);
  if (textIssue !== null) throw new ScenarioError(source, [textIssue]);
  const lineCounter = new LineCounter();
  try {
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
    if (doc.errors.length > 0) throw new ScenarioError(source, doc.errors.map((error) => yamlIssue(error, lineCounter)));
    return { doc, lineCounter, data: doc.toJS({ maxAliasCount: 100 }) };
  } catch (error) {
    if (error instanceof ScenarioError) throw error;
    if (isStackOverflow(error)) throw tooDeep(source);
    throw new ScenarioError(source, [{ path: '', message: `cannot read the document: ${error instanceof Error ? error.message : String(error)}`, hint: 'use fewer aliases (*name)' }]);
  }
}

/** V8's "Maximum call stack size exceeded": a document nested deeper than the text check saw (aliases can do it). */
function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

function tooDeep(source: string): ScenarioError {
  return new ScenarioError(source, [{ path: '', message: 'the document nests too deeply to read', hint: 'a scenario needs a handful of levels; check brackets, indentation and aliases' }]);
}

/** Problems inside an overridden setting come from the command line, not from the file: say so, without a file position. */
function blameOverrides(error: ScenarioError, overrides: ReadonlyArray<ScenarioOverride>, resolvedPaths: ReadonlyArray<PathSegment[]>): ScenarioError {
  const paths = overrides.map((override, i) => ({ override, printed: formatPath(resolvedPaths[i] ?? []) }));
  const issues = error.issues.map((issue): ScenarioIssue => {
    const from = paths.findLast(({ printed }) => issue.path === printed || issue.path.startsWith(`${printed}.`) || issue.path.startsWith(`${printed}[`));
    if (from === undefined) return issue;
    const { line: _line, column: _column, ...rest } = issue;
    return { ...rest, message: `${issue.message} (from --set ${from.override.path}=${from.override.value})` };
  });
  return new ScenarioError(error.source, issues);
}

/**
 * What a file that could not be read as a scenario or a grid (`noun`) is told:
 * the problem (as `readProblem` words it), and a hint, the caller's for a
 * directory (or a named pipe, a device, a socket) and for a file too large.
 */
export function fileReadProblem(error: unknown, noun: 'scenario' | 'grid', hints: { directory: string; tooLarge: string }): { message: string; hint: string } {
  const { kind, reason } = readProblem(error);
  return { message: `cannot read the ${noun}: ${reason}`, hint: readHint(kind, hints) };
}

function readHint(kind: ReadProblemKind, hints: { directory: string; tooLarge: string }): string {
  switch (kind) {
    case 'missing':
      return `check the path; relative paths start from ${process.cwd()}`;
    case 'denied':
      return 'check the file permissions';
    case 'directory':
      return hints.directory;
    case 'not-regular':
      return `${hints.directory}; ${WRITE_PIPE_TO_FILE}`;
    case 'too-large':
      return hints.tooLarge;
    case 'other':
      return 'check the path';
  }
}

/**
 * Reads a scenario file (YAML or JSON) and resolves it. Trace paths are relative
 * to the file's directory unless `options.baseDir` says otherwise.
 *
 * @throws ScenarioError when the file cannot be read or is not a valid scenario
 */
export function loadScenarioFile(path: string, options: LoadOptions = {}): Scenario {
  if (typeof path !== 'string' || path === '') throw new TypeError('loadScenarioFile: path must be a non-empty string');
  checkLoadOptions(options, 'loadScenarioFile');
  return parseScenarioText(readScenarioText(path), path, { ...options, baseDir: options.baseDir ?? dirname(resolvePath(path)) });
}

/**
 * The text of a scenario file, read once (for a caller that checks it and
 * then keeps it, such as a grid's base: a second read could see another file).
 *
 * @throws ScenarioError when the file cannot be read or is not UTF-8 text
 */
export function readScenarioText(path: string): string {
  try {
    // Read with a bound, not after a look at the size: /dev/zero and the like say 0 and never end.
    const bytes = readFileBounded(path, SCENARIO_FILE_BYTES_MAX);
    const notText = checkUtf8(bytes);
    if (notText !== null) throw new ScenarioError(path, [notText]);
    return bytes.toString('utf8');
  } catch (error) {
    if (error instanceof ScenarioError) throw error;
    throw new ScenarioError(path, [{ path: '', ...fileReadProblem(error, 'scenario', { directory: 'give the path of a .yaml or .json file', tooLarge: 'move long series into trace CSV files' }) }]);
  }
}

// ---- checks of the raw text

/**
 * Checks on a scenario's text before the YAML parser sees it: it must be
 * text (not binary, which would otherwise be echoed back in messages), and it
 * must not nest deeper than any scenario needs (the parser is recursive and
 * would run out of stack).
 */
/** Line and column (1-based) of an offset in `text`. */
function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Control characters that never belong in YAML or JSON text (tab, line feed and carriage return do). */
// eslint-disable-next-line no-control-regex
const BINARY_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd\ufffe\uffff]/;

/** Bytes that are not valid UTF-8, as an issue at their position; null when the bytes are UTF-8 text. */
export function checkUtf8(bytes: Uint8Array): ScenarioIssue | null {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return null;
  } catch {
    // Find the first bad byte for the position: decode growing prefixes would be slow; walk the UTF-8 structure instead.
    let i = 0;
    let line = 1;
    let lineStart = 0;
    while (i < bytes.length) {
      const byte = bytes[i]!;
      const length = byte < 0x80 ? 1 : byte >= 0xc2 && byte <= 0xdf ? 2 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xf0 && byte <= 0xf4 ? 4 : 0;
      let ok = length > 0 && i + length <= bytes.length;
      for (let k = 1; ok && k < length; k++) ok = (bytes[i + k]! & 0xc0) === 0x80;
      if (!ok) {
        return {
          path: '',
          message: `the file is not text: byte ${i} (0x${byte.toString(16).padStart(2, '0')}) is not UTF-8`,
          hint: 'a scenario is a YAML or JSON text file in UTF-8; check that this is the file you meant',
          line,
          column: i - lineStart + 1,
        };
      }
      if (byte === 10) {
        line++;
        lineStart = i + 1;
      }
      i += length;
    }
    return { path: '', message: 'the file is not UTF-8 text', hint: 'a scenario is a YAML or JSON text file in UTF-8' };
  }
}

/** A control character or a replacement character, as an issue; null when the text has none. */
export function checkCharacters(text: string): ScenarioIssue | null {
  const found = BINARY_CHARACTER.exec(text);
  if (found === null) return null;
  const code = found[0].charCodeAt(0);
  return {
    path: '',
    message: `the file is not text: it holds the character U+${code.toString(16).toUpperCase().padStart(4, '0')}${code === 0 ? ' (a zero byte)' : ''}`,
    hint: 'a scenario is a YAML or JSON text file; check that this is the file you meant',
    ...positionOf(text, found.index),
  };
}

/**
 * How deeply the text nests, measured the way a reader sees it: block
 * indentation levels (a line indented further than the one above opens a
 * level; a `- ` item indicator opens one too) plus open `[` and `{` of flow
 * collections, outside quotes and comments. Returns the offset where the
 * depth first passes `limit`, or -1.
 */
export function nestingOverflow(text: string, limit: number): number {
  const indents: number[] = [];
  let flow = 0;
  let quote: '"' | "'" | null = null;
  let i = 0;
  const length = text.length;
  while (i < length) {
    // Start of a line: block indentation, unless inside a flow collection or a quoted scalar.
    if (quote === null && flow === 0) {
      let column = 0;
      while (i + column < length && text[i + column] === ' ') column++;
      const first = text[i + column];
      if (first !== undefined && first !== '\n' && first !== '\r' && first !== '#') {
        while (indents.length > 0 && indents[indents.length - 1]! >= column) indents.pop();
        indents.push(column);
        // `- - - x`: each item indicator on the line opens one more level.
        let at = i + column;
        while (text[at] === '-' && (text[at + 1] === ' ' || text[at + 1] === '\t')) {
          at += 2;
          while (text[at] === ' ') at++;
          const itemColumn = at - i;
          indents.push(itemColumn);
          if (indents.length > limit) return at;
        }
        if (indents.length > limit) return i + column;
      }
    }
    // The rest of the line.
    for (; i < length && text[i] !== '\n'; i++) {
      const char = text[i];
      if (quote === '"') {
        if (char === '\\') i++;
        else if (char === '"') quote = null;
      } else if (quote === "'") {
        if (char === "'") {
          if (text[i + 1] === "'") i++;
          else quote = null;
        }
      } else if (char === '"' || char === "'") {
        const before = i === 0 ? ' ' : text[i - 1];
        // A quote opens a quoted scalar where a value can start, not inside a plain word (`it's`).
        if (before === ' ' || before === '\t' || before === '[' || before === '{' || before === ',' || before === ':' || before === '-' || before === '\n') quote = char;
      } else if (char === '#') {
        const before = i === 0 ? ' ' : text[i - 1];
        if (before === ' ' || before === '\t') {
          while (i < length && text[i] !== '\n') i++;
          break;
        }
      } else if (char === '[' || char === '{') {
        flow++;
        if (indents.length + flow > limit) return i;
      } else if ((char === ']' || char === '}') && flow > 0) {
        flow--;
      }
    }
    i++; // the line feed
  }
  return -1;
}

/** An issue when the text nests deeper than NESTING_MAX; null otherwise. */
export function checkNesting(text: string): ScenarioIssue | null {
  const offset = nestingOverflow(text, NESTING_MAX);
  if (offset < 0) return null;
  return {
    path: '',
    message: `the document nests more than ${NESTING_MAX} levels deep`,
    hint: 'a scenario needs a handful of levels; check the brackets and the indentation here',
    ...positionOf(text, offset),
  };
}
