/**
 * The lockstep hot path's wake-up: a doorbell in shared memory beside each
 * worker's MessagePort.
 *
 * A tick's request and reply still travel as messages on the port, but the
 * side that waits for one does not go back to its event loop to be told it
 * came: it watches a counter the other side bumps right after posting
 * (spinning a little, then `Atomics.wait`), and takes the message at once
 * with `receiveMessageOnPort`. A message posted on a port is in the
 * receiving port's queue when `postMessage` returns, so once the counter has
 * moved the message is there.
 *
 * Why: on this project's 2-vCPU machines, a tick of dense-64 is a fraction
 * of a millisecond of work per thread, and waking a thread parked in its
 * event loop (an eventfd write, epoll, the event loop's turn and a promise
 * job on each side) cost about as much again, every tick. The wake-up is
 * scheduling only: what is sent, and in what order, is exactly the same.
 */

/** The counters: how many requests the coordinator has posted, how many replies the worker has. */
const enum Bell {
  REQUESTS = 0,
  REPLIES = 1,
}

/** Reads of the counter before parking in `Atomics.wait` (about 0.35 ms on the 2-vCPU development machine: 17.5 ns a read). */
const SPIN_READS = 20_000;

export class Doorbell {
  private readonly slots: Int32Array;

  /** A new doorbell, or a view of one another thread made (`doorbell.buffer`). */
  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT)) {
    this.slots = new Int32Array(buffer);
  }

  get buffer(): SharedArrayBuffer {
    return this.slots.buffer as SharedArrayBuffer;
  }

  /** Coordinator: a request was posted. */
  ringRequest(): void {
    this.ring(Bell.REQUESTS);
  }

  /** Worker: a reply was posted. */
  ringReply(): void {
    this.ring(Bell.REPLIES);
  }

  /** Requests rung so far. */
  get requests(): number {
    return Atomics.load(this.slots, Bell.REQUESTS);
  }

  /** Replies rung so far. */
  get replies(): number {
    return Atomics.load(this.slots, Bell.REPLIES);
  }

  /** Worker: waits up to `timeoutMs` for the request count to pass `seen`; true if it did. */
  awaitRequest(seen: number, timeoutMs: number): boolean {
    return this.await(Bell.REQUESTS, seen, timeoutMs);
  }

  /** Coordinator: waits up to `timeoutMs` for the reply count to pass `seen`; true if it did. */
  awaitReply(seen: number, timeoutMs: number): boolean {
    return this.await(Bell.REPLIES, seen, timeoutMs);
  }

  private ring(slot: Bell): void {
    Atomics.add(this.slots, slot, 1);
    Atomics.notify(this.slots, slot);
  }

  /**
   * Spins, then parks. The two are separate functions so that neither's
   * optimised code meets a path it never ran: V8 compiles the spin loop while
   * it spins (on-stack replacement), and a spin loop with the parking code
   * after it was thrown away each time a wait outlasted the spin, to be
   * compiled again on the next spin (211 times in six simulated hours of
   * dense-64 on 2 workers).
   */
  private await(slot: Bell, seen: number, timeoutMs: number): boolean {
    return spin(this.slots, slot, seen) || park(this.slots, slot, seen, timeoutMs);
  }
}

/** Whether the counter `slot` moves from `seen` within SPIN_READS reads. */
function spin(slots: Int32Array, slot: Bell, seen: number): boolean {
  for (let read = 0; read < SPIN_READS; read++) if (Atomics.load(slots, slot) !== seen) return true;
  return false;
}

/** Whether the counter `slot` moves from `seen` within `timeoutMs`, blocked in `Atomics.wait` meanwhile. */
function park(slots: Int32Array, slot: Bell, seen: number, timeoutMs: number): boolean {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0) return Atomics.load(slots, slot) !== seen;
    if (Atomics.wait(slots, slot, seen, left) !== 'timed-out') {
      if (Atomics.load(slots, slot) !== seen) return true;
    }
  }
}
