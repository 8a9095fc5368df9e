/**
 * A watchdog for hangs that nothing on the stuck thread can catch: a loop in
 * the host (or any code on the main thread) that never returns blocks the
 * event loop, so no timer fires, vitest's own test timeout included, and the
 * process hangs without a word.
 *
 * `startHangWatchdog()` starts a small thread that watches a heartbeat in
 * shared memory. The main thread beats from a timer (so a beat means its event
 * loop turns) and from every property run (test/support/fc.ts), so long
 * synchronous properties are not mistaken for hangs. When no beat comes for
 * `hangMs`, the watchdog pauses the main thread through the inspector, writes
 * straight to file descriptor 2 (the main thread, which normally forwards a
 * worker's output, is stuck):
 * - where the main thread is stuck (its JavaScript stack);
 * - what it was doing: every running simulation's description (host tick,
 *   guests' rounds, batches held; src/runtime/run-watch.ts) and, in a test,
 *   the property run in progress with its seed, path and replay line;
 * and then kills the process (nothing else can end a thread stuck in a loop).
 *
 * Plain JavaScript, so that the node scripts (fuzz, soak) and vitest both load
 * it, and so that it can run as a worker without a build.
 *
 * The limit is the main thread's own CPU time, where the system tells it
 * (Linux: /proc/<pid>/task/<pid>/stat): a thread stuck in a loop burns CPU,
 * while one that is merely starved of it on a loaded machine (a synchronous
 * inline run that needs 7 s of CPU took 167 s of wall time at a load average
 * of 30 on 2 cores) or waiting for a child process has burned little. So the
 * watchdog fires when the main thread has used `hangMs` of CPU without a
 * beat, or, whatever its CPU, after `BLOCKED_FACTOR` times `hangMs` of wall
 * time without one (a thread blocked for ever, in Atomics.wait, burns none).
 * Where the CPU time cannot be read, `hangMs` of wall time is the limit.
 *
 * Environment: BALLOONSIM_HANG_MS overrides `hangMs` (0 turns the watchdog
 * off, for example while stepping through code in a debugger).
 */
import { readFileSync, writeSync } from 'node:fs';
import { Worker, isMainThread, workerData } from 'node:worker_threads';

const BEAT_EVERY_MS = 250;
/** Without a beat for this many times `hangMs` of wall time, the main thread is stuck whatever CPU it used (blocked, or starved beyond belief). */
const BLOCKED_FACTOR = 4;
const STATE_KEY = Symbol.for('balloonsim.hangWatchdog');
/** Installed by others (test/support/fc.ts): the property run in progress, as text. */
export const PROPERTY_REPORT_KEY = Symbol.for('balloonsim.propertyInProgress');
const RUNS_KEY = Symbol.for('balloonsim.runningRuns');
const REPORT_KEY = Symbol.for('balloonsim.hangReport');

/** Counts a beat: the main thread is alive (called by property runs; cheap). */
export function heartbeat() {
  const state = globalThis[STATE_KEY];
  if (state !== undefined) Atomics.add(state.beats, 0, 1);
}

/**
 * Starts the watchdog thread for this process (once; later calls return the
 * same stop function). `label` names the process in the report.
 */
export function startHangWatchdog({ hangMs = 100_000, label = process.argv.slice(1).join(' ') } = {}) {
  const existing = globalThis[STATE_KEY];
  if (existing !== undefined) return existing.stop;
  const fromEnv = process.env.BALLOONSIM_HANG_MS;
  const limitMs = fromEnv !== undefined && fromEnv.trim() !== '' ? Number(fromEnv) : hangMs;
  if (!(Number.isFinite(limitMs) && limitMs >= 0)) throw new Error(`startHangWatchdog: BALLOONSIM_HANG_MS must be a number of milliseconds (0: off), got ${JSON.stringify(fromEnv)}`);
  if (limitMs === 0) return () => {};
  const beats = new Int32Array(new SharedArrayBuffer(4));
  const timer = setInterval(() => Atomics.add(beats, 0, 1), BEAT_EVERY_MS);
  timer.unref();
  globalThis[REPORT_KEY] = hangReport;
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { role: 'balloonsim-hang-watchdog', beats: beats.buffer, hangMs: limitMs, label, pid: process.pid },
    // Not the parent's flags (--input-type, loaders): this file is plain JavaScript.
    execArgv: [],
  });
  worker.unref();
  const stop = () => {
    clearInterval(timer);
    void worker.terminate();
    delete globalThis[STATE_KEY];
  };
  globalThis[STATE_KEY] = { beats, stop };
  return stop;
}

/** What the main thread was doing: evaluated on the main thread, while it is paused. */
function hangReport() {
  const parts = [];
  const property = globalThis[PROPERTY_REPORT_KEY];
  if (typeof property === 'function') {
    try {
      parts.push(property());
    } catch (error) {
      parts.push(`(the property in progress could not describe itself: ${error?.message ?? error})`);
    }
  }
  const runs = globalThis[RUNS_KEY];
  if (runs !== undefined && runs.size > 0) {
    for (const describe of runs) {
      try {
        parts.push(describe());
      } catch (error) {
        parts.push(`(a run could not describe itself: ${error?.message ?? error})`);
      }
    }
  } else parts.push('no simulation registered as running');
  return parts.join('\n');
}

