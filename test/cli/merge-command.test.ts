/** Unit tests of src/cli/merge-command.ts: `merge` of shard tables (in process). */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { mergeCommand, readSweepTable } from '../../src/cli/merge-command.js';
import { InputError } from '../../src/output/input-error.js';
import { capture } from '../support/capture.js';
import { row, table } from '../support/sweep-tables.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

let dir: string;
let s1: string;
let s2: string;
beforeAll(() => {
  dir = temporaryDirectory('balloonsim-merge-command-');
  s1 = join(dir, 's1');
  s2 = join(dir, 's2');
  mkdirSync(s1);
  mkdirSync(s2);
  writeFileSync(join(s1, 'sweep.json'), JSON.stringify(table([row(0), row(2)], { shard: { index: 1, count: 2 } })));
  writeFileSync(join(s2, 'sweep.json'), JSON.stringify(table([row(1), row(3, { status: 'failed', metrics: null, error: { code: 'E', message: 'm' } })], { shard: { index: 2, count: 2 } })));
});

describe('readSweepTable', () => {
  it('reads sweep.json from a directory or a file', () => {
    expect(readSweepTable(s1).file).toBe(join(s1, 'sweep.json'));
    expect(readSweepTable(join(s2, 'sweep.json')).table.rows.map((r) => r.case)).toEqual([1, 3]);
  });

  it('says what is wrong with a path that is no sweep table', () => {
    expect(() => readSweepTable(join(dir, 'none.json'))).toThrow(new InputError(`${join(dir, 'none.json')}: no such file or directory; give the directory that sweep --out wrote, or its sweep.json`));
    expect(() => readSweepTable(dir)).toThrow(new InputError(`${dir}: the directory holds no sweep.json (write one with sweep --out DIR)`));
    writeFileSync(join(dir, 'bad.json'), 'not json');
    expect(() => readSweepTable(join(dir, 'bad.json'))).toThrow(`${join(dir, 'bad.json')} is not JSON`);
    writeFileSync(join(dir, 'other.json'), '{"kind":"x"}');
    expect(() => readSweepTable(join(dir, 'other.json'))).toThrow(`${join(dir, 'other.json')} is not a balloonsim sweep table (sweep.json)`);
  });
});

describe('mergeCommand', () => {
  it('--json prints the merged table; exit 1 because a case had failed', async () => {
    const { value, stdout } = await capture(() => mergeCommand([s2, s1], { json: true }));
    expect(value).toBe(1);
    const merged = JSON.parse(stdout);
    expect(merged.shard).toBeNull();
    expect(merged.rows.map((r: { case: number }) => r.case)).toEqual([0, 1, 2, 3]);
  });

  it('--out writes the sweep files and says how many tables and cases', async () => {
    const out = join(dir, 'merged');
    const { stdout } = await capture(() => mergeCommand([s1, s2], { out }));
    expect(stdout).toMatch(/^balloonsim sweep grid: 4 cases in /);
    expect(stdout).toContain(`wrote ${out}: sweep.csv, sweep.parquet, report.html, sweep.json (2 tables, 4 of 4 cases)\n`);
    expect(JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')).rows).toHaveLength(4);
  });

  it('with --allow-missing merges what is there, exit 0 when no case failed', async () => {
    const { value } = await capture(() => mergeCommand([s1], { quiet: true, allowMissing: true }));
    expect(value).toBe(0);
  });

  it('through the CLI: missing shards exit 2, naming them', async () => {
    const { value, stderr } = await capture(() => main(['merge', s1]));
    expect(value).toBe(2);
    expect(stderr).toBe('balloonsim: 2 of 4 cases are missing (cases 1, 3); missing shards: 2/2\n');
  });
});
