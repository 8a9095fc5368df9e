/**
 * Unit tests of src/cli/main.ts, in this process: each kind of error gets its message
 * and exit code (2 for bad input, 1 for a failed run), never a stack trace for a user's mistake.
 */
import { describe, expect, it } from 'vitest';
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_RUN_FAILED, main, reportError } from '../../src/cli/main.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { InputError } from '../../src/output/input-error.js';
import { RunFailure } from '../../src/runtime/errors.js';
import { ScenarioError } from '../../src/scenario/errors.js';
import { UnitError } from '../../src/model/unit-error.js';
import { MergeError } from '../../src/sweep/merge.js';
import { SweepResumeError } from '../../src/sweep/progress.js';
import { capture } from '../support/capture.js';

describe('reportError', () => {
  it('prints a user mistake on one line (control characters escaped) and returns 2', async () => {
    for (const error of [new UsageError('bad flag'), new InputError('bad file'), new MergeError('bad merge'), new SweepResumeError('bad resume'), new UnitError('x', 'bad unit')]) {
      const { value, stderr } = await capture(() => reportError(error));
      expect(value).toBe(EXIT_BAD_INPUT);
      expect(stderr).toBe(`balloonsim: ${error.message}\n`);
    }
    const { stderr } = await capture(() => reportError(new UsageError('a\u0007b')));
    expect(stderr).toBe('balloonsim: a\\u{7}b\n');
  });

  it('prints every issue of a scenario error, file first, and returns 2', async () => {
    const error = new ScenarioError('s.yaml', [{ path: 'host.memory', message: 'too small', hint: 'raise it' }]);
    const { value, stderr } = await capture(() => reportError(error));
    expect(value).toBe(2);
    expect(stderr).toBe('s.yaml: host.memory: too small (raise it)\n');
  });

  it('reports a failed run with its code and returns 1', async () => {
    const { value, stderr } = await capture(() => reportError(new RunFailure('WORKER_DIED', 'the worker died')));
    expect(value).toBe(EXIT_RUN_FAILED);
    expect(stderr).toBe('balloonsim: the run failed (WORKER_DIED): the worker died\n');
  });

  it('reports anything else as an internal error with its stack, returning 1', async () => {
    const { value, stderr } = await capture(() => reportError(new TypeError('oops')));
    expect(value).toBe(1);
    expect(stderr).toMatch(/^balloonsim: internal error: TypeError: oops\n {4}at /);
    expect((await capture(() => reportError('text'))).stderr).toBe('balloonsim: internal error: text\n');
  });
});

describe('main', () => {
  it('with no arguments prints the help and returns 2', async () => {
    const { value, stdout } = await capture(() => main([]));
    expect(value).toBe(EXIT_BAD_INPUT);
    expect(stdout).toMatch(/Usage: balloonsim/);
  });

  it('returns 0 for --help and --version, 2 for an unknown command or flag', async () => {
    expect((await capture(() => main(['--help']))).value).toBe(EXIT_OK);
    const version = await capture(() => main(['--version']));
    expect(version.value).toBe(EXIT_OK);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
    const unknown = await capture(() => main(['frobnicate']));
    expect(unknown.value).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    const flag = await capture(() => main(['run', '--no-such-flag']));
    expect(flag.value).toBe(2);
    expect(flag.stderr).toMatch(/unknown option '--no-such-flag'/);
  });

  it('turns a bad flag value into exit 2 with what to write, before running anything', async () => {
    const { value, stderr, stdout } = await capture(() => main(['run', '--placement', 'inline', '--seed', 'x']));
    expect(value).toBe(2);
    expect(stderr).toBe('balloonsim: --seed takes a whole number, got "x"\n');
    expect(stdout).toBe('');
  });

  it('prints the JSON Schema of scenario and grid files', async () => {
    const grid = await capture(() => main(['schema', 'grid']));
    expect(grid.value).toBe(0);
    expect(JSON.parse(grid.stdout).title).toBe('balloonsim sweep grid');
  });
});
