/**
 * The auditor's power: an audit that reports "0 violations" is worth
 * something only if each of its checks fails when the state it checks is
 * wrong. Each test here takes an honest world (two guests in two shards, run
 * inline in lockstep until one guest's balloon gave frames back to its
 * shard's pool and the manager holds frames in transit), breaks it in one way,
 * and expects exactly the findings that corruption must produce: the line
 * that names the problem, and every line that follows from it (a frame taken
 * from one owner is missing from that owner's count and extra in another's),
 * no more. A weakened check (a comparison dropped or turned, a scan that
 * skips what it should check) loses its line and fails its test.
 *
 * Covered, by test: the table against the accounts (each guest, the
 * hypervisor, every shard's given-back frames, the frames held by
 * bookkeeping, a dead guest, invalid owners), conservation, failed
 * compare-exchanges, the pools against the table (given-back runs and
 * untouched ranges, a frame pooled twice), transit, the per-shard untouched
 * counts and overlaps, and the guests' page maps against the table (a frame
 * of another guest, a frame mapped twice by one guest, a page in the wrong
 * state, out of range, an invalid state, a wrong paged-out mark). The
 * concurrent auditor's chunk scans are tested in concurrent-auditor.test.ts
 * and concurrent-check.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { PageState } from '../../src/guest/page-state.js';
import { HOST_SWAPPED, NO_FRAME } from '../../src/guest/shared-memory.js';
import { freeOwnerOfShard, OWNER_FREE, OWNER_HYPERVISOR } from '../../src/host/owners.js';
import { runLockstep } from '../support/lockstep.js';
import { A, B, countOf, findingsAfter, firstFrameOf, honest, honestWorld, mappedPage, openNextTick, pooledFrame } from './honest-world.js';

describe('the auditor, on an honest world broken in one way', () => {
  it('passes the honest world', () => {
    expect(findingsAfter(honestWorld(), () => {})).toEqual({ lines: [], violations: 0 });
  });

  it('counts its passes, returns what each pass found, and stamps each finding with the simulated time', () => {
    // 12 ticks, a full pass every 4th tick and one at the end: 13 passes, 4 of them full.
    const { world, audit } = runLockstep(honest, { auditEveryTicks: 4 });
    expect(audit).toEqual({ checks: 13, fullChecks: 4, violations: 0, firstViolations: [] });
    const frame = firstFrameOf(world, OWNER_HYPERVISOR);
    world.host.table.owners[frame] = 999;
    expect(world.auditor.quick(12_500)).toBe(0);
    expect(world.auditor.full(12_750)).toBe(2);
    expect(world.auditor.result).toEqual({
      checks: 15,
      fullChecks: 5,
      violations: 2,
      firstViolations: [`t=12.750s: frame ${frame} has an invalid owner 999`, `t=12.750s: the table gives ${world.host.reservedFrames - 1} frames to the hypervisor, it reserved ${world.host.reservedFrames}`],
    });
  });

  describe('the table against the accounts', () => {
    it('names the guest that lost a frame to another guest, and the guest that gained it, and the page that maps it', () => {
      const world = honestWorld();
      const a = world.host.accounts[A]!;
      const b = world.host.accounts[B]!;
      const { page, frame } = mappedPage(world, A, PageState.ANON);
      const { lines, violations } = findingsAfter(world, ({ host }) => {
        host.table.owners[frame] = b.ownerId;
      });
      expect(lines).toEqual([
        `guest a page ${page} maps frame ${frame}, which the table gives to guest b`,
        `the table gives guest a ${a.ownedFrames - 1} frames, the host's account says ${a.ownedFrames}`,
        `the table gives guest b ${b.ownedFrames + 1} frames, the host's account says ${b.ownedFrames}`,
      ]);
      expect(violations).toBe(3);
    });

    it('names a guest that lost a frame to the hypervisor, and the hypervisor\'s count', () => {
      const world = honestWorld();
      const a = world.host.accounts[A]!;
      const reserved = world.host.reservedFrames;
      const { page, frame } = mappedPage(world, A, PageState.KERNEL);
      const { lines } = findingsAfter(world, ({ host }) => {
        host.table.owners[frame] = OWNER_HYPERVISOR;
      });
      expect(lines).toEqual([
        `guest a page ${page} maps frame ${frame}, which the table gives to hypervisor`,
        `the table gives ${reserved + 1} frames to the hypervisor, it reserved ${reserved}`,
        `the table gives guest a ${a.ownedFrames - 1} frames, the host's account says ${a.ownedFrames}`,
      ]);
    });

    it('reports an entry that names no owner, and the count it is missing from', () => {
      const world = honestWorld();
      const reserved = world.host.reservedFrames;
      const frame = firstFrameOf(world, OWNER_HYPERVISOR);
      const { lines } = findingsAfter(world, ({ host }) => {
        host.table.owners[frame] = 999;
      });
      expect(lines).toEqual([`frame ${frame} has an invalid owner 999`, `the table gives ${reserved - 1} frames to the hypervisor, it reserved ${reserved}`]);
    });

    it('counts every invalid entry, naming the first three', () => {
      const world = honestWorld();
      const reserved = world.host.reservedFrames;
      const frames = [0, 1, 2, 3, 4].reduce<number[]>((list) => [...list, firstFrameOf(world, OWNER_HYPERVISOR, list.at(-1) ?? -1)], []);
      const { lines, violations } = findingsAfter(world, ({ host }) => {
        for (const frame of frames) host.table.owners[frame] = -5000;
      });
      expect(lines).toEqual([
        ...frames.slice(0, 3).map((frame) => `frame ${frame} has an invalid owner -5000`),
        `the table gives ${reserved - 5} frames to the hypervisor, it reserved ${reserved}`,
      ]);
      expect(violations).toBe(6);
    });

    it('reports a shard whose given-back frames the table marks differently from what the shard holds', () => {
      const world = honestWorld();
      const reserved = world.host.reservedFrames;
      const { held } = pooledFrame(world);
      const frame = firstFrameOf(world, OWNER_HYPERVISOR);
      const { lines } = findingsAfter(world, ({ host }) => {
        host.table.owners[frame] = freeOwnerOfShard(0);
      });
      expect(lines).toEqual([
        `the table marks ${held + 1} frames free in shard 0's pool, the shard holds ${held} given-back frames`,
        `the table gives ${reserved - 1} frames to the hypervisor, it reserved ${reserved}`,
      ]);
    });

    it('reports free frames that neither an untouched range nor transit holds', () => {
      const world = honestWorld();
      const reserved = world.host.reservedFrames;
      const free = countOf(world, OWNER_FREE);
      const frame = firstFrameOf(world, OWNER_HYPERVISOR);
      const { lines } = findingsAfter(world, ({ host }) => {
        host.table.owners[frame] = OWNER_FREE;
      });
      expect(lines).toEqual([
        `the table has ${free + 1} free frames outside the pools' given-back runs, the shards' untouched ranges and transit hold ${free}`,
        `the table gives ${reserved - 1} frames to the hypervisor, it reserved ${reserved}`,
      ]);
    });

    it('reports a dead guest that still owns a frame', () => {
      const world = honestWorld();
      const reserved = world.host.reservedFrames;
      openNextTick(world);
      world.host.crash(A, 'test');
      world.actors[A]!.stop();
      world.shared[A]!.tearDown();
      expect(findingsAfter(world, () => {}).lines).toEqual([]);
      const frame = firstFrameOf(world, OWNER_HYPERVISOR);
      const { lines } = findingsAfter(world, ({ host }) => {
        host.table.owners[frame] = host.accounts[A]!.ownerId;
      });
      expect(lines).toEqual([
        `the table gives ${reserved - 1} frames to the hypervisor, it reserved ${reserved}`,
        'the table gives guest a 1 frames, the host\'s account says 0',
        'guest a is dead but still owns 1 frames',
      ]);
    });

    it('reports a failed compare-exchange, with the frame and both owners', () => {
      const world = honestWorld();
      const frame = firstFrameOf(world, world.host.accounts[B]!.ownerId);
      openNextTick(world);
      const { lines } = findingsAfter(world, ({ host }) => {
        expect(host.table.transfer(frame, host.accounts[A]!.ownerId, OWNER_FREE)).toBe(false);
      });
      expect(lines).toEqual([`failed compare-exchange on the frame table: frame ${frame}: expected guest a, found guest b (while moving it to free)`]);
    });

    it('reports frames that are nobody\'s in the published counts (conservation)', () => {
      const world = honestWorld();
      const { frames, reservedFrames } = world.host;
      const free = countOf(world, OWNER_FREE);
      const owned = world.host.accounts.reduce((sum, account) => sum + account.ownedFrames, 0);
      const freeFrames = world.host.manager.freeFrames;
      const { lines } = findingsAfter(world, ({ host }) => {
        host.manager.balancer.transit.size += 1;
      });
      expect(lines).toEqual([
        `conservation: ${freeFrames + 1} free + ${reservedFrames} hypervisor + ${owned} guest frames = ${frames + 1}, not ${frames}`,
        `the table has ${free} free frames outside the pools' given-back runs, the shards' untouched ranges and transit hold ${free + 1}`,
      ]);
    });
  });

  describe('the pools against the table', () => {
    it('reports a given-back frame that a guest owns, even when every count still adds up', () => {
      const world = honestWorld();
      const { frame: pooled } = pooledFrame(world);
      const { page, frame: mapped } = mappedPage(world, B, PageState.ANON);
      // The two entries swap owners: the counts per owner do not change.
      const { lines } = findingsAfter(world, ({ host }) => {
        host.table.owners[pooled] = host.accounts[B]!.ownerId;
        host.table.owners[mapped] = freeOwnerOfShard(0);
      });
      expect(lines).toEqual([
        `frame ${pooled}, in shard 0's pool, is outside the table, pooled twice or owned by guest b`,
        `guest b page ${page} maps frame ${mapped}, which the table gives to free (in shard 0's pool)`,
      ]);
    });

    it('reports a given-back frame held twice', () => {
      const world = honestWorld();
      const { frame } = pooledFrame(world);
      const { lines } = findingsAfter(world, ({ host }) => {
        host.devices.pool(0).putBack(frame);
      });
      expect(lines).toEqual([`frame ${frame}, in shard 0's pool, is outside the table, pooled twice or owned by free (in shard 0's pool)`]);
    });

    it('reports an untouched frame that is not free, even when every count still adds up', () => {
      const world = honestWorld();
      const ranges = world.host.devices.pool(1).untouchedRanges();
      const [start, end] = [ranges[0]!, ranges[1]!];
      const hypervisor = firstFrameOf(world, OWNER_HYPERVISOR);
      const { lines } = findingsAfter(world, ({ host }) => {
        host.table.owners[start + 1] = OWNER_HYPERVISOR;
        host.table.owners[hypervisor] = OWNER_FREE;
      });
      expect(lines).toEqual([`frame ${start + 1}, in shard 1's untouched range [${start}, ${end}), is outside the table, pooled twice or owned by hypervisor`]);
    });

    it('reports a range of free frames that two shards hold, and the shard that now holds more than the manager counts', () => {
      const world = honestWorld();
      const ranges = world.host.devices.pool(1).untouchedRanges();
      const [start, end] = [ranges[0]!, ranges[1]!];
      const untouched0 = world.host.manager.balancer.untouched[0]!;
      const { lines, violations } = findingsAfter(world, ({ host }) => {
        host.devices.pool(0).adopt(start, 4);
      });
      expect(lines).toEqual([
        ...[0, 1, 2].map((i) => `frame ${start + i}, in shard 1's untouched range [${start}, ${end}), is outside the table, pooled twice or owned by free`),
        `shard 0 holds ${untouched0 + 4} untouched frames, the manager counts ${untouched0}`,
        `free frames [${start}, ${start + 4}) are held twice: by shard 0 and by shard 1`,
      ]);
      // The fourth frame held twice is counted without its line.
      expect(violations).toBe(6);
    });

    it('reports a shard whose untouched ranges hold fewer frames than the manager counts', () => {
      const world = honestWorld();
      const balancer = world.host.manager.balancer;
      const untouched1 = balancer.untouched[1]!;
      const free = countOf(world, OWNER_FREE);
      const pooled = world.host.devices.pool(1).returnedFrames;
      const { lines } = findingsAfter(world, () => {
        balancer.untouched[1]! += 1;
      });
      expect(lines).toEqual([
        `the table marks ${pooled} frames free in shard 1's pool, the shard holds ${pooled - 1} given-back frames`,
        `the table has ${free} free frames outside the pools' given-back runs, the shards' untouched ranges and transit hold ${free + 1}`,
        `shard 1 holds ${untouched1} untouched frames, the manager counts ${untouched1 + 1}`,
      ]);
    });

    it('reports a frame in transit that is not free, and the count it is missing from', () => {
      const world = honestWorld();
      const { frame } = mappedPage(world, B, PageState.ANON);
      const transit = world.host.manager.balancer.transit;
      const { lines } = findingsAfter(world, () => {
        // Conservation and the free count stay whole: the same run comes off transit's size.
        transit.push(frame, 1);
        transit.size -= 1;
      });
      expect(lines).toEqual([`frame ${frame}, in the manager's transit, is outside the table or not free`]);
    });
  });

  describe("the guests' page maps against the table", () => {
    it('reports a frame one guest maps on two pages', () => {
      const world = honestWorld();
      const first = mappedPage(world, A, PageState.ANON, 0);
      const second = mappedPage(world, A, PageState.ANON, 1);
      const { lines } = findingsAfter(world, ({ shared }) => {
        shared[A]!.setFrameAt(second.page, first.frame);
      });
      expect(lines).toEqual([`guest a page ${second.page} maps frame ${first.frame}, which another page maps too`]);
    });

    it('reports a frame two guests map, naming both pages', () => {
      const world = honestWorld();
      const ofA = mappedPage(world, A, PageState.ANON);
      const ofB = mappedPage(world, B, PageState.ANON);
      const { lines } = findingsAfter(world, ({ shared }) => {
        shared[A]!.setFrameAt(ofA.page, ofB.frame);
      });
      expect(lines).toEqual([`guest a page ${ofA.page} maps frame ${ofB.frame}, which the table gives to guest b`, `guest b page ${ofB.page} maps frame ${ofB.frame}, which another page maps too`]);
    });

    it('reports a page that must map a frame and maps none', () => {
      const world = honestWorld();
      const { page } = mappedPage(world, A, PageState.ANON);
      const mapped = world.host.accounts[A]!.ownedFrames;
      const { lines } = findingsAfter(world, ({ shared }) => {
        shared[A]!.setFrameAt(page, NO_FRAME);
      });
      expect(lines).toEqual([`guest a page ${page} is anon but maps no frame`, `guest a has ${mapped - 1} pages that map a frame, its counter says ${mapped}`]);
    });

    it('names the first three bad pages of a guest and counts the rest', () => {
      const world = honestWorld();
      const pages = [0, 1, 2, 3, 4].map((nth) => mappedPage(world, A, PageState.ANON, nth).page);
      const mapped = world.host.accounts[A]!.ownedFrames;
      const { lines, violations } = findingsAfter(world, ({ shared }) => {
        for (const page of pages) shared[A]!.setFrameAt(page, NO_FRAME);
      });
      expect(lines).toEqual([
        ...pages.slice(0, 3).map((page) => `guest a page ${page} is anon but maps no frame`),
        'guest a: 2 more page problems',
        `guest a has ${mapped - 5} pages that map a frame, its counter says ${mapped}`,
      ]);
      expect(violations).toBe(6);
    });

    it('reports a page in a state that maps no frame which maps one', () => {
      const world = honestWorld();
      const views = world.shared[A]!;
      const page = views.pageState.indexOf(PageState.BALLOON);
      const frame = views.frameAt(mappedPage(world, A, PageState.ANON).page);
      const mapped = world.host.accounts[A]!.ownedFrames;
      const { lines } = findingsAfter(world, () => {
        views.setFrameAt(page, frame);
      });
      expect(lines[0]).toBe(`guest a page ${page} is balloon but maps frame ${frame}`);
      expect(lines.at(-1)).toBe(`guest a has ${mapped + 1} pages that map a frame, its counter says ${mapped}`);
    });

    it('reports a frame outside the table', () => {
      const world = honestWorld();
      const { page } = mappedPage(world, A, PageState.ANON);
      const frames = world.host.frames;
      const { lines } = findingsAfter(world, ({ shared }) => {
        shared[A]!.setFrameAt(page, frames);
      });
      expect(lines).toEqual([`guest a page ${page} maps frame ${frames}, outside 0..${frames - 1}`]);
    });

    it('reports a page with an invalid state, and the counts it is missing from', () => {
      const world = honestWorld();
      const { page } = mappedPage(world, A, PageState.ANON);
      const views = world.shared[A]!;
      const anon = views.pageState.filter((state) => state === PageState.ANON).length;
      const mapped = world.host.accounts[A]!.ownedFrames;
      const { lines } = findingsAfter(world, () => {
        views.pageState[page] = 200;
      });
      expect(lines).toEqual([
        `guest a page ${page} has an invalid state 200`,
        `guest a has ${anon - 1} anon pages, its counter says ${anon}`,
        `guest a has ${mapped - 1} pages that map a frame, its counter says ${mapped}`,
      ]);
    });

    it('reports a kernel page marked paged out by the host, and the paged-out count', () => {
      const world = honestWorld();
      const { page } = mappedPage(world, A, PageState.KERNEL);
      const mapped = world.host.accounts[A]!.ownedFrames;
      const { lines } = findingsAfter(world, ({ shared }) => {
        shared[A]!.setFrameAt(page, HOST_SWAPPED);
      });
      expect(lines).toEqual([
        'guest a has 1 pages the host paged out, its counter says 0',
        `guest a page ${page} is kernel but marked paged out by the host (only anon and cache pages may be)`,
        `guest a has ${mapped - 1} pages that map a frame, its counter says ${mapped}`,
      ]);
    });

    it('reports an anon page whose paged-out mark is no mark, and takes a real mark on an anon page for a count mismatch only', () => {
      const world = honestWorld();
      const first = mappedPage(world, A, PageState.ANON, 0);
      const second = mappedPage(world, A, PageState.ANON, 1);
      const mapped = world.host.accounts[A]!.ownedFrames;
      const { lines } = findingsAfter(world, ({ shared }) => {
        shared[A]!.setFrameAt(first.page, -4);
        shared[A]!.setFrameAt(second.page, HOST_SWAPPED);
      });
      expect(lines).toEqual([
        'guest a has 2 pages the host paged out, its counter says 0',
        `guest a page ${first.page} has an invalid frame -4`,
        `guest a has ${mapped - 2} pages that map a frame, its counter says ${mapped}`,
      ]);
    });
  });
});
