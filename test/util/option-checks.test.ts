import { describe, expect, it } from 'vitest';
import { checkAbortSignal, checkOptionalFunction, refuseUnknownOptions } from '../../src/util/option-checks.js';

describe('option checks', () => {
  it('refuses unknown keys, naming them, the closest known one and the list', () => {
    expect(() => refuseUnknownOptions({ seed: 1 }, ['seed', 'placement'], 'f')).not.toThrow();
    expect(() => refuseUnknownOptions({ placment: 'inline', x: 1 }, ['seed', 'placement'], 'f')).toThrow(
      new TypeError('f: unknown options "placment", "x" (did you mean "placement"? the options are seed, placement)'),
    );
    expect(() => refuseUnknownOptions({ zzzzzz: 1 }, ['seed'], 'f')).toThrow(new TypeError('f: unknown option "zzzzzz" (the options are seed)'));
  });

  it('takes an AbortSignal or nothing as a signal', () => {
    expect(() => checkAbortSignal(undefined, 'f')).not.toThrow();
    expect(() => checkAbortSignal(new AbortController().signal, 'f')).not.toThrow();
    expect(() => checkAbortSignal({ aborted: false }, 'f')).toThrow(/^f: signal must be an AbortSignal .*got a mapping/);
  });

  it('takes a function or nothing as a callback', () => {
    expect(() => checkOptionalFunction(undefined, 'onSample', 'f')).not.toThrow();
    expect(() => checkOptionalFunction(() => undefined, 'onSample', 'f')).not.toThrow();
    expect(() => checkOptionalFunction(5, 'onSample', 'f')).toThrow(new TypeError('f: onSample must be a function, got 5'));
  });
});
