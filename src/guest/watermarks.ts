/**
 * The page allocator's free reserve, as Linux 6.1 computes it for a guest's
 * zones (mm/page_alloc.c, mm/khugepaged.c):
 *
 * - Zones: DMA (the first 16 MiB), DMA32 (up to 2 GiB, QEMU q35's memory
 *   below 4 GiB for guests of 2.75 GiB and more, or all of a smaller guest),
 *   Normal (the rest).
 * - min_free_kbytes = sqrt(16 * memory in KiB), from 128 KiB to 256 MiB; with
 *   transparent huge pages (always or madvise, Debian's default) khugepaged
 *   raises it to 2 pageblocks of 2 MiB per zone plus 3 x 3 more (one
 *   fallback migrate type and a spare for each of the 3 types), 22 MiB per
 *   zone below Normal and Normal itself, at most 5 % of memory: 44 MiB on a
 *   1 GiB guest. A scenario may set it (vm.min_free_kbytes); THP still raises
 *   it, as Linux does.
 * - Each zone gets its share of min by size; low = min + max(min / 4,
 *   watermark_scale_factor (0.1 %) of the zone); high = low + the same gap.
 * - lowmem_reserve: an ordinary allocation may not take a lower zone below
 *   its watermark plus the size of the zones above it / 256 (the DMA zone of
 *   a 1 GiB guest keeps about 4 MiB; of a 16 GiB guest, all of it).
 *
 * The guest-wide figures are the sums over zones of watermark plus reserve
 * (at most the zone's size): where free memory stands when allocations enter
 * direct reclaim (min), when kswapd wakes (low) and where it stops (high).
 * kswapd reclaims in passes of `kswapdBatchPages`, the sum of the zones'
 * high watermarks (kswapd_shrink_node's nr_to_reclaim), and checks the
 * balance only between passes: it overshoots.
 */
export interface Watermarks {
  minPages: number;
  lowPages: number;
  highPages: number;
  /** What one kswapd pass tries to reclaim: the sum of the zones' high watermarks (without reserves), at least SWAP_CLUSTER_MAX per zone. */
  kswapdBatchPages: number;
  /** min_free_kbytes in the guest's pages, as it was set (by default, by THP, or by the scenario). */
  minFreePages: number;
}

/** The guest kernel's settings that decide its free reserve. */
export interface WatermarkSettings {
  /** Transparent huge pages on (always or madvise): khugepaged raises min_free_kbytes. */
  thp: boolean;
  /** vm.min_free_kbytes as a scenario sets it, in bytes; undefined: Linux's formula. */
  minFreeBytes?: number;
  /** vm.watermark_scale_factor as a fraction (Linux's default 10 / 10000). */
  scaleFactor: number;
}

export const WATERMARK_SETTINGS_DEFAULT: Readonly<WatermarkSettings> = { thp: true, scaleFactor: 0.001 };

const KIB = 1024;
const MIB = 1024 * KIB;
const DMA_BYTES = 16 * MIB;
/** QEMU q35 maps 2 GiB below 4 GiB for guests of 2.75 GiB and more, all of a smaller guest's memory otherwise. */
const DMA32_GUEST_LIMIT_BYTES = 2.75 * 1024 * MIB;
const DMA32_END_BYTES = 2 * 1024 * MIB;
/** A pageblock: the unit of fragmentation avoidance, a 2 MiB huge page. */
const PAGEBLOCK_BYTES = 2 * MIB;
/** khugepaged's recommendation per zone: 2 free pageblocks, plus MIGRATE_PCPTYPES^2. */
const THP_PAGEBLOCKS_PER_ZONE = 2 + 3 * 3;
/** lowmem_reserve_ratio of DMA and DMA32 (Normal's reserve protects nothing above it here). */
const LOWMEM_RESERVE_RATIO = 256;
const SWAP_CLUSTER_MAX = 32;

/** Sizes in bytes of the guest's zones (DMA, DMA32, Normal), 0 for a zone it does not have. */
export function zoneBytes(memoryBytes: number): [number, number, number] {
  const dma = Math.min(memoryBytes, DMA_BYTES);
  const below4g = memoryBytes >= DMA32_GUEST_LIMIT_BYTES ? DMA32_END_BYTES : memoryBytes;
  const dma32 = Math.max(0, below4g - dma);
  return [dma, dma32, Math.max(0, memoryBytes - dma - dma32)];
}

/** min_free_kbytes in bytes, as Linux sets it for a guest of `memoryBytes`. */
export function minFreeBytesFor(memoryBytes: number, settings: WatermarkSettings): number {
  const memoryKiB = memoryBytes / KIB;
  const formulaKiB = Math.min(256 * KIB, Math.max(128, Math.floor(Math.sqrt(memoryKiB * 16))));
  let bytes = settings.minFreeBytes ?? formulaKiB * KIB;
  if (settings.thp) {
    const zones = zoneBytes(memoryBytes).filter((size) => size > 0).length;
    const recommended = Math.min(zones * THP_PAGEBLOCKS_PER_ZONE * PAGEBLOCK_BYTES, Math.floor(memoryBytes / 20));
    bytes = Math.max(bytes, recommended);
  }
  return bytes;
}

/** Watermarks of a guest with `memoryPages` pages of `pageBytes` each. */
export function watermarksFor(memoryPages: number, pageBytes: number, settings: WatermarkSettings = WATERMARK_SETTINGS_DEFAULT): Watermarks {
  if (!(memoryPages >= 1) || !(pageBytes >= 1)) {
    throw new RangeError(`watermarksFor: memoryPages and pageBytes must be positive, got ${memoryPages} and ${pageBytes}`);
  }
  if (!(settings.scaleFactor >= 0 && settings.scaleFactor <= 0.1)) {
    throw new RangeError(`watermarksFor: scaleFactor must be from 0 to 0.1 (Linux allows 1..1000 / 10000), got ${settings.scaleFactor}`);
  }
  const memoryBytes = memoryPages * pageBytes;
  const zones = zoneBytes(memoryBytes);
  const minFree = minFreeBytesFor(memoryBytes, settings);
  let min = 0;
  let low = 0;
  let high = 0;
  let batch = 0;
  for (let zone = 0; zone < zones.length; zone++) {
    const size = zones[zone]!;
    if (size === 0) continue;
    const zoneMin = (minFree * size) / memoryBytes;
    const gap = Math.max(zoneMin / 4, size * settings.scaleFactor);
    let above = 0;
    for (let higher = zone + 1; higher < zones.length; higher++) above += zones[higher]!;
    const reserve = zone < 2 ? above / LOWMEM_RESERVE_RATIO : 0;
    min += Math.min(size, zoneMin + reserve);
    low += Math.min(size, zoneMin + gap + reserve);
    high += Math.min(size, zoneMin + 2 * gap + reserve);
    batch += Math.max(zoneMin + 2 * gap, SWAP_CLUSTER_MAX * pageBytes);
  }
  // A guest smaller than its watermarks keeps at least a page of its own.
  const cap = Math.max(1, Math.floor(memoryPages / 4));
  const minPages = Math.min(cap, Math.max(1, Math.ceil(min / pageBytes)));
  const lowPages = Math.min(cap + 1, Math.max(minPages + 1, Math.ceil(low / pageBytes)));
  const highPages = Math.min(cap + 2, Math.max(lowPages + 1, Math.ceil(high / pageBytes)));
  return { minPages, lowPages, highPages, kswapdBatchPages: Math.max(SWAP_CLUSTER_MAX, Math.ceil(batch / pageBytes)), minFreePages: Math.ceil(minFree / pageBytes) };
}
