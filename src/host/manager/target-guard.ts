/**
 * The over-shrink guard on administrator targets. Administrators over-shrink
 * guests by mistake (a wrong unit, a guest size taken for a balloon size) or
 * because demand changed; the guard refuses a target below the guest's floor
 * and says why and by how much, unless the administrator insists (`force`).
 * It also warns about targets that look like unit mistakes, and predicts what
 * a target would do (a dry run).
 */
import type { DriverProfileName } from '../../model/scenario.js';
import { formatBytesApprox } from '../../model/units.js';
import { hypervFloorPages } from '../../messages/floors.js';

/** What the guard knows of the guest. Sizes in pages. */
export interface GuardGuest {
  name: string;
  profile: DriverProfileName;
  frameBytes: number;
  /** The guest's memory now (balloon included). */
  memoryPages: number;
  /** The largest target it can have (maxMemory: above memoryPages only for guests that grow by hotplug); memoryPages if unset. */
  maxPages?: number;
  minPages: number;
  kernelPages: number;
  targetPages: number;
  balloonPages: number;
  /** Frames the guest holds. */
  residentPages: number;
  /**
   * Working set plus kernel memory, as the host estimates it from what the
   * guest reports (see host/working-set.ts: its size less MemAvailable, else
   * its used pages); null if unknown (the floor is then its kernel memory).
   */
  workingSetPages: number | null;
  /** Free pages in the guest (last status); null if unknown. */
  freePages: number | null;
}

/** Why the floor is where it is. */
export type FloorReason = 'minMemory' | 'Hyper-V floor' | 'working set plus kernel memory';

export interface GuestFloor {
  pages: number;
  reason: FloorReason;
}

/** What the guard says about one asked target. */
export interface GuardVerdict {
  /** The asked target, in pages (kept within the guest's memory). */
  askedPages: number;
  floor: GuestFloor;
  /** True when the target is below the floor. */
  belowFloor: boolean;
  /**
   * The refusal, naming the guest, the floor and the asked size: set when the
   * target is below the floor and below the current target (a raise toward
   * the floor is never refused).
   */
  refusal: string | null;
  /** Unit mistakes the target looks like. */
  warnings: string[];
}

/** What a target would do, reported by a dry run. */
export interface TargetPrediction {
  /** Change of the balloon's size (positive: inflate), in pages. */
  balloonChangePages: number;
  /** Pages the balloon would have to take beyond the guest's free memory (from used memory: swap, or OOM without swap). */
  beyondFreePages: number;
  /** Frames the host would get back. */
  framesReturned: number;
}

/**
 * The guest's floor: the largest of its minMemory, the Hyper-V floor (for
 * hyperv-profile guests) and its working set plus kernel memory (the host's
 * estimate from the guest's reports: its size less MemAvailable, else its
 * used pages; its kernel memory before the first report).
 */
export function guestFloor(guest: GuardGuest): GuestFloor {
  const candidates: GuestFloor[] = [
    { pages: guest.minPages, reason: 'minMemory' },
    { pages: guest.workingSetPages ?? guest.kernelPages, reason: 'working set plus kernel memory' },
  ];
  if (guest.profile === 'hyperv') candidates.push({ pages: hypervFloorPages(guest.memoryPages, guest.frameBytes), reason: 'Hyper-V floor' });
  let floor = candidates[0]!;
  for (const candidate of candidates) if (candidate.pages > floor.pages) floor = candidate;
  return { pages: Math.min(floor.pages, guest.maxPages ?? guest.memoryPages), reason: floor.reason };
}

const KiB = 1024;

/**
 * Warnings for targets that look like unit mistakes: smaller than the
 * guest's kernel memory, or a size in KiB read as bytes (the target times
 * 1024 would be a plausible guest size).
 */
