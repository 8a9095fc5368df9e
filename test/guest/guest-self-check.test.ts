/** A guest's own bookkeeping checked in full: clean after boot and ballooning; each kind of inconsistency named. */
import { describe, expect, it } from 'vitest';
import { guestSelfCheck } from '../../src/guest/guest-self-check.js';
import { PageState } from '../../src/guest/page-state.js';
import { bootedParts, run } from './driver-world.js';

describe('guestSelfCheck', () => {
  it('finds nothing wrong with a booted guest, nor after its balloon inflated', () => {
    const parts = bootedParts({ profile: 'virtio', spec: { workload: [{ kind: 'anon', name: 'heap', hotFraction: 1, size: { kind: 'constant', bytes: 0 } }] } });
    expect(guestSelfCheck(parts)).toEqual([]);
    parts.driver.setTarget(parts.bootPages - 1000, 0);
    run(parts, parts.driver, 0, 200);
    expect(guestSelfCheck(parts)).toEqual([]);
  });

  it('names swap in use that no out page accounts for', () => {
    const parts = bootedParts({ profile: 'virtio', spec: { swapBytes: 4 * 2 ** 20 } });
    parts.swap.usedPages = 5;
    expect(guestSelfCheck(parts)).toEqual(['0 anonymous pages are out, the swap device says 5 are used']);
    parts.swap.usedPages = 2000;
    expect(guestSelfCheck(parts)).toContain('swap use 2000 outside 0..1024');
  });

  it('names more unbacked pages claimed than exist', () => {
    const parts = bootedParts({ profile: 'virtio' });
    parts.allocator.pendingPopulatePages = 3;
    expect(guestSelfCheck(parts)).toEqual(['3 unbacked pages claimed, 0 exist']);
  });

  it('names unbacked pages held for a swap-in that is not in flight, or more of them than exist', () => {
    const parts = bootedParts({ profile: 'virtio' });
    parts.memory.swapInDroppedPages = 2;
    expect(guestSelfCheck(parts)).toEqual(['2 unbacked pages held for a swap-in in flight and 0 claimed, 0 exist', '2 unbacked pages held for a swap-in, but none is in flight']);
    parts.memory.swapInAsked = true;
    expect(guestSelfCheck(parts)).toEqual(['2 unbacked pages held for a swap-in in flight and 0 claimed, 0 exist']);
  });

  it('names anonymous pages no component holds', () => {
    const parts = bootedParts({ profile: 'virtio' });
    parts.memory.put(parts.memory.take(PageState.FREE), PageState.ANON);
    expect(guestSelfCheck(parts)).toContain('0 resident anonymous pages in components, 1 anon pages');
  });
});
