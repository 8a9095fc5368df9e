/**
 * Sweep grids: one or more base scenarios and parameters to vary, expanded
 * into cases (every combination). The file format (YAML or JSON):
 *
 *     name: host-memory          # default: the file name
 *     base: default              # the built-in default scenario, or a scenario
 *                                # file relative to this file, or a list of them
 *     duration: 5m               # optional: every case runs this long
 *     parameters:                # every combination; the last varies fastest
 *       host.memory: [10GiB, 12GiB, 14GiB, 16GiB]
 *       seed: [1, 2]
 *
 * Cases are numbered from 0 in that order (bases first, then parameters in
 * the order written), so that a case's number, and with it the shard that
 * runs it, depends only on the grid.
 */
import { createHash } from 'node:crypto';
import { checkCharacters, checkNesting, fileReadProblem, parseScenarioDocument, readScenarioDocument, readScenarioText } from '../scenario/load.js';
import { basename, dirname, extname, resolve as resolvePath } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { DEFAULT_SCENARIO_SOURCE, DEFAULT_SCENARIO_YAML } from '../scenario/default.js';
import { ScenarioError, type ScenarioIssue, makeLocator, finishIssues } from '../scenario/errors.js';
import { resolveScenario } from '../scenario/resolve.js';
import { durationField, strictObject } from '../scenario/schema-fields.js';
import type { Scenario } from '../model/scenario.js';
import { checkScenario } from '../scenario/resolved-scenario-check.js';
import { scenarioSnapshot } from '../scenario/snapshot.js';
import { checkOptionsObject, refuseUnknownOptions } from '../util/option-checks.js';
import { describeValue } from '../util/suggest.js';
import { translateIssues } from '../scenario/zod-issues.js';
import { parseParameterPath, setAtPath, type PathStep } from '../scenario/parameter-path.js';
import { SCENARIO_FILE_BYTES_MAX } from '../scenario/limits.js';
import { readTextBounded } from '../util/read-bounded.js';

/** Most cases in one sweep. */
export const SWEEP_CASES_MAX = 100_000;
/** Most parameters in one grid. */
export const GRID_PARAMETERS_MAX = 32;
/** What `base` names to mean the built-in default scenario. */
export const DEFAULT_BASE = 'default';

/** A base scenario of a grid: `default`, a scenario file path, or a scenario file's content. */
export type GridBase = string | { name: string; content: unknown };

/** A grid as the library takes it (a grid file holds the same, with a duration as text). */
export interface GridSpec {
  name?: string;
  base: GridBase | ReadonlyArray<GridBase>;
  /** Every case runs this long, in ms. */
  durationMs?: number;
  /** Values to try for each parameter path (see parameter-path.ts). */
  parameters?: Readonly<Record<string, ReadonlyArray<unknown>>>;
}

/** One case of a sweep. */
export interface SweepCase {
  /** 0-based number in the grid's order. */
  index: number;
  /** `host.memory=12GiB seed=2` (with the base's name first when the grid has several). */
  label: string;
  /** The base's name. */
  base: string;
  /** Each parameter's value in this case, as written in the grid. */
  parameters: Record<string, unknown>;
  scenario: Scenario;
}

/** A grid expanded into its cases. */
export interface SweepGrid {
  name: string;
  /** Where it came from: the grid file, or `library`. */
  source: string;
  parameterNames: string[];
  cases: SweepCase[];
  /** A hash of every case's scenario, so that shards of different grids are not merged. */
  fingerprint: string;
}

