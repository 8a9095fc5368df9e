import { describe, expect, it } from 'vitest';
import { checkTarget, guestFloor, predictTarget, unitWarnings, type GuardGuest } from '../../../src/host/manager/target-guard.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const PAGE = 4096;
const pages = (bytes: number): number => bytes / PAGE;

/** A 4 GiB virtio guest at its boot size, 82 MiB of kernel, 1.5 GiB in use and 1 GiB free. */
function web(overrides: Partial<GuardGuest> = {}): GuardGuest {
  return {
    name: 'web',
    profile: 'virtio',
    frameBytes: PAGE,
    memoryPages: pages(4 * GiB),
    minPages: 0,
    kernelPages: pages(82 * MiB),
    targetPages: pages(4 * GiB),
    balloonPages: 0,
    residentPages: pages(2.5 * GiB),
    workingSetPages: pages(1.5 * GiB),
    freePages: pages(1 * GiB),
    ...overrides,
  };
}

describe('the over-shrink guard', () => {
  it('finds the floor: the largest of minMemory, the Hyper-V floor and the working set plus kernel', () => {
    expect(guestFloor(web())).toEqual({ pages: pages(1.5 * GiB), reason: 'working set plus kernel memory' });
    expect(guestFloor(web({ minPages: pages(2 * GiB) }))).toEqual({ pages: pages(2 * GiB), reason: 'minMemory' });
    // Hyper-V floor of 4 GiB: 232 MiB + 4096 MiB / 16 = 488 MiB.
    expect(guestFloor(web({ profile: 'hyperv', workingSetPages: pages(100 * MiB) }))).toEqual({ pages: pages(488 * MiB), reason: 'Hyper-V floor' });
    // Before its first status the working set is unknown: the kernel stands for it.
    expect(guestFloor(web({ workingSetPages: null }))).toEqual({ pages: pages(82 * MiB), reason: 'working set plus kernel memory' });
  });

  it('refuses a shrink below the floor, naming the guest, the floor, the asked size and the gap', () => {
    const verdict = checkTarget(web(), 512 * MiB, '512 MiB');
    expect(verdict.belowFloor).toBe(true);
    expect(verdict.refusal).toBe(
      'refused to shrink web to 512 MiB: that is 1 GiB below its floor of 1.5 GiB (working set plus kernel memory); add force: true to shrink it anyway ' +
        "(a target is the guest's size, not its balloon's: for a balloon of 512 MiB write 3.5 GiB)",
    );
  });

  it('shows a percentage with the size it stands for', () => {
    const verdict = checkTarget(web({ minPages: pages(3 * GiB) }), 2 * GiB, '50% of maxMemory');
    expect(verdict.refusal).toMatch(/^refused to shrink web to 50% of maxMemory = 2 GiB: that is 1 GiB below its floor of 3 GiB \(minMemory\)/);
  });

  it('lets a target at or above the floor through, and a raise that is still below it', () => {
    expect(checkTarget(web(), 1.5 * GiB, '1.5 GiB').refusal).toBeNull();
    const raise = checkTarget(web({ targetPages: pages(256 * MiB) }), 512 * MiB, '512 MiB');
    expect(raise.belowFloor).toBe(true);
    expect(raise.refusal).toBeNull();
  });

  it('warns about a target smaller than the kernel, and about KiB read as bytes', () => {
    expect(unitWarnings(web(), 64 * MiB)).toEqual(['the target for web (64 MiB) is smaller than its kernel memory (82 MiB): the guest cannot run in it']);
    // 2097152 KiB = 2 GiB, written as bytes: 2 MiB.
    const warnings = unitWarnings(web(), 2_097_152);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toBe('the target for web (2 MiB) looks like a size in KiB read as bytes: 2097152 KiB would be 2 GiB; write the unit (e.g. 2097152KiB)');
    expect(unitWarnings(web(), 2 * GiB)).toEqual([]);
  });

  it('predicts a dry run: balloon change, pages beyond free memory, frames returned', () => {
    // 4 GiB -> 1 GiB: the balloon grows by 3 GiB, 2 GiB more than the 1 GiB free; the host gets back 2.5 - 1 = 1.5 GiB.
    expect(predictTarget(web(), pages(1 * GiB))).toEqual({ balloonChangePages: pages(3 * GiB), beyondFreePages: pages(2 * GiB), framesReturned: pages(1.5 * GiB) });
    expect(predictTarget(web({ balloonPages: pages(1 * GiB) }), pages(4 * GiB))).toEqual({ balloonChangePages: -pages(1 * GiB), beyondFreePages: 0, framesReturned: 0 });
  });
});
