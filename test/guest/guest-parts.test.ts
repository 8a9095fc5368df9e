/** One guest's parts wired from its spec: sizes in pages, the spec's checks, and the figures the parts read together. */
import { describe, expect, it } from 'vitest';
import { GuestParts } from '../../src/guest/guest-parts.js';
import { PageState } from '../../src/guest/page-state.js';
import { GuestSharedViews } from '../../src/guest/shared-memory.js';
import { guest, MiB } from '../support/scenarios.js';
import { bootedParts, type GuestInit } from './driver-world.js';

describe('GuestParts', () => {
  it('sizes the guest in pages: boot pages and the kernel\'s, rounded up', () => {
    const spec = guest('g', { memoryBytes: 64 * MiB, kernelBytes: 4 * MiB + 1 });
    const init: GuestInit = { index: 0, spec, tickMs: 100, frameBytes: 4096, seed: 1, shared: GuestSharedViews.allocate(16_384).buffers };
    const parts = new GuestParts(init);
    expect([parts.bootPages, parts.kernelPages, parts.tickMs, parts.frameBytes, parts.name]).toEqual([16_384, 1025, 100, 4096, 'g']);
    expect(parts.reporter).toBeNull();
    expect(parts.deflateOnOom).toBe(false);
  });

  it('refuses shared memory of another size than maxMemory, naming the guest', () => {
    const spec = guest('web', { memoryBytes: 64 * MiB });
    const init: GuestInit = { index: 0, spec, tickMs: 100, frameBytes: 4096, seed: 1, shared: GuestSharedViews.allocate(100).buffers };
    expect(() => new GuestParts(init)).toThrow('GuestActor web: shared memory has 100 pages, maxMemory needs 16384');
  });

  it('gives every part one sequence of message ids', () => {
    const parts = bootedParts({ profile: 'virtio' });
    expect([parts.nextId(), parts.nextId(), parts.nextId()]).toEqual([1, 2, 3]);
  });

  it('counts used, free and available memory as the guest kernel does', () => {
    const parts = bootedParts({ profile: 'virtio' });
    const { memory } = parts;
    const low = parts.allocator.watermarks.lowPages;
    // 100 pages of cache, 200 anonymous.
    for (let i = 0; i < 100; i++) memory.put(memory.take(PageState.FREE), PageState.CACHE);
    for (let i = 0; i < 200; i++) memory.put(memory.take(PageState.FREE), PageState.ANON);
    const free = 65_536 - 1024 - 300;
    expect(parts.usedPages()).toBe(1024 + 300);
    expect(parts.freePages()).toBe(free);
    // MemAvailable: free above the low watermark, plus the cache less half of it (at most the low watermark).
    expect(parts.memAvailablePages()).toBe(free - low + 100 - 50);
    expect(parts.memoryPages).toBe(65_536);
  });

  it('reads MemAvailable as 0, never less, when free memory is below the low watermark', () => {
    const parts = bootedParts({ profile: 'virtio' });
    const { memory } = parts;
    while (memory.count(PageState.FREE) > 10) memory.put(memory.take(PageState.FREE), PageState.KERNEL);
    expect(parts.memAvailablePages()).toBe(0);
  });

  it('takes the Hyper-V floor of the memory outside the balloon', () => {
    const parts = bootedParts({ profile: 'virtio', memoryBytes: 1024 * MiB });
    // 1 GiB: 104 MiB + 1024 MiB / 8 = 232 MiB.
    expect(parts.floorPages()).toBe((232 * MiB) / 4096);
  });
});