// ------------------------------------------------------------ the watchdog thread

/**
 * CPU time (user + system, ms) the process's main thread has used, or null
 * where the system does not say (not Linux). /proc counts in USER_HZ, 100 a
 * second on Linux; the main thread's task id is the process id.
 */
export function mainThreadCpuMs(pid = process.pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime and stime, fields 14 and 15
    return Number.isFinite(ticks) ? ticks * 10 : null;
  } catch {
    return null;
  }
}

/**
 * Whether a main thread without a beat for `wallMs` of wall time, in which it
 * used `cpuMs` of CPU (null: unknown), is stuck (see the file's comment).
 */
export function isStuck(wallMs, cpuMs, hangMs) {
  if (wallMs >= BLOCKED_FACTOR * hangMs) return true;
  return wallMs >= hangMs && (cpuMs === null || cpuMs >= hangMs);
}

async function watch({ beats: buffer, hangMs, label, pid }) {
  const beats = new Int32Array(buffer);
  let last = Atomics.load(beats, 0);
  let since = Date.now();
  let cpuSince = mainThreadCpuMs(pid);
  const check = setInterval(() => {
    const now = Atomics.load(beats, 0);
    if (now !== last) {
      last = now;
      since = Date.now();
      cpuSince = mainThreadCpuMs(pid);
      return;
    }
    const wallMs = Date.now() - since;
    if (wallMs < hangMs) return;
    const cpuNow = cpuSince === null ? null : mainThreadCpuMs(pid);
    const cpuMs = cpuNow === null ? null : cpuNow - cpuSince;
    if (!isStuck(wallMs, cpuMs, hangMs)) return;
    clearInterval(check);
    void report(wallMs, cpuMs, label);
  }, Math.min(1000, Math.max(50, hangMs / 10)));
}

function post(session, method, params = {}) {
  return new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
}

async function report(wallMs, cpuMs, label) {
  const write = (text) => writeSync(2, text);
  const kill = () => {
    write('hang watchdog: killing the process (a thread stuck in a loop cannot be stopped otherwise)\n');
    process.kill(process.pid, 'SIGKILL');
  };
  // An inspector session's pending answers do not keep this thread's event loop alive; this timer does,
  // and kills the process anyway if the main thread does not answer.
  const giveUp = setTimeout(() => {
    write('hang watchdog: the main thread did not answer the inspector within 30 s\n');
    kill();
  }, 30_000);
  const cpu = cpuMs === null ? '' : ` (${(cpuMs / 1000).toFixed(0)} s of its CPU time)`;
  write(`\nhang watchdog: the main thread of ${label} has not turned its event loop for ${(wallMs / 1000).toFixed(0)} s${cpu}; pausing it to see where\n`);
  try {
    const { Session } = await import('node:inspector');
    const session = new Session();
    session.connectToMainThread();
    const urls = new Map();
    const transformed = new Set();
    session.on('Debugger.scriptParsed', (message) => {
      urls.set(message.params.scriptId, message.params.url);
      if (message.params.sourceMapURL) transformed.add(message.params.scriptId);
    });
    const paused = new Promise((resolve) => session.once('Debugger.paused', (message) => resolve(message.params)));
    await post(session, 'Debugger.enable');
    await post(session, 'Debugger.pause');
    const { callFrames } = await paused;
    const stack = callFrames.slice(0, 40).map((frame) => {
      const url = (urls.get(frame.location.scriptId) ?? frame.url ?? '').replace(/^file:\/\//, '') || `script ${frame.location.scriptId}`;
      const note = transformed.has(frame.location.scriptId) ? ', in the transformed code' : '';
      return `    at ${frame.functionName || '<anonymous>'} (${url}:${frame.location.lineNumber + 1}:${(frame.location.columnNumber ?? 0) + 1}${note})`;
    });
    write(`hang watchdog: the main thread is stuck here:\n${stack.join('\n')}\n`);
    const evaluated = await post(session, 'Runtime.evaluate', {
      expression: `(() => { const report = globalThis[Symbol.for('balloonsim.hangReport')]; return typeof report === 'function' ? report() : 'no report installed'; })()`,
      returnByValue: true,
    });
    const text = evaluated.exceptionDetails !== undefined ? `(the report threw: ${evaluated.exceptionDetails.text})` : String(evaluated.result?.value ?? '');
    write(`hang watchdog: what it was doing:\n${text}\n`);
  } catch (error) {
    write(`hang watchdog: could not look inside the main thread: ${error?.message ?? error}\n`);
  }
  clearTimeout(giveUp);
  kill();
}

if (!isMainThread && workerData?.role === 'balloonsim-hang-watchdog') void watch(workerData);
