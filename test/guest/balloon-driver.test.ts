/**
 * The balloon driver on its own: a booted guest's parts with no workload and
 * no host (test/guest/driver-world.ts); the test plays the host by hand.
 * Here: construction, virtio, the most messages a driver sends in a tick, and
 * deflate-on-OOM; Xen, VMware and Hyper-V are in
 * balloon-driver-profiles.test.ts. Expected figures come from the profiles'
 * numbers in REFERENCE.md and driver-profiles.ts: virtio 256 pages per 4.5 ms
 * inflate round trip and 1.2 ms deflate round trip, "Out of puff" 200 ms.
 */
import { describe, expect, it } from 'vitest';
import { BalloonDriver } from '../../src/guest/balloon-driver.js';
import { DRIVER_PROFILES } from '../../src/guest/driver-profiles.js';
import { PageState } from '../../src/guest/page-state.js';
import { DRIVER_MESSAGES_PER_TICK_MAX } from '../../src/messages/limits.js';
import { GiB, MiB } from '../support/scenarios.js';
import { answerAll, balloonPages, bootedParts, deflateRequests, deflateTimes, driverWithProfile, failureTimes, fillTo, MIB_PAGES, releases, run, type Outbox } from './driver-world.js';

describe('BalloonDriver construction', () => {
  it('refuses a batch size outside 1..4096 frames, naming itself', () => {
    const parts = bootedParts({ profile: 'virtio' });
    for (const bad of [0, -1, 1.5, 4097, Number.NaN]) {
      expect(() => driverWithProfile(parts, DRIVER_PROFILES.virtio, bad)).toThrow(/^BalloonDriver: batchPages must be a whole number from 1 to 4096, got /);
    }
    expect(() => driverWithProfile(parts, DRIVER_PROFILES.virtio, 4096)).not.toThrow();
  });

  it('starts with an empty balloon that the boot target does not ask to grow', () => {
    const parts = bootedParts({ profile: 'virtio' });
    expect(parts.driver.balloonPagesWanted).toBe(0);
    expect(parts.driver.balloonPagesCommitted).toBe(0);
    expect(run(parts, parts.driver, 0, 1000)).toEqual([]);
    expect(parts.driver.counters.inflatedPages).toBe(0);
  });
});

