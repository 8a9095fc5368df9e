/**
 * `npm run docs`: writes the generated sections of docs/reference.md, between
 * `<!-- BEGIN GENERATED: NAME -->` and `<!-- END GENERATED: NAME -->`:
 *
 * - `scenario-reference`: every key of a scenario file, from the published
 *   JSON Schema (itself generated from the validator);
 * - `grid-reference`: the keys of a sweep grid file, likewise;
 * - `cli-reference`: the `--help` of every command, as the CLI prints it.
 *
 * With `--check`, writes nothing and exits 1 if docs/reference.md is out of date (a
 * test does the same).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scenarioJsonSchema } from '../scenario/schema.js';
import { gridJsonSchema } from '../sweep/json-schema.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The file that holds the generated sections, relative to the package root. */
export const REFERENCE_FILE = 'docs/reference.md';

type Schema = Record<string, unknown>;

function asSchema(value: unknown): Schema {
  return value !== null && typeof value === 'object' ? (value as Schema) : {};
}

function branches(schema: Schema): Schema[] {
  const list = (schema['anyOf'] ?? schema['oneOf']) as unknown[] | undefined;
  return Array.isArray(list) ? list.map(asSchema).flatMap((b) => (b['anyOf'] !== undefined || b['oneOf'] !== undefined ? branches(b) : [b])) : [];
}

function isObject(schema: Schema): boolean {
  return schema['type'] === 'object' && schema['properties'] !== undefined;
}

function code(text: string): string {
  return `\`${text}\``;
}

/** A short description of what a value may be. */
function valueText(schema: Schema): string {
  const options = branches(schema);
  if (options.length > 0) return [...new Set(options.map(valueText))].join(' or ');
  if (schema['const'] !== undefined) return code(String(schema['const']));
  if (Array.isArray(schema['enum'])) return (schema['enum'] as unknown[]).map((v) => code(String(v))).join(', ');
  switch (schema['type']) {
    case 'string': {
      const pattern = String(schema['pattern'] ?? '');
      const hasSize = pattern.includes('KiB');
      const hasPercent = pattern.includes('%');
      if (hasSize && hasPercent) return 'size or percentage';
      if (hasSize) return 'size';
      if (pattern.includes('ms|s')) return 'duration';
      if (hasPercent) return 'percentage';
      if (pattern.includes('A-Za-z0-9')) return 'name';
      return 'text';
    }
    case 'integer':
      return schema['minimum'] !== undefined && schema['maximum'] !== undefined ? `whole number, ${String(schema['minimum'])} to ${String(schema['maximum'])}` : 'whole number';
    case 'number':
      return schema['minimum'] !== undefined && schema['maximum'] !== undefined ? `number, ${String(schema['minimum'])} to ${String(schema['maximum'])}` : 'number';
    case 'boolean':
      return '`true` or `false`';
    case 'array': {
      if (Array.isArray(schema['prefixItems'])) return `[${(schema['prefixItems'] as unknown[]).map((item) => valueText(asSchema(item)).toUpperCase()).join(', ')}]`;
      return `list of ${valueText(asSchema(schema['items']))}`;
    }
    case 'object':
      if (schema['additionalProperties'] !== undefined && typeof schema['additionalProperties'] === 'object') return `mapping of ${valueText(asSchema(schema['additionalProperties']))}`;
      return 'mapping';
    default:
      return 'any value';
  }
}

interface Table {
  title: string;
  description: string;
  schema: Schema;
}

