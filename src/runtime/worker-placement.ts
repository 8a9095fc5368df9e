import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import type { AuditFindings, FullAuditPart } from '../audit/thread-audit.js';
import type { HostOrders } from '../host/device/device-group.js';
import type { GuestReport } from '../messages/runtime.js';
import { GuestThrew } from './actor-group.js';
import { comlinkEndpoint } from './comlink-endpoint.js';
import { RunFailure } from './errors.js';
import { GuestThread, type AuditRequest, type ThreadResult, type ThreadSetup } from './guest-thread.js';
import type { GuestPlacement } from './placement.js';
import type { ThreadReply, ThreadRequest, WorkerControl } from './thread-protocol.js';

/** The compiled worker entry. From the TypeScript sources (tests), the build in dist/ is used. */
export function workerEntryPath(): string {
  const here = new URL(import.meta.url);
  const url = here.pathname.endsWith('.ts') ? new URL('../../dist/runtime/worker-entry.js', here) : new URL('./worker-entry.js', here);
  const path = fileURLToPath(url);
  if (!existsSync(path)) {
    throw new RunFailure('NOT_BUILT', `the worker code is missing at ${path}; run \`npm run build\` first`);
  }
  return path;
}

/** One worker thread and the guests it hosts. */
interface WorkerSlot {
  worker: Worker;
  control: Comlink.Remote<WorkerControl>;
  port: MessagePort;
  guests: number[];
  waiting: { resolve: (reply: ThreadReply) => void; reject: (error: Error) => void } | null;
  failure: Error | null;
}

export interface WorkerPlacementOptions {
  /**
   * With two threads or more, the calling thread hosts the first share itself
   * (it would otherwise only wait while the workers step): N threads host
   * guests, the caller and N - 1 workers.
   */
  callerHostsAShare?: boolean;
}

/**
 * Guests and their device sides on worker threads, whole shards per worker.
 * Each tick is one round trip per worker on a dedicated port: the memory
 * manager's orders go out, the worker steps its guests and device sides and
 * answers with its report; frames never cross a thread, only orders, events
 * and counts do.
 */
export class WorkerPlacement implements GuestPlacement {
  readonly kind = 'workers';
  private slots: WorkerSlot[] = [];
  /** The calling thread's own share, if it hosts one. */
  private callerThread: GuestThread | null = null;
  private guestCount = 0;
  private closed = false;

  constructor(
    private readonly workersWanted: number,
    private readonly options: WorkerPlacementOptions = {},
  ) {
    if (!Number.isSafeInteger(workersWanted) || workersWanted < 1) {
      throw new RangeError(`WorkerPlacement: workers must be a positive integer, got ${workersWanted}`);
    }
  }

  /** Threads wanted: the workers asked for (the caller counts as one when it hosts a share). */
  get threadsWanted(): number {
    return this.workersWanted;
  }

  /** Threads that host guests, the caller included when it hosts a share. */
  get threads(): number {
    return this.slots.length + (this.callerThread !== null ? 1 : 0);
  }

  async start(setups: ReadonlyArray<ThreadSetup>): Promise<void> {
    const entry = workerEntryPath();
    this.guestCount = setups.reduce((sum, setup) => sum + setup.guests.length, 0);
    let rest = setups;
    if (this.options.callerHostsAShare === true && setups.length >= 2) {
      this.callerThread = new GuestThread(setups[0]!);
      rest = setups.slice(1);
    }
    await Promise.all(rest.map((setup) => this.startWorker(entry, setup)));
  }

