/**
 * Unit tests of src/runtime/free-guest-loop.ts: a worker's rounds in free-running mode, run here on
 * the test's thread with a MessageChannel as the coordinator's port (the test answers the batches).
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { FreeControl, FREE_CONTROL_SLOTS } from '../../src/runtime/free-control.js';
import { FreeGuestLoop } from '../../src/runtime/free-guest-loop.js';
import { emptyOrders } from '../../src/runtime/free-orders.js';
import { GuestThread } from '../../src/runtime/guest-thread.js';
import { prepareRun, threadSetups } from '../../src/runtime/run-setup.js';
import type { FreeBatch, FreeLoopOptions } from '../../src/runtime/thread-protocol.js';
import { tinyScenario } from '../support/tiny-run.js';

const ports: MessagePort[] = [];
afterEach(() => {
  for (const port of ports.splice(0)) port.close();
});

async function world(options: Partial<FreeLoopOptions> = {}) {
  const setup = await prepareRun(tinyScenario());
  const thread = new GuestThread(threadSetups(setup, 1)[0]!);
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  const control = new Int32Array(new SharedArrayBuffer(FREE_CONTROL_SLOTS * 4));
  Atomics.store(control, FreeControl.HOST_TICK, 1000);
  const loop = new FreeGuestLoop(thread, port2, { rounds: 5, tickMs: 1000, window: 2, leadRounds: 4, control: control.buffer as SharedArrayBuffer, ...options });
  return { thread, coordinator: port1, control, loop };
}

/** Collects batches; answers each non-final one when `answer` says so (default: at once). */
function coordinate(port: MessagePort, answer: (batch: FreeBatch, inFlight: number) => boolean = () => true) {
  const batches: FreeBatch[] = [];
  const held: FreeBatch[] = [];
  const reply = () => port.postMessage({ type: 'orders', orders: emptyOrders() });
  port.on('message', (batch: FreeBatch) => {
    batches.push(batch);
    if (batch.type === 'batch' && !batch.final) {
      if (answer(batch, held.length)) reply();
      else held.push(batch);
    }
  });
  const release = () => {
    while (held.length > 0) {
      held.pop();
      reply();
    }
  };
  return { batches, release };
}

/** The loop sets `finished` when it posts its final batch; the batch reaches the test's port a turn later. */
const finalIn = (batches: FreeBatch[]) => batches.some((b) => b.type === 'batch' && b.final);

const until = async (done: () => boolean, ms = 5000) => {
  const start = Date.now();
  while (!done()) {
    if (Date.now() - start > ms) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('FreeGuestLoop', () => {
  it('refuses rounds, window or leadRounds that are not positive whole numbers', async () => {
    await expect(world({ rounds: 0 })).rejects.toThrow(new RangeError('FreeGuestLoop: rounds must be a positive integer, got 0'));
    await expect(world({ window: 0 })).rejects.toThrow(new RangeError('FreeGuestLoop: window must be a positive integer, got 0'));
    await expect(world({ leadRounds: 1.5 })).rejects.toThrow(new RangeError('FreeGuestLoop: leadRounds must be a positive integer, got 1.5'));
  });

  it('runs every round, one batch each, the last one marked final, then stops', async () => {
    const { coordinator, loop } = await world();
    const { batches } = coordinate(coordinator);
    loop.start();
    await until(() => loop.finished && finalIn(batches));
    expect(batches.map((b) => (b.type === 'batch' ? `${b.round}${b.final ? ' final' : ''}` : 'failed'))).toEqual(['0', '1', '2', '3', '4 final']);
  });

  it('never has more than `window` batches unanswered, and sends the final round only once all are answered', async () => {
    const { coordinator, loop } = await world({ rounds: 4, window: 2 });
    const { batches, release } = coordinate(coordinator, () => false);
    loop.start();
    await until(() => batches.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(batches.map((b) => b.round)).toEqual([0, 1]);
    release();
    await until(() => batches.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Round 2 is out; round 3, the last, waits for round 2's answer.
    expect(batches.map((b) => b.round)).toEqual([0, 1, 2]);
    expect(loop.finished).toBe(false);
    release();
    await until(() => loop.finished && finalIn(batches));
    expect(batches.map((b) => (b.type === 'batch' ? b.final : null))).toEqual([false, false, false, true]);
  });

  it('waits for the manager\'s clock when it is leadRounds ahead, and goes on when the clock moves', async () => {
    const { coordinator, control, loop } = await world({ rounds: 6, leadRounds: 1, window: 8 });
    Atomics.store(control, FreeControl.HOST_TICK, 0);
    const { batches } = coordinate(coordinator);
    loop.start();
    await until(() => batches.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Rounds 0 and 1 (at most 1 ahead of host tick 0); round 2 waits.
    expect(batches.map((b) => b.round)).toEqual([0, 1]);
    Atomics.store(control, FreeControl.HOST_TICK, 10);
    Atomics.notify(control, FreeControl.HOST_TICK);
    await until(() => loop.finished && finalIn(batches));
    expect(batches.map((b) => b.round)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('ends early, with a final round, once told to finish', async () => {
    const { coordinator, control, loop } = await world({ rounds: 1000 });
    const { batches } = coordinate(coordinator, (batch) => {
      if (batch.round === 2) Atomics.store(control, FreeControl.FINISH, 1);
      return true;
    });
    loop.start();
    await until(() => loop.finished && finalIn(batches));
    const last = batches.at(-1)!;
    expect(last.type === 'batch' && last.final).toBe(true);
    expect(batches.length).toBeLessThan(10);
  });
});