/** The grid file format (published as schema/grid.schema.json). */
export const gridFileSchema = strictObject(
  {
    $schema: z.string().optional().meta({ description: 'the JSON Schema of this file, for editors' }),
    name: z.string().min(1).max(200).optional().meta({ description: 'the sweep name (default: the file name)' }),
    base: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1).max(1000)])
      .meta({ description: '`default` (the built-in scenario), a scenario file relative to the grid file, or a list of them' }),
    duration: durationField('every case runs this long (default: each scenario\'s own duration)', { positive: true }).optional(),
    parameters: z
      .record(z.string(), z.array(z.unknown()).min(1).max(SWEEP_CASES_MAX))
      .optional()
      .meta({ description: 'parameter path -> list of values; every combination is a case' }),
  },
  'a balloonsim sweep grid',
).meta({ title: 'balloonsim sweep grid' });

/** A parameter value as labels write it: strings as they are, anything else as JSON. */
export function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

interface LoadedBase {
  name: string;
  source: string;
  baseDir: string;
  content: unknown;
}

/** Reads a base: checks it alone first, so that its own mistakes are reported with their lines. */
function loadBase(base: GridBase, baseDir: string, durationOverrideMs: number | undefined): LoadedBase {
  if (typeof base !== 'string' && (base === null || typeof base !== 'object' || typeof base.name !== 'string' || base.name === '')) {
    // An object without a name failed as "undefined: the scenario is empty".
    throw new TypeError(`expandGrid: a base must be 'default', the path of a scenario file, or { name, content } (content: a scenario as a file holds it), got ${describeValue(base)}`);
  }
  if (typeof base !== 'string') {
    resolveScenario(structuredClone(base.content), base.name, baseDir, { durationOverrideMs });
    return { name: base.name, source: base.name, baseDir, content: base.content };
  }
  if (base === DEFAULT_BASE) {
    // Read as a file base is, without its check: the built-in scenario is valid.
    return { name: 'default', source: DEFAULT_SCENARIO_SOURCE, baseDir, content: readScenarioDocument(DEFAULT_SCENARIO_YAML, DEFAULT_SCENARIO_SOURCE).data };
  }
  const path = resolvePath(baseDir, base);
  // One read: the file is checked, with its lines, and kept as it was checked.
  const text = readScenarioText(path);
  const { content } = parseScenarioDocument(text, path, { durationOverrideMs, baseDir: dirname(path) });
  return { name: basename(base, extname(base)), source: base, baseDir: dirname(path), content };
}

/** Every combination of the lists, the last varying fastest. */
function combinations(lists: ReadonlyArray<ReadonlyArray<unknown>>): unknown[][] {
  let result: unknown[][] = [[]];
  for (const list of lists) result = result.flatMap((prefix) => list.map((value) => [...prefix, value]));
  return result;
}

/** Keys named `source` hold where a file came from, which may differ between machines: they stay out of the fingerprint. */
function withoutSources(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSources);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'source').map(([key, v]) => [key, withoutSources(v)]));
}

const GRID_SPEC_KEYS: ReadonlyArray<keyof GridSpec> = ['name', 'base', 'durationMs', 'parameters'];

/**
 * The spec and options as the caller wrote them: a misspelt key of the spec
 * (`paramters`) was ignored, so the grid had one case instead of many, and
 * options null failed reading source of null.
 */
function checkExpandArguments(spec: unknown, options: unknown): void {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new TypeError(`expandGrid: spec must be an object with base and parameters, got ${describeValue(spec)}`);
  refuseUnknownOptions(spec, GRID_SPEC_KEYS, 'expandGrid: the spec', 'key');
  const name = (spec as GridSpec).name;
  if (name !== undefined && (typeof name !== 'string' || name === '')) throw new TypeError(`expandGrid: name must be a non-empty string (the sweep's name in its outputs), got ${describeValue(name)}`);
  checkOptionsObject(options, ['baseDir', 'source'], 'expandGrid');
  for (const [key, hint] of [['baseDir', 'the directory relative base paths start from'], ['source', "the grid's name in messages"]] as const) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) throw new TypeError(`expandGrid: ${key} must be a non-empty string (${hint}), got ${describeValue(value)}`);
  }
}

