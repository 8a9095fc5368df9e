/** Unit tests of src/util/built-file.ts: the compiled files threads run. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compiledFile } from '../../src/util/built-file.js';

describe('compiledFile', () => {
  it('gives the path of a file that is there', () => {
    const here = new URL(import.meta.url);
    expect(compiledFile(here, 'this test')).toBe(fileURLToPath(here));
  });

  it('says which file is missing and to build, as an Error or as the caller makes it', () => {
    const missing = new URL('./no-such-file.js', import.meta.url);
    const sentence = `the policy watchdog is missing at ${fileURLToPath(missing)}; run \`npm run build\` first`;
    expect(() => compiledFile(missing, 'the policy watchdog')).toThrow(new Error(sentence));
    expect(() => compiledFile(missing, 'the policy watchdog', (message) => new RangeError(`made: ${message}`))).toThrow(RangeError);
    expect(() => compiledFile(missing, 'the policy watchdog', (message) => new RangeError(`made: ${message}`))).toThrow(`made: ${sentence}`);
  });
});
