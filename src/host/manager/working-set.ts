/**
 * The host's estimate of a guest's working set plus kernel memory, for the
 * over-shrink guard's floor. It reads what the guest publishes of itself:
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
import { SignalSlot } from '../../messages/guest-signals.js';
import { VirtioStat } from '../../messages/virtio-stats.js';
import type { GuestRecord } from './guest-record.js';
import { pressureAvailablePages, statusOf } from './guest-signals.js';

export type WorkingSetSource = 'MemAvailable' | 'used memory' | 'kernel memory';

export interface WorkingSetEstimate {
  pages: number;
  source: WorkingSetSource;
}

/** The working set plus kernel memory of a guest, in pages (see above). */
export function workingSetEstimate(record: GuestRecord, frameBytes: number): WorkingSetEstimate {
  const values = record.signals();
  let availablePages: number | null = null;
  let atMs = -1;
  const statsAtMs = values[SignalSlot.STATS_AT_MS]!;
  const statsAvailable = values[SignalSlot.STATS + VirtioStat.AVAIL]!;
  if (statsAtMs >= 0 && statsAvailable >= 0 && Number.isFinite(statsAvailable)) {
    availablePages = Math.floor(statsAvailable / frameBytes);
    atMs = statsAtMs;
  }
  const pressureAvailable = pressureAvailablePages(values);
  if (pressureAvailable >= 0 && values[SignalSlot.PRESSURE_AT_MS]! >= atMs) availablePages = pressureAvailable;
  const actual = record.memoryPages - record.balloonPages;
  if (availablePages !== null) return { pages: Math.max(record.kernelPages, Math.min(actual, actual - availablePages)), source: 'MemAvailable' };
  const status = statusOf(record);
  // A guest cannot use more memory than it has: a larger claim (a hostile or broken guest) is held to its memory.
  if (status !== null) return { pages: Math.max(record.kernelPages, Math.min(record.memoryPages, status.usedPages)), source: 'used memory' };
  return { pages: record.kernelPages, source: 'kernel memory' };
}
