/**
 * A device side's grants: from its shard's pool at once when the pool has
 * every frame; else the whole grant waits for the next tick's
 * `completePending`, what it is owed reserved meanwhile.
 */
import { describe, expect, it } from 'vitest';
import { DeviceAccount } from '../../../src/host/device/device-account.js';
import { DeviceGrants } from '../../../src/host/device/grants.js';
import { ShardPool } from '../../../src/host/device/shard-pool.js';
import { FrameTable } from '../../../src/host/frame-table.js';
import { framesOfRuns } from '../../../src/messages/protocol.js';
import { guest, MiB } from '../../support/scenarios.js';

type Request = Parameters<DeviceGrants['grantFor']>[0];

function setUp(poolFrames: number, tableFrames = 1000) {
  const table = new FrameTable(tableFrames);
  const pool = new ShardPool(0, table);
  pool.adopt(0, poolFrames);
  // 64 MiB of 4 KiB pages: 16384 pages.
  const account = new DeviceAccount({ index: 0, spec: guest('g', { memoryBytes: 64 * MiB }), frameBytes: 4096, quarantineAfter: 0, hotplug: false, backing: 'lazy' });
  const sent: Array<{ id: number; frames: number[] }> = [];
  const grants = new DeviceGrants(account, pool, (request, runs) => sent.push({ id: request.id, frames: Array.from(framesOfRuns(runs)) }));
  return { table, pool, account, grants, sent };
}

const request = (id: number, purpose: Request['purpose'], pages: number): Request => ({ type: 'request', id, purpose, pages, withFrames: true });

describe('DeviceGrants', () => {
  it('boots with up to the frames asked, owned by the guest in the table', () => {
    const { table, account, grants } = setUp(100);
    const runs = grants.boot(40);
    expect(Array.from(runs)).toEqual([0, 40]);
    expect(grants.lastFrames).toBe(40);
    expect(account.ownedFrames).toBe(40);
    expect(table.ownerOf(0)).toBe(account.ownerId);
    expect(table.ownerOf(39)).toBe(account.ownerId);
    expect(table.ownerOf(40)).toBe(0);
    // More than the pool has: what it has.
    expect(grants.boot(1000).length).toBe(2);
    expect(grants.lastFrames).toBe(60);
    expect(grants.boot(0)).toEqual(new Int32Array(0));
  });

  it('grants at once when the pool has every frame: a deflate takes pages out of the balloon, a swap-in out of host swap', () => {
    const { account, grants, sent } = setUp(100);
    account.balloonPages = 50;
    account.hostSwapPages = 30;
    grants.grantFor(request(1, 'deflate', 20), 20, 0);
    grants.grantFor(request(2, 'swapIn', 10), 10, 0);
    grants.grantFor(request(3, 'populate', 5), 5, 0);
    expect(sent.map((s) => [s.id, s.frames.length])).toEqual([
      [1, 20],
      [2, 10],
      [3, 5],
    ]);
    expect(new Set(sent.flatMap((s) => s.frames)).size).toBe(35);
    expect(account.ownedFrames).toBe(35);
    expect(account.balloonPages).toBe(30);
    expect([account.hostSwapPages, account.hostSwappedInPages]).toEqual([20, 10]);
    expect(grants.pendingFrames).toBe(0);
  });

  it('answers a request allowed nothing at once, with no runs', () => {
    const { grants, sent } = setUp(0);
    grants.grantFor(request(4, 'populate', 10), 0, 0);
    expect(sent).toEqual([{ id: 4, frames: [] }]);
  });

  it('keeps a grant the pool cannot fill waiting, whole, with what it is owed reserved; grants it in order once the pool has frames', () => {
    const { pool, account, grants, sent } = setUp(5);
    account.balloonPages = 100;
    account.hostSwapPages = 40;
    grants.grantFor(request(1, 'deflate', 30), 30, 0);
    grants.grantFor(request(2, 'swapIn', 8), 8, 0);
    expect(sent).toEqual([]);
    expect(account.owedDeflatePages).toBe(30);
    expect([account.owedBackingPages, account.owedSwapInPages]).toEqual([8, 8]);
    expect(grants.pendingFrames).toBe(38);
    expect(account.deflatablePages).toBe(70);
    expect(account.swapInablePages).toBe(32);
    // Nothing moved yet.
    expect(account.ownedFrames).toBe(0);
    pool.adopt(5, 100);
    grants.completePending();
    expect(sent.map((s) => [s.id, s.frames.length])).toEqual([
      [1, 30],
      [2, 8],
    ]);
    expect([account.owedDeflatePages, account.owedBackingPages, account.owedSwapInPages]).toEqual([0, 0, 0]);
    expect(account.balloonPages).toBe(70);
    expect(account.ownedFrames).toBe(38);
    grants.completePending();
    expect(sent).toHaveLength(2);
  });

  it('completes a waiting grant with what the pool has, if still short', () => {
    const { account, grants, sent } = setUp(5);
    account.balloonPages = 100;
    grants.grantFor(request(1, 'deflate', 20), 20, 0);
    grants.completePending();
    expect(sent.map((s) => s.frames.length)).toEqual([5]);
    expect(account.balloonPages).toBe(95);
    // The 15 frames it lacked are demand the shard could not meet, told to the manager once.
    expect(grants.takeShortfall()).toBe(15);
    expect(grants.takeShortfall()).toBe(0);
  });

  it('counts no shortfall for a grant that waited and was completed whole, nor for one granted at once', () => {
    const { pool, grants } = setUp(5);
    grants.grantFor(request(1, 'populate', 3), 3, 0);
    grants.grantFor(request(2, 'populate', 20), 20, 0);
    pool.adopt(5, 100);
    grants.completePending();
    expect(grants.takeShortfall()).toBe(0);
  });

  it('forgets waiting grants of a guest that died, and what they were owed', () => {
    const { pool, account, grants, sent } = setUp(0);
    grants.grantFor(request(1, 'populate', 20), 20, 0);
    expect(account.owedBackingPages).toBe(20);
    grants.drop();
    expect(account.owedBackingPages).toBe(0);
    pool.adopt(0, 100);
    grants.completePending();
    expect(sent).toEqual([]);
  });

  it('completes only the grants that began waiting before the plan the orders carry; later ones wait for the next plan, in order', () => {
    const { pool, account, grants, sent } = setUp(0);
    account.balloonPages = 100;
    // Free-running mode: rounds at 0, 100 and 200 ms ask; the orders of the manager's plan at 100 ms arrive.
    grants.grantFor(request(1, 'deflate', 10), 10, 0);
    grants.grantFor(request(2, 'deflate', 10), 10, 100);
    grants.grantFor(request(3, 'deflate', 10), 10, 200);
    pool.adopt(0, 15);
    grants.completePending(100);
    // Only the one from before the plan; the rest are neither answered nor counted short.
    expect(sent.map((s) => [s.id, s.frames.length])).toEqual([[1, 10]]);
    expect(grants.takeShortfall()).toBe(0);
    expect(account.owedDeflatePages).toBe(20);
    expect(grants.pendingFrames).toBe(20);
    // The plan at 300 ms answers both, in the order they came: the second whole, the third short by what the pool lacks.
    grants.completePending(300);
    expect(sent.map((s) => [s.id, s.frames.length])).toEqual([
      [1, 10],
      [2, 5],
      [3, 0],
    ]);
    expect(grants.takeShortfall()).toBe(15);
    expect(grants.pendingFrames).toBe(0);
  });
});
