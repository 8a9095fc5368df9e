/**
 * One guest worker of a free run, as the coordinator holds it: its thread,
 * its control and batch port, the guests and shards it hosts, and where it is.
 */
import { performance } from 'node:perf_hooks';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import type { HostOrders } from '../../host/device/device-group.js';
import { comlinkEndpoint } from '../comlink-endpoint.js';
import { RunFailure } from '../errors.js';
import type { ThreadSetup } from '../guest-thread.js';
import type { FreeBatch, FreeLoopOptions, WorkerControl } from '../thread-protocol.js';
import { emptyOrders } from '../free-orders.js';

export interface FreeWorker {
  index: number;
  worker: Worker;
  control: Comlink.Remote<WorkerControl>;
  port: MessagePort;
  guests: number[];
  shards: number[];
  roundsDone: number;
  finished: boolean;
  dead: boolean;
  /** The manager's orders since the worker's last batch. */
  pending: HostOrders;
  /** Wall time (performance.now) of the last batch the coordinator handled from this worker. */
  lastBatchMs: number;
}

export interface FreeWorkerHooks {
  /** A batch arrived (not yet delivered: the caller decides when). */
  batch(worker: FreeWorker, batch: FreeBatch): void;
  /** The worker failed (not by a kill, which marks it dead first). */
  fail(error: unknown): void;
  /** Whether the run is closing (workers exit then). */
  closing(): boolean;
}

/** Starts a worker and its guests' loop; the worker's record exists when this returns, the loop a little later. */
export function startFreeWorker(index: number, entry: string, thread: ThreadSetup, loop: FreeLoopOptions, hooks: FreeWorkerHooks): FreeWorker {
  const worker = new Worker(entry, { workerData: { role: 'guests' } });
  const control = Comlink.wrap<WorkerControl>(comlinkEndpoint(worker));
  const channel = new MessageChannel();
  const slot: FreeWorker = {
    index,
    worker,
    control,
    port: channel.port1,
    guests: thread.guests.map((init) => init.index),
    shards: thread.shards.map((shard) => shard.shard),
    roundsDone: 0,
    finished: false,
    dead: false,
    pending: emptyOrders(),
    lastBatchMs: performance.now(),
  };
  worker.on('error', (error) => {
    if (!slot.dead) hooks.fail(new RunFailure('WORKER_FAILED', `a worker thread failed: ${error.message}`));
  });
  worker.on('exit', (code) => {
    if (!slot.dead && !hooks.closing()) hooks.fail(new RunFailure('WORKER_FAILED', `a worker thread exited unexpectedly (code ${code})`));
  });
  channel.port1.on('message', (batch: FreeBatch) => {
    if (!slot.dead) hooks.batch(slot, batch);
  });
  const port2 = Comlink.transfer(channel.port2, [channel.port2 as never]);
  // A worker killed while it starts never answers; that is not a failure.
  control.startFree(thread, port2, loop).catch((error: unknown) => {
    if (!slot.dead) hooks.fail(error);
  });
  return slot;
}

/** Stops a worker's thread and lets go of its control and port. */
export async function closeFreeWorker(slot: FreeWorker): Promise<void> {
  slot.control[Comlink.releaseProxy]();
  slot.port.close();
  await slot.worker.terminate();
}
