/**
 * Reading scenarios: YAML or JSON text (both through the yaml package, so that
 * every problem gets a line and column) and files.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { ScenarioError, formatPath, type ScenarioIssue } from './errors.js';
import { SCENARIO_FILE_BYTES_MAX } from './limits.js';
import { makeLocator } from './locate.js';
import { checkCharacters, checkNesting, checkUtf8 } from './text-checks.js';
import { applyOverrides, parseOverridePath, type ScenarioOverride } from './overrides.js';
import { resolveScenario } from './resolve.js';
import type { Scenario } from '../model/scenario.js';
import { formatBytes } from '../model/units.js';

export interface LoadOptions {
  /** The directory trace paths are relative to (default: the file's directory, or the working directory for text). */
  baseDir?: string | undefined;
  /** Run for this long instead of the file's `duration` (a `--duration` flag): `tick <= duration` is checked against it and ramps without `end` follow it. */
  durationOverrideMs?: number | undefined;
  /** Settings changed from the command line (`--set host.policy.tau=0`), applied before validation. */
  overrides?: ReadonlyArray<ScenarioOverride> | undefined;
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
  const textIssue = checkCharacters(text) ?? checkNesting(text);
  if (textIssue !== null) throw new ScenarioError(source, [textIssue]);
  const lineCounter = new LineCounter();
  let data: unknown;
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
    if (doc.errors.length > 0) throw new ScenarioError(source, doc.errors.map((error) => yamlIssue(error, lineCounter)));
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    if (error instanceof ScenarioError) throw error;
    if (isStackOverflow(error)) throw tooDeep(source);
    throw new ScenarioError(source, [{ path: '', message: `cannot read the document: ${error instanceof Error ? error.message : String(error)}`, hint: 'use fewer aliases (*name)' }]);
  }
  const overrides = options.overrides ?? [];
  data = applyOverrides(data, overrides, source);
  try {
    return resolveScenario(data, source, options.baseDir ?? process.cwd(), {
      durationOverrideMs: options.durationOverrideMs,
      locate: makeLocator(doc, lineCounter),
    });
  } catch (error) {
    if (error instanceof ScenarioError && overrides.length > 0) throw blameOverrides(error, overrides);
    if (isStackOverflow(error)) throw tooDeep(source);
    throw error;
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
function blameOverrides(error: ScenarioError, overrides: ReadonlyArray<ScenarioOverride>): ScenarioError {
  const paths = overrides.map((override) => ({ override, printed: formatPath(parseOverridePath(override.path) ?? []) }));
  const issues = error.issues.map((issue): ScenarioIssue => {
    const from = paths.findLast(({ printed }) => issue.path === printed || issue.path.startsWith(`${printed}.`) || issue.path.startsWith(`${printed}[`));
    if (from === undefined) return issue;
    const { line: _line, column: _column, ...rest } = issue;
    return { ...rest, message: `${issue.message} (from --set ${from.override.path}=${from.override.value})` };
  });
  return new ScenarioError(error.source, issues);
}

function readProblem(error: unknown): { message: string; hint: string } {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return { message: 'cannot read the scenario: no such file', hint: `check the path; relative paths start from ${process.cwd()}` };
  if (code === 'EACCES' || code === 'EPERM') return { message: 'cannot read the scenario: permission denied', hint: 'check the file permissions' };
  if (code === 'EISDIR') return { message: 'cannot read the scenario: it is a directory', hint: 'give the path of a .yaml or .json file' };
  return { message: `cannot read the scenario: ${error instanceof Error ? error.message : String(error)}`, hint: 'check the path' };
}

/**
 * Reads a scenario file (YAML or JSON) and resolves it. Trace paths are relative
 * to the file's directory unless `options.baseDir` says otherwise.
 *
 * @throws ScenarioError when the file cannot be read or is not a valid scenario
 */
export function loadScenarioFile(path: string, options: LoadOptions = {}): Scenario {
  if (typeof path !== 'string' || path === '') throw new TypeError('loadScenarioFile: path must be a non-empty string');
  let text: string;
  try {
    if (statSync(path).size > SCENARIO_FILE_BYTES_MAX) {
      throw new ScenarioError(path, [{ path: '', message: `the scenario file is larger than ${formatBytes(SCENARIO_FILE_BYTES_MAX)}`, hint: 'move long series into trace CSV files' }]);
    }
    const bytes = readFileSync(path);
    const notText = checkUtf8(bytes);
    if (notText !== null) throw new ScenarioError(path, [notText]);
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof ScenarioError) throw error;
    throw new ScenarioError(path, [{ path: '', ...readProblem(error) }]);
  }
  return parseScenarioText(text, path, { ...options, baseDir: options.baseDir ?? dirname(resolvePath(path)) });
}
