/**
 * The Xen, VMware and Hyper-V balloon drivers on their own (virtio and what
 * all drivers share are in balloon-driver.test.ts). Expected figures come
 * from the profiles' numbers in REFERENCE.md and driver-profiles.ts: Xen 512
 * per 2 ms, back-off 1 s doubling to 32 s; VMware 512 per 31.25 ms, 16384
 * entries per 1 s cycle, 2 MiB pages first (a quarter of the time of 512
 * single pages); Hyper-V 512 per 4 ms, 2 MiB pages first, the floor.
 */
import { describe, expect, it } from 'vitest';
import { DRIVER_PROFILES } from '../../src/guest/driver-profiles.js';
import { PageState } from '../../src/guest/page-state.js';
import { GiB, MiB } from '../support/scenarios.js';
import { answerAll, balloonPages, bootedParts, deflateRequests, deflateTimes, driverWithProfile, failureTimes, fillTo, MIB_PAGES, releases, run, unfill, type Outbox } from './driver-world.js';

describe('Xen: back-off from 1 s doubling to 32 s, reset by success; deflate with frames', () => {
  it('waits 1, 2, 4, 8, 16, 32 and then 32 s between failed tries', () => {
    const parts = bootedParts({ profile: 'xen', inflateMode: 'free-only', tickMs: 1000 });
    fillTo(parts, parts.allocator.watermarks.highPages);
    parts.driver.setTarget(parts.bootPages - 4096, 0);
    expect(failureTimes(parts, parts.driver, 0, 100_000)).toEqual([0, 1000, 3000, 7000, 15_000, 31_000, 63_000, 95_000]);
  });

  it('starts again from 1 s after a try that succeeds', () => {
    const parts = bootedParts({ profile: 'xen', inflateMode: 'free-only', tickMs: 1000 });
    const driver = parts.driver;
    const held = fillTo(parts, parts.allocator.watermarks.highPages);
    driver.setTarget(parts.bootPages - 4096, 0);
    expect(failureTimes(parts, driver, 0, 3000)).toEqual([0, 1000]);
    // Room for the whole balloon: the try at 3000 succeeds.
    unfill(parts, held, 5000);
    run(parts, driver, 3000, 4000);
    expect(balloonPages(parts)).toBe(4096);
    expect(driver.counters.outOfPuff).toBe(2);
    // A new target it cannot reach: the first wait is 1 s again, not 4 s.
    fillTo(parts, parts.allocator.watermarks.highPages);
    driver.setTarget(parts.bootPages - 8192, 4000);
    const before = driver.counters.outOfPuff;
    const times: number[] = [];
    run(parts, driver, 4000, 8000, { onStep: (now) => void (driver.counters.outOfPuff > before + times.length && times.push(now)) });
    expect(times).toEqual([4000, 5000, 7000]);
  });

  it('refills the balloon after deflate-on-OOM by itself, with no new target write', () => {
    const parts = bootedParts({ profile: 'xen' });
    parts.driver.setTarget(parts.bootPages - 4096, 0);
    run(parts, parts.driver, 0, 200);
    expect(parts.driver.deflateForOom(256)).toBe(256);
    run(parts, parts.driver, 200, 300);
    expect(balloonPages(parts)).toBe(4096);
  });

  it('inflates 512 frames per release at 2 ms per batch; deflate requests ask for frames and granted frames back the pages again', () => {
    const parts = bootedParts({ profile: 'xen' });
    const driver = parts.driver;
    driver.setTarget(parts.bootPages - 16 * 512, 0);
    const sent = releases(run(parts, driver, 0, 100));
    // 16 batches of 2 ms fit in one 100 ms tick.
    expect(sent.map((r) => r.frames.length)).toEqual(Array<number>(16).fill(512));
    driver.setTarget(parts.bootPages, 100);
    let next = 1_000_000;
    const asked = deflateRequests(run(parts, driver, 100, 200, { frames: () => next++ }));
    expect(asked.map((r) => [r.pages, r.withFrames])).toEqual(Array(16).fill([512, true]));
    expect(balloonPages(parts)).toBe(0);
    // 8192 pages came back with the host's new frames: all free and mapped.
    expect(parts.memory.count(PageState.FREE_UNBACKED)).toBe(0);
    expect(parts.memory.mappedPages).toBe(parts.bootPages);
  });

  it('a short grant makes the driver wait 1 s before it asks for the rest', () => {
    const parts = bootedParts({ profile: 'xen' });
    const driver = parts.driver;
    driver.setTarget(parts.bootPages - 512, 0);
    run(parts, driver, 0, 100);
    driver.setTarget(parts.bootPages, 100);
    const outbox: Outbox = [];
    driver.step(100, outbox);
    const [request] = deflateRequests(outbox);
    expect(request?.pages).toBe(512);
    // The host has 100 frames only.
    driver.onDeflateGrant({ type: 'grant', id: request!.id, purpose: 'deflate', pagesAsked: 512, runs: Int32Array.of(2_000_000, 100), unbackedPages: 0 }, 100);
    expect(balloonPages(parts)).toBe(412);
    expect(driver.counters.shortGrants).toBe(1);
    expect(driver.counters.deflatedPages).toBe(100);
    expect(run(parts, driver, 200, 1100)).toEqual([]);
    expect(deflateRequests(run(parts, driver, 1100, 1200)).map((r) => r.pages)).toEqual([412]);
  });

  it('waits twice as long after each short grant in a row (1, 2, 4 s, up to 32 s), and 1 s again after a full grant', () => {
    const parts = bootedParts({ profile: 'xen' });
    const driver = parts.driver;
    driver.setTarget(parts.bootPages - 4096, 0);
    run(parts, driver, 0, 100);
    driver.setTarget(parts.bootPages, 100);
    // A host with no frames to give: every request of a try comes back empty (the try asks in 8 requests of 512).
    const askedAt = (from: number, to: number, frames: number) =>
      deflateTimes(parts, driver, from, to, (request) => {
        const given = Math.min(frames, request.pages);
        frames -= given;
        return { type: 'grant', id: request.id, purpose: 'deflate', pagesAsked: request.pages, runs: given > 0 ? Int32Array.of(3_000_000 + frames, given) : new Int32Array(0), unbackedPages: 0, shortBecause: given < request.pages ? 'host-busy' : undefined };
      });
    expect(askedAt(100, 8000, 0)).toEqual([100, 1100, 3100, 7100]);
    // The next try is at 15.1 s: the host gives one request's worth, then has none; the delay is back at 1 s.
    expect(askedAt(8000, 17_000, 512)).toEqual([15_100, 16_100]);
  });
});

