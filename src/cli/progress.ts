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

/** A repeating timer: `setInterval` by default (unref'd, so that it never keeps the process alive), a fake one in tests. */
export interface ProgressTimer {
  start(callback: () => void, everyMs: number): () => void;
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
  /** Least time between two redraws on updates (default 100 ms). */
  redrawEveryMs?: number;
  /**
   * The line is redrawn at least this often even when no update comes (a
   * long tick, a worker starting, a sweep case that runs for minutes), so
   * that the elapsed time and the estimate keep moving (default 250 ms).
   */
  refreshEveryMs?: number;
  /** The timer behind `refreshEveryMs`. */
  timer?: ProgressTimer;
  env?: Readonly<Record<string, string | undefined>>;
}

const BAR_WIDTH_MAX = 40;
const BAR_WIDTH_MIN = 10;

const INTERVAL_TIMER: ProgressTimer = {
  start(callback, everyMs) {
    const handle = setInterval(callback, everyMs);
    handle.unref();
    return () => clearInterval(handle);
  },
};

function seconds(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m - h * 60).padStart(2, '0')}m`;
  const d = Math.floor(h / 24);
  return `${d}d${String(h - d * 24).padStart(2, '0')}h`;
}

/**
 * A one-line progress bar on stderr: `label [=====>    ] 42% 504/1200 ticks,
 * 3.1 s, about 4.2 s left`. Drawn only when the stream is a terminal and the
 * work has taken more than a second; redrawn on updates at most ten times a
 * second, and by a timer at least four times a second whether updates come
 * or not; fitted to the terminal's width; coloured unless NO_COLOR says
 * otherwise. Returns null when there is no terminal to draw on, so that
 * nothing at all reaches a pipe or a file.
 */
export function startProgress(label: string, options: ProgressOptions = {}): Progress | null {
  const stream = options.stream ?? process.stderr;
  if (stream.isTTY !== true) return null;
  const now = options.now ?? (() => performance.now());
  const showAfterMs = options.showAfterMs ?? 1000;
  const redrawEveryMs = options.redrawEveryMs ?? 100;
  const refreshEveryMs = options.refreshEveryMs ?? 250;
  const unit = options.unit ?? 'ticks';
  const colours = coloursFor(stream, options.env);
  const started = now();
  let drawn = false;
  let finished = false;
  let lastDrawMs = Number.NEGATIVE_INFINITY;
  let latest = { done: 0, total: 0 };
  let rate: { atMs: number; done: number } | null = null;

  /** Time left: from the pace since the first update (setup time before it does not count), else from the whole elapsed time. */
  const timeLeft = (t: number, fraction: number): string => {
    if (!(fraction > 0 && fraction < 1)) return fraction === 0 && latest.total > 0 ? ', estimating time left' : '';
    const elapsed = t - started;
    let leftMs = (elapsed / fraction) * (1 - fraction);
    if (rate !== null && latest.done > rate.done && t > rate.atMs) {
      leftMs = ((t - rate.atMs) / (latest.done - rate.done)) * (latest.total - latest.done);
    }
    return `, about ${seconds(leftMs)} left`;
  };

  const draw = (t: number): void => {
    lastDrawMs = t;
    const { done, total } = latest;
    const elapsed = t - started;
    const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
    const percent = String(Math.floor(fraction * 100)).padStart(3);
    const tail = total > 0 ? ` ${percent}% ${done}/${total} ${unit}, ${seconds(elapsed)}${timeLeft(t, fraction)}` : ` starting, ${seconds(elapsed)}`;
    const columns = stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80;
    // Room for the longest tail this run can have, so that the bar keeps its width as the numbers change.
    const tailRoom = Math.max(tail.length, ` 100% ${total}/${total} ${unit}, 00m00s, about 00h00m left`.length);
    const room = columns - 1 - label.length - tailRoom - 3;
    const width = Math.min(BAR_WIDTH_MAX, room);
    let line: string;
    if (width >= BAR_WIDTH_MIN && total > 0) {
      const filled = Math.floor(fraction * width);
      const bar = '='.repeat(filled) + (filled < width ? '>' : '') + ' '.repeat(Math.max(0, width - filled - 1));
      line = `${label} [${colours.cyan(bar)}]${tail}`;
    } else {
      line = `${label}${tail}`.slice(0, columns - 1);
    }
    stream.write(`\r\x1b[2K${line}`);
    drawn = true;
  };

  const stop = (options.timer ?? INTERVAL_TIMER).start(() => {
    const t = now();
    if (!finished && t - started >= showAfterMs && t - lastDrawMs >= refreshEveryMs) draw(t);
  }, refreshEveryMs);

  return {
    update: (done, total) => {
      const t = now();
      if (rate === null && done > 0) rate = { atMs: t, done };
      latest = { done, total };
      if (t - started < showAfterMs) return;
      if (done < total && t - lastDrawMs < redrawEveryMs) return;
      draw(t);
    },
    done: () => {
      finished = true;
      stop();
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
