/**
 * Free-running mode, inside a guest worker: the worker steps its guests round
 * after round as fast as it can, with no barrier. Each round's messages go to
 * the host in one packed batch; the host answers each batch with the messages
 * for the worker's guests, which the next round reads. At most `window`
 * batches may wait for an answer, so a worker never runs far ahead of the
 * host. Between rounds the worker yields to its event loop, which is how the
 * answers (and control calls) get in.
 *
 * The end: the last round is sent only once every earlier batch has been
 * answered, and is marked final; the host keeps what it has for these guests
 * queued (it knows what is in flight), so the run ends at a quiescent point.
 */
import type { MessagePort } from 'node:worker_threads';
import type { HostToGuest } from '../../messages/protocol.js';
import type { FreeBatch, FreeInboxes, FreeLoopOptions } from '../../messages/runtime.js';
import { GuestThrew, type ActorGroup } from '../actor-group.js';
import { serializeError } from '../errors.js';
import { decodeHostInboxes, encodeGuestOutboxes } from '../wire-codec.js';
import { FreeControl } from './free-control.js';

export class FreeGuestLoop {
  private pending: HostToGuest[][];
  private inFlight = 0;
  private round = 0;
  private scheduled = false;
  private finished = false;
  private readonly control: Int32Array;

  constructor(
    private readonly group: ActorGroup,
    private readonly port: MessagePort,
    private readonly options: FreeLoopOptions,
  ) {
    if (!Number.isSafeInteger(options.rounds) || options.rounds < 1) throw new RangeError(`FreeGuestLoop: rounds must be a positive integer, got ${options.rounds}`);
    if (!Number.isSafeInteger(options.window) || options.window < 1) throw new RangeError(`FreeGuestLoop: window must be a positive integer, got ${options.window}`);
    this.pending = this.emptyInboxes();
    this.control = new Int32Array(options.control);
    port.on('message', (message: FreeInboxes) => this.receive(message));
  }

  start(): void {
    this.kick();
  }

  private emptyInboxes(): HostToGuest[][] {
    return Array.from({ length: this.group.size }, () => []);
  }

  private receive(message: FreeInboxes): void {
    const decoded = decodeHostInboxes(message.inboxes);
    for (let position = 0; position < this.pending.length; position++) {
      const box = decoded[position];
      if (box !== undefined && box.length > 0) this.pending[position]!.push(...box);
    }
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
    setImmediate(() => this.runRound());
  }

  private runRound(): void {
    this.scheduled = false;
    if (this.finished) return;
    const final = this.isLastRound();
    if (final && this.inFlight > 0) return;
    const inboxes = this.pending;
    this.pending = this.emptyInboxes();
    const round = this.round++;
    let reply: FreeBatch;
    try {
      const outboxes = encodeGuestOutboxes(this.group.step(round, inboxes));
      const crashed = this.group.takeCrashes();
      reply = { type: 'batch', round, outboxes, final, ...(crashed.length > 0 ? { crashed } : {}) };
      this.port.postMessage(reply, [outboxes.buffer as ArrayBuffer]);
    } catch (error) {
      const guestIndex = error instanceof GuestThrew ? error.guestIndex : -1;
      this.finished = true;
      this.port.postMessage({ type: 'failed', round, guestIndex, error: serializeError(error, guestIndex >= 0 ? 'GUEST_THREW' : 'WORKER_FAILED') } satisfies FreeBatch);
      return;
    }
    if (final) {
      this.finished = true;
      return;
    }
    this.inFlight++;
    this.kick();
  }
}
