import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnitError } from '../../src/model/unit-error.js';
import { formatBytes, formatBytesApprox, formatDuration, parseDuration, parsePercent, parseSize, parseSizeOrPercent } from '../../src/model/units.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';

/** The UnitError that `fn` throws. */
function unitError(fn: () => unknown): UnitError {
  try {
    fn();
  } catch (error) {
    if (error instanceof UnitError) return error;
    throw error;
  }
  throw new Error('expected a UnitError, but nothing was thrown');
}

describe('parseSize and parseDuration called without a where (as the library exports them)', () => {
  it('name themselves in the message, not "undefined"', () => {
    // `where` was required in the types but not at run time: a JavaScript caller got "undefined: "5" has no unit, ...".
    expect(() => (parseSize as (value: unknown) => number)('5')).toThrow(/^parseSize: "5" has no unit/);
    expect(() => (parseDuration as (value: unknown) => number)('5')).toThrow(/^parseDuration: "5" has no unit/);
    expect(parseSize('1KiB')).toBe(1024);
    expect(parseDuration('2s')).toBe(2000);
  });
});

describe('parseSize', () => {
  it.each([
    ['0B', 0],
    ['512B', 512],
    ['1KiB', 1024],
    ['1MiB', 2 ** 20],
    ['4GiB', 4 * 2 ** 30],
    ['2TiB', 2 * 2 ** 40],
    ['1KB', 1e3],
    ['1MB', 1e6],
    ['1GB', 1e9],
    ['3TB', 3e12],
  ])('reads %s as %d bytes', (text, bytes) => {
    expect(parseSize(text, 'x')).toBe(bytes);
  });

  it('reads decimals exactly and rounds to the nearest byte', () => {
    expect(parseSize('1.5GB', 'x')).toBe(1_500_000_000);
    expect(parseSize('1.5GiB', 'x')).toBe(1.5 * 2 ** 30);
    expect(parseSize('.5KiB', 'x')).toBe(512);
    expect(parseSize('1.1GiB', 'x')).toBe(1181116006); // 1181116006.4
    expect(parseSize('0.1KB', 'x')).toBe(100);
  });

  it('accepts one space between number and unit', () => {
    expect(parseSize('4 GiB', 'x')).toBe(4 * 2 ** 30);
    expect(unitError(() => parseSize('4  GiB', 'x')).reason).toMatch(/more than one space/);
  });

  it('refuses bits with a hint that names the byte units', () => {
    const error = unitError(() => parseSize('512Mb', 'guests[0].memory'));
    expect(error.hint).toBe('b is bits; write MB (10^6 bytes) or MiB (2^20 bytes)');
    expect(error.message).toMatch(/^guests\[0\]\.memory: /);
    expect(unitError(() => parseSize('1Gib', 'x')).hint).toBe('b is bits; write GiB (2^30 bytes)');
    expect(unitError(() => parseSize('8b', 'x')).hint).toBe('b is bits; write B (bytes)');
    expect(unitError(() => parseSize('100kb', 'x')).hint).toMatch(/^b is bits; write KB/);
  });

  it('refuses bare numbers, listing the units and giving an example', () => {
    for (const value of [512, '512']) {
      const error = unitError(() => parseSize(value, 'x'));
      expect(error.reason).toContain('B, KiB, MiB, GiB, TiB (powers of 2) or KB, MB, GB, TB (powers of 10)');
      expect(error.hint).toBe('for example 512MiB');
    }
  });

  it.each([
    ['512mib', 'write MiB (2^20 bytes)'],
    ['512MIB', 'write MiB (2^20 bytes)'],
    ['2Mi', 'write MiB (2^20 bytes)'],
    ['2M', 'write MB (10^6 bytes) or MiB (2^20 bytes)'],
    ['2G', 'write GB (10^9 bytes) or GiB (2^30 bytes)'],
    ['2k', 'write KB (10^3 bytes) or KiB (2^10 bytes)'],
    ['2gb', 'write GB (10^9 bytes) or GiB (2^30 bytes)'],
    ['2 bytes', 'write 2B'],
    ['2GiBs', 'did you mean 2GiB?'],
  ])('suggests the accepted spelling for %s', (text, hint) => {
    expect(unitError(() => parseSize(text, 'x')).hint).toBe(hint);
  });

  it('refuses negative, non-finite and malformed values', () => {
    expect(unitError(() => parseSize('-1GiB', 'x')).reason).toMatch(/negative/);
    expect(unitError(() => parseSize(Number.NaN, 'x')).reason).toMatch(/NaN is not a size/);
    expect(unitError(() => parseSize(Number.POSITIVE_INFINITY, 'x')).reason).toMatch(/Infinity is not a size/);
    expect(unitError(() => parseSize('NaN GiB', 'x')).reason).toMatch(/must start with a number/);
    expect(unitError(() => parseSize('Infinity', 'x')).reason).toMatch(/must start with a number/);
    expect(unitError(() => parseSize('1e3MiB', 'x')).reason).toMatch(/exponent/);
    expect(unitError(() => parseSize('', 'x')).reason).toMatch(/empty/);
    expect(unitError(() => parseSize(true, 'x')).reason).toMatch(/expected a size/);
    expect(unitError(() => parseSize('0.5B', 'x')).reason).toMatch(/whole number of bytes/);
    expect(unitError(() => parseSize('9000TiB', 'x')).reason).toMatch(/too large/);
  });
});