export function unitWarnings(guest: GuardGuest, askedBytes: number): string[] {
  const warnings: string[] = [];
  const size = formatBytesApprox;
  const kernelBytes = guest.kernelPages * guest.frameBytes;
  const memoryBytes = guest.memoryPages * guest.frameBytes;
  if (askedBytes < kernelBytes) {
    warnings.push(`the target for ${guest.name} (${size(askedBytes)}) is smaller than its kernel memory (${size(kernelBytes)}): the guest cannot run in it`);
  }
  const asKiB = askedBytes * KiB;
  if (askedBytes > 0 && askedBytes < memoryBytes / 64 && asKiB >= kernelBytes && asKiB <= memoryBytes) {
    warnings.push(
      `the target for ${guest.name} (${size(askedBytes)}) looks like a size in KiB read as bytes: ${askedBytes} KiB would be ${size(asKiB)}; write the unit (e.g. ${askedBytes}KiB)`,
    );
  }
  return warnings;
}

/**
 * Checks an administrator's target (in bytes, as asked) against the guest's
 * floor. `askedText` is how the administrator wrote it (`50% of maxMemory`,
 * `1 GiB`), for the message; `asPercent` says it was a percentage.
 */
export function checkTarget(guest: GuardGuest, askedBytes: number, askedText: string, asPercent = false): GuardVerdict {
  const askedPages = Math.min(guest.maxPages ?? guest.memoryPages, Math.floor(askedBytes / guest.frameBytes));
  const floor = guestFloor(guest);
  const belowFloor = askedPages < floor.pages;
  const size = formatBytesApprox;
  let refusal: string | null = null;
  if (belowFloor && askedPages < guest.targetPages) {
    const bytes = (pages: number): string => size(pages * guest.frameBytes);
    const shown = askedText === size(askedBytes) ? askedText : `${askedText} = ${size(askedBytes)}`;
    refusal =
      `refused to shrink ${guest.name} to ${shown}: that is ${bytes(floor.pages - askedPages)} below its floor of ${bytes(floor.pages)} (${floor.reason}); ` +
      'add force: true to shrink it anyway';
    // A size that would make sense as a balloon size (a sixteenth of the guest or more) may be one.
    const balloonReading = guest.memoryPages - askedPages;
    if (!asPercent && askedPages >= guest.memoryPages / 16 && balloonReading >= floor.pages) {
      refusal += ` (a target is the guest's size, not its balloon's: for a balloon of ${bytes(askedPages)} write ${bytes(balloonReading)})`;
    }
  }
  return { askedPages, floor, belowFloor, refusal, warnings: unitWarnings(guest, askedBytes) };
}

/** What setting the target to `targetPages` would do, from what the host knows now. */
export function predictTarget(guest: GuardGuest, targetPages: number): TargetPrediction {
  const balloonChangePages = Math.max(0, guest.memoryPages - targetPages) - guest.balloonPages;
  const free = guest.freePages ?? 0;
  return {
    balloonChangePages,
    beyondFreePages: Math.max(0, balloonChangePages - free),
    framesReturned: Math.max(0, guest.residentPages - targetPages),
  };
}

/** A dry run's report: the predicted effect, the floor, and whether the guard would refuse. */
export function describeDryRun(guest: GuardGuest, askedText: string, verdict: GuardVerdict, prediction: TargetPrediction, refused: boolean): string {
  const bytes = (pages: number): string => formatBytesApprox(pages * guest.frameBytes);
  const change = prediction.balloonChangePages;
  return (
    `dry run: ${guest.name} to ${askedText}: the balloon would ${change >= 0 ? 'grow' : 'shrink'} by ${bytes(Math.abs(change))} ` +
    `(from ${bytes(guest.balloonPages)} to ${bytes(guest.balloonPages + change)}), take ${bytes(prediction.beyondFreePages)} beyond the guest's free memory, ` +
    `and give the host back ${bytes(prediction.framesReturned)}; its floor is ${bytes(verdict.floor.pages)} (${verdict.floor.reason})` +
    (refused ? `; the guard would refuse it without force (${bytes(verdict.floor.pages - verdict.askedPages)} below the floor)` : '')
  );
}
