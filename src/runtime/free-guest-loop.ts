/**
 * Free-running mode, inside a guest worker: the worker steps its guests and
 * their device sides round after round as fast as it can, with no barrier.
 * Each round's report (events, distress, surrendered frames, crashes) goes
 * to the coordinator in one batch; the coordinator answers each batch with
 * the memory manager's orders since, which the next round carries out. At
 * most `window` batches may wait for an answer, and a worker never starts a
 * round more than `leadRounds` ahead of the manager's clock (it waits on the
 * shared HOST_TICK slot), so no guest runs far ahead of the manager. Between rounds the worker yields to its event loop,
 * which is how the answers (and control calls) get in.
 *
 * The end: the last round is sent only once every earlier batch has been
 * answered, and is marked final, so the run ends at a quiescent point.
 */
import type { MessagePort } from 'node:worker_threads';
import type { HostOrders } from '../host/device/device-group.js';
import { GuestThrew } from './actor-group.js';
import { serializeError } from './errors.js';
import type { GuestThread } from './guest-thread.js';
import type { FreeBatch, FreeLoopOptions, FreeOrders } from './thread-protocol.js';
import { FreeControl } from './free-control.js';
import { emptyOrders, mergeOrders, ordersAfter } from './free-orders.js';

export class FreeGuestLoop {
  private pending: HostOrders = emptyOrders();
  private inFlight = 0;
  private round = 0;
  private scheduled = false;
  finished = false;
  private readonly control: Int32Array;

  constructor(
    private readonly thread: GuestThread,
    private readonly port: MessagePort,
    private readonly options: FreeLoopOptions,
  ) {
    if (!Number.isSafeInteger(options.rounds) || options.rounds < 1) throw new RangeError(`FreeGuestLoop: rounds must be a positive integer, got ${options.rounds}`);
    if (!Number.isSafeInteger(options.window) || options.window < 1) throw new RangeError(`FreeGuestLoop: window must be a positive integer, got ${options.window}`);
    if (!Number.isSafeInteger(options.leadRounds) || options.leadRounds < 1) throw new RangeError(`FreeGuestLoop: leadRounds must be a positive integer, got ${options.leadRounds}`);
    this.control = new Int32Array(options.control);
    port.on('message', (message: FreeOrders) => this.receive(message));
  }

  start(): void {
    this.kick();
  }

  private receive(message: FreeOrders): void {
    mergeOrders(this.pending, message.orders);
    this.inFlight--;
    this.kick();
  }

  private isLastRound(): boolean {
    return this.round >= this.options.rounds - 1 || Atomics.load(this.control, FreeControl.FINISH) !== 0;
  }

  private kick(): void {
    if (this.scheduled || this.finished || this.inFlight >= this.options.window) return;
    // The final round waits until every earlier batch has been answered.
    if (this.isLastRound() && this.inFlight > 0) return;
    this.scheduled = true;
    if (this.waitForClock()) return;
    setImmediate(() => this.runRound());
  }

  /**
   * Whether the next round is too far ahead of the manager's clock: then it
   * waits (without blocking the thread) until the clock moves or the run is
   * told to finish, and kicks again.
   */
  private waitForClock(): boolean {
    const hostTick = Atomics.load(this.control, FreeControl.HOST_TICK);
    if (this.round <= hostTick + this.options.leadRounds || Atomics.load(this.control, FreeControl.FINISH) !== 0) return false;
    const wait = Atomics.waitAsync(this.control, FreeControl.HOST_TICK, hostTick);
    const resume = (): void => {
      this.scheduled = false;
      this.kick();
    };
    if (wait.async) void wait.value.then(resume);
    else setImmediate(resume);
    return true;
  }

  private runRound(): void {
    this.scheduled = false;
    if (this.finished) return;
    const final = this.isLastRound();
    if (final && this.inFlight > 0) return;
    const round = this.round++;
    const orders = this.pending;
    this.pending = ordersAfter(orders);
    // The guests' own clock: the round; the device sides stamp their events with it.
    orders.tick = round;
    orders.nowMs = round * this.options.tickMs;
    orders.boot = round === 0;
    let batch: FreeBatch;
    try {
      const result = this.thread.step(orders, null);
      batch = { type: 'batch', round, report: result.report, crashed: result.crashed, final };
    } catch (error) {
      const guestIndex = error instanceof GuestThrew ? error.guestIndex : -1;
      this.finished = true;
      this.port.postMessage({ type: 'failed', round, guestIndex, error: serializeError(error, guestIndex >= 0 ? 'GUEST_THREW' : 'WORKER_FAILED') } satisfies FreeBatch);
      return;
    }
    this.port.postMessage(batch);
    if (final) {
      this.finished = true;
      return;
    }
    this.inFlight++;
    this.kick();
  }
}
