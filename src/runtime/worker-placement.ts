import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import type { AuditFindings, FullAuditPart } from '../audit/thread-audit.js';
import type { HostOrders } from '../host/device/device-group.js';
import type { GuestReport } from '../messages/runtime.js';
import { GuestThrew } from './actor-group.js';
import { comlinkEndpoint } from './comlink-endpoint.js';
import { Doorbell } from './doorbell.js';
import { builtFile, RunFailure } from './errors.js';
import { GuestThread, type AuditRequest, type ThreadResult, type ThreadSetup } from './guest-thread.js';
import type { GuestPlacement } from './placement.js';
import type { ThreadReply, ThreadRequest, WorkerControl } from './thread-protocol.js';

/** The compiled worker entry. From the TypeScript sources (tests), the build in dist/ is used. */
export function workerEntryPath(): string {
  const here = new URL(import.meta.url);
  return builtFile(here.pathname.endsWith('.ts') ? new URL('../../dist/runtime/worker-entry.js', here) : new URL('./worker-entry.js', here), 'the worker code');
}

/** One worker thread and the guests it hosts. */
interface WorkerSlot {
  worker: Worker;
  control: Comlink.Remote<WorkerControl>;
  /** The hot path: requests out, replies in (taken with receiveMessageOnPort; the port has no listener). */
  port: MessagePort;
  bell: Doorbell;
  /** Replies taken off the port so far. */
  replies: number;
  guests: number[];
  failure: Error | null;
}

/**
 * How long the coordinator stays blocked waiting for a worker's reply before
 * it lets its event loop turn (a worker's exit or error, an abort timer, the
 * progress display), then waits again.
 */
const REPLY_WAIT_SLICE_MS = 20;

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
    this.slots.forEach((slot, i) => this.send(slot, { type: 'step', orders, audit: audits[i + offset] ?? null }));
    const results: ThreadResult[] = [];
    if (this.callerThread !== null) {
      // The workers have their orders; the caller steps its own share meanwhile.
      try {
        results.push(this.callerThread.step(orders, audits[0] ?? null));
      } catch (error) {
        // Take the workers' replies before leaving, so that the next step starts clean.
        await this.receiveAll().catch(() => undefined);
        if (error instanceof GuestThrew) throw new RunFailure('GUEST_THREW', error.message);
        throw error;
      }
    }
    for (const reply of await this.receiveAll()) {
      if (reply.type !== 'stepped') throw new RunFailure('WORKER_FAILED', `a worker answered a step with ${reply.type}`);
      results.push(reply.result);
    }
    return results;
  }

  async audit(requests: ReadonlyArray<AuditRequest>): Promise<Array<AuditFindings | FullAuditPart>> {
    const offset = this.callerThread !== null ? 1 : 0;
    this.slots.forEach((slot, i) => this.send(slot, { type: 'audit', audit: requests[i + offset]! }));
    const parts: Array<AuditFindings | FullAuditPart> = [];
    if (this.callerThread !== null) parts.push(this.callerThread.auditNow(requests[0]!));
    for (const reply of await this.receiveAll()) {
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
    const bell = new Doorbell();
    const slot: WorkerSlot = { worker, control, port: channel.port1, bell, replies: 0, guests: setup.guests.map((init) => init.index), failure: null };
    this.slots.push(slot);
    worker.on('error', (error) => {
      slot.failure ??= new RunFailure('WORKER_FAILED', `a worker thread failed: ${error.message}`);
    });
    worker.on('exit', (code) => {
      if (!this.closed) slot.failure ??= new RunFailure('WORKER_FAILED', `a worker thread exited unexpectedly (code ${code})`);
    });
    // comlink's typings know DOM transferables only; a Node MessagePort is one at run time.
    const port2 = Comlink.transfer(channel.port2, [channel.port2 as never]);
    await control.init(setup, port2, bell.buffer);
  }

  /** Posts a request to a worker and rings its doorbell. */
  private send(slot: WorkerSlot, request: ThreadRequest): void {
    if (slot.failure !== null) return;
    slot.port.postMessage(request);
    slot.bell.ringRequest();
  }

  /** Every worker's reply to the request just sent, in slot order; rejects with the first failure. */
  private async receiveAll(): Promise<ThreadReply[]> {
    const replies: ThreadReply[] = [];
    let failure: Error | null = null;
    for (const slot of this.slots) {
      try {
        replies.push(await this.receive(slot));
      } catch (error) {
        failure ??= error as Error;
      }
    }
    if (failure !== null) throw failure;
    return replies;
  }

  /**
   * A worker's reply: blocked on its doorbell (runtime/doorbell.ts), in
   * slices between which the event loop turns, so that a worker that died
   * is noticed.
   */
  private async receive(slot: WorkerSlot): Promise<ThreadReply> {
    for (;;) {
      if (slot.failure !== null) throw slot.failure;
      if (slot.bell.awaitReply(slot.replies, REPLY_WAIT_SLICE_MS)) {
        const message = receiveMessageOnPort(slot.port);
        if (message === undefined) throw new RunFailure('WORKER_FAILED', 'a worker rang its doorbell without a reply on its port');
        slot.replies++;
        const reply = message.message as ThreadReply;
        if (reply.type === 'failed') throw new RunFailure(reply.error.code, reply.error.message);
        return reply;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

/** Splits `items` into `parts` contiguous shares whose sizes differ by at most one. */
export function splitEvenly(items: number, parts: number): number[] {
  const base = Math.floor(items / parts);
  const extra = items % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}
