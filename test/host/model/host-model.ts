/**
 * The sequential model of the host's frame handling that the model-based
 * test (test/host/hypervisor.model.test.ts) compares the real host with after
 * every command: every frame's value in the table, which pool (or the
 * manager's transit) holds each free frame, and each guest's owned, balloon
 * and target pages, violations, grants waiting for frames and messages
 * waiting for the next tick.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { freeOwnerOfShard, isFreeOwner, OWNER_FREE, OWNER_HYPERVISOR, ownerIdOfGuest } from '../../../src/host/owners.js';
import type { GrantPurpose, HostToGuest, SetTargetMessage } from '../../../src/messages/protocol.js';
import type { BackingMode, GuestSpec, Scenario, ScenarioEvent, TargetSize } from '../../../src/scenario/types.js';
import type { InlineHost } from '../../support/inline-host.js';

export const FRAME_BYTES = 4096;
export const TICK_MS = 1000;

// ------------------------------------------------------------------ the host under test

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

// ------------------------------------------------------------------ the model

/**
 * A request whose grant waits for frames (its shard's pool could not fill it):
 * it takes no frame until it is completed at the start of the next tick, but
 * what it is owed is reserved at once.
 */
export interface PendingGrant {
  id: number;
  purpose: GrantPurpose;
  pagesAsked: number;
  /** Frames the guest may have (what it asked, within its entitlement). */
  allowed: number;
}

export interface GuestModel {
  readonly index: number;
  readonly ownerId: number;
  readonly shard: number;
  readonly memoryPages: number;
  readonly minPages: number;
  readonly kernelPages: number;
  alive: boolean;
  owned: number;
  balloon: number;
  /** The manager's target. */
  target: number;
  /** The target the device side last passed on to the guest. */
  deviceTarget: number;
  violations: number;
  populateShort: number;
  guardRefusals: number;
  /** Balloon pages a waiting deflate will take, and unbacked pages a waiting first touch will back: nobody may ask for them again meanwhile. */
  owedDeflate: number;
  owedBacking: number;
  /** Used pages of the status the guest last published, as the host reads it (null: none yet). */
  usedPages: number | null;
  pending: PendingGrant[];
  /** setTarget messages from the manager that go out with the next tick's orders. */
  commands: SetTargetMessage[];
}

/** Who holds a free frame: a shard's pool (0, 1, ...), the manager's transit, or nobody (the frame is not free). */
export const TRANSIT = -1;
export const NOT_FREE = -2;

export interface HostModel {
  readonly setup: HostSetup;
  readonly frames: number;
  /** Every frame's value in the table. */
  readonly owner: Int32Array;
  /** Who holds each free frame (a shard, TRANSIT), NOT_FREE for the others. */
  readonly holder: Int32Array;
  readonly guests: GuestModel[];
  tick: number;
  nextEvent: number;
  nextId: number;
}

export interface HostReal {
  readonly host: InlineHost;
}

/** Pages of guest memory with neither a frame nor a place in the balloon, less those a waiting grant will back. */
export function unbackedOf(guest: GuestModel): number {
  return guest.memoryPages - guest.balloon - guest.owned - guest.owedBacking;
}

export function framesOwnedBy(model: HostModel, predicate: (owner: number) => boolean): number[] {
  const frames: number[] = [];
  for (let frame = 0; frame < model.frames; frame++) if (predicate(model.owner[frame]!)) frames.push(frame);
  return frames;
}

/** Free frames (in every pool and in transit). */
export function freeCount(model: HostModel): number {
  let free = 0;
  for (let frame = 0; frame < model.frames; frame++) if (model.holder[frame] !== NOT_FREE) free++;
  return free;
}

/** Free frames `holder` (a shard, or TRANSIT) holds. */
export function heldBy(model: HostModel, holder: number): number {
  let held = 0;
  for (let frame = 0; frame < model.frames; frame++) if (model.holder[frame] === holder) held++;
  return held;
}

export function pickFrom(list: ReadonlyArray<number>, pick: number): number | undefined {
  return list.length === 0 ? undefined : list[pick % list.length];
}

function clampTarget(guest: GuestModel, pages: number, lowest = guest.minPages): number {
  return Math.max(lowest, Math.min(guest.memoryPages, Math.floor(pages)));
}

export function targetPagesOf(guest: GuestModel, target: TargetSize): number {
  return 'bytes' in target ? Math.floor(target.bytes / FRAME_BYTES) : Math.floor((guest.memoryPages * target.percentOfMax) / 100);
}

/**
 * Sets an administrator's target as the manager does, guard included: below
 * the guest's floor (the largest of minMemory and its working set: the used
 * pages of the status it published, never less than its kernel; these guests
 * publish no stats or pressure reports) and below its current target, it is
 * refused unless forced; a forced target may go down to 0. The message for
 * the guest, if any, goes out with the next tick's orders.
 */
