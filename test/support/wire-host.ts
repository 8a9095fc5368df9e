/**
 * The wire fuzzer's only contact with the host (test/fuzz/wire-*.ts): a run
 * of real honest guests next to "puppet" guests whose outboxes are raw words
 * from the fuzzer, and the few questions the fuzzer asks the host. Every call
 * into src/host goes through this file, so that when the host's API changes
 * a few lines here re-point the fuzzer: chiefly `deliverGuestWords`, which
 * hands a puppet's words to the real wire decoder and its device side, and
 * `snapshotOwnership`.
 *
 * The host is InlineHost (the memory manager and every guest's device side
 * on one thread, as the lockstep runner composes them), audited by
 * WorldAuditor. Each tick the host opens the tick (the manager's orders,
 * waiting grants), honest guests step on their inboxes and their outboxes
 * cross the wire as in a run (OutboxWire, then unpackOutbox); a puppet's
 * words go through unpackOutbox alone, as a guest thread's would.
 */
import type { SteppingGuest } from '../../src/faults/throwing-guest.js';
import { PageState } from '../../src/guest/page-state.js';
import { Counter, GuestSharedViews, NO_FRAME, wordOfFrame } from '../../src/guest/shared-memory.js';
import { hostRefusesSinglePage } from '../../src/host/device/vmware-refusals.js';
import { freeOwnerOfShard, guestIndexOfOwner, isFreeOwner, OWNER_FREE, OWNER_HYPERVISOR, SHARDS_MAX } from '../../src/host/owners.js';
import type { GuestToHost, HostToGuest } from '../../src/messages/protocol.js';
import type { GuestInit } from '../../src/messages/runtime.js';
import { createGuestActor } from '../../src/runtime/guest-factory.js';
import { unpackOutbox } from '../../src/runtime/wire-codec.js';
import type { Scenario } from '../../src/model/scenario.js';
import { deriveSeed } from '../../src/util/random.js';
import { InlineHost } from './inline-host.js';
import { WorldAuditor } from './lockstep.js';

/** Owner of a frame in a snapshot: a guest's index, or one of these. */
export const FREE = -1;
export const HYPERVISOR = -2;

export interface WireRun {
  readonly scenario: Scenario;
  /** Frames in the host's table. */
  readonly frames: number;
  readonly guests: number;
  readonly puppets: ReadonlySet<number>;
  readonly host: InlineHost;
  readonly actors: ReadonlyArray<SteppingGuest | null>;
  readonly auditor: WorldAuditor;
  readonly shared: ReadonlyArray<GuestSharedViews>;
  inboxes: HostToGuest[][];
  tick: number;
}

/** Boots a run; `puppets` are guests without an actor, whose outboxes come from `deliverGuestWords` alone. */
export function startWireRun(scenario: Scenario, puppets: ReadonlySet<number>): WireRun {
  const shared = scenario.guests.map((spec) => GuestSharedViews.allocate(Math.floor(spec.maxMemoryBytes / scenario.frameBytes)));
  const host = new InlineHost(scenario, { shared });
  const actors = scenario.guests.map((spec, index) => {
    if (puppets.has(index)) return null;
    const init: GuestInit = { index, spec, tickMs: scenario.tickMs, frameBytes: scenario.frameBytes, seed: deriveSeed(scenario.seed, 'guest', spec.name), shared: shared[index]!.buffers };
    return createGuestActor(init);
  });
  host.boot();
  return { scenario, frames: host.frames, guests: scenario.guests.length, puppets, host, actors, auditor: new WorldAuditor(host, shared), shared, inboxes: [], tick: -1 };
}

/** Opens tick `tick` (closing the last): the manager's orders, then every guest's inbox is taken (a puppet's is left for `takeReplies`). */
export function beginTick(run: WireRun, tick: number): void {
  run.tick = tick;
  for (const index of run.host.beginTick(tick)) {
    run.actors[index]?.stop();
    run.shared[index]!.tearDown();
  }
  run.inboxes = run.host.manager.records.map((record) => (run.puppets.has(record.index) ? [] : run.host.devices.takeInbox(record.index)));
}

/** An honest guest steps on its inbox; returns its outbox (valid until its next step). */
export function stepHonestGuest(run: WireRun, index: number): GuestToHost[] {
  const actor = run.actors[index];
  if (actor === null || actor === undefined) throw new Error(`stepHonestGuest: guest ${index} is a puppet`);
  return actor.step(run.tick, run.inboxes[index] ?? []);
}

