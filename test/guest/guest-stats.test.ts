/** The figures a guest reports (virtio stats, Hyper-V pressure) and publishes in its shared stats array. */
import { describe, expect, it } from 'vitest';
import { guestFigures, newGuestFigures, publishStats } from '../../src/guest/guest-stats.js';
import { Stat } from '../../src/guest/shared-memory.js';
import { bootedParts, run } from './driver-world.js';

/** A 256 MiB guest (65536 pages, 1024 of kernel) with 4096 pages in its balloon. */
function ballooned(deflateOnOom: boolean) {
  const parts = bootedParts({ profile: 'virtio', spec: { driver: { profile: 'virtio', inflateMode: 'noretry', deflateOnOom, statsIntervalMs: 0, freePageReporting: false } } });
  parts.driver.setTarget(parts.bootPages - 4096, 0);
  run(parts, parts.driver, 0, 500);
  return parts;
}

describe('guestFigures', () => {
  it('leaves ballooned pages out of MemTotal without deflate-on-OOM, and in it (as used) with it', () => {
    expect(guestFigures(ballooned(false)).totalPages).toBe(65_536 - 4096);
    expect(guestFigures(ballooned(true)).totalPages).toBe(65_536);
  });

  it('reports Hyper-V committed memory: kernel + anonymous + ballooned + onlining + the floor', () => {
    const figures = guestFigures(ballooned(false));
    // The floor of the 240 MiB outside the balloon: 40 MiB + 240 MiB / 4 = 100 MiB = 25600 pages.
    expect(figures.floorPages).toBe(25_600);
    expect(figures.committedPages).toBe(1024 + 0 + 4096 + 0 + 25_600);
    expect(figures.freePages).toBe(65_536 - 1024 - 4096);
    expect(figures.pageBytes).toBe(4096);
    expect(figures.cachePages).toBe(0);
  });

  it('passes the kernel\'s event counts and the stall totals in seconds', () => {
    const parts = ballooned(false);
    parts.events.majorFaults = 3;
    parts.events.allocStalls = 4;
    parts.pressure.someMsTotal = 1500;
    const figures = guestFigures(parts);
    expect([figures.majorFaults, figures.allocStalls, figures.someTotalSeconds]).toEqual([3, 4, 1.5]);
  });

  it('fills the object it is given, every field, so that one object serves a guest\'s every report', () => {
    const reused = newGuestFigures();
    // Another guest's figures first: nothing of them may stay behind.
    const other = guestFigures(ballooned(true), reused);
    expect(other).toBe(reused);
    const parts = ballooned(false);
    parts.events.minorFaults = 9;
    const filled = guestFigures(parts, reused);
    expect(filled).toBe(reused);
    expect({ ...filled }).toEqual({ ...guestFigures(parts) });
    expect(Object.keys(newGuestFigures()).sort()).toEqual(Object.keys(guestFigures(parts)).sort());
  });
});

describe('publishStats', () => {
  it('writes the running figures into the shared stats array', () => {
    const parts = ballooned(false);
    parts.events.majorFaults = 7;
    parts.events.oomKills = 2;
    parts.events.stallMsTotal = 2500;
    parts.swap.usedPages = 0;
    parts.progress.count(10, 5);
    publishStats(parts);
    const stats = parts.shared.stats;
    expect(stats[Stat.MAJOR_FAULTS_TOTAL]).toBe(7);
    expect(stats[Stat.OOM_KILLS_TOTAL]).toBe(2);
    expect(stats[Stat.STALL_SECONDS_TOTAL]).toBe(2.5);
    expect(stats[Stat.AVAILABLE_PAGES]).toBe(parts.memAvailablePages());
    expect([stats[Stat.WORK_WANTED_TOTAL], stats[Stat.WORK_DONE_TOTAL]]).toEqual([10, 5]);
    expect(stats[Stat.PROGRESS_AVG10]).toBe(parts.progress.avg10);
  });
});
