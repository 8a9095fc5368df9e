/** The guest model's defaults: the numbers the model uses are the texts the schema shows. */
import { describe, expect, it } from 'vitest';
import {
  FAULT_LATENCY_DEFAULTS,
  FAULT_LATENCY_TEXT_DEFAULTS,
  HOST_SWAP_FAULT_MS_DEFAULT,
  HOST_SWAP_FAULT_TEXT_DEFAULT,
  HOT_TOUCH_INTERVAL_MS_DEFAULT,
  LINUX_DEFAULTS,
  SKEW_DEFAULT,
  SKEW_MAX,
} from '../../src/model/defaults.js';
import { parseLatency } from '../../src/model/latency.js';

describe('the model defaults', () => {
  it('are the fault costs the schema shows as defaults', () => {
    expect(FAULT_LATENCY_DEFAULTS).toEqual({
      minorMs: parseLatency(FAULT_LATENCY_TEXT_DEFAULTS.minor, 'minor'),
      majorMs: parseLatency(FAULT_LATENCY_TEXT_DEFAULTS.major, 'major'),
      refaultMs: parseLatency(FAULT_LATENCY_TEXT_DEFAULTS.refault, 'refault'),
    });
    expect(FAULT_LATENCY_DEFAULTS.minorMs).toBeCloseTo(0.001, 12);
    expect(FAULT_LATENCY_DEFAULTS.majorMs).toBeCloseTo(0.75, 12);
    expect(FAULT_LATENCY_DEFAULTS.refaultMs).toBeCloseTo(0.04, 12);
  });

  it('put a host swap fault at the text the schema shows', () => {
    expect(parseLatency(HOST_SWAP_FAULT_TEXT_DEFAULT, 'swapFault')).toBe(HOST_SWAP_FAULT_MS_DEFAULT);
  });

  it('touch hot pages once a second with a skew of 16, within the largest skew', () => {
    expect(HOT_TOUCH_INTERVAL_MS_DEFAULT).toBe(1000);
    expect(SKEW_DEFAULT).toBe(16);
    expect(SKEW_DEFAULT).toBeLessThanOrEqual(SKEW_MAX);
  });

  it('describe a Debian 12 guest kernel', () => {
    expect(LINUX_DEFAULTS).toEqual({ thp: true, watermarkScale: 0.001, pageCluster: 3, readAheadBytes: 128 * 1024 });
  });
});
