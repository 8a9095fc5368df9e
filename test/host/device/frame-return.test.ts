/**
 * A device side never moves a frame that is not where it expects it, on both
 * ways frames move between a guest and the host:
 * - grants: a broken pool (here, one that holds a frame another guest owns)
 *   hands the grant path an owned frame; the compare-exchange must refuse
 *   it, leave its owner unchanged, count the failure for the audit, and the
 *   guest gets (and is charged for) only the frames that moved;
 * - take-back: a VMware guest's release may be refused frame by frame by the
 *   host; a refused frame goes back to the guest only if it is the guest's
 *   own. A frame of another guest is not handed "back" to the sender: it is
 *   an invalid frame, counted against the sender.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { takeBackFrames, type FrameReturn } from '../../../src/host/device/frame-return.js';
import { ShardPool } from '../../../src/host/device/shard-pool.js';
import { hostRefusesSinglePage } from '../../../src/host/device/vmware-refusals.js';
import { RunList } from '../../../src/host/frame-runs.js';
import { FrameTable } from '../../../src/host/frame-table.js';
import { freeOwnerOfShard, OWNER_FREE } from '../../../src/host/owners.js';
import { framesOfRuns, type HostToGuest } from '../../../src/messages/protocol.js';
import { InlineHost } from '../../support/inline-host.js';
import { assertProperty, describeSeed, propertyParams } from '../../support/fc.js';
import { guest, MiB, scenario } from '../../support/scenarios.js';

const VMWARE_DRIVER = { profile: 'vmware', inflateMode: 'noretry', deflateOnOom: false, statsIntervalMs: 1000, freePageReporting: false } as const;

/** Guests a (VMware, shard 0) and b (virtio, shard 1), booted, their boot messages taken, tick 0 open. */
function bootedHost(): InlineHost {
  const host = new InlineHost(
    scenario({
      host: { memoryBytes: 128 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 }, shards: 2 },
      guests: [guest('a', { memoryBytes: 32 * MiB, driver: VMWARE_DRIVER }), guest('b', { memoryBytes: 32 * MiB })],
    }),
  );
  host.boot();
  host.beginTick(0);
  host.takeInboxes();
  return host;
}

function framesOwnedBy(host: InlineHost, ownerId: number): number[] {
  const frames: number[] = [];
  host.table.owners.forEach((owner, frame) => {
    if (owner === ownerId) frames.push(frame);
  });
  return frames;
}

/** The first message id (from 1) for which the VMware host refuses `frame` as a single page. */
function idRefusing(frame: number): number {
  for (let id = 1; id < 1_000_000; id++) if (hostRefusesSinglePage(frame, id)) return id;
  throw new Error(`no message id refuses frame ${frame}`);
}

function onlyMessage(host: InlineHost, index: number): HostToGuest {
  const inbox = host.takeInboxes()[index]!;
  expect(inbox).toHaveLength(1);
  return inbox[0]!;
}

describe('a grant handed a frame that another guest owns (a broken pool)', () => {
  it('is refused by the compare-exchange: the owner keeps it, the failure is counted, the guest gets and is charged only the frames that moved', () => {
    const host = bootedHost();
    const [a, b] = host.accounts;
    const stolen = framesOwnedBy(host, b!.ownerId)[0]!;
    // Shard 0's pool gives one free frame away and takes b's frame in its place, as if it were free: its next grant
    // (from its newest untouched range, low end first) hands that frame out first.
    const pool = host.devices.pool(host.shardOf(0));
    pool.surrender(1, new RunList());
    pool.adopt(stolen, 1);
    const ownedBefore = a!.ownedFrames;
    const unbackedBefore = a!.device.unbackedPages;

    host.handleOutbox(0, [{ type: 'request', id: 1, purpose: 'populate', pages: 4, withFrames: true }]);

    const grant = onlyMessage(host, 0);
    expect(grant.type).toBe('grant');
    if (grant.type !== 'grant') return;
    // The pool drops the frame and grants the rest of the request from its other frames.
    const granted = Array.from(framesOfRuns(grant.runs));
    expect(granted).toHaveLength(4);
    expect(granted).not.toContain(stolen);
    expect(grant.shortBecause).toBeUndefined();
    for (const frame of granted) expect(host.table.ownerOf(frame)).toBe(a!.ownerId);
    expect(host.table.ownerOf(stolen)).toBe(b!.ownerId);
    expect(a!.ownedFrames).toBe(ownedBefore + 4);
    expect(a!.device.unbackedPages).toBe(unbackedBefore - 4);
    expect(host.table.transferFailures).toBe(1);
    expect(host.table.transferFailureDetails).toEqual([{ frame: stolen, expectedOwner: OWNER_FREE, foundOwner: b!.ownerId, newOwner: a!.ownerId }]);
    // The failure reaches the memory manager (and its audit) when the tick closes.
    host.endTick();
    expect(host.manager.transferFailures).toBe(1);
    expect(host.manager.transferFailureDetails).toEqual([`frame ${stolen}: expected free, found guest b (while moving it to guest a)`]);
  });

  it('is refused from a pool\'s given-back frames too: a frame the table no longer marks as the pool\'s stays with its owner', () => {
    const table = new FrameTable(16);
    const pool = new ShardPool(0, table);
    for (const frame of [4, 5, 6]) {
      expect(table.transfer(frame, OWNER_FREE, 1)).toBe(true);
      expect(table.tryTransfer(frame, 1, pool.freeOwner)).toBe(true);
      pool.putBack(frame);
    }
    // Frame 5 goes to guest 2 behind the pool's back.
    expect(table.transfer(5, freeOwnerOfShard(0), 2)).toBe(true);
    const out = new RunList();
    expect(pool.grant(3, 3, out)).toBe(2);
    expect(Array.from(framesOfRuns(out.toRuns()))).toEqual([4, 6]);
    expect(table.ownerOf(5)).toBe(2);
    expect(table.transferFailureDetails).toEqual([{ frame: 5, expectedOwner: freeOwnerOfShard(0), foundOwner: 2, newOwner: 3 }]);
  });
});