/**
 * Expands a grid into its cases, resolving every case's scenario (so that a
 * bad value is reported before anything runs).
 *
 * @param options.baseDir where relative base paths start (default: the working directory)
 * @param options.source the grid's name in messages (default `grid`)
 * @throws ScenarioError naming the case and the problem
 */
export function expandGrid(spec: GridSpec, options: { baseDir?: string; source?: string } = {}): SweepGrid {
  checkExpandArguments(spec, options);
  const source = options.source ?? 'grid';
  const baseDir = options.baseDir ?? process.cwd();
  const fail = (issues: ScenarioIssue[]): never => {
    throw new ScenarioError(source, issues);
  };
  if (spec.durationMs !== undefined && !(Number.isSafeInteger(spec.durationMs) && spec.durationMs > 0)) {
    // It failed as "resolveScenario: durationOverrideMs must be ...", naming neither the grid's key nor the unit it takes.
    throw new TypeError(`expandGrid: durationMs must be a positive whole number of ms (a grid file's duration: 5m is 300000), got ${describeValue(spec.durationMs)}`);
  }
  const bases = (Array.isArray(spec.base) ? spec.base : [spec.base]) as GridBase[];
  if (bases.length === 0) fail([{ path: 'base', message: 'a grid needs at least one base scenario', hint: 'base: default, or the path of a scenario file' }]);
  const entries = Object.entries(spec.parameters ?? {});
  if (entries.length > GRID_PARAMETERS_MAX) fail([{ path: 'parameters', message: `a grid has at most ${GRID_PARAMETERS_MAX} parameters` }]);
  const paths: PathStep[][] = entries.map(([path, values]) => {
    const steps = parseParameterPath(path);
    if (typeof steps === 'string') return fail([{ path: `parameters[${JSON.stringify(path)}]`, message: steps }]);
    if (!Array.isArray(values) || values.length === 0) return fail([{ path: `parameters[${JSON.stringify(path)}]`, message: 'expected a list of at least one value' }]);
    return steps;
  });
  const total = bases.length * entries.reduce((product, [, values]) => product * values.length, 1);
  if (total > SWEEP_CASES_MAX) fail([{ path: 'parameters', message: `the grid has ${total} cases, more than ${SWEEP_CASES_MAX}`, hint: 'split it into several grids' }]);
  const loaded = bases.map((base) => loadBase(base, baseDir, spec.durationMs));
  const combos = combinations(entries.map(([, values]) => values));
  const cases: SweepCase[] = [];
  for (const base of loaded) {
    for (const combo of combos) {
      const index = cases.length;
      const content = structuredClone(base.content);
      const parameters: Record<string, unknown> = {};
      const labelParts = loaded.length > 1 ? [base.name] : [];
      entries.forEach(([path], p) => {
        const value = combo[p];
        parameters[path] = value;
        labelParts.push(`${path}=${valueText(value)}`);
        const problem = setAtPath(content, paths[p]!, structuredClone(value));
        if (problem !== null) fail([{ path: `parameters[${JSON.stringify(path)}]`, message: `does not fit ${base.source}: ${problem}` }]);
      });
      const label = labelParts.length > 0 ? labelParts.join(' ') : base.name;
      let scenario: Scenario;
      try {
        scenario = resolveScenario(content, base.source, base.baseDir, { durationOverrideMs: spec.durationMs });
      } catch (error) {
        if (error instanceof ScenarioError) throw new ScenarioError(`${source}, case ${index} (${label})`, error.issues);
        throw error;
      }
      cases.push({ index, label, base: base.name, parameters, scenario });
    }
  }
  const hash = createHash('sha256');
  hash.update(JSON.stringify(withoutSources({ name: spec.name ?? source, cases: cases.map((c) => [c.label, c.scenario]) })));
  return {
    name: spec.name ?? basename(source, extname(source)),
    source,
    parameterNames: entries.map(([path]) => path),
    cases,
    fingerprint: hash.digest('hex').slice(0, 16),
  };
}

