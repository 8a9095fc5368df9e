/**
 * The one place where what the host knows of its guests becomes what a
 * policy sees. The guest model's signals (stats, pressure reports, PSI,
 * distress) reach policies through `account.heard`, which the host's message
 * handlers fill; this adapter turns them into the view's fields.
 */
import { hypervFloorPages } from '../balloon/floors.js';
import type { FreeMemoryState, ThresholdFrames } from './free-memory-state.js';
import type { GuestAccount } from './guest-account.js';
import { signalsOf } from './guest-signals.js';
import type { PolicyGuestView, PolicyHostView } from './policy.js';

/** The host's own figures at the time of a view. */
export interface HostFigures {
  nowMs: number;
  frameBytes: number;
  frames: number;
  reservedFrames: number;
  freeFrames: number;
  state: FreeMemoryState;
  thresholds: ThresholdFrames;
}

/**
 * The lowest target host reclaim sets for a guest: the largest of its
 * minMemory, its kernel memory and, for a hyperv-profile guest, the Hyper-V
 * floor of its memory size.
 */
export function reclaimFloorPages(account: GuestAccount, frameBytes: number): number {
  const hyperv = account.profile === 'hyperv' ? hypervFloorPages(account.memoryPages, frameBytes) : 0;
  return Math.min(account.memoryPages, Math.max(account.minPages, account.kernelPages, hyperv));
}

/** What a policy sees of one guest. */
export function guestView(account: GuestAccount, frameBytes: number, nowMs: number): PolicyGuestView {
  const status = account.lastStatus;
  const signals = signalsOf(account, nowMs);
  return {
    index: account.index,
    name: account.name,
    alive: account.alive,
    profile: account.profile,
    shares: account.shares,
    memoryPages: account.memoryPages,
    bootPages: account.bootPages,
    maxPages: account.pages,
    minPages: account.minPages,
    kernelPages: account.kernelPages,
    floorPages: reclaimFloorPages(account, frameBytes),
    targetPages: account.targetPages,
    residentPages: account.ownedFrames,
    balloonPages: account.balloonPages,
    actualPages: account.memoryPages - account.balloonPages,
    usedPages: status?.usedPages ?? null,
    freePages: status?.freePages ?? null,
    stats: signals.stats,
    pressure: signals.pressure,
    psi: signals.psi,
    distressed: signals.distressed,
    touchedFraction: account.touchedFraction,
    activeSample: account.activeSample === null ? null : { ...account.activeSample },
    hostSwappedPages: account.hostSwapPages,
  };
}

/** What a policy sees of the host and every guest. */
export function buildPolicyView(host: HostFigures, accounts: ReadonlyArray<GuestAccount>): PolicyHostView {
  return {
    timeMs: host.nowMs,
    nowMs: host.nowMs,
    frameBytes: host.frameBytes,
    frames: host.frames,
    reservedFrames: host.reservedFrames,
    usableFrames: host.frames - host.reservedFrames,
    freeFrames: host.freeFrames,
    state: host.state,
    highFrames: host.thresholds.highFrames,
    softFrames: host.thresholds.softFrames,
    guests: accounts.map((account) => guestView(account, host.frameBytes, host.nowMs)),
  };
}
