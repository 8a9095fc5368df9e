/**
 * Size-dependent floors of real balloon drivers (REFERENCE.md): memory a guest
 * keeps whatever its balloon target says.
 */

const MiB = 2 ** 20;

/**
 * Hyper-V's balloon floor (hv_balloon.c, compute_balloon_floor) for a guest of
 * `totalBytes`: below 128 MiB, 8 MiB + total/2; below 512 MiB, 40 MiB +
 * total/4; below 2 GiB, 104 MiB + total/8; below 8 GiB, 232 MiB + total/16;
 * else 488 MiB + total/32.
 */
export function hypervFloorBytes(totalBytes: number): number {
  if (!(Number.isFinite(totalBytes) && totalBytes >= 0)) throw new RangeError(`hypervFloorBytes: totalBytes must be a size of at least 0, got ${totalBytes}`);
  if (totalBytes < 128 * MiB) return 8 * MiB + totalBytes / 2;
  if (totalBytes < 512 * MiB) return 40 * MiB + totalBytes / 4;
  if (totalBytes < 2048 * MiB) return 104 * MiB + totalBytes / 8;
  if (totalBytes < 8192 * MiB) return 232 * MiB + totalBytes / 16;
  return 488 * MiB + totalBytes / 32;
}

/** Hyper-V's floor in whole pages of `frameBytes`, rounded up. */
export function hypervFloorPages(totalPages: number, frameBytes: number): number {
  return Math.ceil(hypervFloorBytes(totalPages * frameBytes) / frameBytes);
}

/**
 * Xen self-ballooning's floor (xen-selfballoon.c) for a guest with
 * `usefulBytes` of memory and `reserveBytes` of kernel reserve: with a
 * minimum usable size set, reserve + that; else a piecewise linear function
 * ending in a slope of 1/32: below 16 MiB the whole guest (not worth
 * ballooning); below 64 MiB, reserve + 16 MiB + (useful - 16 MiB)/2; below
 * 512 MiB, reserve + 40 MiB + (useful - 40 MiB)/8; else reserve + 99 MiB +
 * (useful - 99 MiB)/32.
 */
export function xenSelfballoonFloorBytes(usefulBytes: number, reserveBytes: number, minUsableBytes = 0): number {
  if (minUsableBytes > 0) return reserveBytes + minUsableBytes;
  if (usefulBytes < 16 * MiB) return reserveBytes + usefulBytes;
  if (usefulBytes < 64 * MiB) return reserveBytes + 16 * MiB + (usefulBytes - 16 * MiB) / 2;
  if (usefulBytes < 512 * MiB) return reserveBytes + 40 * MiB + (usefulBytes - 40 * MiB) / 8;
  return reserveBytes + 99 * MiB + (usefulBytes - 99 * MiB) / 32;
}
