/**
 * `npm run mutate -- --summary` (scripts/mutate.mjs): the table of the per-file mutation reports,
 * without running Stryker: each file's counts and score, the score in all, and exit code 0 only
 * when every file named has a report and the score in all is at least 90 %. Runs in a folder of
 * its own with made-up reports.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../support/temporary-directory.js';

const script = fileURLToPath(new URL('../../scripts/mutate.mjs', import.meta.url));
let dir = '';

/** A report in the shape Stryker writes (mutation-testing-report-schema), with mutants of the given statuses. */
function report(name: string, statuses: Record<string, number>): void {
  const mutants = Object.entries(statuses).flatMap(([status, count]) => Array.from({ length: count }, (_, id) => ({ id: `${status}${id}`, status })));
  mkdirSync(join(dir, 'reports/mutation/files'), { recursive: true });
  writeFileSync(join(dir, `reports/mutation/files/${name}.mutation.json`), JSON.stringify({ schemaVersion: '2', files: { [`src/${name}.ts`]: { mutants } } }));
}

function summary(...files: string[]): { status: number | null; out: string } {
  const args = [script, '--summary', ...files.flatMap((file) => ['--file', file])];
  const child = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  return { status: child.status, out: `${child.stdout}${child.stderr}` };
}

describe('npm run mutate -- --summary', () => {
  it('adds up the files named, scores killed and timed-out mutants against every mutant that ran, and passes at 90 %', () => {
    dir = temporaryDirectory('mutate-summary-');
    report('audit-scans', { Killed: 17, Timeout: 1, Survived: 2, CompileError: 5 });
    report('host-frame-table', { Killed: 9, NoCoverage: 1 });
    const { status, out } = summary('src/audit/scans.ts', 'src/host/frame-table.ts');
    expect(out).toContain('src/audit/scans.ts: 25 mutants (17 killed, 1 timeout, 2 survived, 0 nocoverage, 5 compileerror, 0 runtimeerror, 0 ignored); score 90.0 %');
    expect(out).toContain('src/host/frame-table.ts: 10 mutants (9 killed, 0 timeout, 0 survived, 1 nocoverage, 0 compileerror, 0 runtimeerror, 0 ignored); score 90.0 %');
    expect(out).toContain('in all: 35 mutants (26 killed, 1 timeout, 2 survived, 1 nocoverage, 5 compileerror, 0 runtimeerror, 0 ignored); score 90.0 %');
    expect(out).toContain('mutate: at least 90 %');
    expect(status).toBe(0);
  });

  it('fails below 90 % in all, and when a file has no report, naming the command that makes one', () => {
    dir = temporaryDirectory('mutate-summary-');
    report('audit-scans', { Killed: 8, Survived: 2 });
    report('host-frame-table', { Killed: 9, Survived: 2 });
    const below = summary('src/audit/scans.ts', 'src/host/frame-table.ts');
    expect(below.out).toContain('score 80.0 %');
    expect(below.out).toContain('mutate: BELOW 90 %');
    expect(below.status).toBe(1);
    const missing = summary('src/audit/scans.ts', 'src/audit/auditor.ts');
    expect(missing.out).toContain('src/audit/auditor.ts: no report (run `npm run mutate -- --file src/audit/auditor.ts`)');
    expect(missing.out).toContain('mutate: INCOMPLETE: 1 file(s) have no report');
    expect(missing.status).toBe(1);
  });

  it('runs nothing when given with --force or --group: exit code 2', () => {
    dir = temporaryDirectory('mutate-summary-');
    const child = spawnSync(process.execPath, [script, '--summary', '--force'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    expect(child.stderr).toContain('--summary reads the per-file reports');
    expect(child.status).toBe(2);
  });
});
