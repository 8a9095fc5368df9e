/**
 * How a device side grants frames for a guest's requests (a deflate with
 * frames, a first touch, a swap-in): from its shard's pool, each frame by a
 * compare-exchange. If the pool runs dry, the grant waits: at the start of
 * the next tick the memory manager has moved free frames to the shard (from
 * its transit) and `completePending` grants the rest, so the guest gets its
 * frames when it would have from one pool for the whole host, as long as the
 * host has them. Frames of a waiting grant count as in flight to the guest.
 */
import type { GrantPurpose, RequestMessage } from '../../messages/protocol.js';
import type { DeviceAccount } from './device-account.js';
import { RunList } from './frame-runs.js';
import type { ShardPool } from './shard-pool.js';

/** Answers a request with the runs granted (the device queues the message). */
export type GrantSender = (request: RequestMessage, runs: Int32Array) => void;

const EMPTY_RUNS = new Int32Array(0);

export class DeviceGrants {
  private readonly runs = new RunList();
  /** Requests whose grant waits for frames, in the order they came. */
  private pending: Array<{ request: RequestMessage; runs: RunList; allowed: number }> = [];

  constructor(
    private readonly account: DeviceAccount,
    private readonly pool: ShardPool,
    private readonly send: GrantSender,
  ) {}

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

  /** Grants up to `allowed` frames for a request, now or (what the pool lacks) at the next tick's start. */
  grantFor(request: RequestMessage, allowed: number): void {
    const list = this.runs;
    list.clear();
    const given = allowed > 0 ? this.pool.grant(this.account.ownerId, allowed, list) : 0;
    this.granted(request.purpose, given);
    if (given < allowed) {
      const runs = new RunList();
      runs.append(list);
      this.pending.push({ request, runs, allowed });
      this.inFlight(request.purpose, given);
      return;
    }
    this.send(request, list.frames > 0 ? list.toRuns() : EMPTY_RUNS);
  }

  /** Grants what requests left waiting last tick can have now (in the order they came), and answers them. */
  completePending(): void {
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    for (const { request, runs, allowed } of pending) {
      // What went out before is counted again, whole, when the grant is queued.
      this.inFlight(request.purpose, -runs.frames);
      this.granted(request.purpose, this.pool.grant(this.account.ownerId, allowed - runs.frames, runs));
      this.send(request, runs.frames > 0 ? runs.toRuns() : EMPTY_RUNS);
    }
  }

  /** The inbox went to the guest: what waiting grants hold is still on its way. */
  recountInFlight(): void {
    for (const { request, runs } of this.pending) this.inFlight(request.purpose, runs.frames);
  }

  /** The guest died: nothing waits for it any more. */
  drop(): void {
    this.pending = [];
  }

  /** Counts frames granted but not yet delivered (`frames` may be negative). */
  inFlight(purpose: GrantPurpose, frames: number): void {
    const account = this.account;
    account.queuedGrantFrames += frames;
    // Deflated pages: the host no longer counts them in the balloon, the guest does until the grant arrives.
    if (purpose === 'deflate') account.queuedBalloonPages += frames;
    // Swapped-in pages: the host freed their slots, the guest counts them until the grant arrives.
    if (purpose === 'swapIn') account.queuedSwapInFrames += frames;
  }

  /** The account's side of `given` frames granted for a request of `purpose`. */
  private granted(purpose: GrantPurpose, given: number): void {
    const account = this.account;
    account.ownedFrames += given;
    if (purpose === 'deflate') account.balloonPages -= given;
    else if (purpose === 'swapIn') {
      account.hostSwapPages -= given;
      account.hostSwappedInPages += given;
    }
  }
}
