import { describe, expect, it } from 'vitest';
import { hypervFloorPages } from '../../src/balloon/floors.js';
import { PressureStall } from '../../src/guest/pressure-stall.js';
import { watermarksFor } from '../../src/guest/watermarks.js';

const MiB = 2 ** 20;
const PAGE = 4096;

describe('watermarksFor', () => {
  it('computes Linux watermarks by hand for a 1 GiB and a 4 GiB guest', () => {
    // 1 GiB: min_free_kbytes = sqrt(1048576 * 16) = 4096 KiB = 1024 pages; gap = max(256, 262) = 263 pages.
    expect(watermarksFor(262_144, PAGE)).toEqual({ minPages: 1024, lowPages: 1024 + 263, highPages: 1024 + 2 * 263 });
    // 4 GiB: sqrt(4194304 * 16) = 8192 KiB = 2048 pages; gap = max(512, 1049) = 1049 pages.
    expect(watermarksFor(1_048_576, PAGE)).toEqual({ minPages: 2048, lowPages: 2048 + 1049, highPages: 2048 + 2 * 1049 });
  });

  it('clamps min_free_kbytes to 256 MiB, and keeps tiny guests working', () => {
    expect(watermarksFor(1 << 30, PAGE).minPages).toBe((256 * MiB) / PAGE);
    const tiny = watermarksFor(8, PAGE);
    expect(tiny.minPages).toBeGreaterThanOrEqual(1);
    expect(tiny.minPages).toBeLessThanOrEqual(2);
    expect(tiny.lowPages).toBeGreaterThan(tiny.minPages);
    expect(tiny.highPages).toBeGreaterThan(tiny.lowPages);
  });

  it('refuses nonsense, naming itself', () => {
    expect(() => watermarksFor(0, PAGE)).toThrow(/^watermarksFor: /);
  });
});

describe('hypervFloorPages', () => {
  it('follows hv_balloon in each size band', () => {
    const pages = (mib: number): number => (mib * MiB) / PAGE;
    expect(hypervFloorPages(pages(64), PAGE)).toBe(pages(8) + pages(32));
    expect(hypervFloorPages(pages(256), PAGE)).toBe(pages(40) + pages(64));
    expect(hypervFloorPages(pages(1024), PAGE)).toBe(pages(104) + pages(128));
    expect(hypervFloorPages(pages(4096), PAGE)).toBe(pages(232) + pages(256));
    expect(hypervFloorPages(pages(16384), PAGE)).toBe(pages(488) + pages(512));
  });
});

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
