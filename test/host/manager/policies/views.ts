/** Hand-made policy views for the policies' unit tests. */
import { unknownStats } from '../../../../src/host/manager/guest-signals.js';
import type { PolicyGuestView, PolicyHostView } from '../../../../src/host/policy/policy.js';

/** A live virtio guest of 1000 pages at its boot size, nothing reported; tests override what they care about. */
export function guestView(index: number, overrides: Partial<PolicyGuestView> = {}): PolicyGuestView {
  const memoryPages = overrides.memoryPages ?? 1000;
  const balloonPages = overrides.balloonPages ?? 0;
  return {
    index,
    name: `g${index}`,
    alive: true,
    profile: 'virtio',
    shares: 1000,
    memoryPages,
    bootPages: memoryPages,
    maxPages: memoryPages,
    minPages: 0,
    kernelPages: 0,
    floorPages: 0,
    targetPages: memoryPages,
    residentPages: memoryPages,
    balloonPages,
    actualPages: memoryPages - balloonPages,
    usedPages: null,
    freePages: null,
    stats: unknownStats(),
    pressure: null,
    psi: null,
    distressed: false,
    touchedFraction: null,
    activeSample: null,
    hostSwappedPages: 0,
    ...overrides,
  };
}

/** A host of 1000 frames of 4 KiB, nothing reserved, high state at 60 free frames and soft below 40. */
export function hostView(guests: PolicyGuestView[], overrides: Partial<PolicyHostView> = {}): PolicyHostView {
  // Tests written before timeMs give nowMs: the view has both, as the host's does.
  const timeMs = overrides.timeMs ?? overrides.nowMs ?? 0;
  return {
    timeMs,
    nowMs: timeMs,
    frameBytes: 4096,
    frames: 1000,
    reservedFrames: 0,
    usableFrames: 1000,
    freeFrames: 500,
    state: 'high',
    highFrames: 60,
    softFrames: 40,
    guests,
    ...overrides,
  };
}

/** A policy's answer as a plain object, guest index -> pages, for `toEqual`. */
export function asObject(targets: ReadonlyMap<number, number>): Record<number, number> {
  return Object.fromEntries(targets);
}
