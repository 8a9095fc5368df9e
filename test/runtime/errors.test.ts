/** Unit tests of src/runtime/errors.ts: run failures and errors serialized to cross a thread. */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { builtFile, RunFailure, serializeError } from '../../src/runtime/errors.js';

describe('RunFailure', () => {
  it('carries a stable code with its message', () => {
    const failure = new RunFailure('WORKER_DIED', 'worker 2 exited');
    expect(failure).toBeInstanceOf(Error);
    expect(failure).toMatchObject({ name: 'RunFailure', code: 'WORKER_DIED', message: 'worker 2 exited' });
  });
});

describe('serializeError', () => {
  it('keeps name, message and stack of an Error, with the code given', () => {
    const error = new RangeError('too far');
    expect(serializeError(error, 'GUEST_THREW')).toEqual({ name: 'RangeError', message: 'too far', stack: error.stack, code: 'GUEST_THREW' });
  });

  it('leaves the stack out when there is none, and turns anything thrown into an Error record', () => {
    const error = new Error('no stack');
    delete (error as { stack?: string }).stack;
    expect(serializeError(error, 'X')).toEqual({ name: 'Error', message: 'no stack', code: 'X' });
    expect(serializeError('a string', 'Y')).toEqual({ name: 'Error', message: 'a string', code: 'Y' });
    expect(serializeError(undefined, 'Z')).toEqual({ name: 'Error', message: 'undefined', code: 'Z' });
  });

  it('gives a record that survives structured cloning', () => {
    const record = serializeError(new TypeError('t'), 'C');
    expect(structuredClone(record)).toEqual(record);
  });
});

describe('builtFile', () => {
  it('gives the path of a compiled file that is there, and a NOT_BUILT failure naming the file when it is not', () => {
    const here = new URL(import.meta.url);
    expect(builtFile(here, 'this test')).toBe(fileURLToPath(here));
    const missing = new URL('./no-such-file.js', here);
    expect(() => builtFile(missing, 'the worker code')).toThrow(RunFailure);
    try {
      builtFile(missing, 'the worker code');
    } catch (error) {
      expect(error).toMatchObject({ code: 'NOT_BUILT', message: `the worker code is missing at ${fileURLToPath(missing)}; run \`npm run build\` first` });
    }
  });
});
