/**
 * The columns of a run's time series, as both `timeseries.csv` and
 * `timeseries.parquet` (one row per guest per sample) and
 * `host-timeseries.csv` and `.parquet` (one row per sample) name and type
 * them. Sizes are bytes, counts are since boot, pressure is a fraction from
 * 0 to 1, and `time_s` is simulated seconds.
 */
import type { GuestFigure } from './time-series.js';

export interface GuestSeriesColumn {
  name: string;
  figure: GuestFigure;
  /** Pages, written as bytes. */
  pages: boolean;
  /** BIGINT for bytes and counts, DOUBLE for seconds and fractions. */
  type: 'BIGINT' | 'DOUBLE';
  /** Columns added after the first release: a file without them still reads, with this value in their place. */
  absentValue?: number;
}

/** The guest columns after `time_s, guest, alive`, in order. */
export const GUEST_SERIES_COLUMNS: ReadonlyArray<GuestSeriesColumn> = [
  { name: 'target_bytes', figure: 'targetPages', pages: true, type: 'BIGINT' },
  { name: 'actual_bytes', figure: 'actualPages', pages: true, type: 'BIGINT' },
  { name: 'resident_bytes', figure: 'residentPages', pages: true, type: 'BIGINT' },
  { name: 'balloon_bytes', figure: 'balloonPages', pages: true, type: 'BIGINT' },
  { name: 'anon_bytes', figure: 'anonPages', pages: true, type: 'BIGINT' },
  { name: 'cache_bytes', figure: 'cachePages', pages: true, type: 'BIGINT' },
  { name: 'kernel_bytes', figure: 'kernelPages', pages: true, type: 'BIGINT' },
  { name: 'free_bytes', figure: 'freePages', pages: true, type: 'BIGINT' },
  { name: 'swap_bytes', figure: 'swapPages', pages: true, type: 'BIGINT' },
  { name: 'swap_in_pages_total', figure: 'swapInTotal', pages: false, type: 'BIGINT' },
  { name: 'swap_out_pages_total', figure: 'swapOutTotal', pages: false, type: 'BIGINT' },
  { name: 'major_faults_total', figure: 'majorFaultsTotal', pages: false, type: 'BIGINT' },
  { name: 'minor_faults_total', figure: 'minorFaultsTotal', pages: false, type: 'BIGINT' },
  { name: 'stall_seconds_total', figure: 'stallSecondsTotal', pages: false, type: 'DOUBLE' },
  { name: 'psi_some_avg10', figure: 'psiSomeAvg10', pages: false, type: 'DOUBLE' },
  { name: 'psi_full_avg10', figure: 'psiFullAvg10', pages: false, type: 'DOUBLE' },
  { name: 'oom_kills_total', figure: 'oomKillsTotal', pages: false, type: 'BIGINT' },
  { name: 'oom_events_total', figure: 'oomEventsTotal', pages: false, type: 'BIGINT' },
  { name: 'memory_bytes', figure: 'memoryPages', pages: true, type: 'BIGINT' },
  { name: 'host_swapped_bytes', figure: 'hostSwappedPages', pages: true, type: 'BIGINT' },
  { name: 'host_swap_faults_total', figure: 'hostSwapFaultsTotal', pages: false, type: 'BIGINT' },
  // The workload's progress (work done / wanted over 10 s, 1 when it wants nothing) and the page cache's refaults.
  { name: 'progress_avg10', figure: 'progressAvg10', pages: false, type: 'DOUBLE', absentValue: 1 },
  { name: 'work_wanted_total', figure: 'workWantedTotal', pages: false, type: 'BIGINT', absentValue: 0 },
  { name: 'work_done_total', figure: 'workDoneTotal', pages: false, type: 'BIGINT', absentValue: 0 },
  { name: 'refaults_total', figure: 'refaultsTotal', pages: false, type: 'BIGINT', absentValue: 0 },
];

/** The columns of the host's series, in order. */
export const HOST_SERIES_COLUMNS = ['time_s', 'host_free_bytes', 'host_swap_bytes', 'host_state'] as const;
