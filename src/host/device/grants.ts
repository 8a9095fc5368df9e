/**
 * How a device side grants frames for a guest's requests (a deflate with
 * frames, a first touch, a swap-in): from its shard's pool, each frame by a
 * compare-exchange. When the pool cannot fill a request, the whole grant
 * waits: at the start of the next tick the memory manager has moved free
 * frames to the shard (from its transit) and `completePending` grants it,
 * before the guest steps, so the guest gets its frames when it would have
 * from one pool for the whole host, as long as the host has them. In
 * free-running mode the next tick's start is the first orders the manager
 * planned after the grant began waiting (HostOrders.plannedMs), not the
 * worker's next round, which usually comes before the manager has heard.
 *
 * A waiting grant takes no frame until it is completed (nothing is owned by
 * the guest that it has not been told about), but what it is owed is
 * reserved at once: the pages a waiting deflate will take out of the balloon,
 * and the unbacked pages a waiting first touch or swap-in will back, cannot
 * be asked for again meanwhile (DeviceAccount.owedDeflatePages, owedBackingPages).
 */
import type { GrantPurpose, RequestMessage } from '../../messages/protocol.js';
import type { DeviceAccount } from './device-account.js';
import { RunList } from '../frame-runs.js';
import type { ShardPool } from './shard-pool.js';

/**
 * Answers a request with the runs granted (the device queues the message).
 * `runs` is a view of the grants' own list, valid during the call: the
 * guest's inbox copies a grant's runs when it is queued (messages/inbox-wire.ts).
 */
export type GrantSender = (request: RequestMessage, runs: Int32Array) => void;

const EMPTY_RUNS = new Int32Array(0);

export class DeviceGrants {
  private readonly runs = new RunList();
  /** Requests whose grant waits for frames, in the order they came, with what each may have. */
  private pending: Array<{ request: RequestMessage; allowed: number; sinceMs: number }> = [];
  /** Frames waiting grants lacked when they were completed (granted short), since the last `takeShortfall`. */
  private shortfall = 0;

  constructor(
    private readonly account: DeviceAccount,
    private readonly pool: ShardPool,
    private readonly send: GrantSender,
  ) {}

  /** Frames the waiting grants are owed. */
  get pendingFrames(): number {
    return this.account.owedDeflatePages + this.account.owedBackingPages;
  }

  /** Takes up to `count` frames for the guest's boot; returns them as runs (`lastFrames` says how many). */
  boot(count: number): Int32Array {
    const list = this.runs;
    list.clear();
    if (count <= 0) return EMPTY_RUNS;
    this.account.ownedFrames += this.pool.grant(this.account.ownerId, count, list);
    return list.toRuns();
  }

  /** Frames in the runs of the last boot grant. */
  get lastFrames(): number {
    return this.runs.frames;
  }

  /**
   * Grants up to `allowed` frames for a request: now if the pool has them
   * all, else (whole) at the start of a tick planned after `nowMs`.
   */
  grantFor(request: RequestMessage, allowed: number, nowMs: number): void {
    if (allowed > 0 && this.pool.size < allowed) {
      this.pending.push({ request, allowed, sinceMs: nowMs });
      this.owe(request.purpose, allowed);
      return;
    }
    this.grantNow(request, allowed);
  }

  /**
   * Grants the requests that began waiting before `plannedMs` (all of them
   * if it is absent), in the order they came, from what the pool has now,
   * and answers them; later ones keep waiting (see HostOrders.plannedMs).
   */
  completePending(plannedMs = Infinity): void {
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    for (const waiting of pending) {
      const { request, allowed } = waiting;
      if (waiting.sinceMs >= plannedMs) {
        this.pending.push(waiting);
        continue;
      }
      this.owe(request.purpose, -allowed);
      this.shortfall += allowed - this.grantNow(request, allowed);
    }
  }

  /**
   * Frames the waiting grants lacked when they were completed since the last
   * call: demand the shard could not meet, which the manager must hear of
   * although no grant waits any more (the guest got a short grant and asks
   * again after its back-off).
   */
  takeShortfall(): number {
    const frames = this.shortfall;
    this.shortfall = 0;
    return frames;
  }

  /** The guest died: nothing waits for it any more. */
  drop(): void {
    for (const { request, allowed } of this.pending) this.owe(request.purpose, -allowed);
    this.pending = [];
  }

  /** Grants what the pool has, up to `allowed`, and answers; returns the frames granted. */
  private grantNow(request: RequestMessage, allowed: number): number {
    const list = this.runs;
    list.clear();
    const given = allowed > 0 ? this.pool.grant(this.account.ownerId, allowed, list) : 0;
    const account = this.account;
    account.ownedFrames += given;
    if (request.purpose === 'deflate') account.balloonPages -= given;
    else if (request.purpose === 'swapIn') {
      account.hostSwapPages -= given;
      account.hostSwappedInPages += given;
    }
    // A view, not a copy: the inbox copies the runs into its words as the grant is queued.
    this.send(request, given > 0 ? list.view() : EMPTY_RUNS);
    return given;
  }

  /** Reserves (or, negative, releases) what a waiting grant of `purpose` is owed. */
  private owe(purpose: GrantPurpose, pages: number): void {
    const account = this.account;
    if (purpose === 'deflate') account.owedDeflatePages += pages;
    else {
      account.owedBackingPages += pages;
      if (purpose === 'swapIn') account.owedSwapInPages += pages;
    }
  }
}
