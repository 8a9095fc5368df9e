import { performance } from 'node:perf_hooks';
import { coloursFor } from './colour.js';

/** A progress display: `update` as work is done, `done` when it ends (clears the line). */
export interface Progress {
  update: (done: number, total: number) => void;
  done: () => void;
}

/** Where a progress bar draws: a terminal stream (process.stderr), or a stand-in in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** Default: process.stderr. */
  stream?: ProgressStream;
  /** What is counted: `ticks`, `cases`. */
  unit?: string;
  /** Milliseconds since some origin; default performance.now. */
  now?: () => number;
  /** Nothing is drawn before this much time has passed (default 1000 ms), so that short runs print nothing. */
  showAfterMs?: number;
  /** Least time between two redraws (default 100 ms). */
  redrawEveryMs?: number;
  env?: Readonly<Record<string, string | undefined>>;
}

const BAR_WIDTH_MAX = 40;
const BAR_WIDTH_MIN = 10;

function seconds(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m - h * 60).padStart(2, '0')}m`;
}

/**
 * A one-line progress bar on stderr: `label [=====>    ] 42% 504/1200 ticks,
 * 3.1 s, about 4.2 s left`. Drawn only when the stream is a terminal and the
 * work has taken more than a second; redrawn at most ten times a second;
 * fitted to the terminal's width; coloured unless NO_COLOR says otherwise.
 * Returns null when there is no terminal to draw on, so that nothing at all
 * reaches a pipe or a file.
 */
export function startProgress(label: string, options: ProgressOptions = {}): Progress | null {
  const stream = options.stream ?? process.stderr;
  if (stream.isTTY !== true) return null;
  const now = options.now ?? (() => performance.now());
  const showAfterMs = options.showAfterMs ?? 1000;
  const redrawEveryMs = options.redrawEveryMs ?? 100;
  const unit = options.unit ?? 'ticks';
  const colours = coloursFor(stream, options.env);
  const started = now();
  let drawn = false;
  let lastDrawMs = Number.NEGATIVE_INFINITY;
  return {
    update: (done, total) => {
      const t = now();
      const elapsed = t - started;
      if (elapsed < showAfterMs) return;
      if (done < total && t - lastDrawMs < redrawEveryMs) return;
      lastDrawMs = t;
      const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
      const left = fraction > 0 && fraction < 1 ? `, about ${seconds((elapsed / fraction) * (1 - fraction))} left` : '';
      const tail = ` ${String(Math.floor(fraction * 100)).padStart(3)}% ${done}/${total} ${unit}, ${seconds(elapsed)}${left}`;
      const columns = stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80;
      // Room for the longest tail this run can have, so that the bar keeps its width as the numbers change.
      const tailRoom = Math.max(tail.length, ` 100% ${total}/${total} ${unit}, 00m00s, about 00m00s left`.length);
      const room = columns - 1 - label.length - tailRoom - 3;
      const width = Math.min(BAR_WIDTH_MAX, room);
      let line: string;
      if (width >= BAR_WIDTH_MIN) {
        const filled = Math.floor(fraction * width);
        const bar = '='.repeat(filled) + (filled < width ? '>' : '') + ' '.repeat(Math.max(0, width - filled - 1));
        line = `${label} [${colours.cyan(bar)}]${tail}`;
      } else {
        line = `${label}${tail}`.slice(0, columns - 1);
      }
      stream.write(`\r\x1b[2K${line}`);
      drawn = true;
    },
    done: () => {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