describe('virtio: inflate and deflate to the target', () => {
  it('inflates 128 MiB at 1 MiB per 4.5 ms: 5688 pages in the first 100 ms tick, the target in 576 ms, releases of at most 256 frames', () => {
    const parts = bootedParts({ profile: 'virtio' });
    const driver = parts.driver;
    const balloon = 128 * MIB_PAGES;
    driver.setTarget(parts.bootPages - balloon, 0);
    expect(driver.balloonPagesWanted).toBe(balloon);
    const first: Outbox = [];
    driver.step(0, first);
    // 100 ms / (4.5 ms / 256 pages) = 5688.9 pages.
    expect(balloonPages(parts)).toBe(5688);
    // 22 full batches and what was left of the tick.
    expect(releases(first).map((r) => r.frames.length)).toEqual([...Array<number>(22).fill(256), 56]);
    // Their frames are views the driver reuses at its next step.
    const firstCopies = releases(first).map((r) => ({ ...r, frames: r.frames.slice() }));
    answerAll(driver, first, 0);
    const rest = run(parts, driver, 100, 1000);
    const all = [...firstCopies, ...releases(rest)];
    expect(balloonPages(parts)).toBe(balloon);
    for (const release of all) {
      expect(release.frames.length).toBeLessThanOrEqual(256);
      expect(release.unbackedPages).toBe(0);
      expect(release.largeFrames).toBeUndefined();
    }
    const frames = all.flatMap((r) => Array.from(r.frames));
    expect(frames.length).toBe(balloon);
    expect(new Set(frames).size).toBe(balloon);
    // The frames were the guest's, and it no longer maps them.
    expect(Math.max(...frames)).toBeLessThan(parts.bootPages);
    expect(parts.memory.mappedPages).toBe(parts.bootPages - balloon);
    const c = driver.counters;
    expect(c.inflatedPages).toBe(balloon);
    expect(c.releaseMessages).toBe(all.length);
    expect(c.peakBalloonPages).toBe(balloon);
    expect(c.inflateToTargetMs).toBeCloseTo((balloon / 256) * 4.5, 1);
    expect(c.targetReachedMs).toBeCloseTo(576, 1);
    expect(c.deflateToTargetMs).toBe(-1);
    expect(c.outOfPuff).toBe(0);
  });

  it('deflates 128 MiB at 1 MiB per 1.2 ms (153.6 ms) with requests of at most 256 pages that come back unbacked', () => {
    const parts = bootedParts({ profile: 'virtio' });
    const driver = parts.driver;
    const balloon = 128 * MIB_PAGES;
    driver.setTarget(parts.bootPages - balloon, 0);
    run(parts, driver, 0, 1000);
    driver.setTarget(parts.bootPages, 1000);
    const first: Outbox = [];
    driver.step(1000, first);
    // 100 ms / (1.2 ms / 256 pages) = 21333.3 pages asked back in the first tick, in 84 requests.
    const asked = deflateRequests(first);
    expect(asked.reduce((sum, r) => sum + r.pages, 0)).toBe(21_333);
    expect(asked.length).toBe(84);
    // Asked back, not yet granted: still in the balloon, no longer committed.
    expect(balloonPages(parts)).toBe(balloon);
    expect(driver.balloonPagesCommitted).toBe(balloon - 21_333);
    answerAll(driver, first, 1000);
    const rest = deflateRequests(run(parts, driver, 1100, 2000));
    for (const r of [...asked, ...rest]) {
      expect(r.pages).toBeLessThanOrEqual(256);
      expect(r.withFrames).toBe(false);
    }
    expect(balloonPages(parts)).toBe(0);
    expect(parts.memory.count(PageState.FREE_UNBACKED)).toBe(balloon);
    const c = driver.counters;
    expect(c.deflatedPages).toBe(balloon);
    expect(c.requestMessages).toBe(asked.length + rest.length);
    expect(c.deflateToTargetMs).toBeCloseTo((balloon / 256) * 1.2, 1);
    expect(c.peakBalloonPages).toBe(balloon);
    expect(c.targetChanges).toBe(2);
    expect(c.lastTargetChangeMs).toBe(1000);
  });

  it('follows a batch size set in the scenario instead of the profile\'s', () => {
    const parts = bootedParts({ profile: 'virtio' });
    const driver = driverWithProfile(parts, DRIVER_PROFILES.virtio, 64);
    driver.setTarget(parts.bootPages - 1000, 0);
    const sizes = releases(run(parts, driver, 0, 200)).map((r) => r.frames.length);
    expect(Math.max(...sizes)).toBe(64);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1000);
  });

  it('works only when the host writes the target: after deflate-on-OOM the balloon stays put until the target is written again, even unchanged', () => {
    const parts = bootedParts({ profile: 'virtio' });
    const driver = parts.driver;
    const target = parts.bootPages - 4096;
    driver.setTarget(target, 0);
    run(parts, driver, 0, 500);
    expect(balloonPages(parts)).toBe(4096);
    expect(driver.deflateForOom(256)).toBe(256);
    expect(balloonPages(parts)).toBe(4096 - 256);
    expect(parts.memory.count(PageState.FREE_UNBACKED)).toBe(256);
    expect(driver.targetPages).toBe(target);
    expect(driver.counters.oomDeflatedPages).toBe(256);
    expect(driver.counters.deflatedPages).toBe(256);
    // Nothing restarts the work by itself.
    expect(run(parts, driver, 500, 3000)).toEqual([]);
    expect(balloonPages(parts)).toBe(4096 - 256);
    // The same target written again: the 256 pages go back into the balloon.
    driver.setTarget(target, 3000);
    expect(driver.counters.targetChanges).toBe(1);
    expect(driver.targetWrites).toBe(2);
    const again = releases(run(parts, driver, 3000, 3100));
    expect(again.map((r) => r.frames.length + r.unbackedPages)).toEqual([256]);
    expect(balloonPages(parts)).toBe(4096);
    // Written again while at the target: nothing to do.
    driver.setTarget(target, 3100);
    expect(run(parts, driver, 3100, 3500)).toEqual([]);
  });

  it('backs off 200 ms ("Out of puff") when it finds no page: free-only stops at the high watermark', () => {
    const parts = bootedParts({ profile: 'virtio', inflateMode: 'free-only' });
    fillTo(parts, parts.allocator.watermarks.highPages);
    parts.driver.setTarget(parts.bootPages - 4096, 0);
    // A try finds nothing and takes no time: tries at 0, 200, 400, ...
    expect(failureTimes(parts, parts.driver, 0, 1000)).toEqual([0, 200, 400, 600, 800]);
    expect(balloonPages(parts)).toBe(0);
    expect(parts.events.allocStalls).toBe(0);
  });

  it('backs off after a refused release, twice as long at each refusal in a row up to 32 s, and not at all once a release is taken', () => {
    // A host that refuses everything (a quarantined guest): a driver that retried every tick sent its whole balloon again each tick.
    const parts = bootedParts({ profile: 'virtio' });
    const driver = parts.driver;
    driver.setTarget(parts.bootPages - 64 * MIB_PAGES, 0);
    const sentAt: number[] = [];
    const stepAndRefuse = (now: number) => {
      const outbox: Outbox = [];
      driver.step(now, outbox);
      const sent = releases(outbox);
      if (sent.length > 0) sentAt.push(now);
      for (const release of sent) {
        driver.onReleaseAck({ type: 'releaseAck', id: release.id, acceptedFrames: 0, acceptedUnbackedPages: 0, refusedBecause: 'quarantined', refusedFrames: release.frames.slice(), invalidFrames: 0 }, now);
      }
    };
    for (let now = 0; now < 70_000; now += parts.tickMs) stepAndRefuse(now);
    // 200 ms (virtio's back-off), then 400, 800, ... 25.6 s, then 32 s.
    expect(sentAt).toEqual([0, 200, 600, 1400, 3000, 6200, 12_600, 25_400, 51_000]);
    expect(balloonPages(parts)).toBe(0);
    // A release the host takes ends the run of refusals: the next refusal backs off 200 ms again.
    const outbox: Outbox = [];
    driver.step(83_000, outbox);
    answerAll(driver, outbox, 83_000);
    sentAt.length = 0;
    driver.setTarget(parts.bootPages - 128 * MIB_PAGES, 83_100);
    for (let now = 83_100; now < 83_600; now += parts.tickMs) stepAndRefuse(now);
    expect(sentAt).toEqual([83_100, 83_300]);
  });

  it('asks back pages of a quarantined guest less and less often: each refused deflate waits twice as long; a short grant of a busy host waits the usual 200 ms', () => {
    const parts = bootedParts({ profile: 'virtio' });
    const driver = parts.driver;
    driver.setTarget(parts.bootPages - 64 * MIB_PAGES, 0);
    run(parts, driver, 0, 1000);
    driver.setTarget(parts.bootPages, 1000);
    const askedAt = (from: number, to: number, shortBecause: 'quarantined' | 'host-busy') =>
      deflateTimes(parts, driver, from, to, (request) => ({ type: 'grant', id: request.id, purpose: 'deflate', pagesAsked: request.pages, runs: new Int32Array(0), unbackedPages: 0, shortBecause }));
    expect(askedAt(1000, 4000, 'quarantined')).toEqual([1000, 1200, 1600, 2400]);
    expect(askedAt(4000, 5000, 'host-busy')).toEqual([4000, 4200, 4400, 4600, 4800]);
  });

  it('noretry takes free pages down to the min watermark, then one pass of direct reclaim per try (an allocation stall)', () => {
    const parts = bootedParts({ profile: 'virtio', inflateMode: 'noretry' });
    const { minPages } = parts.allocator.watermarks;
    fillTo(parts, minPages + 100);
    parts.driver.setTarget(parts.bootPages - 4096, 0);
    run(parts, parts.driver, 0, 100);
    expect(balloonPages(parts)).toBe(100);
    expect(parts.allocator.availablePages).toBe(minPages);
    expect(parts.driver.counters.outOfPuff).toBe(1);
    expect(parts.events.allocStalls).toBe(1);
  });
});

