/**
 * The hang watchdog (hang-watchdog.mjs) in a child process: a main thread
 * stuck in a loop is reported with where it is stuck and what the registered
 * simulations were doing, and the process is killed; a long synchronous piece
 * of work that beats is left alone, and so is a main thread that waits
 * without burning CPU (a synchronous child process, a starved thread) until
 * it has waited four times the limit.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isStuck, mainThreadCpuMs } from './hang-watchdog.mjs';

const watchdogUrl = new URL('./hang-watchdog.mjs', import.meta.url).href;
// Compiled code, as the scripts use it (`npm test` builds first).
const runWatchUrl = new URL('../../dist/runtime/run-watch.js', import.meta.url).href;
const root = fileURLToPath(new URL('../..', import.meta.url));

function runChild(body: string): ReturnType<typeof spawnSync> {
  const script = `
    import { startHangWatchdog, heartbeat } from ${JSON.stringify(watchdogUrl)};
    import { watchRun } from ${JSON.stringify(runWatchUrl)};
    startHangWatchdog({ hangMs: 500, label: 'the hang test child' });
    ${body}
  `;
  const env = { ...process.env };
  delete env.BALLOONSIM_HANG_MS;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
}

describe('the hang watchdog', () => {
  it('reports where a stuck main thread is and what its runs were doing, then kills the process', () => {
    const child = runChild(`
      watchRun(() => 'free-running run of stuck-host: host tick 42 of 120');
      setTimeout(function handleBatchForever() { for (;;) {} }, 50);
    `);
    expect(child.signal, String(child.stderr)).toBe('SIGKILL');
    const stderr = String(child.stderr);
    expect(stderr).toMatch(/hang watchdog: the main thread of the hang test child has not turned its event loop for \d+ s/);
    expect(stderr).toMatch(/the main thread is stuck here:\n {4}at handleBatchForever \(/);
    expect(stderr).toMatch(/what it was doing:\nfree-running run of stuck-host: host tick 42 of 120/);
    expect(stderr).toMatch(/killing the process/);
  });

  it('leaves alone a long synchronous piece of work that beats', () => {
    const child = runChild(`
      const end = Date.now() + 2000;
      let beats = 0;
      while (Date.now() < end) if (++beats % 100000 === 0) heartbeat();
      process.stdout.write('done');
    `);
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
    expect(String(child.stdout)).toBe('done');
    expect(String(child.stderr)).not.toMatch(/hang watchdog/);
  });

  it('leaves alone a main thread that waits without burning CPU past the limit, and reports one blocked for four times it', () => {
    const waits = runChild(`
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
      process.stdout.write('done');
    `);
    expect(waits.status, String(waits.stderr)).toBe(0);
    expect(String(waits.stdout)).toBe('done');
    expect(String(waits.stderr)).not.toMatch(/hang watchdog/);
    const blocked = runChild(`
      setTimeout(function waitForever() { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); }, 50);
    `);
    expect(blocked.signal, String(blocked.stderr)).toBe('SIGKILL');
    expect(String(blocked.stderr)).toMatch(/has not turned its event loop for \d+ s \(0 s of its CPU time\)/);
    expect(String(blocked.stderr)).toMatch(/the main thread is stuck here:\n {4}at waitForever \(/);
  });

  it('counts the main thread\'s CPU time, not the wall time, up to four times the limit', () => {
    // hangMs 150 s: starved (little CPU) is not stuck until 600 s of wall time; a loop that burned 150 s of CPU is.
    expect(isStuck(149_000, 149_000, 150_000)).toBe(false);
    expect(isStuck(170_000, 7_000, 150_000)).toBe(false);
    expect(isStuck(599_000, 0, 150_000)).toBe(false);
    expect(isStuck(600_000, 0, 150_000)).toBe(true);
    expect(isStuck(300_000, 150_000, 150_000)).toBe(true);
    // Where the CPU time is unknown, the wall time is the limit.
    expect(isStuck(150_000, null, 150_000)).toBe(true);
    expect(isStuck(149_000, null, 150_000)).toBe(false);
    const cpu = mainThreadCpuMs();
    if (process.platform === 'linux') {
      expect(cpu).toBeGreaterThan(0);
      // A busy loop shows in it (however little of the CPU a loaded machine gives this thread).
      const end = Date.now() + 30_000;
      while (mainThreadCpuMs()! - cpu! < 100 && Date.now() < end);
      expect(mainThreadCpuMs()! - cpu!).toBeGreaterThanOrEqual(100);
    } else expect(cpu).toBeNull();
  });
});
