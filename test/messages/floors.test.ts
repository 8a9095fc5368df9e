/** Unit tests of src/messages/floors.ts: the Hyper-V and Xen self-ballooning floors, branch by branch. */
import { describe, expect, it } from 'vitest';
import { hypervFloorBytes, hypervFloorPages, xenSelfballoonFloorBytes } from '../../src/messages/floors.js';

const MiB = 2 ** 20;

describe('hypervFloorBytes', () => {
  it('follows compute_balloon_floor on each of its five pieces', () => {
    expect(hypervFloorBytes(64 * MiB)).toBe(8 * MiB + 32 * MiB);
    expect(hypervFloorBytes(256 * MiB)).toBe(40 * MiB + 64 * MiB);
    expect(hypervFloorBytes(1024 * MiB)).toBe(104 * MiB + 128 * MiB);
    expect(hypervFloorBytes(4096 * MiB)).toBe(232 * MiB + 256 * MiB);
    expect(hypervFloorBytes(16384 * MiB)).toBe(488 * MiB + 512 * MiB);
    expect(hypervFloorBytes(0)).toBe(8 * MiB);
  });

  it('has no step at the pieces\' edges, and never falls as the guest grows', () => {
    for (const edge of [128, 512, 2048, 8192].map((mib) => mib * MiB)) {
      expect(Math.abs(hypervFloorBytes(edge) - hypervFloorBytes(edge - 1))).toBeLessThanOrEqual(1);
    }
    let last = -1;
    for (let mib = 0; mib <= 20_000; mib += 97) {
      const floor = hypervFloorBytes(mib * MiB);
      expect(floor).toBeGreaterThanOrEqual(last);
      last = floor;
    }
  });

  it('refuses a size that is not one, naming itself', () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => hypervFloorBytes(bad)).toThrow(/^hypervFloorBytes: totalBytes must be a size/);
  });
});

describe('hypervFloorPages', () => {
  it('is the floor of the guest\'s bytes in whole pages, rounded up', () => {
    expect(hypervFloorPages((1024 * MiB) / 4096, 4096)).toBe((232 * MiB) / 4096);
    // One 4 KiB page: 8 MiB + 2 KiB, half a page past 2048 pages.
    expect(hypervFloorPages(1, 4096)).toBe(2049);
  });
});

describe('xenSelfballoonFloorBytes', () => {
  const reserve = 10 * MiB;

  it('is the reserve and the minimum usable size, when one is set', () => {
    expect(xenSelfballoonFloorBytes(2048 * MiB, reserve, 300 * MiB)).toBe(reserve + 300 * MiB);
  });

  it('follows the piecewise function of xen-selfballoon.c otherwise', () => {
    expect(xenSelfballoonFloorBytes(8 * MiB, reserve)).toBe(reserve + 8 * MiB);
    expect(xenSelfballoonFloorBytes(32 * MiB, reserve)).toBe(reserve + 16 * MiB + 8 * MiB);
    expect(xenSelfballoonFloorBytes(256 * MiB, reserve)).toBe(reserve + 40 * MiB + 27 * MiB);
    expect(xenSelfballoonFloorBytes(1123 * MiB, reserve)).toBe(reserve + 99 * MiB + 32 * MiB);
  });
});
