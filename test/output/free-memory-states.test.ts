import { describe, expect, it } from 'vitest';
import { freeMemoryStates, nextFreeMemoryState } from '../../src/output/free-memory-states.js';

describe('free-memory states (ESX: high 6 %, soft 4 %, hard 2 %, low 1 %)', () => {
  it('fall at once to the state of the lowest threshold crossed', () => {
    expect(nextFreeMemoryState('high', 0.05)).toBe('high');
    expect(nextFreeMemoryState('high', 0.039)).toBe('soft');
    expect(nextFreeMemoryState('high', 0.019)).toBe('hard');
    expect(nextFreeMemoryState('high', 0.005)).toBe('low');
  });

  it('climb back only past the threshold of the state climbed to (hysteresis)', () => {
    expect(nextFreeMemoryState('soft', 0.05)).toBe('soft');
    expect(nextFreeMemoryState('soft', 0.06)).toBe('high');
    expect(nextFreeMemoryState('low', 0.015)).toBe('low');
    expect(nextFreeMemoryState('low', 0.025)).toBe('hard');
    expect(nextFreeMemoryState('low', 0.045)).toBe('soft');
    expect(nextFreeMemoryState('hard', 0.07)).toBe('high');
  });

  it('follow a series from high', () => {
    expect(freeMemoryStates([0.1, 0.05, 0.035, 0.05, 0.059, 0.061, 0.009, 0.03])).toEqual(['high', 'high', 'soft', 'soft', 'soft', 'high', 'low', 'hard']);
  });
});
