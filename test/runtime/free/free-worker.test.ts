/**
 * Unit tests of src/runtime/free/free-worker.ts: one guest worker of a free run, started and answered
 * by the test as the coordinator would (needs `npm run build`: dist/).
 */
import { describe, expect, it } from 'vitest';
import { FreeControl, FREE_CONTROL_SLOTS } from '../../../src/runtime/free-control.js';
import { closeFreeWorker, startFreeWorker, type FreeWorker } from '../../../src/runtime/free/free-worker.js';
import { prepareRun, threadSetups } from '../../../src/runtime/run-setup.js';
import type { FreeBatch } from '../../../src/runtime/thread-protocol.js';
import { workerEntryPath } from '../../../src/runtime/worker-placement.js';
import { tinyScenario } from '../../support/tiny-run.js';

describe('startFreeWorker and closeFreeWorker', () => {
  it('start a worker whose rounds come back as batches until the final one, and stop it', async () => {
    const setup = await prepareRun(tinyScenario());
    const [thread] = threadSetups(setup, 1);
    const control = new SharedArrayBuffer(FREE_CONTROL_SLOTS * 4);
    // The manager's clock far ahead: the worker never waits for it.
    new Int32Array(control)[FreeControl.HOST_TICK] = 1000;
    const rounds: string[] = [];
    const failures: unknown[] = [];
    let slot: FreeWorker | null = null;
    const finished = new Promise<void>((resolve) => {
      slot = startFreeWorker(3, workerEntryPath(), thread!, { rounds: 4, tickMs: 1000, window: 1, leadRounds: 8, control }, {
        batch(worker, batch: FreeBatch) {
          expect(worker).toBe(slot);
          if (batch.type !== 'batch') {
            failures.push(batch);
            resolve();
            return;
          }
          rounds.push(`${batch.round}${batch.final ? ' final' : ''}`);
          if (batch.final) resolve();
          else worker.port.postMessage({ type: 'orders', orders: worker.pending });
        },
        fail: (error) => failures.push(error),
        closing: () => false,
      });
    });
    const worker = slot! as FreeWorker;
    expect(worker).toMatchObject({ index: 3, guests: [0, 1], roundsDone: 0, finished: false, dead: false });
    expect(worker.shards).toEqual(thread!.shards.map((s) => s.shard));
    await finished;
    expect(failures).toEqual([]);
    expect(rounds).toEqual(['0', '1', '2', '3 final']);
    expect((await worker.control.reports()).map((r) => r.name)).toEqual(['a', 'b']);
    worker.dead = true;
    await closeFreeWorker(worker);
  });
});
