/**
 * Which single pages a VMware host refuses (device/vmware-refusals.ts): about
 * one in SINGLE_PAGE_REFUSAL_ODDS, chosen by a hash of the frame and the whole
 * message id, so a page refused once is usually taken when named again.
 */
import { describe, expect, it } from 'vitest';
import { hostRefusesSinglePage, SINGLE_PAGE_REFUSAL_ODDS } from '../../../src/host/device/vmware-refusals.js';

function refusedAmong(frames: number, id: number): number[] {
  const refused: number[] = [];
  for (let frame = 0; frame < frames; frame++) if (hostRefusesSinglePage(frame, id)) refused.push(frame);
  return refused;
}

describe('hostRefusesSinglePage', () => {
  it('refuses about one page in SINGLE_PAGE_REFUSAL_ODDS', () => {
    const frames = SINGLE_PAGE_REFUSAL_ODDS * 64;
    for (const id of [1, 7, 123_456]) {
      const refused = refusedAmong(frames, id).length;
      expect(refused).toBeGreaterThanOrEqual(32);
      expect(refused).toBeLessThanOrEqual(128);
    }
  });

  it('refuses other pages for another message, and reads the whole id (its bits above 32 too)', () => {
    const frames = SINGLE_PAGE_REFUSAL_ODDS * 16;
    const first = refusedAmong(frames, 5);
    expect(first.length).toBeGreaterThan(0);
    expect(refusedAmong(frames, 6)).not.toEqual(first);
    expect(refusedAmong(frames, 5 + 2 ** 32)).not.toEqual(first);
    // The same frame and id always give the same answer.
    expect(refusedAmong(frames, 5)).toEqual(first);
  });
});
