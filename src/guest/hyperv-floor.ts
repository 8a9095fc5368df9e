const MIB = 2 ** 20;

/**
 * Hyper-V's balloon floor (Linux hv_balloon, compute_balloon_floor): memory
 * the balloon never takes, so that the guest keeps enough to run. For a
 * guest of `totalPages` pages (its memory, less what is ballooned), in pages:
 * below 128 MiB 8 MiB + total/2; below 512 MiB 40 MiB + total/4; below 2 GiB
 * 104 MiB + total/8; below 8 GiB 232 MiB + total/16; else 488 MiB + total/32.
 */
export function hypervFloorPages(totalPages: number, pageBytes: number): number {
  if (!(totalPages >= 0) || !(pageBytes > 0)) {
    throw new RangeError(`hypervFloorPages: totalPages must be >= 0 and pageBytes > 0, got ${totalPages} and ${pageBytes}`);
  }
  const mib = (bytes: number): number => Math.ceil((bytes * MIB) / pageBytes);
  const totalMiB = (totalPages * pageBytes) / MIB;
  if (totalMiB < 128) return mib(8) + Math.floor(totalPages / 2);
  if (totalMiB < 512) return mib(40) + Math.floor(totalPages / 4);
  if (totalMiB < 2048) return mib(104) + Math.floor(totalPages / 8);
  if (totalMiB < 8192) return mib(232) + Math.floor(totalPages / 16);
  return mib(488) + Math.floor(totalPages / 32);
}