describe('VMware: 2 MiB pages first and per-cycle rate control', () => {
  it('takes 2 MiB pages first at a quarter of the single-page time: 12 of them in a 100 ms tick (8 fill a message of 4096 frames), then 102 single pages', () => {
    const parts = bootedParts({ profile: 'vmware' });
    const driver = parts.driver;
    driver.setTarget(parts.bootPages - 128 * MIB_PAGES, 0);
    const outbox: Outbox = [];
    driver.step(0, outbox);
    // 512 pages cost 31.25 ms; a 2 MiB page 7.8125 ms: 12 fit in 100 ms, then 6.25 ms of 0.061 ms pages.
    const sent = releases(outbox);
    expect(sent.map((r) => [r.frames.length, r.largeFrames])).toEqual([
      [8 * 512, 8 * 512],
      [4 * 512, 4 * 512],
      [102, undefined],
    ]);
    expect(driver.counters.largePages).toBe(12);
    expect(balloonPages(parts)).toBe(12 * 512 + 102);
  });

  it('inflates at most 16384 entries per 1 s cycle without sleeping, even with time for more', () => {
    const parts = bootedParts({ profile: 'vmware', tickMs: 2000 });
    const driver = driverWithProfile(parts, { ...DRIVER_PROFILES.vmware, largePagesFirst: false });
    driver.setTarget(parts.bootPages - 48_000, 0);
    const perStep: number[] = [];
    run(parts, driver, 0, 6000, { onStep: (_now, outbox) => perStep.push(releases(outbox).reduce((sum, r) => sum + r.frames.length, 0)) });
    // A 2 s tick has time for 32768 pages, the cycle allows 16384.
    expect(perStep).toEqual([16_384, 16_384, 48_000 - 2 * 16_384]);
  });

  it('after a failure, sleeps through 4 slow cycles of at most 2048 pages, then goes back to non-sleeping allocations', () => {
    const parts = bootedParts({ profile: 'vmware', tickMs: 1000, memoryBytes: 512 * MiB });
    const driver = driverWithProfile(parts, { ...DRIVER_PROFILES.vmware, largePagesFirst: false });
    const held = fillTo(parts, parts.allocator.watermarks.minPages + 100);
    driver.setTarget(parts.bootPages - 40_000, 0);
    const perStep: number[] = [];
    run(parts, driver, 0, 1000, { onStep: (_now, outbox) => perStep.push(releases(outbox).reduce((sum, r) => sum + r.frames.length, 0)) });
    expect(driver.counters.outOfPuff).toBe(1);
    unfill(parts, held);
    run(parts, driver, 1000, 7000, { onStep: (_now, outbox) => perStep.push(releases(outbox).reduce((sum, r) => sum + r.frames.length, 0)) });
    expect(perStep).toEqual([100, 2048, 2048, 2048, 2048, 16_384, 40_000 - 100 - 4 * 2048 - 16_384]);
  });

  it('deflates at most 16384 pages per cycle, in requests of 512 unbacked pages', () => {
    const parts = bootedParts({ profile: 'vmware', tickMs: 2000 });
    const driver = parts.driver;
    driver.setTarget(parts.bootPages - 40_000, 0);
    run(parts, driver, 0, 10_000);
    expect(balloonPages(parts)).toBe(40_000);
    driver.setTarget(parts.bootPages, 10_000);
    const asked = deflateRequests(run(parts, driver, 10_000, 12_000));
    expect(asked.length).toBe(32);
    expect(asked.every((r) => r.pages === 512 && !r.withFrames)).toBe(true);
    expect(balloonPages(parts)).toBe(40_000 - 16_384);
  });

  /** A 1 GiB VMware guest's first inflation step, answered by a host that refuses the first `refused` frames of its first release. */
  function refusing(refused: number) {
    const parts = bootedParts({ profile: 'vmware', memoryBytes: 1 * GiB });
    const driver = parts.driver;
    driver.setTarget(parts.bootPages - 200 * MIB_PAGES, 0);
    const outbox: Outbox = [];
    driver.step(0, outbox);
    const [first, ...others] = releases(outbox);
    const frames = first!.frames.slice(0, refused);
    const inBalloon = balloonPages(parts);
    driver.onReleaseAck({ type: 'releaseAck', id: first!.id, acceptedFrames: first!.frames.length - refused, refusedFrames: frames, invalidFrames: 0, acceptedUnbackedPages: 0 }, 0);
    answerAll(driver, others, 0);
    return { parts, driver, frames, inBalloon };
  }

  it('gives up on the cycle after 16 refused pages; refused frames go back to the guest, mapped again', () => {
    const { parts, driver, frames, inBalloon } = refusing(16);
    expect(driver.counters.refusedFrames).toBe(16);
    expect(balloonPages(parts)).toBe(inBalloon - 16);
    // Each refused frame is behind a free page of the guest again.
    const pageOfFrame = new Map<number, number>();
    for (let page = 0; page < parts.memory.pages; page++) pageOfFrame.set(parts.memory.frameOfPage(page), page);
    for (const frame of frames) expect(parts.memory.stateOf(pageOfFrame.get(frame)!)).toBe(PageState.FREE);
    expect(parts.memory.mappedPages).toBe(parts.bootPages - balloonPages(parts));
    // The rest of the cycle (to 1000 ms) sends nothing.
    expect(run(parts, driver, 100, 1000)).toEqual([]);
    expect(releases(run(parts, driver, 1000, 1100)).length).toBeGreaterThan(0);
  });

  it('keeps going after 15 refused pages', () => {
    const { parts, driver } = refusing(15);
    expect(releases(run(parts, driver, 100, 200)).length).toBeGreaterThan(0);
  });

  it('does not give back pages the host may still refuse: deflate-on-OOM waits for the acks', () => {
    const parts = bootedParts({ profile: 'vmware' });
    const driver = parts.driver;
    driver.setTarget(parts.bootPages - 2048, 0);
    const outbox: Outbox = [];
    driver.step(0, outbox);
    expect(balloonPages(parts)).toBe(2048);
    expect(driver.deflateForOom(1000)).toBe(0);
    answerAll(driver, outbox, 0);
    expect(driver.deflateForOom(1000)).toBe(1000);
  });
});

