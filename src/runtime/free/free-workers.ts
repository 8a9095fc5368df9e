/**
 * The guest workers of a free run, as the coordinator holds them all (one
 * worker: free-worker.ts): starting them, the manager's orders waiting for
 * each, the round they have all finished, killing one, and what the end of
 * the run asks of them (settling last orders, reports, audit parts).
 */
import type { FullAuditPart } from '../../audit/thread-audit.js';
import { GuestState } from '../../host/device/guest-states.js';
import type { HostOrders, HostReport } from '../../host/device/device-group.js';
import type { GuestReport } from '../../messages/runtime.js';
import type { ThreadSetup } from '../guest-thread.js';
import type { FreeLoopOptions } from '../thread-protocol.js';
import { workerEntryPath } from '../worker-placement.js';
import { mergeOrders, ordersAfter } from '../free-orders.js';
import { closeFreeWorker, startFreeWorker, type FreeWorker, type FreeWorkerHooks } from './free-worker.js';

export class FreeWorkers {
  readonly slots: FreeWorker[] = [];
  private readonly slotOfGuest: Int32Array;

  constructor(private readonly guests: number) {
    this.slotOfGuest = new Int32Array(guests).fill(-1);
  }

  /** Starts one worker per thread setup. */
  start(setups: ReadonlyArray<ThreadSetup>, loop: FreeLoopOptions, hooks: FreeWorkerHooks): void {
    const entry = workerEntryPath();
    // Every worker's record exists before any batch can arrive (batches are handled on later turns).
    for (const thread of setups) {
      const slot = startFreeWorker(this.slots.length, entry, thread, loop, hooks);
      this.slots.push(slot);
      for (const guest of slot.guests) this.slotOfGuest[guest] = slot.index;
    }
  }

  /** The worker that hosts guest `guest` (undefined before the workers start). */
  ofGuest(guest: number): FreeWorker | undefined {
    return this.slots[this.slotOfGuest[guest]!];
  }

  /** Whether every worker has finished its rounds or died. */
  get allDone(): boolean {
    return this.slots.every((slot) => slot.finished || slot.dead);
  }

  /** The round every running worker has finished; with none running, the furthest any worker got (and at least `hostTick`). */
  roundAllFinished(hostTick: number): number {
    let target = Number.MAX_SAFE_INTEGER;
    let running = 0;
    for (const slot of this.slots) {
      if (slot.finished || slot.dead) continue;
      running++;
      target = Math.min(target, slot.roundsDone);
    }
    if (running === 0) target = Math.max(hostTick, ...this.slots.map((slot) => slot.roundsDone));
    return target;
  }

  /** The manager's orders of a host tick wait for each live worker's next batch: its guests' crashes and commands, its shards' frames. */
  queueOrders(orders: HostOrders): void {
    for (const slot of this.slots) {
      if (slot.dead) continue;
      const guests = new Set(slot.guests);
      const shards = new Set(slot.shards);
      mergeOrders(slot.pending, {
        ...orders,
        boot: false,
        crashes: orders.crashes.filter((crash) => guests.has(crash.guest)),
        commands: orders.commands.filter((command) => guests.has(command.guest)),
        adopt: orders.adopt.filter((adopt) => shards.has(adopt.shard)),
      });
    }
  }

  /** The orders waiting for a worker, taken to send; what waits after is empty, in the same state. */
  takeOrders(slot: FreeWorker): HostOrders {
    const orders = slot.pending;
    slot.pending = ordersAfter(orders);
    return orders;
  }

  /** Terminates a worker wherever it is in its round; its guests are marked dying in `states` first. Resolves once the thread is gone. */
  terminate(slot: FreeWorker, states: Int32Array): Promise<number> {
    slot.dead = true;
    for (const guest of slot.guests) Atomics.store(states, guest, GuestState.DYING);
    return slot.worker.terminate();
  }

  /**
   * Orders the manager gave after a worker's final round never reached it:
   * each live worker carries them out now, without a step (crashes, frames
   * for its shards, grants that waited), and its report goes to `onReport`
   * as a batch's would, worker by worker.
   */
  async settle(onReport: (report: HostReport) => void): Promise<void> {
    for (const slot of this.slots) {
      if (slot.dead) continue;
      onReport(await slot.control.settle(this.takeOrders(slot)));
    }
  }

  /** Every guest's report, by guest index: from its worker, or from `deadReport` if its worker was killed. */
  async reports(deadReport: (guest: number) => GuestReport): Promise<GuestReport[]> {
    const reports: GuestReport[] = new Array(this.guests);
    await Promise.all(
      this.slots.map(async (slot) => {
        const list = slot.dead ? slot.guests.map(deadReport) : await slot.control.reports();
        slot.guests.forEach((guest, position) => {
          reports[guest] = list[position]!;
        });
      }),
    );
    return reports;
  }

  /** Each live worker's part of the final full audit: its guests and pools. */
  async auditParts(endMs: number): Promise<FullAuditPart[]> {
    const live = this.slots.filter((slot) => !slot.dead);
    return (await Promise.all(live.map((slot) => slot.control.audit({ kind: 'full', timeMs: endMs, sliceStart: 0, sliceEnd: 0 })))) as FullAuditPart[];
  }

  /** Stops every worker's thread. */
  close(): Promise<void>[] {
    return this.slots.map(closeFreeWorker);
  }
}
