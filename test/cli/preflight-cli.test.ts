/**
 * The late, crashing failures users met, each now caught before anything is
 * allocated, by `validate` and `run` alike, with the field, the figure and
 * the fix; and malformed files that never echo binary nor overflow the stack.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../support/temporary-directory.js';
import { runCli } from './run-cli.js';

const STACK_LINE = /\n\s+at .+:\d+:\d+/;
const dir = temporaryDirectory('balloonsim-preflight-cli-');
let files = 0;

function file(text: string | Buffer, extension = 'yaml'): string {
  const path = join(dir, `case-${files++}.${extension}`);
  writeFileSync(path, text);
  return path;
}

/** validate and run both refuse `text` with exit 2, quickly, without a stack trace; returns run's stderr. */
function refusedByBoth(path: string): string {
  const validate = runCli(['validate', path]);
  const run = runCli(['run', path, '--quiet']);
  for (const result of [validate, run]) {
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.stdout).toBe('');
  }
  expect(run.stderr).toBe(validate.stderr);
  return run.stderr;
}

describe('the preflight, from the command line', () => {
  it('refuses an 8 TiB host at 4 KiB frames, naming the frame size that fits', () => {
    const stderr = refusedByBoth(file('host: { memory: 8TiB }\nguests: [ { name: a, memory: 1GiB } ]\nduration: 10s\n'));
    expect(stderr).toMatch(/host\.memory: 8 TiB is 2,147,483,648 frames of 4 KiB, more than the frame table's 2,147,483,647 \(use frameSize: 8KiB or larger/);
  });

  it('refuses a 64 TiB guest, with the guest, its pages and the fix', () => {
    const stderr = refusedByBoth(file('host: { memory: 16GiB }\nguests: [ { name: huge, memory: 64TiB } ]\nduration: 10s\n'));
    expect(stderr).toMatch(/guests\[name=huge\]\.memory: 64 TiB is 17,179,869,184 pages of 4 KiB, more than a guest's 268,435,456 \(use frameSize: 256KiB or larger/);
    expect(stderr).toMatch(/the guests cannot boot: they need/);
  });

  it('refuses 100,000 guests that cannot boot at once, without allocating them', () => {
    const started = performance.now();
    const stderr = refusedByBoth(file('host: { memory: 16GiB }\nguests: [ { name: a, count: 100000, memory: 64MiB } ]\nduration: 10s\n'));
    expect(stderr).toMatch(/guests: the guests cannot boot: they need 1\.53 TiB at boot \(their kernel memory\), the host has 16 GiB after host\.reserved \(raise host\.memory/);
    // Not a speed target: only that the refusal comes from arithmetic, not after a run (it took 94 s).
    expect(performance.now() - started).toBeLessThan(60_000);
  });

  it('refuses a run larger than the machine (or BALLOONSIM_MEMORY_LIMIT), saying what takes the memory', () => {
    const path = file('host: { memory: 1TiB }\nguests: [ { name: a, count: 64, memory: 16GiB, workload: [ { kind: anon, size: 12GiB } ] } ]\nduration: 10s\n');
    const run = runCli(['run', path], { env: { BALLOONSIM_MEMORY_LIMIT: '4GiB' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/the run needs about [\d.]+ GiB of memory \(the guests' page maps and memory models [\d.]+ GiB, .*\), more than BALLOONSIM_MEMORY_LIMIT has \(4 GiB\) \(use fewer or smaller guests, or a larger frameSize\)/);
    const bad = runCli(['validate', path], { env: { BALLOONSIM_MEMORY_LIMIT: 'lots' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/BALLOONSIM_MEMORY_LIMIT: "lots"/);
  });

  it('warns, in validate and run, of an event after the end of the run', () => {
    const path = file('host: { memory: 16GiB }\nguests: [ { name: a, memory: 1GiB } ]\nduration: 10s\nevents: [ { at: 1h, setTarget: { guest: a, memory: 512MiB } } ]\n');
    const validate = runCli(['validate', path]);
    const run = runCli(['run', path, '--placement', 'inline']);
    for (const result of [validate, run]) {
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/warning: .*: events: an event \(setTarget a at 1h\) comes after the run's last tick \(at 9s of 10s\) and will never fire \(lengthen duration to more than 1h/);
    }
    expect(runCli(['run', path, '--placement', 'inline', '--quiet']).stderr).toBe('');
  });

  it('warns, in validate and run, of a run of many ticks, and the run goes on as it would (1ms over 1h ran for minutes without a word)', () => {
    const long = file('host: { memory: 64MiB, reserved: 4MiB }\nguests: [ { name: a, memory: 16MiB } ]\nduration: 1h\ntick: 1ms\n');
    const warning = /warning: .*: tick: a run of 1h in ticks of 1ms is 3,600,000 ticks; at about 10,000 ticks a second .* it takes 6 minutes or more \(a tick of 10ms makes 360,000 ticks: --set tick=10ms, or change tick in the file; or shorten the run with --duration\)\n/;
    const validate = runCli(['validate', long]);
    expect(validate.code).toBe(0);
    expect(validate.stderr).toMatch(warning);
    expect(validate.stdout).toMatch(/valid scenario/);
    expect(runCli(['validate', long, '--quiet'])).toEqual({ code: 0, stdout: '', stderr: '' });
    // The shortest run that is warned of: 1,001,000 ticks of a small guest (about 10 s inline).
    const run = runCli(['run', long, '--placement', 'inline', '--duration', '1001s', '--json']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: .*: tick: a run of 1001s in ticks of 1ms is 1,001,000 ticks; .* it takes 100 s or more/);
    expect(JSON.parse(run.stdout)).toMatchObject({ ticks: 1_001_000, audit: { violations: 0 } });
  });

  it('shows overcommit as a note in validate, not in run', () => {
    const path = file('host: { memory: 4GiB }\nguests: [ { name: a, count: 3, memory: 2GiB } ]\nduration: 5s\n');
    const validate = runCli(['validate', path]);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toMatch(/note: .*: guests: overcommitted: the guests boot with 6 GiB, 150 % of the 4 GiB the host can give them/);
    expect(validate.stderr).toBe('');
    expect(validate.stdout).toMatch(/a run needs about [\d.]+ MiB of memory \(\d worker threads?, without --out\)/);
    expect(runCli(['run', path, '--placement', 'inline']).stderr).toBe('');
  });

  it('checks --out before the run: a file is refused at once with exit 2', () => {
    const path = file('host: { memory: 4GiB }\nguests: [ { name: a, memory: 1GiB } ]\nduration: 10000h\ntick: 1s\n');
    // A run of 36 million ticks (the preflight warns of them first): only a check before the run can answer at once.
    for (const out of ['/etc/passwd', '/etc/passwd/inside', file('not a folder', 'txt')]) {
      const run = runCli(['run', path, '--out', out, '--placement', 'inline']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^balloonsim: warning: .*: tick: a run of 10000h in ticks of 1s is 36,000,000 ticks; .*\nballoonsim: --out ".*"(: cannot create the folder: a part of the path is a file, not a folder| is a file, not a folder)/);
      expect(run.stderr).not.toMatch(STACK_LINE);
    }
  });

  it('never echoes binary: a file that is not UTF-8 text, or holds control characters, says so with its position', () => {
    const garbage = Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xeb, 0xfe, 0x00, 0x01, 0x9b, 0x5b, 0x32, 0x4a, 0xff]);
    const stderr = refusedByBoth(file(garbage));
    expect(stderr).toMatch(/:1:7: the file is not text: byte 6 \(0xeb\) is not UTF-8/);
    const controls = refusedByBoth(file('host: { memory: 1GiB }\nguests: [ { name: "a\u001b[2Jb", memory: 1GiB } ]\n'));
    expect(controls).toMatch(/:2:21: the file is not text: it holds the character U\+001B/);
    // eslint-disable-next-line no-control-regex
    for (const text of [stderr, controls]) expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\ufffd]/);
  });

  it('says a deeply nested file nests too deeply, with where (no "Maximum call stack size exceeded")', () => {
    const flow = refusedByBoth(file(`${'['.repeat(3000)}${']'.repeat(3000)}`, 'json'));
    expect(flow).toMatch(/:1:64: the document nests more than 64 levels deep/);
    const block = refusedByBoth(file(Array.from({ length: 3000 }, (_, depth) => `${'  '.repeat(depth)}a:`).join('\n')));
    expect(block).toMatch(/:65:129: the document nests more than 64 levels deep/);
    const inHost = refusedByBoth(file(`{"host": ${'{"a": '.repeat(3000)}1${'}'.repeat(3000)}}`, 'json'));
    expect(inHost).toMatch(/the document nests more than 64 levels deep/);
    for (const text of [flow, block, inHost]) expect(text).not.toMatch(/call stack/i);
  });

  it('holds for grid files too: binary and deep nesting are refused with a position by sweep', () => {
    for (const [text, message] of [
      [Buffer.from([0x62, 0x61, 0x73, 0x65, 0x3a, 0x20, 0xff, 0xfe, 0x00, 0x1b]), /the file is not text: it holds the character U\+FFFD/],
      [`${'['.repeat(3000)}${']'.repeat(3000)}`, /:1:64: the document nests more than 64 levels deep/],
    ] as const) {
      const run = runCli(['sweep', file(text)]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(STACK_LINE);
      // eslint-disable-next-line no-control-regex
      expect(run.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\ufffd]/);
    }
  });
});
