/** The CLI of this issue end to end: --guests-per-worker, --mode free, fault plans and hostile guests, the examples, and their bad-input messages. */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/runtime/summary.js';
import { summaryOf } from '../support/samples.js';
import { temporaryDirectory } from '../support/temporary-directory.js';
import { runCli } from './run-cli.js';

const NO_STACK = /\n\s+at .+\(.*:\d+:\d+\)/;
const example = (name: string): string => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));

function scenarioFile(text: string): string {
  const dir = temporaryDirectory('balloonsim-robust-');
  const path = join(dir, 'scenario.yaml');
  writeFileSync(path, text);
  return path;
}

const small = scenarioFile(`name: small
duration: 30s
host: { memory: 1GiB, policy: { kind: rotate, period: 5s, low: 50%, groups: 2 } }
guests:
  - { name: g, count: 4, memory: 128MiB, workload: [ { kind: anon, size: 32MiB } ] }
`);

describe('balloonsim run, at scale and free-running', () => {
  it('--guests-per-worker sets the number of workers, and the result is the same', () => {
    const two = runCli(['run', small, '--json', '--guests-per-worker', '2']);
    const one = runCli(['run', small, '--json', '--guests-per-worker', '4']);
    expect(two.code).toBe(0);
    expect(one.code).toBe(0);
    const a = JSON.parse(two.stdout) as RunSummary;
    const b = JSON.parse(one.stdout) as RunSummary;
    expect(a.timing.threads).toBe(2);
    expect(b.timing.threads).toBe(1);
    expect({ ...a, timing: null }).toEqual({ ...b, timing: null });
  });

  it('--mode free runs with a concurrent audit and says so', () => {
    const run = runCli(['run', small, '--json', '--mode', 'free', '--workers', '2']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary;
    expect(summary.timing.mode).toBe('free');
    expect(summary.audit.violations).toBe(0);
    expect(summary.audit.concurrent!.checks).toBeGreaterThan(0);
  });

  it('runs the fault and hostile examples clean and prints what happened', () => {
    const hostile = runCli(['run', example('hostile.yaml')]);
    expect(hostile.stderr).toBe('');
    expect(hostile.code).toBe(0);
    expect(hostile.stdout).toMatch(/hostile guest mallory: \d+ attack messages in \d+ rounds, 0 accepted; 5000 violations counted by the host, quarantined/);
    expect(hostile.stdout).toMatch(/faults until 180 s: 2 crashes/);
    expect(hostile.stdout).toMatch(/liveness: 2 live guests reached their targets by 240 s, 0 did not/);
    const free = runCli(['run', example('free-faults.yaml'), '--mode', 'free', '--guests-per-worker', '2']);
    expect(free.stderr).toBe('');
    expect(free.code).toBe(0);
    expect(free.stdout).toMatch(/free-running: concurrent audit made \d+ checks/);
    expect(free.stdout).toMatch(/\(kill-worker\)/);
  });

  it('fails a liveness phase a guest cannot pass (exit 1), naming the guest and what to change', () => {
    // A forced target far below what the workload holds, 5 s to get there: the balloon runs out of puff.
    const stuck = scenarioFile(`name: stuck
duration: 1m
host: { memory: 8GiB }
guests: [ { name: a, memory: 4GiB, driver: vmware, workload: [ { kind: anon, size: 3GiB } ] } ]
events: [ { at: 19s, setTarget: { guest: a, memory: 1GiB, force: true } } ]
faults: { until: 20s, settle: 5s }
`);
    const run = runCli(['run', stuck, '--placement', 'inline', '--quiet']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /liveness: 1 guest did not reach their target within 5 s after faults stopped:\n {2}a: target 1 GiB, at [\d.]+ GiB \([\d.]+ [MG]iB above it: the balloon must grow; its balloon ran out of puff \d+ times? \(no free page to take: the workload holds the memory\)\)\n/,
    );
    expect(run.stderr).toMatch(/give faults\.settle more time \(default 2m\)/);
    expect(run.stderr).not.toMatch(NO_STACK);
  });

  it('says when a target moved in the liveness phase, or was below what the Hyper-V floor lets a balloon reach', () => {
    // The target moves twice after the faults stop, each time out of reach of a workload of 3 GiB; a Hyper-V guest is asked for less than its floor allows.
    const moving = scenarioFile(`name: moving
duration: 1m
host: { memory: 8GiB }
guests:
  - { name: a, memory: 4GiB, driver: vmware, workload: [ { kind: anon, size: 3GiB } ] }
  - { name: h, memory: 1GiB, driver: hyperv, workload: [ { kind: anon, size: 600MiB } ] }
events:
  - { at: 19s, setTarget: { guest: a, memory: 1GiB, force: true } }
  - { at: 19s, setTarget: { guest: h, memory: 256MiB, force: true } }
  - { at: 21s, setTarget: { guest: a, memory: 1100MiB, force: true } }
  - { at: 22s, setTarget: { guest: a, memory: 1200MiB, force: true } }
faults: { until: 20s, settle: 5s }
`);
    const run = runCli(['run', moving, '--placement', 'inline', '--quiet']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/\n {2}a: target 1\.17 GiB, at [\d.]+ GiB \(.*; its target changed 2 times in the phase\)\n/);
    expect(run.stderr).toMatch(/\n {2}h: target 256 MiB, at [\d.]+ MiB \([\d.]+ MiB above it: the balloon must grow; its driver held back [\d.]+ MiB to keep available memory above the Hyper-V floor: a target below that is out of its reach\)\n/);
    expect(run.stderr).toMatch(/the host set new targets for a during the phase \(setTarget events, .* pause the policy when the faults stop \(events: \[\{ at: 20s, pausePolicy: true \}\]\)/);
    expect(run.stderr).not.toMatch(NO_STACK);
  });
});

describe('bad input about modes, workers and faults exits 2', () => {
  const killer = scenarioFile(`name: killer
host: { memory: 1GiB }
guests: [ { name: a, memory: 128MiB }, { name: b, memory: 128MiB } ]
faults: { crashes: [ { at: 5s, guest: a, how: kill-worker } ] }
`);

  it.each([
    [['run', small, '--mode', 'fast'], /--mode takes one of lockstep, free/],
    [['run', small, '--mode', 'free', '--placement', 'inline'], /--mode free runs guests on worker threads/],
    [['run', small, '--guests-per-worker', '2', '--workers', '2'], /not both/],
    [['run', small, '--guests-per-worker', '0'], /at least 1/],
    [['run', killer], /kill a worker need --mode free/],
  ])('%j', (args, message) => {
    const run = runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(NO_STACK);
  });
});

describe('the examples are valid', () => {
  it.each(['stress-1000.yaml', 'dense-64.yaml', 'hostile.yaml', 'free-faults.yaml'])('%s', (name) => {
    const run = runCli(['validate', example(name), ...(name.includes('free') ? ['--mode', 'free'] : [])]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('stress-free.yaml, with the warning that its 10,000 h take hours (the stress script stops it by wall time)', () => {
    const run = runCli(['validate', example('stress-free.yaml'), '--mode', 'free']);
    expect(run.stderr).toMatch(/^balloonsim: warning: .*stress-free\.yaml: tick: a run of 10000h in ticks of 1s is 36,000,000 ticks; .* it takes 60 minutes or more \(.*\)\n$/);
    expect(run.code).toBe(0);
  });
});

describe('a path that is not a regular file is refused at once, saying what it is (exit 2)', () => {
  // A named pipe: `run FIFO` waited for a writer for ever. /dev/zero says it holds 0 bytes and never ends: readFileSync
  // grew its buffer to 16 GiB and crashed after a minute (then it was read up to the size limit, 16 MiB or 512 MiB, to say it was too large).
  const dir = temporaryDirectory('balloonsim-robust-special-');
  const fifo = join(dir, 'scenario.yaml');
  spawnSync('mkfifo', [fifo]);
  const link = join(dir, 'link.yaml');
  symlinkSync(fifo, link);
  const runDir = join(dir, 'run');
  mkdirSync(runDir);
  writeFileSync(join(runDir, 'summary.json'), '{"scenario":"s"}');
  spawnSync('mkfifo', [join(runDir, 'events.parquet')]);
  const fix = /\(give the path of a \.yaml or \.json (grid )?file; to use what a pipe or <\(\.\.\.\) gives, write it to a file first\)/;
  it.each([
    ['run FIFO', ['run', fifo], /scenario\.yaml: cannot read the scenario: it is a named pipe \(FIFO\), not a regular file/, fix],
    ['validate LINK-TO-FIFO', ['validate', link], /link\.yaml: cannot read the scenario: it is a named pipe \(FIFO\), not a regular file/, fix],
    ['sweep FIFO', ['sweep', fifo], /scenario\.yaml: cannot read the grid: it is a named pipe \(FIFO\), not a regular file/, fix],
    ['run /dev/zero', ['run', '/dev/zero'], /\/dev\/zero: cannot read the scenario: it is a character device, not a regular file/, fix],
    ['validate /dev/zero', ['validate', '/dev/zero'], /\/dev\/zero: cannot read the scenario: it is a character device, not a regular file/, fix],
    ['sweep /dev/zero', ['sweep', '/dev/zero'], /\/dev\/zero: cannot read the grid: it is a character device, not a regular file/, fix],
    ['validate --set trace: FIFO', ['validate', small, '--set', `guests[0].workload[0].size={trace: ${fifo}}`], /trace: .*scenario\.yaml: cannot read the trace: it is a named pipe \(FIFO\), not a regular file/, /give the path of a CSV file/],
    ['validate --set trace: /dev/zero', ['validate', small, '--set', 'guests[0].workload[0].size={trace: /dev/zero}'], /trace: \/dev\/zero: cannot read the trace: it is a character device, not a regular file/, /give the path of a CSV file/],
    ['merge FIFO', ['merge', fifo], /cannot read .*scenario\.yaml: it is a named pipe \(FIFO\), not a regular file/, /give the directory that sweep --out wrote, or its sweep\.json/],
    ['merge /dev/zero', ['merge', '/dev/zero'], /cannot read \/dev\/zero: it is a character device, not a regular file/, /give the directory/],
    ['compare FIFO FIFO', ['compare', fifo, fifo], /cannot read .*scenario\.yaml: it is a named pipe \(FIFO\), not a regular file/, /give the directory that run --out or sweep --out wrote/],
    ['compare /dev/zero /dev/zero', ['compare', '/dev/zero', '/dev/zero'], /cannot read \/dev\/zero: it is a character device, not a regular file/, /give the directory/],
    ['query DIR-WITH-FIFO', ['query', runDir, 'SELECT 1'], /cannot read .*events\.parquet: it is a named pipe \(FIFO\), not a regular file/, /remove it, or write .*run again/],
  ])('%s', (_name, args, message, hint) => {
    const run = runCli(args, { timeoutMs: 30_000 });
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(hint);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toMatch(NO_STACK);
  });
});

describe('a damaged sweep.json or summary.json is refused with the field that is wrong, exit 2', () => {
  const dir = temporaryDirectory('balloonsim-robust-damaged-');
  const sweepJson = join(dir, 'sweep.json');
  writeFileSync(sweepJson, JSON.stringify({ kind: 'balloonsim-sweep', schemaVersion: 2, name: 'g', fingerprint: 'f', casesTotal: 2, parameterNames: [], shard: null, rows: null, timing: [] }));
  const runDir = join(dir, 'run');
  mkdirSync(runDir);
  writeFileSync(join(runDir, 'summary.json'), JSON.stringify({ schemaVersion: 1, scenario: 's', seed: 1, simulatedSeconds: 1, host: null, guests: [], audit: {} }));

  // These were TypeErrors printed as "internal error" with a stack trace, exit 1.
  it.each([
    [['merge', sweepJson], /sweep\.json is damaged or not written by balloonsim: rows: .*; write it again with sweep --out or merge --out/],
    [['compare', sweepJson, runDir], /sweep\.json is damaged or not written by balloonsim: rows: /],
    [['compare', runDir, runDir], /summary\.json is damaged or not written by balloonsim: host: .*; write it again with run --out/],
  ])('%j', (args, message) => {
    const run = runCli(args);
    expect(run.stderr).toMatch(message);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toMatch(NO_STACK);
    expect(run.stderr).not.toMatch(/internal error/);
  });
});

describe('standard output that cannot be written', () => {
  const bin = fileURLToPath(new URL('../../bin/balloonsim.js', import.meta.url));

  it('a full disk (> /dev/full) is said in a sentence, exit 1, not an unhandled error event', () => {
    const full = openSync('/dev/full', 'w');
    try {
      const run = spawnSync(process.execPath, [bin, 'run', small, '--placement', 'inline', '--json'], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8', timeout: 60_000 });
      expect(run.stderr).toMatch(/^balloonsim: cannot write to standard output: the disk is full \(ENOSPC\)/);
      expect(run.stderr).not.toMatch(NO_STACK);
      expect(run.status).toBe(1);
    } finally {
      closeSync(full);
    }
  });

  it('a reader that goes away (| head) ends the output quietly', () => {
    const run = spawnSync('bash', ['-c', `"${process.execPath}" "${bin}" schema | head -c 1 > /dev/null; echo "exit $\{PIPESTATUS[0]}" >&2`], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('exit 0\n');
  });
});

describe('a refused merge or compare leaves no --out folder behind', () => {
  const dir = temporaryDirectory('balloonsim-robust-refused-');
  const damaged = join(dir, 'sweep.json');
  writeFileSync(damaged, JSON.stringify({ kind: 'balloonsim-sweep', schemaVersion: 2, name: 'g', fingerprint: 'f', casesTotal: 2, parameterNames: [], shard: null, rows: null, timing: [] }));
  const oneRun = join(dir, 'one');
  mkdirSync(oneRun);
  writeFileSync(join(oneRun, 'summary.json'), JSON.stringify(summaryOf([{ name: 'g' }])));

  it.each([
    ['merge of a damaged table', (out: string) => ['merge', damaged, '--out', out]],
    ['compare of one run', (out: string) => ['compare', oneRun, '--out', out]],
  ])('%s', (_what, args) => {
    const out = join(dir, 'new');
    const run = runCli(args(out));
    expect(run.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});
