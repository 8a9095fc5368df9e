import { ownersOf, type OwnerBits, type Owners, type TableShare } from '../messages/table-share.js';
import type { RunList } from './frame-runs.js';
import { allocateTable, frameMovesOf, type FrameMoves } from './frame-moves.js';
import { describeOwner } from './owners.js';

/** A failed compare-exchange: somebody else changed the frame's owner first. */
export interface TransferFailure {
  frame: number;
  expectedOwner: number;
  foundOwner: number;
  newOwner: number;
}

/** At most this many failures are kept with their details; all are counted. */
const FAILURES_KEPT = 32;

/**
 * The frame ownership table: one entry per host frame (an `Int16Array` when
 * the host's owner values fit in 16 bits, else an `Int32Array`: owners.ts,
 * `ownerBitsFor`), in shared memory (a shared WebAssembly memory where one
 * can hold the table, else a `SharedArrayBuffer`: frame-moves.ts) so that
 * every thread sees the same table. An entry holds OWNER_FREE,
 * OWNER_HYPERVISOR, a shard pool's free value or a guest's owner id.
 *
 * Every change of owner is one compare-exchange from the owner the caller
 * believes is current (`Atomics.compareExchange`, or its WebAssembly
 * instruction for runs: frame-moves.ts). A failed exchange is a protocol
 * violation: it is counted and kept for the report, never ignored.
 */
export class FrameTable {
  readonly owners: Owners;
  /** How other threads reach this table (`new FrameTable(share)` there). */
  readonly share: TableShare;
  /** Successful transfers (changes of owner) made through this view of the table. */
  transfers = 0;
  private failureCount = 0;
  private readonly failuresKept: TransferFailure[] = [];
  private readonly moves: FrameMoves;

  /**
   * A new table of `frames` free frames with owners of `ownerBits` bits (the
   * run's setup chooses them with `ownerBitsFor`), or a view of an existing
   * one (its share).
   */
  constructor(framesOrShare: number | TableShare, ownerBits: OwnerBits = 32) {
    if (typeof framesOrShare === 'number') {
      const frames = framesOrShare;
      if (!Number.isSafeInteger(frames) || frames < 1 || frames > 2 ** 31 - 1) {
        throw new RangeError(`FrameTable: frames must be an integer from 1 to 2^31-1, got ${frames}`);
      }
      if (ownerBits !== 16 && ownerBits !== 32) throw new RangeError(`FrameTable: ownerBits must be 16 or 32, got ${String(ownerBits)}`);
      this.share = allocateTable(frames, ownerBits);
    } else {
      this.share = framesOrShare;
    }
    this.owners = ownersOf(this.share);
    this.moves = frameMovesOf(this.share, this.owners);
  }

  get frames(): number {
    return this.owners.length;
  }

  /** Bits of one owner: 16 or 32. */
  get ownerBits(): OwnerBits {
    return this.share.ownerBits;
  }

  /** The current owner of a frame (an atomic read). */
  ownerOf(frame: number): number {
    return Atomics.load(this.owners, frame);
  }

  /**
   * Moves `frame` from `expectedOwner` to `newOwner` with one compare-exchange.
   * Returns false, and records a violation, if the frame was not owned by
   * `expectedOwner`; the table is then unchanged.
   */
  transfer(frame: number, expectedOwner: number, newOwner: number): boolean {
    const found = Atomics.compareExchange(this.owners, frame, expectedOwner, newOwner);
    if (found === expectedOwner) {
      this.transfers++;
      return true;
    }
    this.recordFailure(frame, expectedOwner, found, newOwner);
    return false;
  }

  /**
   * Counts a failed compare-exchange made outside `transfer` (the tight
   * loops of the pools, which make their own exchanges on `owners`).
   */
  recordFailure(frame: number, expectedOwner: number, foundOwner: number, newOwner: number): void {
    this.failureCount++;
    if (this.failuresKept.length < FAILURES_KEPT) {
      this.failuresKept.push({ frame, expectedOwner, foundOwner, newOwner });
    }
  }

