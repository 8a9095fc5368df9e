/** The marks a run leaves of its policy calls, as the run writes them and as a watcher on another thread reads them. */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { PolicyError } from '../../../src/host/policy/policy-error.js';
import { currentThreadId, PolicyCallMarks } from '../../../src/runtime/policy-watch/call-marks.js';

const PATHS = ['/p/a.mjs', '/p/b.mjs'];

describe('PolicyCallMarks', () => {
  it('numbers each module\'s methods, and a watcher reading the same buffer sees the call in progress, its module, method and time', () => {
    const run = new PolicyCallMarks(PATHS);
    const watcher = new PolicyCallMarks(PATHS, run.buffer);
    expect(watcher.current()).toBeNull();
    run.enter(run.codeOf('/p/b.mjs', 'observe'), 12_000);
    const first = watcher.current();
    expect(first).toEqual({ call: 1, modulePath: '/p/b.mjs', method: 'observe', timeMs: 12_000 });
    run.leave();
    expect(watcher.current()).toBeNull();
    run.enter(run.codeOf('/p/a.mjs', 'createPolicy'), 0);
    expect(watcher.current()).toEqual({ call: 2, modulePath: '/p/a.mjs', method: 'createPolicy', timeMs: 0 });
    run.enter(run.codeOf('/p/a.mjs', 'reclaim'), 1500.5);
    expect(watcher.current()).toMatchObject({ call: 3, method: 'reclaim', timeMs: 1500.5 });
  });

  it('numbers a module it was not told of after the others; a watcher that was not told either calls it a policy module', () => {
    const run = new PolicyCallMarks(PATHS);
    run.enter(run.codeOf('/elsewhere/c.mjs', 'decide'), 0);
    expect(run.current()).toMatchObject({ modulePath: '/elsewhere/c.mjs', method: 'decide' });
    expect(new PolicyCallMarks(PATHS, run.buffer).current()).toMatchObject({ modulePath: 'a policy module', method: 'decide' });
  });

  it('once stopped, refuses every call with a PolicyError naming it', () => {
    const run = new PolicyCallMarks(PATHS);
    const watcher = new PolicyCallMarks(PATHS, run.buffer);
    expect(run.stopped).toBe(false);
    watcher.markStopped();
    expect(run.stopped).toBe(true);
    expect(() => run.enter(run.codeOf('/p/a.mjs', 'decide'), 0)).toThrow(PolicyError);
    expect(() => run.enter(run.codeOf('/p/a.mjs', 'decide'), 0)).toThrow("the policy module /p/a.mjs: decide() was not called: the run's watch stopped a call that did not return");
    expect(run.current()).toBeNull();
  });

  it('refuses a buffer of another size', () => {
    expect(() => new PolicyCallMarks(PATHS, new SharedArrayBuffer(8))).toThrow(/PolicyCallMarks: the buffer must have 24 bytes, got 8/);
  });

  it.runIf(process.platform === 'linux')('records the Linux id of the thread that makes the calls: this one, or a worker\'s own', async () => {
    const run = new PolicyCallMarks(PATHS);
    expect(run.threadId).toBe(0);
    run.attach();
    expect(run.threadId).toBe(process.pid); // the main thread's id is the process's
    expect(currentThreadId()).toBe(process.pid);
    const fromWorker = await new Promise<number>((resolve, reject) => {
      const worker = new Worker("const { parentPort } = require('node:worker_threads'); parentPort.postMessage(Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop()));", { eval: true });
      worker.once('message', (id: number) => void worker.terminate().then(() => resolve(id)));
      worker.once('error', reject);
    });
    expect(fromWorker).toBeGreaterThan(0);
    expect(fromWorker).not.toBe(process.pid);
  });
});