export function setTargetInModel(guest: GuestModel, pages: number, force = false): void {
  const asked = Math.min(guest.memoryPages, Math.floor(pages));
  const workingSet = Math.max(guest.kernelPages, guest.usedPages ?? 0);
  const floor = Math.min(guest.memoryPages, Math.max(guest.minPages, workingSet));
  if (!force && asked < floor && asked < guest.target) {
    guest.guardRefusals++;
    return;
  }
  const clamped = clampTarget(guest, asked, force ? 0 : guest.minPages);
  if (clamped === guest.target) return;
  guest.target = clamped;
  guest.commands.push({ type: 'setTarget', targetPages: clamped });
}

/** A frame the guest's shard pool hands it: it must be free there. */
export function takeFrame(model: HostModel, guest: GuestModel, frame: number, what: string): void {
  const owner = model.owner[frame];
  if (owner === undefined || !isFreeOwner(owner) || model.holder[frame] !== guest.shard) {
    throw new Error(`${what}: frame ${frame} granted to guest ${guest.index} was not free in shard ${guest.shard}'s pool (value ${owner}, held by ${describeHolder(model.holder[frame])})`);
  }
  model.owner[frame] = guest.ownerId;
  model.holder[frame] = NOT_FREE;
}

/** A frame the guest gives back (or a dead guest leaves): it goes to the guest's shard pool, marked with the shard's free value. */
export function putBackFrame(model: HostModel, guest: GuestModel, frame: number): void {
  model.owner[frame] = freeOwnerOfShard(guest.shard);
  model.holder[frame] = guest.shard;
}

export function describeHolder(holder: number | undefined): string {
  if (holder === TRANSIT) return 'transit';
  if (holder === NOT_FREE || holder === undefined) return 'nobody';
  return `shard ${holder}`;
}

/** A guest dies: every frame it owned goes to its shard's pool; what was in flight is forgotten. */
export function crashInModel(model: HostModel, guest: GuestModel): number[] {
  const taken = framesOwnedBy(model, (owner) => owner === guest.ownerId);
  for (const frame of taken) putBackFrame(model, guest, frame);
  guest.owned = 0;
  guest.balloon = 0;
  guest.alive = false;
  guest.pending = [];
  guest.owedDeflate = 0;
  guest.owedBacking = 0;
  guest.commands = [];
  return taken;
}

/** A fresh model of a host that has not booted: the reserve holds the lowest frames, the rest is free (held by nobody yet). */
export function newModel(setup: HostSetup, shardOf: (index: number) => number): HostModel {
  const owner = new Int32Array(setup.frames);
  const holder = new Int32Array(setup.frames).fill(NOT_FREE);
  owner.fill(OWNER_HYPERVISOR, 0, setup.reservedFrames);
  return {
    setup,
    frames: setup.frames,
    owner,
    holder,
    guests: setup.guests.map((guest, index) => ({
      index,
      ownerId: ownerIdOfGuest(index),
      shard: shardOf(index),
      memoryPages: guest.maxPages,
      minPages: guest.minPages,
      kernelPages: guest.kernelPages,
      alive: true,
      owned: 0,
      balloon: guest.maxPages - guest.bootPages,
      target: guest.bootPages,
      deviceTarget: guest.bootPages,
      violations: 0,
      populateShort: 0,
      guardRefusals: 0,
      owedDeflate: 0,
      owedBacking: 0,
      usedPages: null,
      pending: [],
      commands: [],
    })),
    tick: 0,
    nextEvent: 0,
    nextId: 1,
  };
}

/** Frames of runs (first, count pairs), checking their shape. */
export function framesOfGrant(runs: Int32Array, what: string): number[] {
  expect(runs, what).toBeInstanceOf(Int32Array);
  if (runs.length % 2 !== 0) throw new Error(`${what}: runs of odd length ${runs.length}`);
  const frames: number[] = [];
  for (let i = 0; i < runs.length; i += 2) {
    const count = runs[i + 1]!;
    if (!(count >= 1)) throw new Error(`${what}: a run of ${count} frames`);
    for (let k = 0; k < count; k++) frames.push(runs[i]! + k);
  }
  return frames;
}

// ------------------------------------------------------------------ the comparison