  /**
   * Moves `frame` from `claimedOwner` to `newOwner` if, and only if, it is
   * `claimedOwner`'s: one compare-exchange that is both the check and the
   * move. For claims made by guests (a release names frames the guest says
   * are its own): a false claim leaves the table unchanged and is not a
   * transfer failure of the host; the caller counts it as the guest's
   * protocol violation.
   */
  tryTransfer(frame: number, claimedOwner: number, newOwner: number): boolean {
    if (Atomics.compareExchange(this.owners, frame, claimedOwner, newOwner) !== claimedOwner) return false;
    this.transfers++;
    return true;
  }

  /**
   * `tryTransfer` for a run of frames a guest names in a row: `first`,
   * `first + step`, ... (`count` of them, `step` 1 or -1, all in the table),
   * in that order, stopping at the first that is not `claimedOwner`'s.
   * Returns how many moved (the frame after them, if any, is unchanged).
   */
  tryTransferRun(first: number, count: number, step: 1 | -1, claimedOwner: number, newOwner: number): number {
    const low = step === 1 ? first : first - count + 1;
    this.checkRange('tryTransferRun', low, count);
    const moved = step === 1 ? this.moves.up(first, first + count, claimedOwner, newOwner) - first : first + 1 - this.moves.down(first + 1, low, claimedOwner, newOwner);
    this.transfers += moved;
    return moved;
  }

  /**
   * Moves frames [from, from + count) from `expected` to `newOwner`, one
   * compare-exchange each (`MoveRun`: the pools' grants and surrenders),
   * appending the frames that moved to `moved` as runs. A frame that is not
   * `expected` fails its exchange, is recorded as a transfer failure and
   * stays where it is. Returns how many moved.
   */
  transferRange(from: number, count: number, expected: number, newOwner: number, moved: RunList): number {
    const owners = this.owners;
    const end = from + count;
    this.checkRange('transferRange', from, count);
    const moveRun = this.moves.up;
    let runStart = from;
    let frame = from;
    let failed = 0;
    for (;;) {
      frame = moveRun(frame, end, expected, newOwner);
      if (frame === end) break;
      this.recordFailure(frame, expected, Atomics.load(owners, frame), newOwner);
      failed++;
      moved.add(runStart, frame - runStart);
      runStart = ++frame;
    }
    moved.add(runStart, end - runStart);
    this.transfers += count - failed;
    return count - failed;
  }

  /**
   * Throws unless frames [low, low + count) are all in the table (the memory
   * a table lives in goes on past it, so its moves cannot be left to find out).
   */
  private checkRange(method: string, low: number, count: number): void {
    if (!(count >= 0 && low >= 0 && low + count <= this.owners.length)) {
      throw new RangeError(`FrameTable.${method}: frames ${low} to ${low + count - 1} are not all in the table's 0 to ${this.owners.length - 1}`);
    }
  }

  /** How many compare-exchanges have failed. */
  get transferFailures(): number {
    return this.failureCount;
  }

  /** The first failures, for reports. */
  get transferFailureDetails(): ReadonlyArray<TransferFailure> {
    return this.failuresKept;
  }

  /** Counts frames per owner: a map from owner id to frame count. A full scan. */
  countOwners(): Map<number, number> {
    const counts = new Map<number, number>();
    const owners = this.owners;
    for (let frame = 0; frame < owners.length; frame++) {
      const owner = Atomics.load(owners, frame);
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    return counts;
  }
}

/** A readable line for a failed transfer. */
export function describeTransferFailure(failure: TransferFailure, guestNames: ReadonlyArray<string> = []): string {
  return (
    `frame ${failure.frame}: expected ${describeOwner(failure.expectedOwner, guestNames)}, ` +
    `found ${describeOwner(failure.foundOwner, guestNames)} ` +
    `(while moving it to ${describeOwner(failure.newOwner, guestNames)})`
  );
}
