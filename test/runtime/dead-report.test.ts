/** Unit tests of src/runtime/dead-report.ts: the report of a guest whose thread died, from its shared memory alone. */
import { describe, expect, it } from 'vitest';
import { PageState } from '../../src/guest/page-state.js';
import { GuestSharedViews, Stat } from '../../src/guest/shared-memory.js';
import { deadGuestReport } from '../../src/runtime/dead-report.js';

describe('deadGuestReport', () => {
  it('reads the page states and running figures left in shared memory, and 0 for what only the actor knew', () => {
    const views = GuestSharedViews.allocate(100);
    // The host took the memory back: 100 pages, 60 unpopulated, 40 free unbacked.
    Atomics.store(views.counters, PageState.UNPOPULATED, 60);
    Atomics.store(views.counters, PageState.FREE_UNBACKED, 40);
    views.stats[Stat.SWAP_IN_TOTAL] = 3;
    views.stats[Stat.SWAP_OUT_TOTAL] = 4;
    views.stats[Stat.MAJOR_FAULTS_TOTAL] = 5;
    views.stats[Stat.MINOR_FAULTS_TOTAL] = 6;
    views.stats[Stat.OOM_KILLS_TOTAL] = 1;
    views.stats[Stat.STALL_SECONDS_TOTAL] = 2.5;
    const report = deadGuestReport(3, 'web', 80, 'reserved', views);
    expect(report).toMatchObject({
      index: 3,
      name: 'web',
      alive: false,
      pages: 100,
      memoryPages: 0,
      targetPages: 80,
      balloonPages: 0,
      mappedPages: 0,
      swapInPages: 3,
      swapOutPages: 4,
      majorFaults: 5,
      minorFaults: 6,
      oomKills: 1,
      stallSeconds: 2.5,
      components: [],
    });
    expect(report.pageStates).toEqual({ unpopulated: 60, free: 0, freeUnbacked: 40, kernel: 0, anon: 0, cache: 0, balloon: 0 });
    expect(report.growth.kind).toBe('reserved');
    expect(report.driver.inflateToTargetMs).toBe(-1);
    expect(report.driver.inflatedPages).toBe(0);
  });
});
