/**
 * The hang watchdog (hang-watchdog.mjs) in a child process: a main thread
 * stuck in a loop is reported with where it is stuck and what the registered
 * simulations were doing, and the process is killed; a long synchronous piece
 * of work that beats is left alone.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

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
    expect(stderr).toMatch(/hang watchdog: the main thread of the hang test child has not turned its event loop for 1 s/);
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
});
