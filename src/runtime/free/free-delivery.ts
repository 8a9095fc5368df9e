/**
 * How batches travel in free-running mode: each worker's batches to the host,
 * and the host's answers to each worker, are delivered in the order they were
 * sent (a worker's guests talk to the host over one queue, like a virtqueue),
 * but each may be held back first: by injected delays (a share of batches
 * waits a random number of turns of the host's event loop, so that other
 * workers' batches overtake it) and by an optional hook, which property tests
 * use to let `fc.scheduler` choose the order in which workers are heard.
 */
import type { Random } from '../../util/random.js';

/** Which way a batch goes. */
export type Direction = 'to-host' | 'to-guests';

/** Called for every batch; the batch is delivered when the promise settles. */
export type DeliveryHook = (worker: number, direction: Direction) => Promise<unknown>;

/**
 * Injected delays: `fraction` of the batches wait 1..`turnsMax` turns of the
 * event loop, while `active(worker)` says faults are on (by that worker's own
 * clock: a fast worker's guests reach the liveness phase before slow ones).
 */
export interface DelayFaults {
  fraction: number;
  turnsMax: number;
  random: Random;
  active: (worker: number) => boolean;
}

/** Waits `turns` turns of the event loop. */
function turnsOf(turns: number): Promise<void> {
  return new Promise((resolve) => {
    let left = turns;
    const turn = (): void => {
      if (--left <= 0) resolve();
      else setImmediate(turn);
    };
    setImmediate(turn);
  });
}

/** One FIFO queue: actions run in order, each after its gate. */
class Lane {
  private tail: Promise<void> = Promise.resolve();
  /** Batches queued behind a gate or the queue, not yet delivered. */
  waiting = 0;

  constructor(private readonly fail: (error: unknown) => void) {}

  /** Runs `action` now if nothing is queued and there is no gate; otherwise after the queue and the gate. */
  send(gate: Promise<unknown> | null, action: () => void): void {
    if (gate === null && this.waiting === 0) {
      action();
      return;
    }
    this.waiting++;
    this.tail = this.tail
      .then(() => gate)
      .then(() => {
        this.waiting--;
        action();
      })
      .catch((error: unknown) => this.fail(error));
  }
}

/** The lanes of every worker, both ways, and the delays injected on them. */
export class Delivery {
  private readonly lanes: Array<Record<Direction, Lane>>;
  /** Batches held back by injected delays. */
  delayed = 0;

  constructor(
    workers: number,
    private readonly delays: DelayFaults | null,
    private readonly hook: DeliveryHook | null,
    fail: (error: unknown) => void,
  ) {
    this.lanes = Array.from({ length: workers }, () => ({ 'to-host': new Lane(fail), 'to-guests': new Lane(fail) }));
  }

  /** Batches of worker `worker` going `direction` that are held back, not yet delivered (watchdog reports). */
  waiting(worker: number, direction: Direction): number {
    return this.lanes[worker]?.[direction].waiting ?? 0;
  }

  /** Delivers a batch of worker `worker` going `direction` by running `action`, in order, when its gate opens. */
  send(worker: number, direction: Direction, action: () => void): void {
    let gate: Promise<unknown> | null = this.hook !== null ? this.hook(worker, direction) : null;
    const delays = this.delays;
    if (delays !== null && delays.fraction > 0 && delays.active(worker) && delays.random.next() < delays.fraction) {
      this.delayed++;
      const wait = turnsOf(1 + delays.random.int(delays.turnsMax));
      gate = gate === null ? wait : Promise.all([gate, wait]);
    }
    this.lanes[worker]![direction].send(gate, action);
  }
}