describe('parseSizeOrPercent and parsePercent', () => {
  it('reads either a size or a percentage', () => {
    expect(parseSizeOrPercent('2GiB', 'x')).toEqual({ bytes: 2 * 2 ** 30 });
    expect(parseSizeOrPercent('50%', 'x')).toEqual({ percentOfMax: 50 });
    expect(parseSizeOrPercent('12.5 %', 'x')).toEqual({ percentOfMax: 12.5 });
  });

  it('keeps percentages above 0 and at most 100', () => {
    expect(unitError(() => parseSizeOrPercent('0%', 'x')).reason).toMatch(/out of range/);
    expect(unitError(() => parseSizeOrPercent('101%', 'x')).reason).toMatch(/out of range/);
    expect(parsePercent('0%', 'x', { allowZero: true })).toBe(0);
  });

  it('mentions percentages when refusing a bare number', () => {
    expect(unitError(() => parseSizeOrPercent(50, 'x')).reason).toMatch(/or % for a percentage/);
  });
});

describe('parseDuration', () => {
  it.each([
    ['100ms', 100],
    ['1s', 1000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['0s', 0],
    ['1 h', 3_600_000],
    ['.25s', 250],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text, 'x')).toBe(ms);
  });

  it('refuses bare numbers, listing the units', () => {
    const error = unitError(() => parseDuration(30, '--duration'));
    expect(error.reason).toContain('ms, s, m (minutes), h or d');
    expect(error.hint).toBe('for example 30s');
    expect(error.message).toMatch(/^--duration: /);
    expect(unitError(() => parseDuration('30', 'x')).reason).toContain('ms, s, m (minutes), h or d');
  });

  it('refuses what is not a whole number of milliseconds', () => {
    expect(unitError(() => parseDuration('0.1ms', 'x')).reason).toMatch(/not a whole number of milliseconds/);
    expect(unitError(() => parseDuration('1.0005s', 'x')).hint).toMatch(/1001ms/);
  });

  it.each([
    ['10sec', 'write 10s'],
    ['10min', 'write 10m'],
    ['2hours', 'write 2h'],
    ['10S', 'write 10s'],
    ['5us', 'write 1ms or more'],
    ['1h30m', 'write one number and one unit, e.g. 90m instead of 1h30m'],
    ['1GiB', 'write a duration such as 1s'],
  ])('suggests the accepted spelling for %s', (text, hint) => {
    expect(unitError(() => parseDuration(text, 'x')).hint).toBe(hint);
  });

  it('refuses negative and non-finite values', () => {
    expect(unitError(() => parseDuration('-1s', 'x')).reason).toMatch(/negative/);
    expect(unitError(() => parseDuration(Number.NaN, 'x')).reason).toMatch(/not a duration/);
  });
});

describe('formatBytes and formatDuration', () => {
  it('prints exact, readable sizes', () => {
    expect(formatBytes(1.5 * 2 ** 30)).toBe('1.5 GiB');
    expect(formatBytes(4096)).toBe('4 KiB');
    expect(formatBytes(1000)).toBe('1000 B');
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1.125 * 2 ** 40)).toBe('1.125 TiB');
    expect(formatBytes(1181116006)).toBe('1181116006 B');
    expect(formatBytes(-2 * 2 ** 20)).toBe('-2 MiB');
  });

  it('prints short sizes for tables', () => {
    expect(formatBytesApprox(1181116006)).toBe('1.1 GiB');
    expect(formatBytesApprox(1141512 * 1024)).toBe('1.09 GiB');
    expect(formatBytesApprox(4 * 2 ** 30)).toBe('4 GiB');
    expect(formatBytesApprox(95744)).toBe('93.5 KiB');
    expect(formatBytesApprox(300 * 2 ** 20 + 12345)).toBe('300 MiB');
    expect(formatBytesApprox(12)).toBe('12 B');
  });

  it('prints exact, readable durations', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(1_200_000)).toBe('20m');
    expect(formatDuration(7_200_000)).toBe('2h');
    expect(formatDuration(86_400_000)).toBe('1d');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(61_234)).toBe('61.234s');
  });

  it('write what they are given, NaN included (for the simulator\'s reports; the library exports checked ones, api/format.ts)', () => {
    expect(formatBytes(Number.NaN)).toBe('NaN B');
    expect(formatBytesApprox(Number.POSITIVE_INFINITY)).toBe('Infinity B');
    expect(formatDuration(Number.NaN)).toBe('NaNms');
  });

  it('still write fractions and figures beyond 2^53 as they are', () => {
    expect(formatBytes(1.5)).toBe('1.5 B');
    expect(formatBytes(2 ** 60)).toBe(`${2 ** 60} B`);
    expect(formatDuration(2.5)).toBe('2.5ms');
  });
});

const sizeParams = propertyParams<[number]>('formatBytes then parseSize gives the same bytes', { numRuns: 500 });
const durationParams = propertyParams<[number]>('formatDuration then parseDuration gives the same ms', { numRuns: 500 });

describe(`units round-trip ${describeSeed(sizeParams.seed)}`, () => {
  const bytesArb = fc.oneof(
    fc.nat(),
    fc.maxSafeNat(),
    fc.tuple(fc.nat({ max: 8191 }), fc.constantFrom(1, 2 ** 10, 2 ** 20, 2 ** 30, 2 ** 40)).map(([n, unit]) => n * unit),
    fc.tuple(fc.nat({ max: 100_000 }), fc.constantFrom(2 ** 7, 2 ** 17, 2 ** 27)).map(([n, unit]) => n * unit),
  );
  it(sizeParams.name, () => {
    assertProperty(fc.property(bytesArb, (bytes) => parseSize(formatBytes(bytes), 'x') === bytes), sizeParams);
  });

  const msArb = fc.oneof(fc.nat(), fc.maxSafeNat(), fc.nat({ max: 100_000 }).map((n) => n * 1000));
  it(durationParams.name, () => {
    assertProperty(fc.property(msArb, (ms) => parseDuration(formatDuration(ms), 'x') === ms), durationParams);
  });
});
