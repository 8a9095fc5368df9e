/**
 * A booted guest's parts without a host, for unit tests of the balloon
 * driver and the pieces it takes pages from: every boot page backed by frame
 * `page` (frame numbers equal page numbers), the kernel's pages allocated,
 * the driver at the boot size. Tests play the host by hand: they answer the
 * driver's releases and requests themselves.
 */
import { BalloonDriver } from '../../src/guest/balloon-driver.js';
import type { DriverProfile } from '../../src/guest/driver-profiles.js';
import { GuestParts } from '../../src/guest/guest-parts.js';
import { PageState } from '../../src/guest/page-state.js';
import { GuestSharedViews } from '../../src/guest/shared-memory.js';
import type { GuestSpec, InflateMode } from '../../src/model/scenario.js';
import type { GrantMessage, RequestMessage } from '../../src/messages/protocol.js';
import { guest, MiB } from '../support/scenarios.js';

export type GuestInit = ConstructorParameters<typeof GuestParts>[0];
export type Outbox = Parameters<BalloonDriver['step']>[1];
export type ReleaseAck = Parameters<BalloonDriver['onReleaseAck']>[0];
export type Grant = Parameters<BalloonDriver['onDeflateGrant']>[0];

export interface DriverWorldOptions {
  profile: GuestSpec['driver']['profile'];
  memoryBytes?: number;
  kernelBytes?: number;
  inflateMode?: InflateMode;
  tickMs?: number;
  frameBytes?: number;
  spec?: Partial<GuestSpec>;
  /** Boot pages given frames (default: all); the rest stay free and unbacked. */
  backedPages?: number;
}

/** The parts of one booted guest with no workload. */
export function bootedParts(options: DriverWorldOptions): GuestParts {
  const frameBytes = options.frameBytes ?? 4096;
  const memoryBytes = options.memoryBytes ?? 256 * MiB;
  const spec = guest('g', {
    memoryBytes,
    maxMemoryBytes: memoryBytes,
    kernelBytes: options.kernelBytes ?? 4 * MiB,
    driver: { profile: options.profile, inflateMode: options.inflateMode ?? 'noretry', deflateOnOom: false, statsIntervalMs: 0, freePageReporting: false },
    ...options.spec,
  });
  const shared = GuestSharedViews.allocate(Math.floor(spec.maxMemoryBytes / frameBytes));
  const init: GuestInit = { index: 0, spec, tickMs: options.tickMs ?? 100, frameBytes, seed: 7, shared: shared.buffers };
  const parts = new GuestParts(init);
  const memory = parts.memory;
  memory.layOut(parts.bootPages);
  // Back the boot pages, frame = page, as a boot grant of one run would.
  const backed = options.backedPages ?? parts.bootPages;
  for (let done = 0; done < backed; ) {
    const got = memory.takeRun(PageState.FREE_UNBACKED, backed - done);
    if (got === 0) throw new Error('bootedParts: fewer unbacked pages than boot pages');
    memory.mapPageRun(memory.runFirst, memory.runStep, got, memory.runFirst);
    memory.putRun(memory.runFirst, got, memory.runStep, PageState.FREE_UNBACKED, PageState.FREE);
    done += got;
  }
  for (let i = 0; i < parts.kernelPages; i++) memory.put(memory.take(PageState.FREE), PageState.KERNEL);
  parts.driver.targetPages = parts.bootPages;
  return parts;
}

/** A driver over booted parts with a profile of the test's own (a real one with a field changed), the parts' environment. */
export function driverWithProfile(parts: GuestParts, profile: DriverProfile, batchPages = profile.batchPages): BalloonDriver {
  const driver = new BalloonDriver(
    profile,
    batchPages,
    'noretry',
    {
      memory: parts.memory,
      allocator: parts.allocator,
      reclaimer: parts.reclaimer,
      events: parts.events,
      frameBytes: parts.frameBytes,
      tickMs: parts.tickMs,
      nextId: parts.nextId,
      memAvailablePages: () => parts.memAvailablePages(),
    },
    parts.bootPages,
  );
  return driver;
}

/**
 * Holds free pages out of the balloon's reach: moves free pages to the
 * kernel until only `keepFree` free pages remain. Returns them, so that
 * `unfill` can free them again.
 */
