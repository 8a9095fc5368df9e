/** Unit tests of src/cli/compare-command.ts: `compare` over summary files (in process). */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareCommand } from '../../src/cli/compare-command.js';
import { main } from '../../src/cli/main.js';
import { InputError } from '../../src/output/input-error.js';
import { capture } from '../support/capture.js';
import { summaryOf } from '../support/samples.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

let dir: string;
let a: string;
let b: string;
beforeAll(() => {
  dir = temporaryDirectory('balloonsim-compare-command-');
  for (const [name, resident] of [['tight', 16], ['roomy', 48]] as const) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'summary.json'), JSON.stringify(summaryOf([{ name: 'g', residentBytes: resident * 2 ** 20 }], { scenario: name })));
  }
  a = join(dir, 'tight');
  b = join(dir, 'roomy');
});

describe('compareCommand', () => {
  it('prints a table of the runs, one line each', async () => {
    const { value, stdout } = await capture(() => compareCommand([a, b], {}));
    expect(value).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^run +scenario +seed +saved \(mean\)/);
    expect(lines[1]).toMatch(/^-+ /);
    // 64 MiB booted, 16 MiB resident: 48 MiB saved.
    expect(lines[2]).toMatch(/^tight +tight +1 +48 MiB +16 MiB /);
    expect(lines[3]).toMatch(/^roomy +roomy +1 +16 MiB +48 MiB /);
  });

  it('--json prints the metrics; --out writes compare.html, .csv and .json and says so on stderr', async () => {
    const out = join(dir, 'out');
    const { stdout, stderr } = await capture(() => compareCommand([a, b], { json: true, out, title: 'mine' }));
    const runs = JSON.parse(stdout);
    expect(runs.map((r: { label: string; metrics: { residentBytesMean: number } }) => [r.label, r.metrics.residentBytesMean])).toEqual([
      ['tight', 16 * 2 ** 20],
      ['roomy', 48 * 2 ** 20],
    ]);
    expect(stderr).toBe(`balloonsim: wrote ${out}: compare.html, compare.csv, compare.json\n`);
    expect(JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'))).toEqual(runs);
    expect(readFileSync(join(out, 'compare.html'), 'utf8')).toContain('<title>mine</title>');
    expect(readFileSync(join(out, 'compare.csv'), 'utf8').split('\n')).toHaveLength(4);
  });

  it('--quiet prints nothing', async () => {
    expect((await capture(() => compareCommand([a, b], { quiet: true }))).stdout).toBe('');
  });

  it('refuses fewer than two runs', async () => {
    await expect(compareCommand([a], {})).rejects.toThrow(new InputError(`compare puts two or more runs side by side; ${a} gave 1`));
  });

  it('through the CLI: a path that is no run exits 2, and nothing is written', async () => {
    const { value, stderr } = await capture(() => main(['compare', a, join(dir, 'nope'), '--out', join(dir, 'never')]));
    expect(value).toBe(2);
    expect(stderr).toBe(`balloonsim: ${join(dir, 'nope')}: no such file or directory; give the directory that run --out or sweep --out wrote, or its summary.json or sweep.json\n`);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });
});
