/**
 * Each thread's part of the audit (audit/thread-audit.ts), on the honest world
 * of honest-world.ts broken in one way: the quick checks of a guest's counters
 * against its account, the wording of each kind of bad page, problems past the
 * first three in a shard's pool, how a pass's findings are kept (stamped with
 * the pass's time, counted in that pass only, at most VIOLATIONS_KEPT lines a
 * part), and a hostile guest's own figures, which are not checked.
 */
import { describe, expect, it } from 'vitest';
import { ThreadAudit, VIOLATIONS_KEPT } from '../../src/audit/thread-audit.js';
import { PAGE_STATE_COUNT, PageState } from '../../src/guest/page-state.js';
import { Counter, HOST_SWAPPED, NO_FRAME, SWAP_IN_PENDING } from '../../src/guest/shared-memory.js';
import { OWNER_HYPERVISOR } from '../../src/host/owners.js';
import { runLockstep, type LockstepWorld } from '../support/lockstep.js';
import { guest, MiB, scenario } from '../support/scenarios.js';
import { A, B, findingsAfter, honestWorld, mappedPage } from './honest-world.js';

/** A thread audit of the whole world, as the runtime makes one for a thread that hosts every guest. */
function threadAuditOf(world: LockstepWorld): ThreadAudit {
  const { host } = world;
  const views = new Map(world.shared.map((view, index) => [index, view]));
  return new ThreadAudit(host.devices, views, host.scenario.frameBytes, host.manager.records.map((record) => record.name), host.manager.layout.shards);
}

describe("a thread's quick checks of its guests' counters", () => {
  it('reports a guest whose page states do not add up to its size, and the state count that is off', () => {
    const world = honestWorld();
    const pages = world.host.accounts[A]!.pages;
    const { lines } = findingsAfter(world, ({ shared }) => {
      Atomics.add(shared[A]!.counters, PageState.FREE, 1);
    });
    expect(lines).toEqual([`guest a: page states add up to ${pages + 1}, its size is ${pages} pages`, 'guest a has 0 free pages, its counter says 1']);
  });

  it('reports a guest that counts more mapped pages than the frames it owns', () => {
    const world = honestWorld();
    const owned = world.host.accounts[A]!.ownedFrames;
    const { lines } = findingsAfter(world, ({ shared }) => {
      Atomics.add(shared[A]!.counters, Counter.MAPPED, 1);
    });
    expect(lines).toEqual([`guest a: maps ${owned + 1} frames, but owns ${owned} of which 0 are still in flight to it`, `guest a has ${owned} pages that map a frame, its counter says ${owned + 1}`]);
  });

  it("does not hold a hostile guest's own figures against it, and holds an honest guest's", () => {
    const hostile = scenario({
      durationMs: 12_000,
      host: { memoryBytes: 96 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 } },
      guests: [
        guest('a', { memoryBytes: 32 * MiB, workload: [{ kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'constant', bytes: 8 * MiB } }] }),
        guest('mallory', {
          memoryBytes: 32 * MiB,
          workload: [{ kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'constant', bytes: 8 * MiB } }],
          hostile: { everyMs: 1000, attacks: ['forged', 'not-owned', 'repeated', 'out-of-range'], floodMessages: 40 },
        }),
      ],
    });
    const { world, audit } = runLockstep(hostile, { auditEveryTicks: 1 });
    expect(audit.violations).toBe(0);
    expect(world.host.accounts[1]!.protocolViolations).toBeGreaterThan(0);
    // Both guests publish a running figure that no honest guest can have; only the honest one's is a finding.
    const { lines } = findingsAfter(world, ({ shared }) => {
      for (const views of shared) views.stats[0] = -1;
    });
    expect(lines).toEqual(['guest a: running figure 0 is -1']);
  });
});

describe('the wording of a bad page', () => {
  it('takes the first value past the last page state for an invalid state', () => {
    const world = honestWorld();
    const { page } = mappedPage(world, A, PageState.ANON);
    const views = world.shared[A]!;
    const anon = views.pageState.filter((state) => state === PageState.ANON).length;
    const mapped = world.host.accounts[A]!.ownedFrames;
    const { lines } = findingsAfter(world, () => {
      views.pageState[page] = PAGE_STATE_COUNT;
    });
    expect(lines).toEqual([
      `guest a page ${page} has an invalid state ${PAGE_STATE_COUNT}`,
      `guest a has ${anon - 1} anon pages, its counter says ${anon}`,
      `guest a has ${mapped - 1} pages that map a frame, its counter says ${mapped}`,
    ]);
  });

  it('reports a kernel page marked as being paged back in by the host like one marked paged out', () => {
    const world = honestWorld();
    const { page } = mappedPage(world, A, PageState.KERNEL);
    const mapped = world.host.accounts[A]!.ownedFrames;
    const { lines } = findingsAfter(world, ({ shared }) => {
      shared[A]!.setFrameAt(page, SWAP_IN_PENDING);
    });
    expect(lines).toEqual([
      'guest a has 1 pages the host paged out, its counter says 0',
      `guest a page ${page} is kernel but marked paged out by the host (only anon and cache pages may be)`,
      `guest a has ${mapped - 1} pages that map a frame, its counter says ${mapped}`,
    ]);
  });

  it('names frame 0 like any other frame', () => {
    const world = honestWorld();
    expect(world.host.table.owners[0]).toBe(OWNER_HYPERVISOR);
    const { page } = mappedPage(world, A, PageState.ANON);
    const { lines } = findingsAfter(world, ({ shared }) => {
      shared[A]!.setFrameAt(page, 0);
    });
    expect(lines).toEqual([`guest a page ${page} maps frame 0, which the table gives to hypervisor`]);
  });
});

