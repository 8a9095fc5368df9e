/**
 * The page allocator's watermarks, as Linux computes them for one zone:
 * min_free_kbytes = sqrt(16 * memory in KiB), from 128 KiB to 256 MiB;
 * low = min + max(min / 4, 0.1 % of memory); high = min + 2 * (low - min).
 *
 * - Ordinary allocations (the workload, the kernel, the balloon's NORETRY
 *   allocations) succeed only while free memory stays above `min`; below it
 *   they enter direct reclaim, and then the OOM path.
 * - kswapd wakes below `low` and reclaims in the background up to `high`.
 */
export interface Watermarks {
  minPages: number;
  lowPages: number;
  highPages: number;
}

const KIB = 1024;

/** Watermarks of a guest with `memoryPages` pages of `pageBytes` each. */
export function watermarksFor(memoryPages: number, pageBytes: number): Watermarks {
  if (!(memoryPages >= 1) || !(pageBytes >= 1)) {
    throw new RangeError(`watermarksFor: memoryPages and pageBytes must be positive, got ${memoryPages} and ${pageBytes}`);
  }
  const memoryKiB = (memoryPages * pageBytes) / KIB;
  const minKiB = Math.min(256 * KIB, Math.max(128, Math.floor(Math.sqrt(memoryKiB * 16))));
  const minPages = Math.max(1, Math.ceil((minKiB * KIB) / pageBytes));
  const gapPages = Math.max(1, Math.ceil(Math.max(minPages / 4, memoryPages / 1000)));
  // A guest smaller than its watermarks keeps at least a page of its own.
  const cap = Math.max(1, Math.floor(memoryPages / 4));
  const min = Math.min(minPages, cap);
  return { minPages: min, lowPages: min + gapPages, highPages: min + 2 * gapPages };
}