/** Every mapping of the schema, in reading order, named by its path. */
function tablesOf(root: Schema, rootTitle: string): Table[] {
  const tables: Table[] = [];
  const seen = new Set<string>();
  const visit = (schema: Schema, title: string): void => {
    if (isObject(schema)) {
      const key = JSON.stringify(schema);
      if (seen.has(key)) return;
      seen.add(key);
      tables.push({ title, description: String(schema['description'] ?? ''), schema });
      for (const [name, property] of Object.entries(asSchema(schema['properties']))) {
        if (name === '$schema') continue;
        const path = title === rootTitle ? name : `${title}.${name}`;
        visit(asSchema(property), path);
      }
      return;
    }
    const options = branches(schema);
    const objects = options.filter(isObject);
    objects.forEach((option) => {
      const kind = asSchema(asSchema(option['properties'])['kind'])['const'];
      visit(option, kind !== undefined ? `${title} (kind: ${String(kind)})` : title);
    });
    for (const option of options.filter((o) => !isObject(o))) visit(option, title);
    if (schema['type'] === 'array') {
      const items = asSchema(schema['items']);
      visit(items, `${title}[]`);
    }
  };
  visit(root, rootTitle);
  return tables;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function renderTable(table: Table): string {
  const required = new Set((table.schema['required'] as string[] | undefined) ?? []);
  const lines = [`#### ${code(table.title)}`, '', table.description === '' ? '' : `${table.description[0]!.toUpperCase()}${table.description.slice(1)}.`, '', '| key | value | default | what it is |', '| --- | --- | --- | --- |'];
  for (const [name, raw] of Object.entries(asSchema(table.schema['properties']))) {
    if (name === '$schema') continue;
    const property = asSchema(raw);
    const fallback = property['default'] !== undefined ? code(typeof property['default'] === 'string' ? property['default'] : JSON.stringify(property['default'])) : required.has(name) ? '**required**' : '';
    const examples = Array.isArray(property['examples']) ? ` (e.g. ${(property['examples'] as unknown[]).slice(0, 2).map((e) => code(String(e))).join(', ')})` : '';
    const path = table.title.includes(' (') || table.title === 'scenario' || table.title === 'grid' ? name : `${table.title}.${name}`;
    let value = valueText(property);
    if (property['type'] === 'array' && isObject(asSchema(property['items']))) value = `list of mappings: see ${code(`${path}[]`)}`;
    else if (isObject(property)) value = `mapping: see ${code(path)}`;
    lines.push(`| ${code(name)} | ${cell(value)}${cell(examples)} | ${fallback} | ${cell(String(property['description'] ?? ''))} |`);
  }
  return lines.filter((line, i, all) => !(line === '' && all[i - 1] === '')).join('\n');
}

/** The scenario reference: one table per mapping of a scenario file. */
export function scenarioReference(): string {
  const intro =
    'Generated from `schema/scenario.schema.json` (itself generated from the validator) by `npm run docs`. ' +
    'Sizes take a unit (`B`, `KiB`, `MiB`, `GiB`, `TiB`, or `KB`, `MB`, `GB`, `TB`); durations too (`ms`, `s`, `m`, `h`, `d`); ' +
    'a bare number is refused with a message that lists the units. Point your editor at the schema for completion: ' +
    '`# yaml-language-server: $schema=./node_modules/balloonsim/schema/scenario.schema.json` at the top of a YAML file, or `"$schema"` in JSON.';
  return [intro, ...tablesOf(scenarioJsonSchema(), 'scenario').map(renderTable)].join('\n\n');
}

/** The grid reference: the keys of a sweep grid file. */
export function gridReference(): string {
  return ['Generated from `schema/grid.schema.json` by `npm run docs`.', ...tablesOf(gridJsonSchema(), 'grid').map(renderTable)].join('\n\n');
}

/** The CLI reference: `balloonsim --help` and each command's help, as printed. */
export function cliReference(): string {
  const bin = join(ROOT, 'bin', 'balloonsim.js');
  const parts: string[] = [];
  for (const args of [['--help'], ...['run', 'validate', 'sweep', 'merge', 'compare', 'query', 'schema'].map((c) => [c, '--help'])]) {
    const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', COLUMNS: '100' } });
    if (result.status !== 0) throw new Error(`balloonsim ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    parts.push(`#### \`balloonsim ${args.length === 1 ? '' : `${args[0]} `}--help\`\n\n\`\`\`\n${result.stdout.trimEnd()}\n\`\`\``);
  }
  return parts.join('\n\n');
}

/** Generated sections by name. */
export function generatedSections(): Record<string, string> {
  return { 'scenario-reference': scenarioReference(), 'grid-reference': gridReference(), 'cli-reference': cliReference() };
}

/**
 * README text with every generated section replaced.
 *
 * @throws Error if a section's markers are missing
 */
export function renderReadme(current: string, sections: Record<string, string> = generatedSections()): string {
  let text = current;
  for (const [name, content] of Object.entries(sections)) {
    const begin = `<!-- BEGIN GENERATED: ${name} (npm run docs) -->`;
    const end = `<!-- END GENERATED: ${name} -->`;
    const from = text.indexOf(begin);
    const to = text.indexOf(end);
    if (from < 0 || to < from) throw new Error(`${REFERENCE_FILE} lacks the markers of the generated section ${name}: ${begin} ... ${end}`);
    text = `${text.slice(0, from + begin.length)}\n\n${content}\n\n${text.slice(to)}`;
  }
  return text;
}

function main(args: string[]): number {
  const path = join(ROOT, REFERENCE_FILE);
  const current = readFileSync(path, 'utf8');
  const next = renderReadme(current);
  if (next === current) {
    process.stdout.write(`${REFERENCE_FILE}: generated sections up to date\n`);
    return 0;
  }
  if (args.includes('--check')) {
    process.stderr.write(`${REFERENCE_FILE}: generated sections are out of date; run \`npm run docs\`\n`);
    return 1;
  }
  writeFileSync(path, next);
  process.stdout.write(`${REFERENCE_FILE}: generated sections written\n`);
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
