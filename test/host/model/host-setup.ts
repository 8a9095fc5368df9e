/**
 * The hosts the model-based test of the host's frame handling
 * (test/host/hypervisor.model.test.ts) runs on: small hosts and guests,
 * their scenario, and the arbitrary that draws them.
 */
import fc from 'fast-check';
import type { BackingMode, GuestSpec, Scenario, ScenarioEvent } from '../../../src/model/scenario.js';

export const FRAME_BYTES = 4096;
export const TICK_MS = 1000;

export interface GuestSetup {
  maxPages: number;
  bootPages: number;
  kernelPages: number;
  minPages: number;
}

export interface HostSetup {
  frames: number;
  reservedFrames: number;
  backing: BackingMode;
  /** Shards of guests that share a free pool (undefined: the host's default, one per guest). */
  shards?: number;
  guests: GuestSetup[];
  events: ScenarioEvent[];
}

export function guestName(index: number): string {
  return `g${index}`;
}

function guestSpec(index: number, setup: GuestSetup): GuestSpec {
  return {
    name: guestName(index),
    memoryBytes: setup.bootPages * FRAME_BYTES,
    maxMemoryBytes: setup.maxPages * FRAME_BYTES,
    minMemoryBytes: setup.minPages * FRAME_BYTES,
    kernelBytes: setup.kernelPages * FRAME_BYTES,
    shares: 1000,
    swapBytes: 0,
    driver: { profile: 'virtio', inflateMode: 'noretry', deflateOnOom: false, statsIntervalMs: 1000, freePageReporting: false },
    workload: [],
  };
}

export function scenarioOf(setup: HostSetup): Scenario {
  return {
    name: 'hypervisor-model',
    source: 'test/host/hypervisor.model.test.ts',
    seed: 1,
    durationMs: 1_000_000,
    tickMs: TICK_MS,
    frameBytes: FRAME_BYTES,
    host: {
      memoryBytes: setup.frames * FRAME_BYTES,
      reservedBytes: setup.reservedFrames * FRAME_BYTES,
      swapBytes: 0,
      backing: setup.backing,
      policy: { kind: 'static', periodMs: TICK_MS },
      // Free-memory states off (always high): host reclaim and the low state
      // have their own tests (test/host/host-reclaim.test.ts); here targets
      // move only by events and setTargetOf.
      freeMemoryStates: { high: 0, soft: 0, hard: 0, low: 0 },
      ...(setup.shards !== undefined ? { shards: setup.shards } : {}),
    },
    guests: setup.guests.map((guest, index) => guestSpec(index, guest)),
    events: setup.events,
  };
}

/**
 * Small hosts (256 to 2048 frames of 4 KiB), 2 to 4 guests whose maxima may
 * overcommit the host, in one shard each or sharing shards, and a few
 * scenario events.
 */
export const hostSetupArb: fc.Arbitrary<HostSetup> = fc
  .record({
    frames: fc.integer({ min: 256, max: 2048 }),
    reservedPercent: fc.integer({ min: 0, max: 10 }),
    backing: fc.constantFrom<BackingMode>('lazy', 'eager'),
    shards: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
    guests: fc.array(
      fc.record({
        maxPercent: fc.integer({ min: 1, max: 100 }),
        bootPercent: fc.integer({ min: 0, max: 100 }),
        kernelPercent: fc.integer({ min: 0, max: 100 }),
        minPercent: fc.integer({ min: 0, max: 100 }),
      }),
      { minLength: 2, maxLength: 4 },
    ),
    events: fc.array(
      fc.record({
        tick: fc.nat({ max: 12 }),
        guest: fc.nat({ max: 3 }),
        crash: fc.nat({ max: 4 }).map((n) => n === 0),
        percentOfMax: fc.integer({ min: -20, max: 150 }),
        force: fc.boolean(),
      }),
      { maxLength: 6 },
    ),
  })
  .map(({ frames, reservedPercent, backing, shards, guests, events }) => {
    const reservedFrames = Math.floor((frames * reservedPercent) / 100);
    const share = Math.floor((frames - reservedFrames) / guests.length);
    const guestSetups = guests.map((draw): GuestSetup => {
      const maxPages = Math.max(8, Math.floor((frames * draw.maxPercent) / 100));
      let bootPages = Math.max(1, Math.floor((maxPages * draw.bootPercent) / 100));
      if (backing === 'eager') bootPages = Math.min(bootPages, share);
      const kernelPages = Math.min(bootPages, share, Math.floor((bootPages * draw.kernelPercent) / 100));
      const minPages = Math.floor((bootPages * draw.minPercent) / 100);
      return { maxPages, bootPages, kernelPages, minPages };
    });
    const scenarioEvents: ScenarioEvent[] = events
      .map((event): ScenarioEvent => {
        const guest = guestName(event.guest % guests.length);
        const atMs = event.tick * TICK_MS;
        return event.crash
          ? { atMs, kind: 'crash', guest }
          : { atMs, kind: 'setTarget', guest, target: { percentOfMax: event.percentOfMax }, ...(event.force ? { force: true } : {}) };
      })
      .sort((a, b) => a.atMs - b.atMs);
    return { frames, reservedFrames, backing, ...(shards !== undefined ? { shards } : {}), guests: guestSetups, events: scenarioEvents };
  });

