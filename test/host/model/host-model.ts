/**
 * The sequential model of the host's frame handling that the model-based
 * test (test/host/hypervisor.model.test.ts) compares the real host with after
 * every command (host-comparison.ts): every frame's value in the table, which
 * pool (or the manager's transit) holds each free frame, and each guest's
 * owned, balloon and target pages, violations, grants waiting for frames and
 * messages waiting for the next tick.
 */
import { expect } from 'vitest';
import { freeOwnerOfShard, isFreeOwner, OWNER_HYPERVISOR, ownerIdOfGuest } from '../../../src/host/owners.js';
import type { GrantPurpose, SetTargetMessage } from '../../../src/messages/protocol.js';
import type { TargetSize } from '../../../src/model/scenario.js';
import type { InlineHost } from '../../support/inline-host.js';
import { FRAME_BYTES, type HostSetup } from './host-setup.js';

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
  if (!(runs instanceof Int32Array)) expect(runs, what).toBeInstanceOf(Int32Array);
  if (runs.length % 2 !== 0) throw new Error(`${what}: runs of odd length ${runs.length}`);
  const frames: number[] = [];
  for (let i = 0; i < runs.length; i += 2) {
    const count = runs[i + 1]!;
    if (!(count >= 1)) throw new Error(`${what}: a run of ${count} frames`);
    for (let k = 0; k < count; k++) frames.push(runs[i]! + k);
  }
  return frames;
}

