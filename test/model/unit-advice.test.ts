/** What a refused unit gets told: why, and what to write instead. */
import { describe, expect, it } from 'vitest';
import { DURATION_UNIT_MS, DURATION_UNITS_TEXT, SIZE_UNIT_BYTES, SIZE_UNITS_TEXT, durationUnitAdvice, sizeUnitAdvice } from '../../src/model/unit-advice.js';

describe('the unit tables', () => {
  it('hold powers of 2 and of 10 for sizes, and whole milliseconds for durations', () => {
    expect(SIZE_UNIT_BYTES['B']).toBe(1);
    expect(SIZE_UNIT_BYTES['KiB']).toBe(2 ** 10);
    expect(SIZE_UNIT_BYTES['GB']).toBe(1e9);
    expect(SIZE_UNIT_BYTES['TiB']).toBe(2 ** 40);
    expect(DURATION_UNIT_MS).toEqual({ ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 });
  });

  it('name every accepted unit in the texts the messages list', () => {
    for (const unit of Object.keys(SIZE_UNIT_BYTES)) expect(SIZE_UNITS_TEXT).toContain(unit);
    for (const unit of Object.keys(DURATION_UNIT_MS)) expect(DURATION_UNITS_TEXT).toContain(unit);
  });
});

describe('sizeUnitAdvice', () => {
  it('turns spelled-out units into their symbols', () => {
    expect(sizeUnitAdvice('4 gigabytes', '4', 'gigabytes').hint).toContain('4GB');
    expect(sizeUnitAdvice('2 mebibytes', '2', 'mebibytes').hint).toContain('2MiB');
  });

  it('suggests a close unit, or gives an example, and lists the accepted ones', () => {
    const near = sizeUnitAdvice('4GiBB', '4', 'GiBB');
    expect(near.reason).toBe(`"4GiBB" has an unknown unit "GiBB"; accepted units: ${SIZE_UNITS_TEXT}`);
    expect(near.hint).toBe('did you mean 4GiB?');
    expect(sizeUnitAdvice('4zorks', '4', 'zorks').hint).toBe('for example 512MiB');
  });
});

describe('durationUnitAdvice', () => {
  it('turns words into units', () => {
    expect(durationUnitAdvice('5 minutes', '5', 'minutes')).toEqual({ reason: '"5 minutes" has an unknown unit "minutes"', hint: 'write 5m' });
    expect(durationUnitAdvice('2 secs', '2', 'secs').hint).toBe('write 2s');
    expect(durationUnitAdvice('3 days', '3', 'days').hint).toBe('write 3d');
  });

  it('explains sub-millisecond, combined, too large and size units', () => {
    expect(durationUnitAdvice('5us', '5', 'us')).toEqual({ reason: '"5us": durations are whole milliseconds and the smallest unit is ms', hint: 'write 1ms or more' });
    expect(durationUnitAdvice('1h30m', '1', 'h30m').reason).toBe('"1h30m": combined durations are not accepted');
    expect(durationUnitAdvice('2w', '2', 'w').hint).toBe('write it in days, e.g. 7d');
    expect(durationUnitAdvice('5MiB', '5', 'MiB')).toEqual({ reason: '"5MiB" is a size, but a duration is expected here', hint: 'write a duration such as 5s' });
  });

  it('suggests a close unit, or gives an example', () => {
    expect(durationUnitAdvice('10x', '10', 'x').hint).toBe('did you mean 10s?');
    expect(durationUnitAdvice('10 fortnights!', '10', 'fortnights!').hint).toBe('for example 30s');
  });
});