/** An honest guest's outbox across the wire (packed by an OutboxWire, unpacked) to its device side. */
export function deliverHonest(run: WireRun, index: number, outbox: ReadonlyArray<GuestToHost>): void {
  run.host.handleOutbox(index, outbox);
}

/** A guest's packed outbox (any words at all) through the real wire decoder to its device side. Returns the decoded messages. */
export function deliverGuestWords(run: WireRun, index: number, words: Int32Array): ReturnType<typeof unpackOutbox> {
  const messages = unpackOutbox(words);
  run.host.devices.handle(index, messages);
  return messages;
}

/** The host's answers to a puppet since the last call (taken: a puppet reads its inbox this way, or never). */
export function takeReplies(run: WireRun, index: number): HostToGuest[] {
  if (!run.puppets.has(index)) throw new Error(`takeReplies: guest ${index} is not a puppet; honest guests read their inboxes when they step`);
  return run.host.devices.takeInbox(index);
}

/** Whether the host would decline `frame` in release `id` of a guest whose host may refuse single pages (VMware). */
export function hostDeclines(frame: number, id: number): boolean {
  return hostRefusesSinglePage(frame, id);
}

/**
 * Who owns each frame: a guest's index, FREE (held by a pool, transit or
 * nobody) or HYPERVISOR. Taken twice for every delivery of the puppet's words,
 * over the whole table: the common values are told apart inline (a guest's
 * owner id is its index plus one; free values are 0 and the pools' -2 and
 * below, owners.ts), the rest by the owners module.
 */
export function snapshotOwnership(run: WireRun): Int32Array {
  // Wider than the table's owners: the values written back need not fit 16 bits.
  const snapshot = Int32Array.from(run.host.table.owners);
  const guests = run.guests;
  // Imported constants in locals: under vitest every read of an import is a property read (a getter).
  const free = FREE;
  const ownerFree = OWNER_FREE;
  const poolsEnd = -2 - SHARDS_MAX;
  for (let frame = 0; frame < snapshot.length; frame++) {
    const value = snapshot[frame]!;
    if (value >= 1 && value <= guests) snapshot[frame] = value - 1;
    else if (value === ownerFree || (value <= -2 && value > poolsEnd)) snapshot[frame] = free;
    else snapshot[frame] = rareOwner(value, frame, guests);
  }
  return snapshot;
}

/** snapshotOwnership's value for a frame that is neither a guest's nor OWNER_FREE: a pool's, the hypervisor's, or invalid. */
function rareOwner(value: number, frame: number, guests: number): number {
  const guest = guestIndexOfOwner(value);
  if (guest >= 0 && guest < guests) return guest;
  if (isFreeOwner(value)) return FREE;
  if (value === OWNER_HYPERVISOR) return HYPERVISOR;
  throw new Error(`snapshotOwnership: frame ${frame} has an invalid owner value ${value}`);
}

/** Whether `frame` is marked free in the pool of `guest`'s shard (where a frame the guest gives back must go). */
export function inPoolOf(run: WireRun, guest: number, frame: number): boolean {
  return run.host.table.ownerOf(frame) === freeOwnerOfShard(run.host.shardOf(guest));
}

/** What the host holds against a guest, as far as the fuzzer's oracle needs it. */
export interface GuestFacts {
  alive: boolean;
  violations: number;
  quarantined: boolean;
  quarantinedMessages: number;
  /** Balloon pages a deflate or an OOM deflate may take. */
  deflatablePages: number;
  /** Guest memory with neither a frame nor a balloon page behind it (what a first touch may ask for). */
  unbackedPages: number;
  /** Host swap slots a swap-in may ask for, the slots it holds, and swap-in frames it may give back. */
  swapInablePages: number;
  hostSwapPages: number;
  returnableSwapInFrames: number;
  /** Sampling periods open, and the last one dropped unanswered. */
  openSamples: number;
  sampleDroppedId: number;
  /** Whether a pageOut is open. */
  pageOutOpen: boolean;
  /** How the guest may grow, its plugged pages and its room to plug more. */
  growth: 'reserved' | 'hotplug' | 'virtio-mem';
  pluggedPages: number;
  plugRoom: number;
}

