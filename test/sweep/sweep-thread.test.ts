/**
 * A sweep thread can be stopped at any moment of its start: an aborted sweep
 * terminates the threads of its running cases, and closing a pool terminates
 * threads that may still be loading. Node 20 aborts the whole process
 * ("FATAL ERROR: v8::Module::IsGraphAsync must be used on an instantiated
 * module") when a thread is terminated while require() instantiates an ES
 * module graph, and piscina loads its task file with require(); this took
 * down a test process when a sweep was aborted 300 ms after it started on a
 * busy machine. So the file piscina requires is CommonJS and loads the
 * sweep's ES modules with import(), which a termination stops cleanly.
 *
 * The crash needs a termination inside a window of a few milliseconds, too
 * narrow to hit reliably from a test, so this checks the shape that avoids
 * it: the pool's file is CommonJS and requires nothing itself.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { defaultScenario } from '../../src/scenario/default.js';
import { sweepThreadPath } from '../../src/sweep/sweep-pool.js';
import type { SweepTask, SweepTaskResult } from '../../src/sweep/sweep-task.js';

describe('the file sweep threads load', () => {
  const path = sweepThreadPath();
  const code = readFileSync(path, 'utf8');

  it('is CommonJS that loads the ES modules with import(), not require()', () => {
    expect(path).toMatch(/[/\\]dist[/\\]sweep[/\\]sweep-thread\.cjs$/);
    expect(code).toMatch(/\bimport\('\.\/sweep-worker\.js'\)/);
    expect(code).not.toMatch(/\brequire\s*\(/);
  });

  it('exports the task function piscina calls, which runs a case', async () => {
    const runCase = createRequire(import.meta.url)(path) as unknown;
    expect(typeof runCase).toBe('function');
    const task: SweepTask = { case: 3, label: 'short', base: 'default', parameters: {}, scenario: defaultScenario({ durationOverrideMs: 10_000 }) };
    const { row } = await (runCase as (task: SweepTask) => Promise<SweepTaskResult>)(task);
    expect(row).toMatchObject({ case: 3, label: 'short', status: 'ok', error: null });
    expect(row.metrics?.simulatedSeconds).toBe(10);
  });
});