describe('Hyper-V: 2 MiB pages first, never below the floor', () => {
  it('stops where available memory meets the floor of what is left (below 512 MiB left: 40 MiB + total / 4)', () => {
    const parts = bootedParts({ profile: 'hyperv', memoryBytes: 1 * GiB });
    const driver = parts.driver;
    const { lowPages } = parts.allocator.watermarks;
    const wanted = parts.bootPages - 128 * MIB_PAGES;
    driver.setTarget(128 * MIB_PAGES, 0);
    run(parts, driver, 0, 3000);
    // Available = free - low (no cache). With T pages left outside the balloon, free = T - kernel. Asked to
    // leave 128 MiB, it passes from the 104 MiB + T / 8 band into the 40 MiB + T / 4 one and stops at the
    // first T where T - kernel - low <= 40 MiB + ceil(T / 4), i.e. T - ceil(T / 4) = kernel + low + 40 MiB.
    const left = parts.bootPages - balloonPages(parts);
    expect(left - Math.ceil(left / 4)).toBe(parts.kernelPages + lowPages + 40 * MIB_PAGES);
    expect(left).toBeGreaterThanOrEqual(128 * MIB_PAGES);
    expect(left).toBeLessThan(512 * MIB_PAGES);
    expect(parts.memAvailablePages()).toBe(40 * MIB_PAGES + Math.ceil(left / 4));
    expect(driver.counters.floorHeldPages).toBe(wanted - balloonPages(parts));
    expect(driver.counters.largePages).toBeGreaterThan(0);
    expect(driver.counters.outOfPuff).toBe(0);
  });

  it('deflates with frames, 512 pages per request', () => {
    const parts = bootedParts({ profile: 'hyperv' });
    const driver = parts.driver;
    driver.setTarget(parts.bootPages - 4096, 0);
    run(parts, driver, 0, 500);
    driver.setTarget(parts.bootPages, 500);
    let next = 5_000_000;
    const asked = deflateRequests(run(parts, driver, 500, 600, { frames: () => next++ }));
    expect(asked.map((r) => [r.pages, r.withFrames])).toEqual(Array(8).fill([512, true]));
    expect(balloonPages(parts)).toBe(0);
    expect(parts.memory.count(PageState.FREE)).toBe(parts.bootPages - parts.kernelPages);
  });
});