describe('a VMware release the host refuses a page of', () => {
  it('hands the sender back a refused frame that is its own', () => {
    const host = bootedHost();
    const [a] = host.accounts;
    const own = framesOwnedBy(host, a!.ownerId)[0]!;
    const id = idRefusing(own);
    const owned = a!.ownedFrames;

    host.handleOutbox(0, [{ type: 'release', id, frames: Int32Array.of(own), unbackedPages: 0 }]);

    expect(onlyMessage(host, 0)).toEqual({ type: 'releaseAck', id, acceptedFrames: 0, refusedFrames: Int32Array.of(own), invalidFrames: 0, acceptedUnbackedPages: 0 });
    expect(host.table.ownerOf(own)).toBe(a!.ownerId);
    expect(a!.ownedFrames).toBe(owned);
    expect(a!.protocolViolations).toBe(0);
  });

  it('does not hand the sender a frame of another guest that the host would have refused: it is invalid, not the sender\'s, and counted', () => {
    const host = bootedHost();
    const [a, b] = host.accounts;
    const others = framesOwnedBy(host, b!.ownerId)[0]!;
    const id = idRefusing(others);
    const ownedA = a!.ownedFrames;
    const ownedB = b!.ownedFrames;

    host.handleOutbox(0, [{ type: 'release', id, frames: Int32Array.of(others), unbackedPages: 0 }]);

    expect(onlyMessage(host, 0)).toEqual({
      type: 'releaseAck',
      id,
      acceptedFrames: 0,
      refusedFrames: new Int32Array(0),
      invalidFrames: 1,
      acceptedUnbackedPages: 0,
      refusedBecause: 'not-owned',
    });
    expect(host.table.ownerOf(others)).toBe(b!.ownerId);
    expect(a!.ownedFrames).toBe(ownedA);
    expect(b!.ownedFrames).toBe(ownedB);
    expect(a!.protocolViolations).toBe(1);
  });
});

const runsParams = propertyParams('takes back frames named in runs, up or down, exactly as frame by frame: the same answer, table, pool runs and counts', { numRuns: 1_000 });
const refusedParams = propertyParams(
  'takes back runs with frames the host refuses (VMware) exactly as frame by frame: the same answer, refused list, table, pool runs and counts',
  { numRuns: 1_000 },
);

