import { describe, expect, it } from 'vitest';
import { hypervFloorBytes, hypervFloorPages, xenSelfballoonFloorBytes } from '../../../../src/messages/floors.js';
import { XenSelfballoonPolicy } from '../../../../src/host/manager/policies/xen-selfballoon-policy.js';
import { asObject, guestView, hostView } from './views.js';

const MiB = 2 ** 20;
const GIB_PAGES = 262_144;

describe('size-dependent floors', () => {
  it('Hyper-V: continuous, 1/2 down to 1/32 of the size', () => {
    expect(hypervFloorBytes(64 * MiB)).toBe(40 * MiB);
    expect(hypervFloorBytes(128 * MiB)).toBe(72 * MiB);
    expect(hypervFloorBytes(512 * MiB)).toBe(168 * MiB);
    expect(hypervFloorBytes(1024 * MiB)).toBe(232 * MiB);
    expect(hypervFloorBytes(2048 * MiB)).toBe(360 * MiB);
    expect(hypervFloorBytes(8192 * MiB)).toBe(744 * MiB);
    expect(hypervFloorBytes(32768 * MiB)).toBe(1512 * MiB);
    expect(hypervFloorPages(GIB_PAGES, 4096)).toBe(232 * 256);
  });

  it('Xen self-ballooning: piecewise, ending in a slope of 1/32', () => {
    expect(xenSelfballoonFloorBytes(8 * MiB, 0)).toBe(8 * MiB);
    expect(xenSelfballoonFloorBytes(32 * MiB, 0)).toBe(24 * MiB);
    expect(xenSelfballoonFloorBytes(256 * MiB, 0)).toBe(67 * MiB);
    expect(xenSelfballoonFloorBytes(1024 * MiB, 0)).toBe(99 * MiB + (925 * MiB) / 32);
    expect(xenSelfballoonFloorBytes(1024 * MiB, 0, 200 * MiB)).toBe(200 * MiB);
  });
});

describe('Xen self-ballooning policy', () => {
  const policy = new XenSelfballoonPolicy({ kind: 'xen-selfballoon', periodMs: 5000, reserveBytes: 0, downHysteresis: 8, upHysteresis: 1, minUsableBytes: 0 });
  const gib = (overrides = {}) => guestView(0, { memoryPages: GIB_PAGES, maxPages: GIB_PAGES, targetPages: GIB_PAGES, actualPages: GIB_PAGES, ...overrides });

  it('shrinks by 1/8 of the gap to committed memory', () => {
    // goal = 25,600 (used, no pressure report): 262,144 - floor(236,544 / 8) = 232,576.
    expect(asObject(policy.decide(hostView([gib({ usedPages: 25_600 })])))).toEqual({ 0: 232_576 });
  });

  it('grows by the whole gap, to committed memory from the pressure report', () => {
    const decided = policy.decide(hostView([gib({ actualPages: 100_000, targetPages: 100_000, usedPages: 1, pressure: { availablePages: 0, committedPages: 150_000 } })]));
    expect(asObject(decided)).toEqual({ 0: 150_000 });
  });

  it('stops at the floor', () => {
    // 30,000 - floor(4,400 / 8) = 29,450, below the floor of a 1 GiB guest: 127.9 MiB = 32,744 pages.
    expect(asObject(policy.decide(hostView([gib({ actualPages: 30_000, targetPages: 30_000, usedPages: 25_600 })])))).toEqual({ 0: 32_744 });
  });

  it('leaves a guest alone until it has said something', () => {
    expect(asObject(policy.decide(hostView([gib()])))).toEqual({});
  });
});
