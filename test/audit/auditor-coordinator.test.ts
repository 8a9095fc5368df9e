/**
 * The coordinator's part of the audit (audit/auditor.ts), on the honest world
 * of honest-world.ts: what each pass returns, how it merges the threads'
 * parts (the lines it keeps, the invalid entries of several table slices),
 * the host's swap, failed compare-exchanges past those kept with their
 * details, and transit: its frames (frame 0 included, every bad one counted)
 * and the free frames it holds that a shard holds too.
 */
import { describe, expect, it } from 'vitest';
import { Auditor } from '../../src/audit/auditor.js';
import { countOwnerValues } from '../../src/audit/scans.js';
import { tableScanOf } from '../../src/audit/table-scans.js';
import { ThreadAudit, VIOLATIONS_KEPT, type FullAuditPart } from '../../src/audit/thread-audit.js';
import { PageState } from '../../src/guest/page-state.js';
import { NO_FRAME } from '../../src/guest/shared-memory.js';
import { RunList } from '../../src/host/frame-runs.js';
import { OWNER_FREE, OWNER_HYPERVISOR } from '../../src/host/owners.js';
import type { LockstepWorld } from '../support/lockstep.js';
import { A, B, countOf, findingsAfter, firstFrameOf, honestWorld, mappedPage, openNextTick } from './honest-world.js';

function threadAuditOf(world: LockstepWorld): ThreadAudit {
  const { host } = world;
  const views = new Map(world.shared.map((view, index) => [index, view]));
  return new ThreadAudit(host.devices, views, host.scenario.frameBytes, host.manager.records.map((record) => record.name), host.manager.layout.shards);
}

describe('a pass', () => {
  it('returns the violations it found, not those of earlier passes', () => {
    const world = honestWorld();
    const frame = firstFrameOf(world, OWNER_HYPERVISOR);
    world.host.table.owners[frame] = 999;
    expect(world.auditor.full(12_500)).toBe(2);
    world.host.table.owners[frame] = OWNER_HYPERVISOR;
    expect(world.auditor.quick(12_750)).toBe(0);
    expect(world.auditor.full(13_000)).toBe(0);
    expect(world.auditor.result.violations).toBe(2);
  });

  it(`keeps the first ${VIOLATIONS_KEPT} lines, its own and the threads', and counts every violation`, () => {
    const world = honestWorld();
    const free = countOf(world, OWNER_FREE);
    const pages = [0, 1, 2, 3, 4].map((nth) => mappedPage(world, B, PageState.ANON, nth).page);
    // The coordinator's conservation line first; then the thread's part, which keeps 50 lines (23 a guest from the
    // figures it publishes, then guest b's first three bad pages), of which 49 fit; then the coordinator's free count.
    world.host.manager.balancer.transit.size += 1;
    for (const views of world.shared) views.stats.fill(Number.NaN);
    for (const page of pages) world.shared[B]!.setFrameAt(page, NO_FRAME);
    const violations = world.auditor.full(12_500);
    expect(violations).toBe(1 + 46 + 5 + 1 + 1);
    const kept = world.auditor.result.firstViolations;
    expect(kept).toHaveLength(VIOLATIONS_KEPT);
    expect(kept[0]).toMatch(/^t=12\.500s: conservation: /);
    expect(kept.slice(46)).toEqual([
      't=12.500s: guest b: sent NaN distress messages, the host heard 0',
      ...pages.slice(0, 3).map((page) => `t=12.500s: guest b page ${page} is anon but maps no frame`),
    ]);
    expect(kept.some((line) => line.includes(`the table has ${free} free frames`))).toBe(false);
  });

  it('names the first three invalid table entries over all the slices, in table order, and counts the rest', () => {
    const world = honestWorld();
    const reserved = world.host.reservedFrames;
    const frames = [0, 1, 2, 3, 4].reduce<number[]>((list) => [...list, firstFrameOf(world, OWNER_HYPERVISOR, list.at(-1) ?? -1)], []);
    for (const frame of frames) world.host.table.owners[frame] = -5000;
    // Two threads: the first hosts every guest and shard and audits the table up to the third bad entry, the second
    // audits the rest of the table.
    const middle = frames[2]!;
    const first = threadAuditOf(world).full(12_500, 0, middle);
    const slice = countOwnerValues(tableScanOf(world.host.table.share, world.host.table.owners), middle, world.host.frames, world.host.accounts.length, world.host.manager.layout.shards);
    const second: FullAuditPart = { violations: 0, kept: [], ownerCounts: slice.counts, invalid: slice.invalid, invalidFrames: slice.invalidFrames, untouched: [] };
    expect([first.invalidFrames, second.invalidFrames]).toEqual([frames.slice(0, 2), frames.slice(2)]);
    world.host.endTick();
    const auditor = new Auditor(world.host.manager);
    expect(auditor.full(12_500, [first, second])).toBe(6);
    expect(auditor.result.firstViolations).toEqual([
      ...frames.slice(0, 3).map((frame) => `t=12.500s: frame ${frame} has an invalid owner -5000`),
      `t=12.500s: the table gives ${reserved - 5} frames to the hypervisor, it reserved ${reserved}`,
    ]);
  });
});