describe('a tiny batch: at most DRIVER_MESSAGES_PER_TICK_MAX messages a tick', () => {
  // Xen moves 512 pages per 2 ms: in a 10 s tick a batch of 1 frame would make 2.56 million messages, far past what the host reads.
  const tiny = () => {
    const parts = bootedParts({ profile: 'xen', memoryBytes: GiB, tickMs: 10_000 });
    return { parts, driver: driverWithProfile(parts, DRIVER_PROFILES.xen, 1) };
  };

  it('inflates one page per release, stops for the tick at the limit without backing off, and goes on at the next', () => {
    const { parts, driver } = tiny();
    const balloon = 200_000;
    driver.setTarget(parts.bootPages - balloon, 0);
    const first: Outbox = [];
    driver.step(0, first);
    expect(first).toHaveLength(DRIVER_MESSAGES_PER_TICK_MAX);
    expect(releases(first).every((release) => release.frames.length === 1)).toBe(true);
    expect(balloonPages(parts)).toBe(DRIVER_MESSAGES_PER_TICK_MAX);
    answerAll(driver, first, 0);
    const steps: number[] = [];
    run(parts, driver, 10_000, 80_000, { onStep: (_now, outbox) => steps.push(outbox.length) });
    expect(steps).toEqual([...Array<number>(5).fill(DRIVER_MESSAGES_PER_TICK_MAX), balloon - 6 * DRIVER_MESSAGES_PER_TICK_MAX, 0]);
    expect(balloonPages(parts)).toBe(balloon);
    expect(driver.counters.outOfPuff).toBe(0);
  });

  it('asks back one page per request, at most the limit in a tick', () => {
    const { parts, driver } = tiny();
    driver.setTarget(parts.bootPages - 3 * DRIVER_MESSAGES_PER_TICK_MAX, 0);
    run(parts, driver, 0, 30_000);
    expect(balloonPages(parts)).toBe(3 * DRIVER_MESSAGES_PER_TICK_MAX);
    driver.setTarget(parts.bootPages, 30_000);
    const steps: number[] = [];
    run(parts, driver, 30_000, 70_000, { onStep: (_now, outbox) => steps.push(deflateRequests(outbox).length) });
    expect(steps).toEqual([DRIVER_MESSAGES_PER_TICK_MAX, DRIVER_MESSAGES_PER_TICK_MAX, DRIVER_MESSAGES_PER_TICK_MAX, 0]);
    expect(balloonPages(parts)).toBe(0);
  });
});

