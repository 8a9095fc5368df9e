/** Latencies: durations shorter than a millisecond, as page fault costs are. */
import { describe, expect, it } from 'vitest';
import { LATENCY_MS_MAX, LATENCY_PATTERN, parseLatency } from '../../src/model/latency.js';
import { UnitError } from '../../src/model/unit-error.js';

describe('parseLatency', () => {
  it('reads sub-millisecond latencies in ns, us, µs, ms and s, as milliseconds', () => {
    expect(parseLatency('150us', 'x')).toBeCloseTo(0.15, 12);
    expect(parseLatency('150µs', 'x')).toBeCloseTo(0.15, 12);
    expect(parseLatency('800ns', 'x')).toBeCloseTo(0.0008, 12);
    expect(parseLatency('0.5ms', 'x')).toBe(0.5);
    expect(parseLatency('1 s', 'x')).toBe(1000);
  });

  it('refuses a bare number, an unknown unit and a latency of minutes, saying what to write', () => {
    expect(() => parseLatency(150, 'faults.major')).toThrow(/^faults\.major: 150 has no unit; accepted units: ns, us \(or µs\), ms or s \(write 150us\)/);
    expect(() => parseLatency('150', 'x')).toThrow(/has no unit.*write 150us/);
    expect(() => parseLatency('150 parsecs', 'x')).toThrow(/unknown unit "parsecs"/);
    expect(() => parseLatency('2m', 'x')).toThrow(/page fault takes microseconds/);
    expect(() => parseLatency('1h', 'x')).toThrow(/page fault takes microseconds/);
  });
});

describe('the latency pattern of the JSON Schema', () => {
  it('matches what parseLatency reads and not a bare number', () => {
    const pattern = new RegExp(LATENCY_PATTERN);
    for (const text of ['150us', '0.5ms', '800ns', '1s', '.5ms', '150µs', '2 ms']) {
      expect(pattern.test(text), text).toBe(true);
      expect(() => parseLatency(text, 'x')).not.toThrow();
    }
    for (const text of ['150', '1m', '2h', 'ms']) expect(pattern.test(text), text).toBe(false);
  });

  it('refuses a latency longer than its maximum with a UnitError naming the value', () => {
    const error = (() => {
      try {
        parseLatency(`${LATENCY_MS_MAX + 1}ms`, 'guests[0].faults.major');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UnitError);
    expect((error as UnitError).where).toBe('guests[0].faults.major');
    expect((error as UnitError).message).toMatch(/^guests\[0\]\.faults\.major: "10001ms" is longer than 10s/);
    expect(parseLatency(`${LATENCY_MS_MAX}ms`, 'x')).toBe(LATENCY_MS_MAX);
  });
});
