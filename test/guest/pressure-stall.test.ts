import { describe, expect, it } from 'vitest';
import { PressureStall } from '../../src/guest/pressure-stall.js';

describe('PressureStall', () => {
  it('averages the stalled share of each tick over 10, 60 and 300 s', () => {
    const psi = new PressureStall(1000);
    for (let tick = 0; tick < 600; tick++) {
      psi.beginTick();
      psi.task(500, true); // half of every second stalled
      psi.endTick();
    }
    expect(psi.some[0]).toBeCloseTo(0.5, 6);
    expect(psi.some[1]).toBeCloseTo(0.5, 3);
    expect(psi.some[2]).toBeGreaterThan(0.4);
    expect(psi.full[0]).toBeCloseTo(0.5, 6);
    expect(psi.someMsTotal).toBeCloseTo(300_000, 6);
    // Stall stops: the 10 s average decays by e each 10 s, the 300 s one much more slowly.
    for (let tick = 0; tick < 10; tick++) {
      psi.beginTick();
      psi.task(0, true);
      psi.endTick();
    }
    expect(psi.some[0]).toBeCloseTo(0.5 * Math.exp(-1), 6);
    expect(psi.some[2]).toBeGreaterThan(psi.some[0]!);
  });

  it('counts `some` when any task stalls and `full` only when every active task does', () => {
    const psi = new PressureStall(1000);
    psi.beginTick();
    psi.task(1000, true);
    psi.task(0, true);
    psi.endTick();
    expect(psi.someNow).toBe(1);
    expect(psi.fullNow).toBe(0);
    psi.beginTick();
    psi.task(1000, true);
    psi.task(0, false); // an idle task does not keep `full` at zero
    psi.endTick();
    expect(psi.fullNow).toBe(1);
    psi.beginTick();
    psi.endTick();
    expect(psi.someNow).toBe(0);
    expect(psi.fullNow).toBe(0);
  });
});