export function fillTo(parts: GuestParts, keepFree: number): number[] {
  const memory = parts.memory;
  const held: number[] = [];
  while (memory.count(PageState.FREE) > keepFree) {
    const page = memory.take(PageState.FREE);
    memory.put(page, PageState.KERNEL);
    held.push(page);
  }
  return held;
}

/** Frees pages `fillTo` held. */
export function unfill(parts: GuestParts, held: number[], count = held.length): void {
  for (let i = 0; i < count; i++) parts.memory.put(held.pop()!, PageState.FREE);
}

/** The host accepts every release in the outbox (none refused) and grants every deflate request in full (unbacked, or with frames from `frames`). */
export function answerAll(driver: BalloonDriver, outbox: Outbox, nowMs: number, frames?: () => number): void {
  for (const message of outbox) {
    if (message.type === 'release') {
      driver.onReleaseAck({ type: 'releaseAck', id: message.id, acceptedFrames: message.frames.length, refusedFrames: new Int32Array(0), invalidFrames: 0, acceptedUnbackedPages: message.unbackedPages }, nowMs);
    } else if (message.type === 'request' && message.purpose === 'deflate') {
      if (message.withFrames && frames !== undefined) {
        const runs: number[] = [];
        for (let i = 0; i < message.pages; i++) runs.push(frames(), 1);
        driver.onDeflateGrant({ type: 'grant', id: message.id, purpose: 'deflate', pagesAsked: message.pages, runs: Int32Array.from(runs), unbackedPages: 0 }, nowMs);
      } else {
        driver.onDeflateGrant({ type: 'grant', id: message.id, purpose: 'deflate', pagesAsked: message.pages, runs: new Int32Array(0), unbackedPages: message.pages }, nowMs);
      }
    }
  }
}

export interface RunOptions {
  /** Sees each step's messages before the host answers them. */
  onStep?: (nowMs: number, outbox: Outbox) => void;
  /** Frames for deflate grants with frames (default: unbacked pages). */
  frames?: () => number;
}

/** Steps the driver from `fromMs` to `toMs` (exclusive) every tick, the host answering everything; returns every message sent (releases with a copy of their frames). */
export function run(parts: GuestParts, driver: BalloonDriver, fromMs: number, toMs: number, options: RunOptions = {}): Outbox {
  const all: Outbox = [];
  for (let now = fromMs; now < toMs; now += parts.tickMs) {
    const outbox: Outbox = [];
    driver.step(now, outbox);
    options.onStep?.(now, outbox);
    answerAll(driver, outbox, now, options.frames);
    // A release's frames are a view that the driver reuses at its next step: keep a copy.
    for (const message of outbox) all.push(message.type === 'release' ? { ...message, frames: message.frames.slice() } : message);
  }
  return all;
}

/** Pages in the balloon. */
export function balloonPages(parts: GuestParts): number {
  return parts.memory.count(PageState.BALLOON);
}

/** Pages in 1 MiB (4 KiB pages). */
export const MIB_PAGES = MiB / 4096;

/** The releases in an outbox. */
export function releases(outbox: Outbox) {
  return outbox.flatMap((m) => (m.type === 'release' ? [m] : []));
}

/** The deflate requests in an outbox. */
export function deflateRequests(outbox: Outbox) {
  return outbox.flatMap((m) => (m.type === 'request' && m.purpose === 'deflate' ? [m] : []));
}

/** The times at which the driver's outOfPuff counter rose, stepping every tick from `fromMs` to `toMs`. */
export function failureTimes(parts: GuestParts, driver: BalloonDriver, fromMs: number, toMs: number): number[] {
  const times: number[] = [];
  run(parts, driver, fromMs, toMs, {
    onStep: (now) => {
      if (driver.counters.outOfPuff > times.length) times.push(now);
    },
  });
  return times;
}

/**
 * The times at which the driver asked pages back, stepping every tick from
 * `fromMs` to `toMs`, each request answered by `answer` (the host the test
 * plays): for back-off tests.
 */
export function deflateTimes(parts: GuestParts, driver: BalloonDriver, fromMs: number, toMs: number, answer: (request: RequestMessage) => GrantMessage): number[] {
  const times: number[] = [];
  for (let now = fromMs; now < toMs; now += parts.tickMs) {
    const outbox: Outbox = [];
    driver.step(now, outbox);
    const asked = deflateRequests(outbox);
    if (asked.length > 0) times.push(now);
    for (const request of asked) driver.onDeflateGrant(answer(request), now);
  }
  return times;
}
