import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import type { HostToGuest } from '../messages/protocol.js';
import type { GuestInit, GuestReport, StepReply, StepRequest, WorkerControl } from '../messages/runtime.js';
import { comlinkEndpoint } from './comlink-endpoint.js';
import { RunFailure } from './errors.js';
import { ActorGroup, GuestThrew } from './actor-group.js';
import type { GuestOutboxHandler, GuestPlacement } from './placement.js';
import { decodeGuestOutboxes, encodeHostInboxes, toWireShape } from './wire-codec.js';

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
  /** Global indexes of the hosted guests, in the worker's order. */
  guests: number[];
  waiting: { resolve: (reply: StepReply) => void; reject: (error: Error) => void } | null;
  failure: Error | null;
}

export interface WorkerPlacementOptions {
  /**
   * With two shares or more, the calling thread hosts the first share itself
   * (it would otherwise only wait while the workers step): N threads host
   * guests, the caller and N - 1 workers. Its guests step after the workers
   * have been sent their inboxes, and the host handles their messages while
   * the workers still step.
   */
  callerHostsAShare?: boolean;
}

/**
 * Guest actors on worker threads, one or several guests per worker. Each tick
 * is one round trip per worker on a dedicated port; every tick's messages for
 * a worker travel in one postMessage, frame batches moved rather than copied.
 */
export class WorkerPlacement implements GuestPlacement {
  readonly kind = 'workers';
  private slots: WorkerSlot[] = [];
  /** The calling thread's own share (the lowest guest indexes), if it hosts one. */
  private callerGroup: ActorGroup | null = null;
  private callerGuests: number[] = [];
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

  /** Threads that host guests, the caller included when it hosts a share. */
  get threads(): number {
    return this.slots.length + (this.callerGroup !== null ? 1 : 0);
  }

  async start(inits: ReadonlyArray<GuestInit>): Promise<void> {
    const entry = workerEntryPath();
    this.guestCount = inits.length;
    const count = Math.max(1, Math.min(this.workersWanted, inits.length));
    const shares = splitEvenly(inits.length, count);
    let next = 0;
    if (this.options.callerHostsAShare === true && shares.length >= 2) {
      const mine = inits.slice(0, shares[0]!);
      next = mine.length;
      shares.shift();
      this.callerGroup = new ActorGroup(mine);
      this.callerGuests = mine.map((init) => init.index);
    }
    const starting: Promise<void>[] = [];
    for (const share of shares) {
      const mine = inits.slice(next, next + share);
      next += share;
      starting.push(this.startWorker(entry, mine));
    }
    await Promise.all(starting);
  }

  async stepEach(tick: number, inboxes: HostToGuest[][], onGuest: GuestOutboxHandler): Promise<void> {
    const replies: Array<Extract<StepReply, { type: 'stepped' }> | undefined> = new Array(this.slots.length);
    let next = 0;
    // Hands the replies on in worker order (workers host consecutive guests): guest order, whatever order they arrive in.
    const handOn = (): void => {
      while (next < replies.length && replies[next] !== undefined) {
        const reply = replies[next]!;
        const slot = this.slots[next]!;
        replies[next++] = undefined;
        const crashes = new Map((reply.crashed ?? []).map((crash) => [crash.guestIndex, crash]));
        const decoded = decodeGuestOutboxes(reply.outboxes);
        slot.guests.forEach((guestIndex, position) => onGuest(guestIndex, decoded[position] ?? [], crashes.get(guestIndex) ?? null));
      }
    };
    let callerDone = this.callerGroup === null;
    const exchanges = this.slots.map((slot, slotIndex) => {
      const mine = encodeHostInboxes(slot.guests.map((index) => inboxes[index] ?? []));
      return this.exchange(slot, { type: 'step', tick, inboxes: mine }).then((reply) => {
        replies[slotIndex] = reply;
        if (callerDone) handOn();
      });
    });
    if (this.callerGroup !== null) {
      // The workers have their inboxes; the caller steps its own share meanwhile.
      try {
        this.stepCallerShare(tick, inboxes, onGuest);
      } catch (error) {
        // Let the workers' replies settle before leaving, so that the next step starts clean.
        await Promise.allSettled(exchanges);
        throw error;
      }
      callerDone = true;
      handOn();
    }
    await Promise.all(exchanges);
  }

  private stepCallerShare(tick: number, inboxes: HostToGuest[][], onGuest: GuestOutboxHandler): void {
    const group = this.callerGroup!;
    let outboxes;
    try {
      outboxes = group.step(tick, this.callerGuests.map((index) => inboxes[index] ?? []));
    } catch (error) {
      if (error instanceof GuestThrew) throw new RunFailure('GUEST_THREW', error.message);
      throw error;
    }
    const crashes = new Map(group.takeCrashes().map((crash) => [crash.guestIndex, crash]));
    // What the wire cannot carry arrives malformed from the workers; from the caller's share too.
    this.callerGuests.forEach((guestIndex, position) => onGuest(guestIndex, outboxes[position]!.map(toWireShape), crashes.get(guestIndex) ?? null));
  }

  async stop(guestIndex: number): Promise<void> {
    if (this.callerGroup !== null && this.callerGuests.includes(guestIndex)) {
      this.callerGroup.stop(guestIndex);
      return;
    }
    const slot = this.slots.find((s) => s.guests.includes(guestIndex));
    if (slot === undefined) throw new RangeError(`WorkerPlacement.stop: no guest ${guestIndex}`);
    await slot.control.stop(guestIndex);
  }

  async reports(): Promise<GuestReport[]> {
    const perSlot = await Promise.all(this.slots.map((slot) => slot.control.reports()));
    const reports: GuestReport[] = new Array(this.guestCount);
    if (this.callerGroup !== null) {
      const mine = this.callerGroup.reports();
      this.callerGuests.forEach((guestIndex, position) => {
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
    this.callerGroup = null;
  }

  private async startWorker(entry: string, inits: ReadonlyArray<GuestInit>): Promise<void> {
    const worker = new Worker(entry);
    const control = Comlink.wrap<WorkerControl>(comlinkEndpoint(worker));
    const channel = new MessageChannel();
    const slot: WorkerSlot = { worker, control, port: channel.port1, guests: inits.map((i) => i.index), waiting: null, failure: null };
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
    channel.port1.on('message', (reply: StepReply) => {
      const waiting = slot.waiting;
      slot.waiting = null;
      waiting?.resolve(reply);
    });
    // comlink's typings know DOM transferables only; a Node MessagePort is one at run time.
    const port2 = Comlink.transfer(channel.port2, [channel.port2 as never]);
    await control.init([...inits], port2);
  }

  private exchange(slot: WorkerSlot, request: StepRequest): Promise<Extract<StepReply, { type: 'stepped' }>> {
    if (slot.failure !== null) return Promise.reject(slot.failure);
    return new Promise((resolve, reject) => {
      slot.waiting = {
        resolve: (reply) => {
          if (reply.type === 'stepped') resolve(reply);
          else reject(new RunFailure(reply.error.code, reply.error.message));
        },
        reject,
      };
      slot.port.postMessage(request, [request.inboxes.buffer as ArrayBuffer]);
    });
  }
}

/** Splits `items` into `parts` contiguous shares whose sizes differ by at most one. */
export function splitEvenly(items: number, parts: number): number[] {
  const base = Math.floor(items / parts);
  const extra = items % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}