describe('deflate-on-OOM and host answers that do not fit', () => {
  it('gives back at most what the balloon holds and is not already asking back; nothing for a negative count', () => {
    const parts = bootedParts({ profile: 'virtio' });
    const driver = parts.driver;
    driver.setTarget(parts.bootPages - 1000, 0);
    run(parts, driver, 0, 100);
    expect(driver.deflateForOom(-5)).toBe(0);
    driver.setTarget(parts.bootPages - 400, 100);
    const outbox: Outbox = [];
    driver.step(100, outbox);
    // 600 pages asked back and not granted yet: 400 left to give.
    expect(deflateRequests(outbox).reduce((sum, r) => sum + r.pages, 0)).toBe(600);
    expect(driver.deflateForOom(10_000)).toBe(400);
    expect(driver.counters.oomDeflatedPages).toBe(400);
    expect(driver.deflateForOom(1)).toBe(0);
  });

  it('refuses a grant of more frames than the balloon holds, and an ack that refuses a frame of an empty balloon', () => {
    const parts = bootedParts({ profile: 'xen' });
    const driver = parts.driver;
    expect(() => driver.onDeflateGrant({ type: 'grant', id: 9, purpose: 'deflate', pagesAsked: 1, runs: Int32Array.of(100, 1), unbackedPages: 0 }, 0)).toThrow(/^BalloonDriver: grant 9 brought more frames than the balloon holds pages/);
    expect(() => driver.onDeflateGrant({ type: 'grant', id: 10, purpose: 'deflate', pagesAsked: 1, runs: new Int32Array(0), unbackedPages: 1 }, 0)).toThrow(/^BalloonDriver: grant 10 released more pages than the balloon holds/);
    expect(() => driver.onReleaseAck({ type: 'releaseAck', id: 11, acceptedFrames: 0, refusedFrames: Int32Array.of(5), invalidFrames: 0, acceptedUnbackedPages: 0 }, 0)).toThrow(/^BalloonDriver: release 11 refused a frame but the balloon is empty/);
  });
});