describe("a shard's pool", () => {
  it('counts every bad frame of its given-back runs, naming the first three', () => {
    const world = honestWorld();
    const pool = world.host.devices.pool(0);
    const runs = pool.returnedRuns();
    expect(runs[1]).toBeGreaterThanOrEqual(5);
    const frames = [0, 1, 2, 3, 4].map((i) => runs[0]! + i);
    const { lines, violations } = findingsAfter(world, () => {
      // Each frame given back a second time: pooled twice.
      for (const frame of frames) pool.putBack(frame);
    });
    expect(lines).toEqual(frames.slice(0, 3).map((frame) => `frame ${frame}, in shard 0's pool, is outside the table, pooled twice or owned by free (in shard 0's pool)`));
    expect(violations).toBe(5);
  });
});

describe("a pass's findings", () => {
  it("are stamped with the pass's time and counted in that pass only", () => {
    const world = honestWorld();
    const pages = [0, 1, 2, 3, 4].map((nth) => mappedPage(world, B, PageState.ANON, nth));
    const mapped = world.host.accounts[B]!.ownedFrames;
    for (const { page } of pages) world.shared[B]!.setFrameAt(page, NO_FRAME);
    expect(world.auditor.full(12_750)).toBe(6);
    expect(world.auditor.result.firstViolations).toEqual([
      ...pages.slice(0, 3).map(({ page }) => `t=12.750s: guest b page ${page} is anon but maps no frame`),
      't=12.750s: guest b: 2 more page problems',
      `t=12.750s: guest b has ${mapped - 5} pages that map a frame, its counter says ${mapped}`,
    ]);
    // Put back, the next passes find nothing: what the last one found is not found again.
    for (const { page, frame } of pages) world.shared[B]!.setFrameAt(page, frame);
    expect(world.auditor.quick(13_000)).toBe(0);
    expect(world.auditor.full(13_250)).toBe(0);
    expect(world.auditor.result.violations).toBe(6);
  });

  it(`keep at most ${VIOLATIONS_KEPT} lines a part, and count every violation`, () => {
    const world = honestWorld();
    const threadAudit = threadAuditOf(world);
    expect(threadAudit.full(12_000, 0, world.host.frames).violations).toBe(0);
    const { page: kernelPage } = mappedPage(world, B, PageState.KERNEL);
    const anonPages = [0, 1, 2, 3].map((nth) => mappedPage(world, B, PageState.ANON, nth).page);
    // 23 findings a guest from its published figures (quick checks), then guest b's pages: the paged-out count and
    // three named pages make 50 lines; the line that counts the other two bad pages and the mapped count are not kept.
    for (const views of world.shared) views.stats.fill(Number.NaN);
    world.shared[B]!.setFrameAt(kernelPage, HOST_SWAPPED);
    for (const page of anonPages) world.shared[B]!.setFrameAt(page, NO_FRAME);
    const part = threadAudit.full(12_250, 0, world.host.frames);
    expect(part.violations).toBe(46 + 1 + 5 + 1);
    expect(part.kept).toHaveLength(VIOLATIONS_KEPT);
    expect(part.kept.slice(45)).toEqual([
      't=12.250s: guest b: sent NaN distress messages, the host heard 0',
      't=12.250s: guest b has 1 pages the host paged out, its counter says 0',
      `t=12.250s: guest b page ${kernelPage} is kernel but marked paged out by the host (only anon and cache pages may be)`,
      ...anonPages.slice(0, 2).map((page) => `t=12.250s: guest b page ${page} is anon but maps no frame`),
    ]);
  });
});

it('a thread audit needs the shared memory of every guest the thread hosts', () => {
  const { host } = honestWorld();
  expect(() => new ThreadAudit(host.devices, new Map(), host.scenario.frameBytes, ['a', 'b'], host.manager.layout.shards)).toThrow(new RangeError('ThreadAudit: no shared memory for guest 0'));
});