export function guestFacts(run: WireRun, index: number): GuestFacts {
  const account = run.host.devices.device(index).account;
  return {
    alive: account.alive,
    violations: account.protocolViolations,
    quarantined: account.quarantined,
    quarantinedMessages: account.quarantinedMessages,
    deflatablePages: account.deflatablePages,
    unbackedPages: account.unbackedPages,
    swapInablePages: account.swapInablePages,
    hostSwapPages: account.hostSwapPages,
    returnableSwapInFrames: account.hostSwappedInPages - account.hostSwapReturnedFrames,
    openSamples: account.activeSampleAsked.length,
    sampleDroppedId: account.activeSampleDroppedId,
    pageOutOpen: account.pageOutAsked !== null,
    growth: account.growthKind,
    pluggedPages: account.memoryPages - account.bootPages,
    plugRoom: account.pages - account.memoryPages,
  };
}

/** The quarantine policy: violations after which a guest is quarantined (0: never). */
export function quarantineAfter(run: WireRun): number {
  return run.scenario.host.quarantineAfterViolations ?? 0;
}

function comparable(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (ArrayBuffer.isView(item) ? Array.from(item as Int32Array) : item));
}

/** What the host holds about every guest but `except` (device accounts) and every pool but its shard's, as text to compare before and after a delivery. */
export function othersState(run: WireRun, except: number): string {
  const devices = run.host.devices;
  const shard = run.host.shardOf(except);
  return comparable({
    accounts: devices.guestIndexes.filter((index) => index !== except).map((index) => devices.device(index).account),
    pools: devices.pools.filter((pool) => pool.shard !== shard).map((pool) => [pool.shard, pool.size, pool.untouchedFrames]),
  });
}

/**
 * A puppet has no guest memory of its own, so before an audit its shared
 * views are made to say exactly what the host holds for it (its inbox is
 * read and dropped, as a guest reads its inbox): its frames mapped by free
 * pages, the rest of its memory in the balloon, the rest of its address
 * space unpopulated. What the audit then checks of it is the host's side:
 * the table against the device's account and the pools, conservation, host
 * swap, plugged memory. Returns what cannot be mirrored (a puppet that owns
 * more frames than it has memory).
 */
function mirrorPuppets(run: WireRun): string[] {
  const problems: string[] = [];
  const owners = run.host.table.owners;
  for (const index of run.puppets) {
    run.host.devices.takeInbox(index);
    const account = run.host.devices.device(index).account;
    const views = run.shared[index]!;
    const frames: number[] = [];
    for (let frame = 0; frame < owners.length; frame++) if (owners[frame] === account.ownerId) frames.push(frame);
    if (frames.length > account.memoryPages) problems.push(`guest ${account.name} owns ${frames.length} frames, it has ${account.memoryPages} pages of memory`);
    const mapped = Math.min(frames.length, account.memoryPages);
    views.mapWords.fill(wordOfFrame(NO_FRAME));
    for (let page = 0; page < mapped; page++) views.setFrameAt(page, frames[page]!);
    views.pageState.fill(PageState.FREE, 0, mapped);
    views.pageState.fill(PageState.BALLOON, mapped, account.memoryPages);
    views.pageState.fill(PageState.UNPOPULATED, account.memoryPages);
    views.counters.fill(0);
    views.counters[PageState.FREE] = mapped;
    views.counters[PageState.BALLOON] = account.memoryPages - mapped;
    views.counters[PageState.UNPOPULATED] = account.pages - account.memoryPages;
    views.counters[Counter.MAPPED] = mapped;
    views.counters[Counter.HOST_SWAP_SLOTS] = account.hostSwapPages;
  }
  return problems;
}

/** Closes the tick and audits the run in full (every frame, page and pool); returns the first findings, empty when clean. */
export function audit(run: WireRun): string[] {
  const problems = mirrorPuppets(run);
  if (problems.length > 0) return problems;
  const before = run.auditor.result.firstViolations.length;
  const violations = run.auditor.full((run.tick + 1) * run.scenario.tickMs);
  return violations === 0 ? [] : run.auditor.result.firstViolations.slice(before, before + 5);
}

/**
 * The honest guests' results: their own reports, their device sides'
 * accounts and the manager's decisions about them, as text. One more tick is
 * opened and closed first, with no guest stepping: grants that waited for
 * frames (a pool the puppet drained) get them then, before the guests would
 * next step, so that a delay no guest can see does not count as a difference.
 */
export function honestResults(run: WireRun): string {
  beginTick(run, run.tick + 1);
  run.host.endTick();
  return comparable(
    run.actors.flatMap((actor, index) => {
      if (actor === null) return [];
      const record = run.host.manager.records[index]!;
      const decided = { target: record.targetPages, reclaimed: record.reclaimedPages, backPressure: record.backPressurePages, figures: record.device };
      return [{ report: actor.report(), account: run.host.devices.device(index).account, decided }];
    }),
  );
}