describe("the host's swap and failed compare-exchanges", () => {
  it('reports host swap use below zero or above its capacity', () => {
    const world = honestWorld();
    const space = world.host.manager.hostSwap;
    expect(space.capacityPages).toBe(0);
    expect(findingsAfter(world, () => (space.usedPages = 1)).lines).toEqual(['host swap: 1 pages used of 0']);
    expect(findingsAfter(world, () => (space.usedPages = -1)).lines).toEqual(['host swap: -1 pages used of 0']);
  });

  it('reports every failed compare-exchange, with the details the host kept of the first ones', () => {
    const world = honestWorld();
    const frame = firstFrameOf(world, world.host.accounts[B]!.ownerId);
    openNextTick(world);
    // A thread hands the manager the details of its first eight failures a tick.
    const { lines, violations } = findingsAfter(world, ({ host }) => {
      for (let i = 0; i < 10; i++) expect(host.table.transfer(frame, host.accounts[A]!.ownerId, OWNER_FREE)).toBe(false);
    });
    expect(violations).toBe(10);
    expect(lines).toEqual([
      ...Array.from({ length: 8 }, () => `failed compare-exchange on the frame table: frame ${frame}: expected guest a, found guest b (while moving it to free)`),
      ...Array.from({ length: 2 }, () => 'failed compare-exchange on the frame table: details not kept'),
    ]);
  });
});

describe('transit', () => {
  /** Takes one frame off transit's newest run: free, held by nobody. */
  function takeOne(world: LockstepWorld): number {
    const list = new RunList();
    expect(world.host.manager.balancer.transit.take(1, list)).toBe(1);
    return list.toRuns()[0]!;
  }

  it('takes frame 0 like any other free frame', () => {
    const world = honestWorld();
    expect(world.host.table.owners[0]).toBe(OWNER_HYPERVISOR);
    const transit = world.host.manager.balancer.transit;
    // Frame 0 and a frame of transit swap owners and holders: every count stays whole.
    const { lines } = findingsAfter(world, ({ host }) => {
      const frame = takeOne(world);
      host.table.owners[frame] = OWNER_HYPERVISOR;
      host.table.owners[0] = OWNER_FREE;
      transit.push(0, 1);
    });
    expect(lines).toEqual([]);
  });

  it('counts every frame of it that is not free, naming the first three', () => {
    const world = honestWorld();
    const transit = world.host.manager.balancer.transit;
    const frames = [0, 1, 2, 3, 4].map((nth) => mappedPage(world, B, PageState.ANON, nth).frame);
    const { lines, violations } = findingsAfter(world, () => {
      // Conservation and the free count stay whole: the same frames come off transit's size.
      for (const frame of frames) transit.push(frame, 1);
      transit.size -= frames.length;
    });
    expect(lines).toEqual(frames.slice(0, 3).map((frame) => `frame ${frame}, in the manager's transit, is outside the table or not free`));
    expect(violations).toBe(5);
  });

  it('reports free frames that transit and a shard both hold', () => {
    const world = honestWorld();
    const transit = world.host.manager.balancer.transit;
    const runs = transit.runs();
    const [start, count] = [runs[runs.length - 2]!, runs[runs.length - 1]!];
    expect(count).toBeGreaterThan(2);
    const untouched0 = world.host.manager.balancer.untouched[0]!;
    const { lines } = findingsAfter(world, ({ host }) => {
      host.devices.pool(0).adopt(start + 1, 2);
    });
    expect(lines).toEqual([
      `shard 0 holds ${untouched0 + 2} untouched frames, the manager counts ${untouched0}`,
      `free frames [${start + 1}, ${start + 3}) are held twice: by transit and by shard 0`,
    ]);
  });

  it('names the shorter of two ranges that start together first', () => {
    const world = honestWorld();
    const transit = world.host.manager.balancer.transit;
    const ranges = world.host.devices.pool(1).untouchedRanges();
    const [start, end] = [ranges[0]!, ranges[1]!];
    expect(end - start).toBeGreaterThan(2);
    // Transit's ranges come after the shards': it now also holds the first two frames of shard 1's range (and the
    // counts stay whole: they come off transit's size).
    const { lines } = findingsAfter(world, () => {
      transit.push(start, 2);
      transit.size -= 2;
    });
    expect(lines).toEqual([`free frames [${start}, ${start + 2}) are held twice: by transit and by shard 1`]);
  });
});
