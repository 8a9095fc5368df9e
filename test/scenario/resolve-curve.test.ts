import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { parseTraceCsv } from '../../src/scenario/resolve-curve.js';
import { temporaryDirectory } from '../support/temporary-directory.js';
import { issueAt, scenarioError } from './support.js';

const MiB = 2 ** 20;
const dir = temporaryDirectory('balloonsim-trace-');

/** Writes a scenario whose one guest replays `traces/<name>`, and the trace itself. */
function scenarioWithTrace(name: string, csv: string): string {
  mkdirSync(join(dir, 'traces'), { recursive: true });
  writeFileSync(join(dir, 'traces', name), csv);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `host: {memory: 16GiB}\nguests:\n  - name: a\n    memory: 4GiB\n    workload:\n      - {kind: file, size: {trace: traces/${name}}}\n`);
  return file;
}

describe('trace CSV', () => {
  it('reads a trace relative to the scenario file, with times and sizes in units', () => {
    const file = scenarioWithTrace('units.csv', 'time,size\n0s,1GiB\n10s,1.5GiB\n# a comment\n\n1m,512MiB\n');
    const size = loadScenarioFile(file).guests[0]?.workload[0]?.size;
    expect(size).toEqual({
      kind: 'trace',
      points: [{ atMs: 0, bytes: 1024 * MiB }, { atMs: 10_000, bytes: 1536 * MiB }, { atMs: 60_000, bytes: 512 * MiB }],
      source: join(dir, 'traces', 'units.csv'),
    });
  });

  it('reads bare numbers when the header names the units', () => {
    expect(parseTraceCsv('seconds,bytes\n0,1024\n1.5,2048\n')).toEqual({ ok: true, points: [{ atMs: 0, bytes: 1024 }, { atMs: 1500, bytes: 2048 }] });
    expect(parseTraceCsv('time_ms,rss (MiB)\r\n0,1\r\n10,2.5\r\n')).toEqual({ ok: true, points: [{ atMs: 0, bytes: MiB }, { atMs: 10, bytes: 2.5 * MiB }] });
  });

  it('starts a late trace flat at its first value', () => {
    expect(parseTraceCsv('time,bytes\n5s,100\n').ok).toBe(true);
    const file = scenarioWithTrace('late.csv', 'time,bytes\n5s,100\n10s,200\n');
    expect(loadScenarioFile(file).guests[0]?.workload[0]?.size).toMatchObject({ points: [{ atMs: 0, bytes: 100 }, { atMs: 5000, bytes: 100 }, { atMs: 10_000, bytes: 200 }] });
  });

  it('names the CSV file and line of each problem', () => {
    const file = scenarioWithTrace('bad.csv', 'time,bytes\n1s,1024\n10,2048\n5s,512Mb\n1s,1024\n20s\n');
    const error = scenarioError(() => loadScenarioFile(file));
    const messages = error.issues.map((issue) => issue.message);
    const csv = join('traces', 'bad.csv');
    expect(messages).toEqual([
      expect.stringMatching(new RegExp(`${csv}:3: time "10" has no unit$`)),
      expect.stringMatching(new RegExp(`${csv}:4: "512Mb" is in bits`)),
      expect.stringMatching(new RegExp(`${csv}:5: time 1s is not after the previous row's time$`)),
      expect.stringMatching(new RegExp(`${csv}:6: expected 2 columns`)),
    ]);
    for (const issue of error.issues) expect(issue).toMatchObject({ path: 'guests[0].workload[0].size.trace', line: 6 });
  });

  it('wants a header and at least one row', () => {
    expect(parseTraceCsv('0s,1GiB\n')).toMatchObject({ ok: false, problems: [{ line: 1, message: 'the first row must be a header' }] });
    expect(parseTraceCsv('time,bytes\n')).toMatchObject({ ok: false, problems: [{ message: 'the trace has no data rows' }] });
  });

  it('reads real CSV: quoted cells (with commas and doubled quotes), comments, a byte-order mark, CRLF', () => {
    const text = '\ufeff# exported from our monitoring\r\n"time (s)","rss, in MiB"\r\n0,"1024"\r\n# a gap in the data\r\n\r\n"10.5", 2048 # after the restart\r\n"20","3,072"\r\n';
    const quoted = parseTraceCsv(text.replace('"3,072"', '3072'));
    expect(quoted).toEqual({ ok: true, points: [{ atMs: 0, bytes: 1024 * MiB }, { atMs: 10_500, bytes: 2048 * MiB }, { atMs: 20_000, bytes: 3072 * MiB }] });
    // A quoted comma stays in its cell: "3,072" is one cell, and not a size.
    expect(parseTraceCsv(text)).toMatchObject({ ok: false, problems: [{ line: 7, message: expect.stringMatching(/"3,072"/) }] });
    expect(parseTraceCsv('time,"the ""size"" (bytes)"\n1s,10\n')).toEqual({ ok: true, points: [{ atMs: 1000, bytes: 10 }] });
  });

  it('says on which line the CSV itself is broken', () => {
    expect(parseTraceCsv('time,bytes\n1s,10\n2s,"20\n3s,30\n')).toMatchObject({ ok: false, problems: [{ line: 3, message: 'not valid CSV: a quote opens here and is never closed', hint: expect.stringMatching(/must end with "/) }] });
    expect(parseTraceCsv('time,bytes\n1s,"10"x\n')).toMatchObject({ ok: false, problems: [{ line: 2, message: expect.stringMatching(/^not valid CSV: Invalid Closing Quote: got "x" instead of delimiter/) }] });
    expect(parseTraceCsv('time,bytes\n1s,10,11\n')).toMatchObject({ ok: false, problems: [{ line: 2, message: 'expected 2 columns (time and size), found 3' }] });
  });

  it('reports a missing trace file with a hint', () => {
    const file = join(dir, 'missing.yaml');
    writeFileSync(file, 'host: {memory: 16GiB}\nguests: [{name: a, memory: 1GiB, workload: [{kind: anon, size: {trace: nope.csv}}]}]\n');
    const issue = issueAt(scenarioError(() => loadScenarioFile(file)), 'guests[0].workload[0].size.trace');
    expect(issue.message).toMatch(/nope\.csv: cannot read the trace: no such file$/);
    expect(issue.hint).toBe("a trace path is relative to the scenario file's directory");
  });

  it('reports a trace that is a directory or larger than 64 MiB in the words of the other refusals, each with its hint', () => {
    mkdirSync(join(dir, 'traces', 'folder.csv'), { recursive: true });
    const file = join(dir, 'folder.yaml');
    writeFileSync(file, 'host: {memory: 16GiB}\nguests: [{name: a, memory: 1GiB, workload: [{kind: anon, size: {trace: traces/folder.csv}}]}]\n');
    expect(issueAt(scenarioError(() => loadScenarioFile(file)), 'guests[0].workload[0].size.trace')).toMatchObject({ message: expect.stringMatching(/folder\.csv: cannot read the trace: it is a directory$/), hint: 'give the path of a CSV file' });
    const big = scenarioWithTrace('big.csv', '');
    truncateSync(join(dir, 'traces', 'big.csv'), 64 * MiB + 1);
    expect(issueAt(scenarioError(() => loadScenarioFile(big)), 'guests[0].workload[0].size.trace')).toMatchObject({ message: expect.stringMatching(/big\.csv: cannot read the trace: it is larger than 64 MiB$/), hint: 'resample it to fewer points' });
  });
});
