import { describe, expect, it } from 'vitest';
import { newBalloonDriverCounters } from '../../src/guest/balloon-counters.js';

describe('newBalloonDriverCounters', () => {
  it('starts every count at 0 and the "not yet" times at -1', () => {
    const counters = newBalloonDriverCounters();
    const notYet = ['inflateToTargetMs', 'deflateToTargetMs'];
    for (const [name, value] of Object.entries(counters)) expect([name, value]).toEqual([name, notYet.includes(name) ? -1 : 0]);
  });

  it('gives each driver counters of its own', () => {
    const a = newBalloonDriverCounters();
    const b = newBalloonDriverCounters();
    a.inflatedPages = 5;
    expect(b.inflatedPages).toBe(0);
  });
});
