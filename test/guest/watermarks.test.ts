import { describe, expect, it } from 'vitest';
import { hypervFloorPages } from '../../src/messages/floors.js';
import { watermarksFor } from '../../src/guest/watermarks.js';

const MiB = 2 ** 20;
const PAGE = 4096;

describe('watermarksFor', () => {
  const noThp = { thp: false, scaleFactor: 0.001 };

  it('without THP: Linux watermarks by hand for a 1 GiB guest (DMA zone, DMA32 zone and the DMA lowmem reserve)', () => {
    // min_free_kbytes = sqrt(1048576 * 16) = 4096 KiB = 1024 pages; DMA (16 MiB) gets 1/64 of it: 16 pages, DMA32 1008.
    // gaps: DMA max(4, 4.1) = 4.1 pages, DMA32 max(252, 258) = 258 pages; DMA's reserve against DMA32: 1008 MiB / 256 = 1008 pages.
    const w = watermarksFor(262_144, PAGE, noThp);
    expect(w.minFreePages).toBe(1024);
    expect(w.minPages).toBe(Math.ceil(16 + 1008 + 1008));
    expect(w.lowPages).toBe(Math.ceil(16 + 4.096 + 1008 + 1008 + 258.048));
    expect(w.highPages).toBe(Math.ceil(16 + 2 * 4.096 + 1008 + 1008 + 2 * 258.048));
  });

  it('with THP (the default): khugepaged raises min_free_kbytes to 22 MiB per zone: 44 MiB on a 1 GiB guest, as measured; the free reserve is about 48 to 70 MiB', () => {
    const w = watermarksFor(262_144, PAGE);
    expect(w.minFreePages).toBe((44 * MiB) / PAGE);
    expect((w.minPages * PAGE) / MiB).toBeCloseTo(47.9, 0);
    expect((w.lowPages * PAGE) / MiB).toBeCloseTo(58.9, 0);
    expect((w.highPages * PAGE) / MiB).toBeCloseTo(69.9, 0);
    // kswapd's pass: the zones' high watermarks, without reserves.
    expect((w.kswapdBatchPages * PAGE) / MiB).toBeCloseTo(66, 0);
  });

  it('scales with memory: at most 5 % of a small guest; a third zone (Normal) above 2.75 GiB; the DMA32 reserve of large guests', () => {
    expect(watermarksFor(65_536, PAGE).minFreePages).toBe(Math.ceil((256 * MiB) / 20 / PAGE)); // 256 MiB: 12.8 MiB
    expect(watermarksFor(1_048_576, PAGE).minFreePages).toBe((66 * MiB) / PAGE); // 4 GiB: three zones
    const big = watermarksFor(16 * 262_144, PAGE);
    // 16 GiB: DMA32 keeps (16 - 2) GiB / 256 = 56 MiB for itself, DMA all of its 16 MiB.
    expect(big.minPages * PAGE).toBeGreaterThan(66 * MiB + 56 * MiB + 15 * MiB);
  });

  it('follows vm.min_free_kbytes and vm.watermark_scale_factor when a scenario sets them', () => {
    const set = watermarksFor(262_144, PAGE, { thp: false, scaleFactor: 0.01, minFreeBytes: 100 * MiB });
    expect(set.minFreePages).toBe((100 * MiB) / PAGE);
    // gap: 1 % of DMA32 (10 MiB) is more than min / 4 (24.6 MiB)? no: min/4 wins.
    expect(set.lowPages - set.minPages).toBeGreaterThan((24 * MiB) / PAGE);
    const wide = watermarksFor(262_144, PAGE, { thp: false, scaleFactor: 0.05 });
    expect((wide.lowPages - wide.minPages) * PAGE).toBeGreaterThan(50 * MiB);
  });

  it('keeps tiny guests working', () => {
    const tiny = watermarksFor(8, PAGE);
    expect(tiny.minPages).toBeGreaterThanOrEqual(1);
    expect(tiny.minPages).toBeLessThanOrEqual(2);
    expect(tiny.lowPages).toBeGreaterThan(tiny.minPages);
    expect(tiny.highPages).toBeGreaterThan(tiny.lowPages);
  });

  it('refuses nonsense, naming itself', () => {
    expect(() => watermarksFor(0, PAGE)).toThrow(/^watermarksFor: /);
    expect(() => watermarksFor(100, PAGE, { thp: true, scaleFactor: 2 })).toThrow(/^watermarksFor: /);
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
