import { performance } from 'node:perf_hooks';

export interface Progress {
  update: (done: number, total: number) => void;
  done: () => void;
}

/** Shown only after this long, so that short runs print nothing. */
const SHOW_AFTER_MS = 1000;

/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal and
 * the work has taken more than a second. Returns null when there is no
 * terminal to draw on.
 */
export function startProgress(label: string): Progress | null {
  const stream = process.stderr;
  if (!stream.isTTY) return null;
  const started = performance.now();
  let drawn = false;
  return {
    update: (done, total) => {
      const elapsed = performance.now() - started;
      if (elapsed < SHOW_AFTER_MS) return;
      const width = 30;
      const filled = Math.round((done / total) * width);
      const percent = Math.floor((done / total) * 100);
      stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}% (${(elapsed / 1000).toFixed(1)} s)`);
      drawn = true;
    },
    done: () => {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
