/** A guest's end-of-run report, read from its parts. */
import { describe, expect, it } from 'vitest';
import { guestReport } from '../../src/guest/guest-report.js';
import { PAGE_STATE_NAMES } from '../../src/guest/page-state.js';
import { bootedParts, run } from './driver-world.js';

describe('guestReport', () => {
  it('reports sizes, page states by name, the balloon and its driver\'s counters', () => {
    const parts = bootedParts({ profile: 'virtio' });
    parts.driver.setTarget(parts.bootPages - 2048, 0);
    run(parts, parts.driver, 0, 300);
    const report = guestReport(parts, { index: 3, alive: true, booted: true, hostShortPages: 7 });
    expect(report).toMatchObject({ index: 3, name: 'g', alive: true, pages: 65_536, memoryPages: 65_536, targetPages: 65_536 - 2048, balloonPages: 2048, peakBalloonPages: 2048, hostShortPages: 7, mappedPages: 65_536 - 2048 });
    expect(Object.keys(report.pageStates)).toEqual([...PAGE_STATE_NAMES]);
    expect(report.pageStates).toMatchObject({ kernel: 1024, balloon: 2048, free: 65_536 - 1024 - 2048 });
    expect(report.driver).toMatchObject({ inflatedPages: 2048, targetChanges: 1, lastTargetChangeMs: 0, deflateToTargetMs: -1 });
    expect(report.driver.inflateToTargetMs).toBeGreaterThan(0);
    expect(report.availablePages).toBe(parts.memAvailablePages());
    expect(report.components).toEqual([]);
  });

  it('reports no available memory for a guest that never booted', () => {
    const parts = bootedParts({ profile: 'virtio' });
    expect(guestReport(parts, { index: 0, alive: false, booted: false, hostShortPages: 0 })).toMatchObject({ alive: false, availablePages: 0 });
  });
});
