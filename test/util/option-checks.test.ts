import { describe, expect, it } from 'vitest';
import { checkAbortSignal, checkOptionalChoice, checkOptionalCount, checkOptionalFunction, checkOptionsObject, refuseUnknownOptions } from '../../src/util/option-checks.js';

describe('option checks', () => {
  it('refuses unknown keys, naming them, the closest known one and the list', () => {
    expect(() => refuseUnknownOptions({ seed: 1 }, ['seed', 'placement'], 'f')).not.toThrow();
    expect(() => refuseUnknownOptions({ placment: 'inline', x: 1 }, ['seed', 'placement'], 'f')).toThrow(
      new TypeError('f: unknown options "placment", "x" (did you mean "placement"? the options are seed, placement)'),
    );
    expect(() => refuseUnknownOptions({ zzzzzz: 1 }, ['seed'], 'f')).toThrow(new TypeError('f: unknown option "zzzzzz" (the options are seed)'));
    expect(() => refuseUnknownOptions({ nam: 1, x: 2 }, ['name'], 'f: the spec', 'key')).toThrow(new TypeError('f: the spec: unknown keys "nam", "x" (did you mean "name"? the keys are name)'));
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

  it('takes an object of known keys as options, and says what it takes when given something else', () => {
    expect(() => checkOptionsObject({ seed: 1 }, ['seed', 'placement'], 'f')).not.toThrow();
    expect(() => checkOptionsObject(null, ['seed', 'placement'], 'f')).toThrow(new TypeError('f: options must be an object ({ seed, placement }, each optional), got null (an empty value)'));
    expect(() => checkOptionsObject(['inline'], ['seed'], 'f')).toThrow(new TypeError('f: options must be an object ({ seed }, each optional), got a list of 1 item'));
    expect(() => checkOptionsObject({ sed: 1 }, ['seed'], 'f')).toThrow(/^f: unknown option "sed" \(did you mean "seed"\?/);
  });

  it('takes a whole number of at least the minimum, or nothing, as a count', () => {
    expect(() => checkOptionalCount(undefined, 'workers', 'f', 1)).not.toThrow();
    expect(() => checkOptionalCount(3, 'workers', 'f', 1)).not.toThrow();
    expect(() => checkOptionalCount(0, 'workers', 'f', 1)).toThrow(new RangeError('f: workers must be a whole number of at least 1, got 0'));
    expect(() => checkOptionalCount('3', 'workers', 'f', 1)).toThrow(new RangeError('f: workers must be a whole number of at least 1, got "3"'));
  });

  it('takes one of the choices, or nothing, and suggests the closest one', () => {
    expect(() => checkOptionalChoice(undefined, 'placement', ['inline', 'workers'], 'f')).not.toThrow();
    expect(() => checkOptionalChoice('inline', 'placement', ['inline', 'workers'], 'f')).not.toThrow();
    expect(() => checkOptionalChoice('Inline', 'placement', ['inline', 'workers'], 'f')).toThrow(new RangeError(`f: placement must be 'inline' or 'workers', got "Inline" (did you mean "inline"?)`));
    expect(() => checkOptionalChoice(1, 'mode', ['a', 'b', 'c'], 'f')).toThrow(new RangeError(`f: mode must be one of 'a', 'b', 'c', got 1`));
  });
});