  async step(orders: HostOrders, audits: ReadonlyArray<AuditRequest | null>): Promise<ThreadResult[]> {
    const offset = this.callerThread !== null ? 1 : 0;
    const exchanges = this.slots.map((slot, i) => this.exchange(slot, { type: 'step', orders, audit: audits[i + offset] ?? null }));
    const results: ThreadResult[] = [];
    if (this.callerThread !== null) {
      // The workers have their orders; the caller steps its own share meanwhile.
      try {
        results.push(this.callerThread.step(orders, audits[0] ?? null));
      } catch (error) {
        // Let the workers' replies settle before leaving, so that the next step starts clean.
        await Promise.allSettled(exchanges);
        if (error instanceof GuestThrew) throw new RunFailure('GUEST_THREW', error.message);
        throw error;
      }
    }
    for (const reply of await Promise.all(exchanges)) {
      if (reply.type !== 'stepped') throw new RunFailure('WORKER_FAILED', `a worker answered a step with ${reply.type}`);
      results.push(reply.result);
    }
    return results;
  }

  async audit(requests: ReadonlyArray<AuditRequest>): Promise<Array<AuditFindings | FullAuditPart>> {
    const offset = this.callerThread !== null ? 1 : 0;
    const exchanges = this.slots.map((slot, i) => this.exchange(slot, { type: 'audit', audit: requests[i + offset]! }));
    const parts: Array<AuditFindings | FullAuditPart> = [];
    if (this.callerThread !== null) parts.push(this.callerThread.auditNow(requests[0]!));
    for (const reply of await Promise.all(exchanges)) {
      if (reply.type !== 'audited') throw new RunFailure('WORKER_FAILED', `a worker answered an audit with ${reply.type}`);
      parts.push(reply.part);
    }
    return parts;
  }

  async reports(): Promise<GuestReport[]> {
    const perSlot = await Promise.all(this.slots.map((slot) => slot.control.reports()));
    const reports: GuestReport[] = new Array(this.guestCount);
    if (this.callerThread !== null) {
      const mine = this.callerThread.reports();
      this.callerThread.guestIndexes.forEach((guestIndex, position) => {
        reports[guestIndex] = mine[position]!;
      });
    }
    perSlot.forEach((list, slotIndex) => {
      this.slots[slotIndex]!.guests.forEach((guestIndex, position) => {
        reports[guestIndex] = list[position]!;
      });
    });
    return reports;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.control[Comlink.releaseProxy]();
        slot.port.close();
        await slot.worker.terminate();
      }),
    );
    this.slots = [];
    this.callerThread = null;
  }

  private async startWorker(entry: string, setup: ThreadSetup): Promise<void> {
    const worker = new Worker(entry);
    const control = Comlink.wrap<WorkerControl>(comlinkEndpoint(worker));
    const channel = new MessageChannel();
    const slot: WorkerSlot = { worker, control, port: channel.port1, guests: setup.guests.map((init) => init.index), waiting: null, failure: null };
    this.slots.push(slot);
    const fail = (error: Error): void => {
      slot.failure ??= error;
      slot.waiting?.reject(error);
      slot.waiting = null;
    };
    worker.on('error', (error) => fail(new RunFailure('WORKER_FAILED', `a worker thread failed: ${error.message}`)));
    worker.on('exit', (code) => {
      if (!this.closed) fail(new RunFailure('WORKER_FAILED', `a worker thread exited unexpectedly (code ${code})`));
    });
    channel.port1.on('message', (reply: ThreadReply) => {
      const waiting = slot.waiting;
      slot.waiting = null;
      waiting?.resolve(reply);
    });
    // comlink's typings know DOM transferables only; a Node MessagePort is one at run time.
    const port2 = Comlink.transfer(channel.port2, [channel.port2 as never]);
    await control.init(setup, port2);
  }

  private exchange(slot: WorkerSlot, request: ThreadRequest): Promise<ThreadReply> {
    if (slot.failure !== null) return Promise.reject(slot.failure);
    return new Promise((resolve, reject) => {
      slot.waiting = {
        resolve: (reply) => {
          if (reply.type === 'failed') reject(new RunFailure(reply.error.code, reply.error.message));
          else resolve(reply);
        },
        reject,
      };
      slot.port.postMessage(request);
    });
  }
}

/** Splits `items` into `parts` contiguous shares whose sizes differ by at most one. */
export function splitEvenly(items: number, parts: number): number[] {
  const base = Math.floor(items / parts);
  const extra = items % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}
