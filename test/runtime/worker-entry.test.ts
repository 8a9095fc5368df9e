/**
 * Unit tests of src/runtime/worker-entry.ts, the file that runs in a worker thread: its control plane
 * refuses work before init and a second init, answers on its port after init, and an auditor worker
 * needs its input (needs `npm run build`: dist/).
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { comlinkEndpoint } from '../../src/runtime/comlink-endpoint.js';
import { Doorbell } from '../../src/runtime/doorbell.js';
import { prepareRun, threadSetups } from '../../src/runtime/run-setup.js';
import type { ThreadReply, WorkerControl } from '../../src/runtime/thread-protocol.js';
import { workerEntryPath } from '../../src/runtime/worker-placement.js';
import { tinyScenario } from '../support/tiny-run.js';

let workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.map((w) => w.terminate()));
  workers = [];
});

function start(workerData: unknown = { role: 'guests' }): Worker {
  const worker = new Worker(workerEntryPath(), { workerData });
  workers.push(worker);
  return worker;
}

describe('the worker entry', () => {
  it('refuses audit and settle before init, and reports no guests', async () => {
    const control = Comlink.wrap<WorkerControl>(comlinkEndpoint(start()));
    await expect(control.audit({ kind: 'quick', timeMs: 0 })).rejects.toThrow('worker: audit before init');
    await expect(control.settle({ tick: 0, nowMs: 0, state: 'high', boot: false, crashes: [], commands: [], adopt: [], keep: Float64Array.of() })).rejects.toThrow('worker: settle before init');
    expect(await control.reports()).toEqual([]);
  });

  /** The next reply on `port`, once the worker has rung for it (as the coordinator takes it). */
  function replyAfterBell(port: MessagePort, bell: Doorbell, seen: number): ThreadReply {
    expect(bell.awaitReply(seen, 10_000)).toBe(true);
    const message = receiveMessageOnPort(port);
    expect(message).toBeDefined();
    return message!.message as ThreadReply;
  }

  it('after init answers requests on its port, rings for each reply, and reports its guests; a second init is refused', async () => {
    const control = Comlink.wrap<WorkerControl>(comlinkEndpoint(start()));
    const setup = await prepareRun(tinyScenario());
    const { port1, port2 } = new MessageChannel();
    const bell = new Doorbell();
    await control.init(threadSetups(setup, 1)[0]!, Comlink.transfer(port2, [port2 as never]), bell.buffer);
    const other = new MessageChannel();
    await expect(control.init(threadSetups(setup, 1)[0]!, Comlink.transfer(other.port2, [other.port2 as never]), new Doorbell().buffer)).rejects.toThrow('worker: init called twice');
    const audit = { type: 'audit', audit: { kind: 'quick', timeMs: 0 } } as const;
    // Not rung: the worker's event loop hands it the request.
    port1.postMessage(audit);
    expect(replyAfterBell(port1, bell, 0).type).toBe('audited');
    // Rung at once: the worker (unless this machine was slow) is still waiting on its doorbell and takes it off the port itself.
    port1.postMessage(audit);
    bell.ringRequest();
    expect(replyAfterBell(port1, bell, 1).type).toBe('audited');
    // Rung after the worker has gone back to its event loop (LINGER_MS): answered all the same.
    await new Promise((resolve) => setTimeout(resolve, 100));
    port1.postMessage(audit);
    bell.ringRequest();
    expect(replyAfterBell(port1, bell, 2).type).toBe('audited');
    expect(bell.replies).toBe(3);
    expect(receiveMessageOnPort(port1)).toBeUndefined();
    expect((await control.reports()).map((r) => r.name)).toEqual(['a', 'b']);
    port1.close();
    other.port1.close();
  });

  it('as an auditor, fails at once without its input', async () => {
    const worker = start({ role: 'auditor' });
    const error = await new Promise<Error>((resolve) => worker.once('error', resolve));
    expect(error.message).toBe('worker-entry: an auditor needs its input');
  });
});
