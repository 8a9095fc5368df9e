import { queryOutputs } from '../output/query.js';
import { coloursFor } from './colour.js';
import { formatTable } from './summary-table.js';
import { UsageError } from './usage-error.js';

export interface QueryFlags {
  json?: boolean;
  csv?: boolean;
}

/** A value as text: whole numbers exactly (BIGINT comes as bigint), nested values as JSON. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v));
}

/** A value for JSON output: BIGINT as a number when it is exact, else as text. */
function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonValue(v)]));
  return value;
}

function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** `balloonsim query DIR SQL`: prints the result as a table, CSV or JSON; returns the exit code. */
export async function queryCommand(dir: string, sql: string, flags: QueryFlags): Promise<number> {
  if (flags.json === true && flags.csv === true) throw new UsageError('give --json or --csv, not both');
  const result = await queryOutputs(dir, sql);
  if (flags.json === true) {
    const objects = result.rows.map((row) => Object.fromEntries(result.columns.map((name, c) => [name, jsonValue(row[c])])));
    process.stdout.write(`${JSON.stringify(objects, null, 2)}\n`);
  } else if (flags.csv === true) {
    const lines = [result.columns.map(csvCell).join(','), ...result.rows.map((row) => row.map((value) => csvCell(cellText(value))).join(','))];
    process.stdout.write(`${lines.join('\n')}\n`);
  } else {
    const lines = formatTable(result.columns, result.rows.map((row) => row.map(cellText))).split('\n');
    const colours = coloursFor(process.stdout);
    process.stdout.write(`${[colours.bold(lines[0]!), ...lines.slice(1)].join('\n')}\n(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})\n`);
  }
  return 0;
}
