import { describe, expect, it } from 'vitest';
import { FreeMemoryMonitor } from '../../../src/host/manager/free-memory-state.js';

describe('host free-memory states (ESX thresholds 6 %, 4 %, 2 %, 1 %)', () => {
  it('enters a state below its threshold and leaves it only at the threshold above (hysteresis)', () => {
    const monitor = new FreeMemoryMonitor(1000);
    expect(monitor.thresholds).toEqual({ highFrames: 60, softFrames: 40, hardFrames: 20, lowFrames: 10 });
    const walk: Array<[number, string]> = [
      [100, 'high'],
      [50, 'high'], // between soft and high on the way down: still high
      [39, 'soft'],
      [45, 'soft'], // back above soft, not yet at high
      [59, 'soft'],
      [60, 'high'],
      [15, 'hard'], // two steps down at once
      [9, 'low'],
      [15, 'low'], // above low, below hard
      [20, 'hard'],
      [39, 'hard'],
      [40, 'soft'],
      [0, 'low'],
      [1000, 'high'], // three steps up at once
    ];
    expect(walk.map(([free]) => (monitor.update(free), monitor.state))).toEqual(walk.map(([, state]) => state));
    expect(monitor.stateTicks).toEqual({ high: 4, soft: 4, hard: 3, low: 3 });
  });

  it('reports each change once', () => {
    const monitor = new FreeMemoryMonitor(1000);
    expect(monitor.update(100)).toBeNull();
    expect(monitor.update(30)).toEqual({ from: 'high', to: 'soft' });
    expect(monitor.update(30)).toBeNull();
    expect(monitor.update(70)).toEqual({ from: 'soft', to: 'high' });
  });

  it('with every threshold at 0 stays high', () => {
    const monitor = new FreeMemoryMonitor(1000, { high: 0, soft: 0, hard: 0, low: 0 });
    for (const free of [0, 1, 500]) monitor.update(free);
    expect(monitor.stateTicks).toEqual({ high: 3, soft: 0, hard: 0, low: 0 });
  });

  it('refuses thresholds out of order', () => {
    expect(() => new FreeMemoryMonitor(1000, { high: 0.04, soft: 0.06, hard: 0.02, low: 0.01 })).toThrow(/^FreeMemoryMonitor: thresholds/);
  });
});
