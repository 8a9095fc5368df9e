/**
 * Unit tests of src/runtime/doorbell.ts: the counters each side rings, waits that end when the
 * other side rings (on another thread, too) and time out when it does not.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Doorbell } from '../../src/runtime/doorbell.js';

describe('the lockstep doorbell', () => {
  it('counts requests and replies apart', () => {
    const bell = new Doorbell();
    bell.ringRequest();
    bell.ringRequest();
    bell.ringReply();
    expect([bell.requests, bell.replies]).toEqual([2, 1]);
    const view = new Doorbell(bell.buffer);
    expect([view.requests, view.replies]).toEqual([2, 1]);
  });

  it('a wait ends at once when the count has already moved past what was seen, and times out when it has not', () => {
    const bell = new Doorbell();
    expect(bell.awaitReply(0, 5)).toBe(false);
    bell.ringReply();
    expect(bell.awaitReply(0, 5)).toBe(true);
    expect(bell.awaitReply(1, 5)).toBe(false);
    expect(bell.awaitRequest(0, 5)).toBe(false);
    const started = performance.now();
    expect(bell.awaitRequest(0, 30)).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
  });

  it('wakes a thread blocked on it when another thread rings', async () => {
    const bell = new Doorbell();
    // The worker waits for a request, answers with a reply ring; the main thread waits for that.
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      const slots = new Int32Array(workerData);
      parentPort.postMessage('waiting');
      while (Atomics.load(slots, 0) === 0) Atomics.wait(slots, 0, 0, 10_000);
      Atomics.add(slots, 1, 1);
      Atomics.notify(slots, 1);
    `;
    const worker = new Worker(code, { eval: true, workerData: bell.buffer });
    await new Promise((resolve) => worker.once('message', resolve));
    expect(bell.awaitReply(0, 20)).toBe(false);
    bell.ringRequest();
    expect(bell.awaitReply(0, 10_000)).toBe(true);
    expect(bell.replies).toBe(1);
    await worker.terminate();
  });
});