/** The whole comparison, after every command. */
export function expectHostMatches(model: HostModel, host: InlineHost): void {
  const table = host.table;
  expect(table.frames).toBe(model.frames);
  // Invariant 1 and the model: every frame has exactly the value the model says (the owner, or which pool's free value).
  for (let frame = 0; frame < model.frames; frame++) {
    const owner = table.ownerOf(frame);
    if (owner !== model.owner[frame]) throw new Error(`frame ${frame}: the table says ${owner}, the model ${model.owner[frame]}`);
  }
  // Invariant 3: conservation, per owner; free frames are free whichever pool's value they carry.
  const counts = table.countOwners();
  let tableFree = 0;
  let total = 0;
  for (const [owner, count] of counts) {
    total += count;
    if (isFreeOwner(owner)) tableFree += count;
    else if (owner !== OWNER_HYPERVISOR && !model.guests.some((g) => g.ownerId === owner)) throw new Error(`the table holds owner ${owner}, which is no guest`);
  }
  const free = freeCount(model);
  expect(tableFree).toBe(free);
  expect(counts.get(OWNER_HYPERVISOR) ?? 0).toBe(model.setup.reservedFrames);
  expect(total).toBe(model.frames);
  for (const guest of model.guests) {
    const view = host.accounts[guest.index]!;
    const device = view.device;
    const actual = {
      owned: counts.get(guest.ownerId) ?? 0,
      alive: view.alive,
      ownedFrames: device.ownedFrames,
      balloonPages: device.balloonPages,
      targetPages: view.targetPages,
      deviceTargetPages: device.targetPages,
      protocolViolations: device.protocolViolations,
      populateShortPages: device.populateShortPages,
      guardRefusals: view.guardRefusals,
      queuedGrantFrames: device.queuedGrantFrames,
      queuedBalloonPages: device.queuedBalloonPages,
      owedDeflatePages: device.owedDeflatePages,
      owedBackingPages: device.owedBackingPages,
    };
    const wanted: typeof actual = {
      owned: guest.owned,
      alive: guest.alive,
      ownedFrames: guest.owned,
      balloonPages: guest.balloon,
      targetPages: guest.target,
      deviceTargetPages: guest.deviceTarget,
      protocolViolations: guest.violations,
      populateShortPages: guest.populateShort,
      guardRefusals: guest.guardRefusals,
      // Every inbox was taken, and a waiting grant holds no frame.
      queuedGrantFrames: 0,
      queuedBalloonPages: 0,
      owedDeflatePages: guest.owedDeflate,
      owedBackingPages: guest.owedBacking,
    };
    // Compared field by field first: `expect` is slow in a loop that runs a million times.
    const fields = Object.keys(actual) as Array<keyof typeof actual>;
    if (fields.some((field) => actual[field] !== wanted[field])) expect({ guest: guest.index, ...actual }).toEqual({ guest: guest.index, ...wanted });
    if (unbackedOf(guest) < 0 || guest.balloon < 0) throw new Error(`guest ${guest.index}: balloon ${guest.balloon}, unbacked ${unbackedOf(guest)}`);
  }
  // The pools and transit hold exactly the free frames, once each, each where the model says.
  const seen = new Uint8Array(model.frames);
  const expectHeld = (frame: number, holder: number, value: number, where: string): void => {
    if (!(frame >= 0 && frame < model.frames)) throw new Error(`${where} holds frame ${frame}, outside the table`);
    if (seen[frame] === 1) throw new Error(`frame ${frame} is held twice (again by ${where})`);
    seen[frame] = 1;
    if (model.holder[frame] !== holder) throw new Error(`${where} holds frame ${frame}, the model says ${describeHolder(model.holder[frame])} does`);
    if (model.owner[frame] !== value) throw new Error(`${where} holds frame ${frame} as ${value}, the table says ${model.owner[frame]}`);
  };
  let pooled = 0;
  for (const pool of host.devices.pools) {
    const where = `shard ${pool.shard}'s pool`;
    const runs = pool.returnedRuns();
    for (let i = 0; i < runs.length; i += 2) for (let k = 0; k < runs[i + 1]!; k++) expectHeld(runs[i]! + k, pool.shard, freeOwnerOfShard(pool.shard), where);
    const ranges = pool.untouchedRanges();
    for (let i = 0; i < ranges.length; i += 2) for (let frame = ranges[i]!; frame < ranges[i + 1]!; frame++) expectHeld(frame, pool.shard, OWNER_FREE, `${where} (untouched)`);
    expect(pool.size, `${where}: size`).toBe(heldBy(model, pool.shard));
    pooled += pool.size;
  }
  const transit = host.manager.balancer.transit;
  const transitRuns = transit.runs();
  for (let i = 0; i < transitRuns.length; i += 2) for (let k = 0; k < transitRuns[i + 1]!; k++) expectHeld(transitRuns[i]! + k, TRANSIT, OWNER_FREE, 'transit');
  expect(transit.size, 'transit: size').toBe(heldBy(model, TRANSIT));
  expect(pooled + transit.size).toBe(free);
  expect(host.freeFrames).toBe(free);
  // Invariant 4: in sequential use no compare-exchange may fail.
  expect(table.transferFailures).toBe(0);
  expect(host.protocolViolations).toBe(model.guests.reduce((sum, g) => sum + g.violations, 0));
}

export function expectTableUnchanged(before: Int32Array, host: InlineHost, what: string): void {
  const after = host.table.owners;
  for (let frame = 0; frame < before.length; frame++) {
    if (after[frame] !== before[frame]) throw new Error(`${what} changed the owner of frame ${frame} from ${before[frame]} to ${after[frame]}`);
  }
}

/** Messages for each guest, and that no guest got anything else. */
export function expectInboxes(host: InlineHost, expected: ReadonlyArray<ReadonlyArray<HostToGuest>>): HostToGuest[][] {
  const inboxes = host.takeInboxes();
  expect(inboxes).toHaveLength(expected.length);
  for (let index = 0; index < expected.length; index++) expect(inboxes[index], `inbox of guest ${index}`).toEqual(expected[index]);
  return inboxes;
}