/**
 * Reads a grid file (YAML or JSON) and expands it. Base paths are relative
 * to the grid file.
 *
 * @throws ScenarioError with file, line and column for mistakes in the grid file
 */
export function loadGridFile(path: string): SweepGrid {
  if (typeof path !== 'string' || path === '') throw new TypeError('loadGridFile: path must be a non-empty string');
  let text: string;
  try {
    // Read with a bound, not after a look at the size: /dev/zero and the like say 0 and never end.
    text = readTextBounded(path, SCENARIO_FILE_BYTES_MAX);
  } catch (error) {
    throw new ScenarioError(path, [{ path: '', ...fileReadProblem(error, 'grid', { directory: 'give the path of a .yaml or .json grid file', tooLarge: 'a grid names its values; put long lists of settings into several grids' }) }]);
  }
  // Binary and deep nesting are refused before the parser sees them (it would echo the one and overflow on the other).
  const textIssue = checkCharacters(text) ?? checkNesting(text);
  if (textIssue !== null) throw new ScenarioError(path, [textIssue]);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      path,
      doc.errors.map((error) => {
        const position = lineCounter.linePos(error.pos[0]);
        return { path: '', message: `not valid YAML or JSON: ${error.message.split('\n')[0]}`, line: position.line, column: position.col };
      }),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // An alias bomb (the yaml package refuses it) or a document nested too deep through aliases: a ScenarioError, as in a scenario file.
    const message = error instanceof Error ? error.message : String(error);
    throw new ScenarioError(path, [{ path: '', message: `cannot read the document: ${message}`, hint: 'use fewer aliases (*name); a grid needs a handful of levels' }]);
  }
  const parsed = gridFileSchema.safeParse(data);
  if (!parsed.success) throw new ScenarioError(path, finishIssues(translateIssues(parsed.error.issues, data), makeLocator(doc, lineCounter)));
  const file = parsed.data;
  return expandGrid(
    {
      ...(file.name !== undefined ? { name: file.name } : { name: basename(path, extname(path)) }),
      base: file.base,
      ...(file.duration !== undefined ? { durationMs: file.duration } : {}),
      parameters: file.parameters ?? {},
    },
    { baseDir: dirname(resolvePath(path)), source: path },
  );
}

/** A sweep over scenarios already resolved: one case each, labelled by name (and number if names repeat). */
export function gridOfScenarios(scenarios: ReadonlyArray<Scenario>, name = 'scenarios'): SweepGrid {
  // A name of null or NaN became the sweep's name in its outputs.
  if (typeof name !== 'string' || name === '') throw new TypeError(`gridOfScenarios: name must be a non-empty string (the sweep's name in its outputs), got ${describeValue(name)}`);
  if (!Array.isArray(scenarios) || scenarios.length === 0) throw new TypeError('gridOfScenarios: expected a non-empty list of scenarios');
  if (scenarios.length > SWEEP_CASES_MAX) throw new RangeError(`gridOfScenarios: at most ${SWEEP_CASES_MAX} scenarios`);
  // Each checked, and copied now: the cases run later, on the pool's threads, and the fingerprint is of what they
  // run, so a caller who changed an object after the call changed cases already planned.
  const copies = scenarios.map((scenario, index) => {
    checkScenario(scenario, `sweep: scenarios[${index}]`);
    return scenarioSnapshot(scenario, `sweep: scenarios[${index}]`);
  });
  const names = copies.map((s) => s.name);
  const cases = copies.map((scenario, index) => {
    const label = names.indexOf(scenario.name) === names.lastIndexOf(scenario.name) ? scenario.name : `${scenario.name}#${index}`;
    return { index, label, base: scenario.name, parameters: {}, scenario };
  });
  const hash = createHash('sha256');
  hash.update(JSON.stringify(withoutSources({ name, cases: cases.map((c) => [c.label, c.scenario]) })));
  return { name, source: 'library', parameterNames: [], cases, fingerprint: hash.digest('hex').slice(0, 16) };
}
