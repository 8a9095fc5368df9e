/**
 * The one place where what the host knows of its guests becomes what a
 * policy sees: the manager's own records, the figures the device sides
 * publish, and the signals the guests publish in shared memory (stats,
 * pressure reports, PSI), read when a policy runs and not before.
 */
import { hypervFloorPages } from '../../messages/floors.js';
import { DeviceSlot } from '../device/device-figures.js';
import type { FreeMemoryState, ThresholdFrames } from './free-memory-state.js';
import type { GuestRecord } from './guest-record.js';
import { signalsOf, statusOf } from './guest-signals.js';
import type { PolicyGuestView, PolicyHostView } from '../policy/policy.js';

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
export function reclaimFloorPages(account: GuestRecord, frameBytes: number): number {
  const hyperv = account.profile === 'hyperv' ? hypervFloorPages(account.memoryPages, frameBytes) : 0;
  return Math.min(account.memoryPages, Math.max(account.minPages, account.kernelPages, hyperv));
}

/** What a policy sees of one guest. */
export function guestView(account: GuestRecord, frameBytes: number, nowMs: number): PolicyGuestView {
  const status = statusOf(account);
  const signals = signalsOf(account, nowMs);
  const sample = account.device[DeviceSlot.SAMPLE_AT_MS]!;
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
    residentPages: account.heldFrames,
    balloonPages: account.balloonPages,
    actualPages: account.memoryPages - account.balloonPages,
    usedPages: status?.usedPages ?? null,
    freePages: status?.freePages ?? null,
    stats: signals.stats,
    pressure: signals.pressure,
    psi: signals.psi,
    distressed: signals.distressed,
    touchedFraction: account.touchedFraction,
    activeSample: sample < 0 ? null : { sampledPages: account.device[DeviceSlot.SAMPLED]!, touchedPages: account.device[DeviceSlot.TOUCHED]!, atMs: sample },
    hostSwappedPages: account.hostSwapPages,
  };
}

/**
 * What a policy sees of the host and every guest. The guests' views are
 * built when the policy first reads `guests` (a policy that never looks,
 * like static, costs nothing), once per view.
 */
export function buildPolicyView(host: HostFigures, accounts: ReadonlyArray<GuestRecord>): PolicyHostView {
  let guests: PolicyGuestView[] | null = null;
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
    get guests(): ReadonlyArray<PolicyGuestView> {
      return (guests ??= accounts.map((account) => guestView(account, host.frameBytes, host.nowMs)));
    },
  };
}
