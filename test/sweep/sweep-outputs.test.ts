/** Unit tests of src/output/sweep-outputs.ts: the files of `sweep --out` and `merge --out`. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { writeSweepOutputs } from '../../src/sweep/sweep-outputs.js';
import { sweepCsv } from '../../src/sweep/table.js';
import { metrics, row, table } from '../support/sweep-tables.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

let dir: string;
beforeEach(() => {
  dir = temporaryDirectory('balloonsim-sweep-outputs-');
});

/** Two settings of p, two seeds each. */
const seeded = table(
  [0, 1, 2, 3].map((c) => row(c, { label: `p=${c >> 1} seed=${c % 2}`, parameters: { p: c >> 1, seed: c % 2 }, metrics: metrics({ seed: c % 2 }) })),
  { parameterNames: ['p', 'seed'] },
);

describe('writeSweepOutputs', () => {
  it('without seeds: writes sweep.json, sweep.csv, sweep.parquet and report.html, no aggregate', async () => {
    const t = table([row(0), row(1)], { casesTotal: 2 });
    const written = await writeSweepOutputs(join(dir, 'out'), t);
    expect(written.map((p) => p.slice(join(dir, 'out').length + 1))).toEqual(['sweep.csv', 'sweep.parquet', 'report.html', 'sweep.json']);
    expect(written.every((p) => existsSync(p))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'out', 'sweep.json'), 'utf8'))).toEqual(t);
    expect(readFileSync(join(dir, 'out', 'sweep.csv'), 'utf8')).toBe(sweepCsv(t));
    expect(existsSync(join(dir, 'out', 'sweep-aggregate.csv'))).toBe(false);
  });

  it('with seeds: adds the aggregate, one row per setting; a later grid without seeds removes it', async () => {
    const written = await writeSweepOutputs(dir, seeded);
    expect(written).toHaveLength(6);
    const aggregate = readFileSync(join(dir, 'sweep-aggregate.csv'), 'utf8').trimEnd().split('\n');
    expect(aggregate).toHaveLength(3);
    expect(aggregate[0]!.startsWith('group,label,base,param.p,cases,seeds,n,status,')).toBe(true);
    expect(aggregate[1]!.startsWith('0,p=0,base,0,0 1,0 1,2,ok,')).toBe(true);
    await writeSweepOutputs(dir, table([row(0)], { casesTotal: 1 }));
    expect(existsSync(join(dir, 'sweep-aggregate.csv'))).toBe(false);
    expect(existsSync(join(dir, 'sweep-aggregate.parquet'))).toBe(false);
  });
});

describe('writeSweepOutputs of what it cannot write', () => {
  it('refuses a dir that is not a path, which failed as an OutputError quoting Node ("paths[0]" argument), and a table that is not one', async () => {
    await expect(writeSweepOutputs(null as never, table([row(0)]))).rejects.toThrow(new TypeError('writeSweepOutputs: dir must be the path of a directory to write the files into, got null (an empty value)'));
    await expect(writeSweepOutputs('out', null as never)).rejects.toThrow(/^writeSweepOutputs: table must be a sweep table .*got null/);
  });
});
