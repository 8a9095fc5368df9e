/**
 * `sweep --out DIR` and `merge --out DIR`: the table as sweep.json (what
 * `merge` and `compare` read) and sweep.csv, and report.html, which puts the
 * cases side by side as `compare` does.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatShard } from '../sweep/shard.js';
import { sweepCsv, sweepJson, type SweepTable } from '../sweep/table.js';
import { compareHtml, sweepRuns } from './compare.js';

/** The files `writeSweepOutputs` writes. */
export const SWEEP_OUTPUT_FILES = ['sweep.json', 'sweep.csv', 'report.html'] as const;

/** Writes a sweep table's files into `dir` (created if needed). Returns the paths written. */
export function writeSweepOutputs(dir: string, table: SweepTable): string[] {
  mkdirSync(dir, { recursive: true });
  const part = table.shard === null ? '' : ` (shard ${formatShard(table.shard)})`;
  const contents: Record<(typeof SWEEP_OUTPUT_FILES)[number], () => string> = {
    'sweep.json': () => sweepJson(table),
    'sweep.csv': () => sweepCsv(table),
    'report.html': () => compareHtml(sweepRuns(table), `balloonsim sweep: ${table.name}${part}`),
  };
  return SWEEP_OUTPUT_FILES.map((name) => {
    const path = join(dir, name);
    writeFileSync(path, contents[name]());
    return path;
  });
}
