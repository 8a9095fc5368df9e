import { describe, expect, it } from 'vitest';
import { SwapDevice, VmEvents } from '../../src/guest/vm-events.js';

describe('VmEvents', () => {
  it('starts every /proc/vmstat-like total at 0', () => {
    for (const [name, value] of Object.entries(new VmEvents())) expect([name, value]).toEqual([name, 0]);
  });
});

describe('SwapDevice', () => {
  it('has its capacity free until pages are used', () => {
    const swap = new SwapDevice(100);
    expect(swap.freePages).toBe(100);
    swap.usedPages = 30;
    expect(swap.freePages).toBe(70);
    expect(new SwapDevice(0).freePages).toBe(0);
  });

  it('refuses a capacity that is not a whole number of pages >= 0, naming itself', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => new SwapDevice(bad)).toThrow(/^SwapDevice: capacityPages must be a whole number >= 0, got /);
  });
});
