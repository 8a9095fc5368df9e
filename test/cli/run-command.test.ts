/** Unit tests of src/cli/run-command.ts: `run` on a 3-tick scenario, inline, in this process. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runCommand } from '../../src/cli/run-command.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { capture } from '../support/capture.js';
import { writeTinyScenario } from '../support/cli-files.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

let dir: string;
let file: string;
beforeAll(() => {
  dir = temporaryDirectory('balloonsim-run-command-');
  file = writeTinyScenario(dir);
});

const inline = { placement: 'inline', mode: 'lockstep' };

describe('runCommand', () => {
  it('--json prints the summary alone, with the seed given and the provenance', async () => {
    const { value, stdout, stderr } = await capture(() => runCommand(file, { ...inline, json: true, seed: '11' }));
    expect(value).toBe(0);
    expect(stderr).toBe('');
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ scenario: 'tiny', seed: 11, ticks: 3, simulatedSeconds: 3 });
    expect(summary.audit.violations).toBe(0);
    expect(summary.provenance).toMatchObject({ tool: 'balloonsim', seed: 11, source: file });
  });

  it('prints the readable summary by default, and nothing with --quiet', async () => {
    const loud = await capture(() => runCommand(file, inline));
    expect(loud.stdout).toMatch(/^balloonsim: tiny, seed 4, 3 simulated seconds in 3 ticks/);
    const quiet = await capture(() => runCommand(file, { ...inline, quiet: true }));
    expect(quiet.value).toBe(0);
    expect(quiet.stdout).toBe('');
  });

  it('--out writes the run files with a sample every --sample-every ticks, and says so on stderr with --json', async () => {
    const out = join(dir, 'out');
    const { stdout, stderr } = await capture(() => runCommand(file, { ...inline, out, sampleEvery: '1', json: true, reportGuests: 'w*' }));
    expect(JSON.parse(stdout).scenario).toBe('tiny');
    expect(stderr).toBe(`balloonsim: wrote ${out}: timeseries.csv, host-timeseries.csv, events.jsonl, timeseries.parquet, host-timeseries.parquet, events.parquet, trace.json, report.html, summary.json (3 samples)\n`);
    // Three samples of two guests.
    expect(readFileSync(join(out, 'timeseries.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(7);
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
  });

  it('refuses --report-guests without --out, or naming no guest, before running', async () => {
    await expect(runCommand(file, { ...inline, reportGuests: 'web' })).rejects.toThrow(new UsageError('--report-guests picks the guests report.html draws; add --out DIR or drop it'));
    await expect(runCommand(file, { ...inline, out: join(dir, 'x'), reportGuests: 'db,web' })).rejects.toThrow(new UsageError('--report-guests: "db" matches no guest of tiny (its guests: web, batch)'));
    await expect(runCommand(file, { ...inline, out: join(dir, 'x'), reportGuests: ' , ' })).rejects.toThrow(/^--report-guests takes guest names or globs/);
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it('through the CLI: bad flags and an --out that is a file exit 2, with nothing run', async () => {
    const seed = await capture(() => main(['run', file, '--placement', 'inline', '--audit-every', '-1']));
    expect(seed.value).toBe(2);
    expect(seed.stderr).toBe('balloonsim: --audit-every takes a whole number, got "-1"\n');
    const out = await capture(() => main(['run', file, '--placement', 'inline', '--out', file]));
    expect(out.value).toBe(2);
    expect(out.stderr).toMatch(/is a file, not a folder/);
    expect(out.stdout).toBe('');
  });
});
