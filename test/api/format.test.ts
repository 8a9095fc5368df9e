/** The unit formatters as the library exports them (src/api/format.ts): checked, then the simulator's own. */
import { describe, expect, it } from 'vitest';
import { formatBytes, formatBytesApprox, formatDuration } from '../../src/api/format.js';

describe('the exported formatters', () => {
  it('refuse what is not a finite number, which they wrote as "NaN B", "undefined B" or "abcms"', () => {
    expect(() => formatBytes(Number.NaN)).toThrow(
      new RangeError('formatBytes: bytes must be a finite number, got NaN (a figure computed from a missing or non-numeric value?); give a number of bytes, such as 1536'),
    );
    expect(() => formatBytesApprox(Number.POSITIVE_INFINITY)).toThrow(/^formatBytesApprox: bytes must be a finite number, got Infinity .*; give a number of bytes, such as 1536$/);
    expect(() => formatDuration(Number.NEGATIVE_INFINITY)).toThrow(/^formatDuration: ms must be a finite number, got -Infinity .*; give a number of milliseconds, such as 1500$/);
    expect(() => formatBytes(undefined as never)).toThrow(new TypeError('formatBytes: bytes must be a number of bytes, such as 1536, got nothing'));
    expect(() => formatBytesApprox('5' as never)).toThrow(new TypeError('formatBytesApprox: bytes must be a number of bytes, such as 1536, got "5"'));
    expect(() => formatDuration(null as never)).toThrow(new TypeError('formatDuration: ms must be a number of milliseconds, such as 1500, got null (an empty value)'));
  });

  it('format as the simulator\'s own do', () => {
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytesApprox(1_170_000_000)).toBe('1.09 GiB');
    expect(formatDuration(90_000)).toBe('90s');
  });
});
