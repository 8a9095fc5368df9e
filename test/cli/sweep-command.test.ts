/**
 * Unit tests of src/cli/sweep-command.ts: the sweep table as text, `sweep --dry-run`, flag checks,
 * and one small sweep (two 3-tick cases on one worker thread; needs `npm run build`: dist/).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { coloursFor } from '../../src/cli/colour.js';
import { main } from '../../src/cli/main.js';
import { formatSweepTable, sweepCommand } from '../../src/cli/sweep-command.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { capture } from '../support/capture.js';
import { writeTinyGrid } from '../support/cli-files.js';
import { metrics, row, table } from '../support/sweep-tables.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

const plain = coloursFor({}, {});
let dir: string;
let grid: string;
beforeAll(() => {
  dir = temporaryDirectory('balloonsim-sweep-command-');
  grid = writeTinyGrid(dir, [1, 2]);
});

describe('formatSweepTable', () => {
  it('has a title line, a line per case, and the cases that were refused, warned or failed', () => {
    const t = table(
      [
        row(0, { metrics: metrics({ savedBytesMean: 3 * 2 ** 30, majorFaults: 12345 }) }),
        row(1, { status: 'refused', refused: ['idle at 2m: no', 'idle at 3m: no'] }),
        row(2, { status: 'failed', metrics: null, error: { code: 'PREFLIGHT', message: 'too big' } }),
      ],
      { casesTotal: 3, timing: [{ wallSeconds: 1.5, concurrency: 2, caseSeconds: {}, resumedCases: 1 }] },
    );
    const lines = formatSweepTable(t, plain).split('\n');
    expect(lines[0]).toBe('balloonsim sweep grid: 3 cases in 1.50 s on 2 threads (1 finished before and taken over)');
    expect(lines[2]).toMatch(/^case +label +status +saved \(mean\) +host free \(min\) +major faults +stall s +oom kills +violations$/);
    expect(lines[4]).toMatch(/^0 +p=0 +ok +3 GiB +200 B +12,345 +0\.5 +0 +0$/);
    expect(lines[6]).toMatch(/^2 +p=2 +failed: PREFLIGHT +- +- +- +- +- +-$/);
    expect(lines.slice(7)).toEqual(['', 'the over-shrink guard refused a target of 1 case:', '  case 1 (p=1): idle at 2m: no', '    idle at 3m: no', '', '1 case failed:', '  case 2 (p=2): PREFLIGHT: too big']);
  });

  it('adds the settings with their seeds aggregated, and names the shard', () => {
    const t = table(
      [0, 1].map((c) => row(c, { label: `seed=${c}`, parameters: { seed: c }, metrics: metrics({ oomKills: c }) })),
      { parameterNames: ['seed'], casesTotal: 4, shard: { index: 1, count: 2 } },
    );
    const text = formatSweepTable(t, plain);
    expect(text.split('\n')[0]).toBe('balloonsim sweep grid: shard 1/2: 2 of 4 cases in 1.00 s on 1 thread');
    expect(text).toContain('seeds aggregated: the mean of each setting over its seeds, ± the half-width of its 95 % interval');
    // oomKills 0 and 1: mean 0.5, half-width 12.706 * 0.5 = 6.353.
    expect(text.split('\n').at(-1)).toMatch(/^base +2 +ok +400 B +200 B +3 +0\.5 +0\.5 ± 6\.4$/);
  });
});

describe('sweepCommand', () => {
  it('--dry-run lists the cases without running them', async () => {
    const { value, stdout } = await capture(() => sweepCommand(grid, { dryRun: true }));
    expect(value).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('balloonsim sweep tiny-grid (dry run): 2 cases');
    expect(lines[4]).toMatch(/^0 +seed=1 +2 +3s +1 +to run$/);
    expect(lines[5]).toMatch(/^1 +seed=2 +2 +3s +2 +to run$/);
    const json = JSON.parse((await capture(() => sweepCommand(grid, { dryRun: true, json: true, shard: '2/2' }))).stdout);
    expect(json).toMatchObject({ name: 'tiny-grid', casesTotal: 2, shard: { index: 2, count: 2 } });
    expect(json.cases.map((c: { case: number; seed: number }) => [c.case, c.seed])).toEqual([[1, 2]]);
  });

  it('refuses flags that do not go together, before loading anything', async () => {
    const refuse = (flags: Parameters<typeof sweepCommand>[1], message: string) => expect(sweepCommand(join(dir, 'none.yaml'), flags)).rejects.toThrow(new UsageError(message));
    await refuse({ shard: '3/2' }, '--shard: shard 3/2 does not exist: shards are numbered 1 to 2');
    await refuse({ concurrency: '0' }, '--concurrency takes a whole number of at least 1, got "0"');
    await refuse({ concurrency: '257' }, '--concurrency takes at most 256, got 257');
    await refuse({ caseOutputs: true }, '--case-outputs writes into the --out directory; add --out DIR');
    await refuse({ restart: true }, '--restart discards the finished cases kept in the --out directory; add --out DIR');
    await refuse({ restart: true, dryRun: true, out: dir }, '--dry-run changes nothing; drop --restart to see what a resume would run, or --dry-run to start over');
    await refuse({ sampleEvery: '0' }, '--sample-every takes a whole number of at least 1, got "0"');
  });

  it('runs the grid with --out, then a dry run there shows every case finished; another grid there is refused with exit 2', async () => {
    const out = join(dir, 'out');
    const { value, stdout } = await capture(() => sweepCommand(grid, { concurrency: '1', out, quiet: true }));
    expect(value).toBe(0);
    expect(stdout).toBe('');
    const saved = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
    expect(saved.rows.map((r: { label: string; status: string }) => `${r.label} ${r.status}`)).toEqual(['seed=1 ok', 'seed=2 ok']);
    expect(existsSync(join(out, 'rows', 'case-0000.json'))).toBe(true);
    const plan = await capture(() => sweepCommand(grid, { dryRun: true, out }));
    expect(plan.stdout.split('\n')[0]).toBe('balloonsim sweep tiny-grid (dry run): 2 cases; 2 finished before, 0 to run');
    writeFileSync(join(dir, 'grid.yaml'), 'name: tiny-grid\nbase: tiny.yaml\nparameters:\n  seed: [7]\n');
    const other = await capture(() => main(['sweep', grid, '--out', out, '--concurrency', '1']));
    expect(other.value).toBe(2);
    expect(other.stderr).toMatch(new RegExp(`^balloonsim: ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} holds the results of another sweep grid .* add --restart to replace them\\n$`));
  });
});
