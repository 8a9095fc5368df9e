/**
 * The host's estimate of a guest's working set plus kernel memory, for the
 * over-shrink guard's floor. It reads what the guest reports of itself:
 *
 * - from the guest's latest virtio stats (AVAIL) or Hyper-V pressure report
 *   (available pages), whichever came last: the guest's size as the balloon
 *   leaves it, less MemAvailable. That is kernel memory, anonymous memory
 *   (which only swap could take) and the page cache the kernel would not drop
 *   lightly: what the guest cannot give up without swapping or refaulting;
 * - without either, the used pages (kernel, anonymous and page cache) of its
 *   last status;
 * - before any, its kernel memory.
 */
import { VirtioStat } from '../balloon/virtio-stats.js';
import type { GuestAccount } from './guest-account.js';

export type WorkingSetSource = 'MemAvailable' | 'used memory' | 'kernel memory';

export interface WorkingSetEstimate {
  pages: number;
  source: WorkingSetSource;
}

/** The working set plus kernel memory of a guest, in pages (see above). */
export function workingSetEstimate(account: GuestAccount, frameBytes: number): WorkingSetEstimate {
  const heard = account.heard;
  let availablePages: number | null = null;
  let atMs = -1;
  const statsAvailable = heard.stats?.[VirtioStat.AVAIL] ?? -1;
  if (heard.stats !== null && statsAvailable >= 0) {
    availablePages = Math.floor(statsAvailable / frameBytes);
    atMs = heard.statsAtMs;
  }
  if (heard.pressure !== null && heard.pressureAtMs >= atMs) availablePages = heard.pressure.availablePages;
  const actual = account.memoryPages - account.balloonPages;
  if (availablePages !== null) return { pages: Math.max(account.kernelPages, Math.min(actual, actual - availablePages)), source: 'MemAvailable' };
  if (account.lastStatus !== null) return { pages: Math.max(account.kernelPages, account.lastStatus.usedPages), source: 'used memory' };
  return { pages: account.kernelPages, source: 'kernel memory' };
}