describe(`takeBackFrames ${describeSeed(runsParams.seed)}`, () => {
  const GUEST = 1;
  const OTHER = 2;

  function tableWith(frames: number): { table: FrameTable; pool: ShardPool } {
    const table = new FrameTable(frames);
    for (let frame = 0; frame < 4; frame++) table.transfer(frame, OWNER_FREE, GUEST);
    for (let frame = 4; frame < 8; frame++) table.transfer(frame, OWNER_FREE, OTHER);
    return { table, pool: new ShardPool(0, table) };
  }

  it('takes the sender\'s frames into the pool and tells apart frames out of range, repeated and not the sender\'s', () => {
    const { table, pool } = tableWith(16);
    const result = takeBackFrames(table, pool, GUEST, Int32Array.of(0, 1, 1, 5, 16, -1, 2), null);
    expect(result).toEqual({ accepted: 3, refused: [], invalid: 4, invalidBecause: 'repeated', runs: 2 });
    expect([0, 1, 2].map((frame) => table.ownerOf(frame))).toEqual([pool.freeOwner, pool.freeOwner, pool.freeOwner]);
    expect(table.ownerOf(5)).toBe(OTHER);
    expect(pool.returnedFrames).toBe(3);
    expect(table.transferFailures).toBe(0);
  });

  it('names the first reason: out of range, then not the sender\'s', () => {
    const reason = (frames: number[]): string | undefined => {
      const { table, pool } = tableWith(16);
      return takeBackFrames(table, pool, GUEST, Int32Array.from(frames), null).invalidBecause;
    };
    expect(reason([16, 5])).toBe('out-of-range');
    expect(reason([-1])).toBe('out-of-range');
    expect(reason([5, 16])).toBe('not-owned');
    const { table, pool } = tableWith(16);
    expect(takeBackFrames(table, pool, GUEST, Int32Array.of(0, 5, 16), null)).toEqual({ accepted: 1, refused: [], invalid: 2, invalidBecause: 'not-owned', runs: 2 });
  });

  it('leaves a refused frame with the sender only if it is the sender\'s, and tells a refused frame named twice', () => {
    const { table, pool } = tableWith(16);
    const refuseAll = (): boolean => true;
    expect(takeBackFrames(table, pool, GUEST, Int32Array.of(3, 6, 3, 9), refuseAll)).toEqual({ accepted: 0, refused: [3], invalid: 3, invalidBecause: 'not-owned', runs: 0 });
    expect(table.ownerOf(3)).toBe(GUEST);
    expect(table.ownerOf(6)).toBe(OTHER);
    expect(table.ownerOf(9)).toBe(OWNER_FREE);
    expect(pool.size).toBe(0);
  });

  it('asks about each frame with its position, and takes the frames it does not refuse', () => {
    const { table, pool } = tableWith(16);
    const asked: Array<[number, number]> = [];
    const refuseSecond = (frame: number, position: number): boolean => {
      asked.push([frame, position]);
      return position === 1;
    };
    // Frame 0 moves as a run cut short at the refused frame 1, which the slower loop asks about again and lists; then frame 2.
    expect(takeBackFrames(table, pool, GUEST, Int32Array.of(0, 1, 2), refuseSecond)).toEqual({ accepted: 2, refused: [1], invalid: 0, invalidBecause: undefined, runs: 1 });
    expect(asked).toEqual([
      [0, 0],
      [1, 1],
      [1, 1],
      [2, 2],
    ]);
    expect(Array.from(pool.returnedRuns())).toEqual([0, 1, 2, 1]);
  });

  /**
   * The take-back frame by frame, one `tryTransfer` each (as it was before
   * runs): what the run-wise one must do exactly. With `refuses`, a valid
   * frame the host refuses stays the sender's and is listed.
   */
  function takeBackOneByOne(
    table: FrameTable,
    pool: ShardPool,
    ownerId: number,
    frames: Int32Array,
    refuses: ((frame: number, position: number) => boolean) | null = null,
  ): Omit<FrameReturn, 'runs'> {
    let accepted = 0;
    let invalid = 0;
    let invalidBecause: FrameReturn['invalidBecause'];
    const refused: number[] = [];
    const named = new Set<number>();
    for (const [position, frame] of frames.entries()) {
      if (frame >= 0 && frame < table.frames && !named.has(frame) && refuses !== null && refuses(frame, position) && table.ownerOf(frame) === ownerId) {
        refused.push(frame);
        named.add(frame);
      } else if (frame >= 0 && frame < table.frames && !named.has(frame) && table.tryTransfer(frame, ownerId, pool.freeOwner)) {
        pool.putBack(frame);
        named.add(frame);
        accepted++;
      } else {
        invalid++;
        invalidBecause ??= frame < 0 || frame >= table.frames ? 'out-of-range' : named.has(frame) ? 'repeated' : 'not-owned';
      }
    }
    return { accepted, refused, invalid, invalidBecause };
  }

  const FRAMES = 64;
  // Runs of frames going up or down from anywhere (past the table's ends too), with single frames between.
  const namedRuns = fc.array(fc.tuple(fc.integer({ min: -3, max: FRAMES + 2 }), fc.integer({ min: 1, max: 12 }), fc.constantFrom(1, -1)), { maxLength: 6 });
  const tableOwners = fc.array(fc.constantFrom(GUEST, GUEST, GUEST, OTHER, OWNER_FREE), { minLength: FRAMES, maxLength: FRAMES });

  /** The run-wise take-back and the frame-by-frame one on the same table: what each answered and left behind, to compare. */
  function bothWays(owners: number[], runs: Array<[number, number, number]>, refuses: ((frame: number, position: number) => boolean) | null): unknown[] {
    const named = Int32Array.from(runs.flatMap(([first, count, step]) => Array.from({ length: count }, (_, k) => first + k * step)));
    return [takeBackFrames, takeBackOneByOne].map((takeBack) => {
      const table = new FrameTable(FRAMES);
      owners.forEach((value, frame) => table.owners.set([value], frame));
      const pool = new ShardPool(0, table);
      const { runs: _runs, ...result } = takeBack(table, pool, GUEST, named, refuses) as FrameReturn;
      return { result, owners: Array.from(table.owners), runs: Array.from(pool.returnedRuns()), returned: pool.returnedFrames, transfers: table.transfers, failures: table.transferFailures };
    });
  }

  it(runsParams.name, () => {
    assertProperty(
      fc.property(tableOwners, namedRuns, (owners, runs) => {
        const [runWise, oneByOne] = bothWays(owners, runs, null);
        expect(runWise).toEqual(oneByOne);
      }),
      runsParams,
    );
  });

  it(refusedParams.name, () => {
    // Which (frame, position) pairs the host refuses: a pure function of both, as VMware's hash is.
    const refusal = fc.record({ modulus: fc.integer({ min: 2, max: 9 }), salt: fc.nat({ max: 100 }) });
    assertProperty(
      fc.property(tableOwners, namedRuns, refusal, (owners, runs, { modulus, salt }) => {
        const [runWise, oneByOne] = bothWays(owners, runs, (frame, position) => (frame * 31 + position * 7 + salt) % modulus === 0);
        expect(runWise).toEqual(oneByOne);
      }),
      refusedParams,
    );
  });

  it('moves a VMware release in runs up to the frames the host refuses', () => {
    const table = new FrameTable(64);
    for (let frame = 0; frame < 40; frame++) table.transfer(frame, OWNER_FREE, GUEST);
    const pool = new ShardPool(0, table);
    const named = Int32Array.from({ length: 40 }, (_, k) => k);
    const refuseTwenty = (frame: number): boolean => frame === 20;
    expect(takeBackFrames(table, pool, GUEST, named, refuseTwenty)).toEqual({ accepted: 39, refused: [20], invalid: 0, invalidBecause: undefined, runs: 1 });
    expect(table.ownerOf(20)).toBe(GUEST);
    expect(Array.from(pool.returnedRuns())).toEqual([0, 20, 21, 19]);
  });

  it('moves a run named going down as a run, stopping at a frame that is not the sender\'s', () => {
    const table = new FrameTable(64);
    for (let frame = 10; frame < 40; frame++) table.transfer(frame, OWNER_FREE, GUEST);
    table.transfer(20, GUEST, OTHER);
    const pool = new ShardPool(0, table);
    const named = Int32Array.from({ length: 30 }, (_, k) => 39 - k);
    expect(takeBackFrames(table, pool, GUEST, named, null)).toEqual({ accepted: 29, refused: [], invalid: 1, invalidBecause: 'not-owned', runs: 1 });
    expect(table.ownerOf(20)).toBe(OTHER);
    expect(Array.from(pool.returnedRuns())).toEqual([21, 19, 10, 10]);
  });

  it('moves the frames of each run named in a row with one table call: up, down, lone frames, runs to frame 0 and to the table\'s end', () => {
    const runsOf = (named: number[], owned: number[]): { runs: number; accepted: number; invalid: number } => {
      const table = new FrameTable(64);
      for (const frame of owned) table.transfer(frame, OWNER_FREE, GUEST);
      const { runs, accepted, invalid } = takeBackFrames(table, new ShardPool(0, table), GUEST, Int32Array.from(named), null);
      return { runs, accepted, invalid };
    };
    const range = (from: number, to: number): number[] => Array.from({ length: Math.abs(to - from) + 1 }, (_, k) => from + k * Math.sign(to - from || 1));
    expect(runsOf(range(39, 10), range(10, 39))).toEqual({ runs: 1, accepted: 30, invalid: 0 });
    expect(runsOf(range(10, 39), range(10, 39))).toEqual({ runs: 1, accepted: 30, invalid: 0 });
    expect(runsOf([0, 1, 2, 5, 4, 3], range(0, 5))).toEqual({ runs: 2, accepted: 6, invalid: 0 });
    expect(runsOf([1, 5, 9], [1, 5, 9])).toEqual({ runs: 3, accepted: 3, invalid: 0 });
    expect(runsOf([3, 2, 1, 0], range(0, 3))).toEqual({ runs: 1, accepted: 4, invalid: 0 });
    expect(runsOf([61, 62, 63], range(61, 63))).toEqual({ runs: 1, accepted: 3, invalid: 0 });
    // A run that goes past the table's end stops there; the frame past it is out of range.
    expect(runsOf([62, 63, 64], range(62, 63))).toEqual({ runs: 1, accepted: 2, invalid: 1 });
    // A run that goes past frame 0 going down: the same.
    expect(runsOf([1, 0, -1], range(0, 1))).toEqual({ runs: 1, accepted: 2, invalid: 1 });
  });
});
