/** Guests' page maps and states packed in shared arenas: separate, aligned, zeroed, and in arenas that come from mmap when large. */
import { describe, expect, it } from 'vitest';
import { allocatePageMaps } from '../../src/guest/page-map-arena.js';

/** An arena's size for `bytes`: a whole number of WebAssembly pages (64 KiB), as arenas are WebAssembly memories where the runtime has them. */
const arenaBytes = (bytes: number): number => Math.ceil(bytes / 65_536) * 65_536;

describe('allocatePageMaps', () => {
  it('gives each guest its own zeroed map and states, on their own 4 KiB pages of shared memory', () => {
    const sizes = [1, 1000, 4096, 5000, 3];
    const views = allocatePageMaps(sizes);
    expect(views.map((view) => [view.frameOf.length, view.pageState.length])).toEqual(sizes.map((pages) => [pages, pages]));
    const taken: Array<[ArrayBufferLike, number, number]> = [];
    for (const { frameOf, pageState } of views) {
      for (const view of [frameOf, pageState]) {
        expect(view.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(view.byteOffset % 4096).toBe(0);
        expect(view.every((value) => value === 0)).toBe(true);
        for (const [buffer, start, end] of taken) {
          // Apart by 4 KiB at least, wherever the buffer itself starts: no page or cache line shared.
          if (buffer === view.buffer) expect(view.byteOffset >= end + 4096 || view.byteOffset + view.byteLength + 4096 <= start).toBe(true);
        }
        taken.push([view.buffer, view.byteOffset, view.byteOffset + view.byteLength]);
      }
    }
    // Writing one guest's map and states to the last byte leaves every other guest's untouched.
    views[1]!.frameOf.fill(-1);
    views[1]!.pageState.fill(7);
    for (const [guest, { frameOf, pageState }] of views.entries()) {
      if (guest !== 1) expect(frameOf.every((value) => value === 0) && pageState.every((value) => value === 0)).toBe(true);
    }
  });

  it('packs small runs in a buffer of their size, and large ones in buffers above glibc\'s mmap threshold (32 MiB), at most 1 GiB each', () => {
    const small = allocatePageMaps([16, 16]);
    expect(small[0]!.frameOf.buffer).toBe(small[1]!.frameOf.buffer);
    // Per guest: its map and its states on a 4 KiB page each, and a 4 KiB gap after each.
    expect(small[0]!.frameOf.buffer.byteLength).toBe(arenaBytes(8 * 4096));
    // In a WebAssembly memory here (the audit scans the maps there), which both views are of.
    expect(small[0]!.arena?.buffer).toBe(small[0]!.frameOf.buffer);
    expect(small[1]!.pageState.buffer).toBe(small[1]!.arena?.buffer);
    // A thousand guests of 1 GiB (262,144 pages of 4 KiB): 1.25 MiB and 8 KiB of gaps each, 814 to a 1 GiB arena.
    const many = allocatePageMaps(new Array(1000).fill(262_144));
    const arenas = [...new Set(many.map((view) => view.frameOf.buffer))];
    expect(arenas).toHaveLength(2);
    expect(arenas.map((arena) => arena.byteLength)).toEqual([arenaBytes(814 * 1_318_912), arenaBytes(186 * 1_318_912)]);
    // A few guests whose maps add up to more than 4 MiB but less than the threshold get an arena at the threshold.
    expect(allocatePageMaps([1_000_000])[0]!.frameOf.buffer.byteLength).toBe(arenaBytes(32 * 2 ** 20 + 64 * 2 ** 10));
  });

  it('refuses sizes that are not positive whole numbers of pages', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => allocatePageMaps([4, bad])).toThrow(`allocatePageMaps: pages must be positive integers, got ${bad}`);
  });
});
