/**
 * Model-based test of the host's frame handling (DESIGN.md, invariants 1, 3,
 * 4, 5 and 6). The hypervisor is driven through its public API exactly as the
 * lockstep runtime drives it (`boot`, then `beginTick`, `handleOutbox(index,
 * messages)` and `takeInboxes`), by guests that are honest, forgetful or
 * hostile, and compared after every command with a sequential model: a map
 * frame -> owner, a free count, and each guest's owned, balloon and target
 * pages and protocol violations.
 *
 * A failure prints the commands as a replay script, with the frame numbers
 * each command resolved to in the failing run, e.g.
 * `release(guest=1, frames=[12,13], unbacked=0)`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameTable } from '../../src/host/frame-table.js';
import { BootError, HOST_PROTOCOL_VERSION, Hypervisor } from '../../src/host/hypervisor.js';
import { FRAMES_PER_MESSAGE_MAX, PAGES_PER_REQUEST_MAX } from '../../src/host/message-checks.js';
import { OWNER_FREE, OWNER_HYPERVISOR, ownerIdOfGuest } from '../../src/host/owners.js';
import type {
  GrantPurpose,
  HostToGuest,
  RefusalReason,
  ReleaseAckMessage,
  StatusMessage,
} from '../../src/messages/protocol.js';
import type { BackingMode, GuestSpec, Scenario, ScenarioEvent, TargetSize } from '../../src/scenario/types.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';
import { fuzzBudgetMs, fuzzCounter } from '../support/fuzz-report.js';

const FRAME_BYTES = 4096;
const TICK_MS = 1000;

// ------------------------------------------------------------------ the host under test

interface GuestSetup {
  maxPages: number;
  bootPages: number;
  kernelPages: number;
  minPages: number;
}

interface HostSetup {
  frames: number;
  reservedFrames: number;
  backing: BackingMode;
  guests: GuestSetup[];
  events: ScenarioEvent[];
}

function guestName(index: number): string {
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

function scenarioOf(setup: HostSetup): Scenario {
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
    },
    guests: setup.guests.map((guest, index) => guestSpec(index, guest)),
    events: setup.events,
  };
}

/** Small hosts (256 to 2048 frames of 4 KiB), 2 to 4 guests whose maxima may overcommit the host, and a few scenario events. */
const hostSetupArb: fc.Arbitrary<HostSetup> = fc
  .record({
    frames: fc.integer({ min: 256, max: 2048 }),
    reservedPercent: fc.integer({ min: 0, max: 10 }),
    backing: fc.constantFrom<BackingMode>('lazy', 'eager'),
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
  .map(({ frames, reservedPercent, backing, guests, events }) => {
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
    return { frames, reservedFrames, backing, guests: guestSetups, events: scenarioEvents };
  });

// ------------------------------------------------------------------ the model

interface GuestModel {
  readonly index: number;
  readonly ownerId: number;
  readonly memoryPages: number;
  readonly minPages: number;
  readonly kernelPages: number;
  alive: boolean;
  owned: number;
  balloon: number;
  target: number;
  violations: number;
  populateShort: number;
  guardRefusals: number;
  lastStatus: StatusMessage | null;
}

interface HostModel {
  readonly setup: HostSetup;
  readonly frames: number;
  /** Every frame's owner. */
  readonly owner: Map<number, number>;
  free: number;
  readonly guests: GuestModel[];
  tick: number;
  nextEvent: number;
  nextId: number;
}

interface HostReal {
  readonly host: Hypervisor;
}

function unbackedOf(guest: GuestModel): number {
  return guest.memoryPages - guest.balloon - guest.owned;
}

function framesOwnedBy(model: HostModel, predicate: (owner: number) => boolean): number[] {
  const frames: number[] = [];
  for (let frame = 0; frame < model.frames; frame++) if (predicate(model.owner.get(frame)!)) frames.push(frame);
  return frames;
}

function pickFrom(list: ReadonlyArray<number>, pick: number): number | undefined {
  return list.length === 0 ? undefined : list[pick % list.length];
}

function clampTarget(guest: GuestModel, pages: number, lowest = guest.minPages): number {
  return Math.max(lowest, Math.min(guest.memoryPages, Math.floor(pages)));
}

function targetPagesOf(guest: GuestModel, target: TargetSize): number {
  return 'bytes' in target ? Math.floor(target.bytes / FRAME_BYTES) : Math.floor((guest.memoryPages * target.percentOfMax) / 100);
}

/**
 * Sets an administrator's target as the host does, guard included: below the
 * guest's floor (the largest of minMemory and its working set: its used
 * pages, never less than its kernel; these guests send no stats or pressure
 * reports) and below its current target, it is refused unless forced; a
 * forced target may go down to 0. Returns the message the guest should get,
 * if any.
 */
function setTargetInModel(guest: GuestModel, pages: number, force = false): HostToGuest | null {
  const asked = Math.min(guest.memoryPages, Math.floor(pages));
  const workingSet = Math.max(guest.kernelPages, guest.lastStatus?.usedPages ?? 0);
  const floor = Math.min(guest.memoryPages, Math.max(guest.minPages, workingSet));
  if (!force && asked < floor && asked < guest.target) {
    guest.guardRefusals++;
    return null;
  }
  const clamped = clampTarget(guest, asked, force ? 0 : guest.minPages);
  if (clamped === guest.target) return null;
  guest.target = clamped;
  return { type: 'setTarget', targetPages: clamped };
}

/** A guest dies: every frame it owned becomes free. */
function crashInModel(model: HostModel, guest: GuestModel): number[] {
  const taken = framesOwnedBy(model, (owner) => owner === guest.ownerId);
  for (const frame of taken) model.owner.set(frame, OWNER_FREE);
  model.free += taken.length;
  guest.owned = 0;
  guest.balloon = 0;
  guest.alive = false;
  return taken;
}

/** Boots the real host, checks the boot messages, and builds the model from what was granted. */
function bootHost(setup: HostSetup): { model: HostModel; real: HostReal } {
  const host = new Hypervisor(scenarioOf(setup));
  const owner = new Map<number, number>();
  for (let frame = 0; frame < setup.frames; frame++) owner.set(frame, frame < setup.reservedFrames ? OWNER_HYPERVISOR : OWNER_FREE);
  const model: HostModel = {
    setup,
    frames: setup.frames,
    owner,
    free: setup.frames - setup.reservedFrames,
    guests: setup.guests.map((guest, index) => ({
      index,
      ownerId: ownerIdOfGuest(index),
      memoryPages: guest.maxPages,
      minPages: guest.minPages,
      kernelPages: guest.kernelPages,
      alive: true,
      owned: 0,
      balloon: guest.maxPages - guest.bootPages,
      target: guest.bootPages,
      violations: 0,
      populateShort: 0,
      guardRefusals: 0,
      lastStatus: null,
    })),
    tick: 0,
    nextEvent: 0,
    nextId: 1,
  };
  expectHostMatches(model, host);
  host.boot();
  const inboxes = host.takeInboxes();
  expect(inboxes).toHaveLength(setup.guests.length);
  for (const guest of model.guests) {
    const spec = setup.guests[guest.index]!;
    const inbox = inboxes[guest.index]!;
    expect(inbox).toHaveLength(1);
    const boot = inbox[0]!;
    if (boot.type !== 'boot') throw new Error(`guest ${guest.index} got ${boot.type} instead of boot`);
    expect(boot.version).toBe(HOST_PROTOCOL_VERSION);
    expect(boot.ownerId).toBe(guest.ownerId);
    expect(boot.targetPages).toBe(spec.bootPages);
    expect(boot.frames).toHaveLength(setup.backing === 'eager' ? spec.bootPages : spec.kernelPages);
    takeGrantedFrames(model, guest, boot.frames, 'boot');
    guest.owned += boot.frames.length;
    model.free -= boot.frames.length;
  }
  expectHostMatches(model, host);
  return { model, real: { host } };
}

/** Granted frames must have been free in the model; they become the guest's. */
function takeGrantedFrames(model: HostModel, guest: GuestModel, frames: Int32Array, what: string): void {
  for (const frame of frames) {
    const before = model.owner.get(frame);
    if (before !== OWNER_FREE) throw new Error(`${what}: frame ${frame} granted to guest ${guest.index} was not free (owner ${before})`);
    model.owner.set(frame, guest.ownerId);
  }
}

/** The whole comparison, after every command. */
function expectHostMatches(model: HostModel, host: Hypervisor): void {
  const table = host.table;
  expect(table.frames).toBe(model.frames);
  // Invariant 1 and the model: every frame has exactly the owner the model says.
  for (let frame = 0; frame < model.frames; frame++) {
    const owner = table.ownerOf(frame);
    if (owner !== model.owner.get(frame)) {
      throw new Error(`frame ${frame}: the table says owner ${owner}, the model ${model.owner.get(frame)}`);
    }
  }
  // Invariant 3: conservation, per owner.
  const counts = table.countOwners();
  expect(counts.get(OWNER_FREE) ?? 0).toBe(model.free);
  expect(counts.get(OWNER_HYPERVISOR) ?? 0).toBe(model.setup.reservedFrames);
  let total = (counts.get(OWNER_FREE) ?? 0) + (counts.get(OWNER_HYPERVISOR) ?? 0);
  for (const guest of model.guests) {
    const account = host.accounts[guest.index]!;
    const owned = counts.get(guest.ownerId) ?? 0;
    total += owned;
    const actual = {
      owned,
      alive: account.alive,
      ownedFrames: account.ownedFrames,
      balloonPages: account.balloonPages,
      targetPages: account.targetPages,
      protocolViolations: account.protocolViolations,
      populateShortPages: account.populateShortPages,
      guardRefusals: account.guardRefusals,
      queuedGrantFrames: account.queuedGrantFrames,
    };
    const wanted: typeof actual = {
      owned: guest.owned,
      alive: guest.alive,
      ownedFrames: guest.owned,
      balloonPages: guest.balloon,
      targetPages: guest.target,
      protocolViolations: guest.violations,
      populateShortPages: guest.populateShort,
      guardRefusals: guest.guardRefusals,
      queuedGrantFrames: 0,
    };
    // Compared field by field first: `expect` is slow in a loop that runs a million times.
    const fields = Object.keys(actual) as Array<keyof typeof actual>;
    if (fields.some((field) => actual[field] !== wanted[field])) expect({ guest: guest.index, ...actual }).toEqual({ guest: guest.index, ...wanted });
    if (account.lastStatus !== guest.lastStatus) expect(account.lastStatus).toEqual(guest.lastStatus);
    if (unbackedOf(guest) < 0 || guest.balloon < 0) throw new Error(`guest ${guest.index}: balloon ${guest.balloon}, unbacked ${unbackedOf(guest)}`);
  }
  for (const [owner] of counts) {
    if (owner !== OWNER_FREE && owner !== OWNER_HYPERVISOR && !model.guests.some((g) => g.ownerId === owner)) {
      throw new Error(`the table holds owner ${owner}, which is no guest`);
    }
  }
  expect(total).toBe(model.frames);
  // The pool holds exactly the free frames, once each.
  // The pool lists the frames given back; those never handed out since boot are a range.
  const range = host.pool.untouched?.() ?? { start: 0, end: 0 };
  const pooled = [...host.pool.contents(), ...Array.from({ length: range.end - range.start }, (_, i) => range.start + i)];
  expect(host.pool.size).toBe(model.free);
  const seen = new Set<number>();
  for (const frame of pooled) {
    if (seen.has(frame)) throw new Error(`frame ${frame} is pooled twice`);
    seen.add(frame);
    if (table.ownerOf(frame) !== OWNER_FREE) throw new Error(`pooled frame ${frame} is owned by ${table.ownerOf(frame)}`);
  }
  // Invariant 4: in sequential use no compare-exchange may fail.
  expect(table.transferFailures).toBe(0);
  expect(host.protocolViolations).toBe(model.guests.reduce((sum, g) => sum + g.violations, 0));
}

function expectTableUnchanged(before: Int32Array, host: Hypervisor, what: string): void {
  const after = host.table.owners;
  for (let frame = 0; frame < before.length; frame++) {
    if (after[frame] !== before[frame]) throw new Error(`${what} changed the owner of frame ${frame} from ${before[frame]} to ${after[frame]}`);
  }
}

// ------------------------------------------------------------------ messages a guest may send

/** Which frame a release names, chosen against the model when the command runs. */
type FrameChoice =
  | { kind: 'own'; pick: number }
  | { kind: 'otherGuest'; pick: number }
  | { kind: 'free'; pick: number }
  | { kind: 'reserved'; pick: number }
  | { kind: 'outOfRange'; value: number }
  | { kind: 'repeat'; pick: number };

type AmountChoice = { kind: 'within'; pick: number } | { kind: 'beyond'; extra: number };

/** What the host must answer to one message. */
type Expectation =
  | { kind: 'releaseAck'; ack: ReleaseAckMessage; accepted: ReadonlySet<number>; refused: ReadonlyArray<number> }
  | { kind: 'grant'; id: number; purpose: GrantPurpose; pagesAsked: number; count: number; unbackedPages: number; shortBecause?: RefusalReason }
  | { kind: 'none' };

interface Prepared {
  message: unknown;
  /** `name(args)` for the replay script, without the guest. */
  name: string;
  args: string;
  expect: Expectation;
}

/** One message of an outbox: builds it against the model and predicts the host's answer, updating the model's counts. */
interface MessagePlan {
  prepare(model: HostModel, guest: GuestModel): Prepared;
  recipe(): string;
}

function listFrames(frames: ArrayLike<number>): string {
  return `[${Array.from(frames).join(',')}]`;
}

function resolveFrame(choice: FrameChoice, model: HostModel, guest: GuestModel, soFar: ReadonlyArray<number>): number {
  const own = () => pickFrom(framesOwnedBy(model, (o) => o === guest.ownerId), choice.kind === 'outOfRange' ? 0 : choice.pick);
  const fallback = model.frames + (choice.kind === 'outOfRange' ? 0 : choice.pick % 7);
  switch (choice.kind) {
    case 'own':
      return own() ?? fallback;
    case 'otherGuest':
      return pickFrom(framesOwnedBy(model, (o) => o >= 1 && o !== guest.ownerId), choice.pick) ?? fallback;
    case 'free':
      return pickFrom(framesOwnedBy(model, (o) => o === OWNER_FREE), choice.pick) ?? fallback;
    case 'reserved':
      return pickFrom(framesOwnedBy(model, (o) => o === OWNER_HYPERVISOR), choice.pick) ?? fallback;
    case 'outOfRange':
      return choice.value < 0 ? choice.value : model.frames + choice.value;
    case 'repeat':
      return pickFrom(soFar, choice.pick) ?? own() ?? fallback;
  }
}

function describeChoice(choice: FrameChoice): string {
  return choice.kind === 'outOfRange' ? `outOfRange(${choice.value})` : `${choice.kind}#${choice.pick}`;
}

class ReleasePlan implements MessagePlan {
  constructor(
    readonly frames: ReadonlyArray<FrameChoice>,
    readonly unbacked: AmountChoice,
  ) {}

  prepare(model: HostModel, guest: GuestModel): Prepared {
    const frames: number[] = [];
    for (const choice of this.frames) frames.push(resolveFrame(choice, model, guest, frames));
    const unbackedBefore = unbackedOf(guest);
    const unbackedPages =
      this.unbacked.kind === 'within'
        ? this.unbacked.pick % (unbackedBefore + 1)
        : Math.min(PAGES_PER_REQUEST_MAX, unbackedBefore + 1 + this.unbacked.extra);
    const id = model.nextId++;
    const message = { type: 'release' as const, id, frames: Int32Array.from(frames), unbackedPages };
    const args = `frames=${listFrames(frames)}, unbacked=${unbackedPages}`;
    // The host's rules (hypervisor.ts handleRelease), in message order.
    const accepted = new Set<number>();
    const refused: number[] = [];
    let refusedBecause: RefusalReason | undefined;
    for (const frame of frames) {
      let reason: RefusalReason | null = null;
      if (frame < 0 || frame >= model.frames) reason = 'out-of-range';
      else if (accepted.has(frame)) reason = 'repeated';
      else if (model.owner.get(frame) !== guest.ownerId) reason = 'not-owned';
      if (reason === null) {
        accepted.add(frame);
        continue;
      }
      refused.push(frame);
      refusedBecause ??= reason;
    }
    if (!guest.alive) return { message, name: 'release', args, expect: { kind: 'none' } };
    if (refused.length > 0) guest.violations++;
    for (const frame of accepted) model.owner.set(frame, OWNER_FREE);
    model.free += accepted.size;
    guest.owned -= accepted.size;
    guest.balloon += accepted.size;
    let acceptedUnbacked = unbackedPages;
    if (unbackedPages > unbackedOf(guest)) {
      guest.violations++;
      acceptedUnbacked = 0;
      refusedBecause ??= 'over-limit';
    }
    guest.balloon += acceptedUnbacked;
    const ack: ReleaseAckMessage = {
      type: 'releaseAck',
      id,
      acceptedFrames: accepted.size,
      refusedFrames: new Int32Array(0),
      invalidFrames: refused.length,
      acceptedUnbackedPages: acceptedUnbacked,
      ...(refusedBecause !== undefined ? { refusedBecause } : {}),
    };
    return { message, name: 'release', args, expect: { kind: 'releaseAck', ack, accepted, refused } };
  }

  recipe(): string {
    const unbacked = this.unbacked.kind === 'within' ? `within#${this.unbacked.pick}` : `beyond+${this.unbacked.extra}`;
    return `release(frames=[${this.frames.map(describeChoice).join(',')}], unbacked=${unbacked})`;
  }
}

class RequestPlan implements MessagePlan {
  constructor(
    readonly purpose: GrantPurpose,
    readonly amount: AmountChoice,
    /** For a deflate: frames back, or pages back unbacked (a first-touch request always wants frames). */
    readonly withFrames: boolean,
  ) {}

  prepare(model: HostModel, guest: GuestModel): Prepared {
    const entitled = this.purpose === 'deflate' ? guest.balloon : unbackedOf(guest);
    const pages =
      this.amount.kind === 'within'
        ? 1 + (this.amount.pick % Math.max(1, entitled))
        : Math.min(PAGES_PER_REQUEST_MAX, entitled + 1 + this.amount.extra);
    const withFrames = this.purpose === 'populate' || this.withFrames;
    const id = model.nextId++;
    const message = { type: 'request' as const, id, purpose: this.purpose, pages, withFrames };
    const args = `${this.purpose}, pages=${pages}${this.purpose === 'deflate' ? `, withFrames=${withFrames}` : ''}`;
    if (!guest.alive) return { message, name: 'request', args, expect: { kind: 'none' } };
    const base = { kind: 'grant' as const, id, purpose: this.purpose, pagesAsked: pages };
    if (pages > entitled) {
      guest.violations++;
      return { message, name: 'request', args, expect: { ...base, count: 0, unbackedPages: 0, shortBecause: 'over-limit' } };
    }
    if (!withFrames) {
      // The pages leave the balloon unbacked; no frame moves.
      guest.balloon -= pages;
      return { message, name: 'request', args, expect: { ...base, count: 0, unbackedPages: pages } };
    }
    const count = Math.min(pages, model.free);
    model.free -= count;
    guest.owned += count;
    if (this.purpose === 'deflate') guest.balloon -= count;
    else guest.populateShort += pages - count;
    return {
      message,
      name: 'request',
      args,
      expect: { ...base, count, unbackedPages: 0, ...(count < pages ? { shortBecause: 'host-busy' as const } : {}) },
    };
  }

  recipe(): string {
    const amount = this.amount.kind === 'within' ? `within#${this.amount.pick}` : `beyond+${this.amount.extra}`;
    return `request(${this.purpose}, ${amount}${this.purpose === 'deflate' ? `, withFrames=${this.withFrames}` : ''})`;
  }
}

class StatusPlan implements MessagePlan {
  constructor(readonly status: StatusMessage) {}

  prepare(_model: HostModel, guest: GuestModel): Prepared {
    if (guest.alive) guest.lastStatus = this.status;
    const { balloonPages, usedPages, freePages } = this.status;
    return { message: { ...this.status }, name: 'status', args: `balloon=${balloonPages}, used=${usedPages}, free=${freePages}`, expect: { kind: 'none' } };
  }

  recipe(): string {
    return `status(balloon=${this.status.balloonPages}, used=${this.status.usedPages}, free=${this.status.freePages})`;
  }
}

/** Messages the host must refuse whole, whatever frames they name: each is a violation and changes nothing. */
const MALFORMED: ReadonlyArray<{ name: string; build: (own: number[], id: number) => unknown }> = [
  { name: 'null', build: () => null },
  { name: 'a number', build: () => 42 },
  { name: 'a string', build: () => 'release' },
  { name: 'a plain array of frames', build: (own) => own },
  { name: 'a bare Int32Array of frames', build: (own) => Int32Array.from(own) },
  { name: 'an object without type', build: (own, id) => ({ id, frames: Int32Array.from(own), unbackedPages: 0 }) },
  { name: 'an unknown type', build: (own, id) => ({ type: 'steal', id, frames: Int32Array.from(own), unbackedPages: 0 }) },
  { name: 'a host message (grant)', build: (own, id) => ({ type: 'grant', id, purpose: 'deflate', pagesAsked: own.length, frames: Int32Array.from(own) }) },
  { name: 'a host message (boot)', build: (own) => ({ type: 'boot', version: 1, ownerId: 1, frames: Int32Array.from(own), targetPages: 1 }) },
  { name: 'release with frames as a plain array', build: (own, id) => ({ type: 'release', id, frames: own, unbackedPages: 0 }) },
  { name: 'release with frames as a Uint32Array', build: (own, id) => ({ type: 'release', id, frames: Uint32Array.from(own), unbackedPages: 0 }) },
  { name: 'release with frames as a Float64Array', build: (own, id) => ({ type: 'release', id, frames: Float64Array.from(own), unbackedPages: 0 }) },
  { name: 'release with frames null', build: (_own, id) => ({ type: 'release', id, frames: null, unbackedPages: 0 }) },
  { name: 'release without frames', build: (_own, id) => ({ type: 'release', id, unbackedPages: 0 }) },
  { name: 'release without id', build: (own) => ({ type: 'release', frames: Int32Array.from(own), unbackedPages: 0 }) },
  { name: 'release with a negative id', build: (own) => ({ type: 'release', id: -1, frames: Int32Array.from(own), unbackedPages: 0 }) },
  { name: 'release with a string id', build: (own, id) => ({ type: 'release', id: String(id), frames: Int32Array.from(own), unbackedPages: 0 }) },
  { name: 'release with an unsafe id', build: (own) => ({ type: 'release', id: 2 ** 53, frames: Int32Array.from(own), unbackedPages: 0 }) },
  { name: 'release without unbackedPages', build: (own, id) => ({ type: 'release', id, frames: Int32Array.from(own) }) },
  { name: 'release with negative unbackedPages', build: (own, id) => ({ type: 'release', id, frames: Int32Array.from(own), unbackedPages: -1 }) },
  { name: 'release with fractional unbackedPages', build: (own, id) => ({ type: 'release', id, frames: Int32Array.from(own), unbackedPages: 0.5 }) },
  { name: 'release with NaN unbackedPages', build: (own, id) => ({ type: 'release', id, frames: Int32Array.from(own), unbackedPages: Number.NaN }) },
  {
    name: 'release with unbackedPages over the limit',
    build: (own, id) => ({ type: 'release', id, frames: Int32Array.from(own), unbackedPages: PAGES_PER_REQUEST_MAX + 1 }),
  },
  {
    name: `release of ${FRAMES_PER_MESSAGE_MAX + 1} frames`,
    build: (own, id) => {
      const frames = new Int32Array(FRAMES_PER_MESSAGE_MAX + 1);
      for (let i = 0; i < frames.length; i++) frames[i] = own.length > 0 ? own[i % own.length]! : 0;
      return { type: 'release', id, frames, unbackedPages: 0 };
    },
  },
  { name: 'request with an unknown purpose', build: (_own, id) => ({ type: 'request', id, purpose: 'steal', pages: 1, withFrames: true }) },
  { name: 'request without purpose', build: (_own, id) => ({ type: 'request', id, pages: 1, withFrames: true }) },
  { name: 'request without id', build: () => ({ type: 'request', purpose: 'populate', pages: 1, withFrames: true }) },
  { name: 'request for 0 pages', build: (_own, id) => ({ type: 'request', id, purpose: 'deflate', pages: 0, withFrames: true }) },
  { name: 'request for -3 pages', build: (_own, id) => ({ type: 'request', id, purpose: 'populate', pages: -3, withFrames: true }) },
  { name: 'request for 1.5 pages', build: (_own, id) => ({ type: 'request', id, purpose: 'populate', pages: 1.5, withFrames: true }) },
  { name: 'request for NaN pages', build: (_own, id) => ({ type: 'request', id, purpose: 'deflate', pages: Number.NaN, withFrames: true }) },
  { name: 'request for "3" pages', build: (_own, id) => ({ type: 'request', id, purpose: 'deflate', pages: '3', withFrames: true }) },
  {
    name: 'request over the limit',
    build: (_own, id) => ({ type: 'request', id, purpose: 'populate', pages: PAGES_PER_REQUEST_MAX + 1, withFrames: true }),
  },
  { name: 'request without withFrames', build: (_own, id) => ({ type: 'request', id, purpose: 'deflate', pages: 1 }) },
  { name: 'request with withFrames "yes"', build: (_own, id) => ({ type: 'request', id, purpose: 'deflate', pages: 1, withFrames: 'yes' }) },
  { name: 'first-touch request that wants no frames', build: (_own, id) => ({ type: 'request', id, purpose: 'populate', pages: 1, withFrames: false }) },
  { name: 'status with negative freePages', build: () => ({ type: 'status', balloonPages: 0, usedPages: 0, freePages: -1 }) },
  { name: 'status without usedPages', build: () => ({ type: 'status', balloonPages: 0, freePages: 0 }) },
  // Host memory management: frames handed over that no one asked for, and answers to no question.
  { name: 'pagedOut that answers no pageOut', build: (own, id) => ({ type: 'pagedOut', id, frames: Int32Array.from(own) }) },
  { name: 'pagedOut with frames as a plain array', build: (own, id) => ({ type: 'pagedOut', id, frames: own }) },
  { name: 'hostSwapRelease of frames never granted for a swap-in', build: (own) => ({ type: 'hostSwapRelease', discardedPages: 0, readPages: 0, frames: Int32Array.from(own.length > 0 ? own : [0]) }) },
  { name: 'hostSwapRelease of slots it does not hold', build: () => ({ type: 'hostSwapRelease', discardedPages: 1, readPages: 0, frames: new Int32Array(0) }) },
  { name: 'unplug from a guest without plugged memory', build: (own, id) => ({ type: 'unplug', id, frames: Int32Array.from(own), unbackedPages: 0 }) },
  { name: 'activeSample that answers no sampling request', build: (_own, id) => ({ type: 'activeSample', id, sampledPages: 1, touchedPages: 1 }) },
  { name: 'activeSample with more touched than sampled', build: (_own, id) => ({ type: 'activeSample', id, sampledPages: 1, touchedPages: 2 }) },
];

class MalformedPlan implements MessagePlan {
  constructor(
    readonly variant: number,
    readonly pick: number,
  ) {}

  prepare(model: HostModel, guest: GuestModel): Prepared {
    const { name, build } = MALFORMED[this.variant % MALFORMED.length]!;
    // Up to three of the guest's own frames, so that "refused whole" is visible in the table.
    const owned = framesOwnedBy(model, (o) => o === guest.ownerId);
    const own = owned.length === 0 ? [] : [0, 1, 2].map((k) => owned[(this.pick + k) % owned.length]!);
    const message = build(own, model.nextId++);
    if (guest.alive) guest.violations++;
    return { message, name: 'malformed', args: `${JSON.stringify(name)}, own=${listFrames(own)}`, expect: { kind: 'none' } };
  }

  recipe(): string {
    return `malformed(${JSON.stringify(MALFORMED[this.variant % MALFORMED.length]!.name)})`;
  }
}

// ------------------------------------------------------------------ commands

type HostCommand = fc.Command<HostModel, HostReal>;

/** Messages for each guest, and that no guest got anything else. */
function expectInboxes(host: Hypervisor, expected: ReadonlyArray<ReadonlyArray<HostToGuest>>): HostToGuest[][] {
  const inboxes = host.takeInboxes();
  expect(inboxes).toHaveLength(expected.length);
  for (let index = 0; index < expected.length; index++) expect(inboxes[index], `inbox of guest ${index}`).toEqual(expected[index]);
  return inboxes;
}

/** One guest's outbox of one tick, handled by `handleOutbox` as the runtime does. Messages that name frames come before requests (see the comment in `run`). */
class OutboxCommand implements HostCommand {
  private script = '';

  constructor(
    readonly guestPick: number,
    readonly plans: ReadonlyArray<MessagePlan>,
  ) {}

  check(): boolean {
    return true;
  }

  run(model: HostModel, real: HostReal): void {
    const host = real.host;
    const guest = model.guests[this.guestPick % model.guests.length]!;
    const before = host.table.owners.slice();
    const violationsBefore = host.protocolViolations;
    // Plans are prepared in order against the model as the host will have
    // changed it. The model cannot know which frames a request is granted
    // until the answer comes, so generated outboxes put requests last; a
    // release naming a frame granted earlier in the same outbox is covered
    // across commands instead.
    const prepared = this.plans.map((plan) => plan.prepare(model, guest));
    this.script = this.describe(guest.index, prepared);
    host.handleOutbox(guest.index, prepared.map((p) => p.message));
    const inbox = host.takeInboxes();
    for (let index = 0; index < inbox.length; index++) {
      if (index !== guest.index) expect(inbox[index], `inbox of guest ${index}`).toEqual([]);
    }
    const replies = inbox[guest.index]!;
    const expected = prepared.filter((p) => p.expect.kind !== 'none');
    expect(replies.map((r) => r.type)).toEqual(expected.map((p) => (p.expect.kind === 'grant' ? 'grant' : 'releaseAck')));
    const grantedInOutbox = new Set<number>();
    const releasedInOutbox = new Set<number>();
    const refusedInOutbox = new Set<number>();
    expected.forEach((p, i) => {
      const reply = replies[i]!;
      const want = p.expect;
      if (want.kind === 'releaseAck') {
        expect(reply).toEqual(want.ack);
        for (const frame of want.accepted) {
          if (before[frame] !== guest.ownerId && !grantedInOutbox.has(frame)) {
            throw new Error(`frame ${frame} was accepted from guest ${guest.index} but was owned by ${before[frame]}`);
          }
          releasedInOutbox.add(frame);
        }
        for (const frame of want.refused) refusedInOutbox.add(frame);
      } else if (want.kind === 'grant') {
        if (reply.type !== 'grant') throw new Error(`expected a grant, got ${reply.type}`);
        const got = { id: reply.id, purpose: reply.purpose, pagesAsked: reply.pagesAsked, frames: reply.frames.length, unbackedPages: reply.unbackedPages, shortBecause: reply.shortBecause };
        expect(got).toEqual({
          id: want.id,
          purpose: want.purpose,
          pagesAsked: want.pagesAsked,
          frames: want.count,
          unbackedPages: want.unbackedPages,
          shortBecause: want.shortBecause,
        });
        expect(reply.frames).toBeInstanceOf(Int32Array);
        for (const frame of reply.frames) {
          // Free before this outbox, or given back earlier in it.
          if (before[frame] !== OWNER_FREE && !releasedInOutbox.has(frame)) {
            throw new Error(`granted frame ${frame} was not free before (owner ${before[frame]})`);
          }
          if (grantedInOutbox.has(frame)) throw new Error(`frame ${frame} granted twice in one outbox`);
          grantedInOutbox.add(frame);
        }
        takeGrantedFrames(model, guest, reply.frames, `grant ${reply.id}`);
      }
    });
    // A refused frame keeps its owner, unless the outbox also gave it back (the
    // same message, a 'repeated' refusal, or another one) or a request of the
    // outbox was granted it.
    for (const frame of refusedInOutbox) {
      if (frame < 0 || frame >= model.frames || releasedInOutbox.has(frame) || grantedInOutbox.has(frame)) continue;
      if (host.table.ownerOf(frame) !== before[frame]) {
        throw new Error(`refused frame ${frame} changed owner from ${before[frame]} to ${host.table.ownerOf(frame)}`);
      }
    }
    const changedOwner = prepared.some((p) => (p.expect.kind === 'releaseAck' && p.expect.accepted.size > 0) || (p.expect.kind === 'grant' && p.expect.count > 0));
    if (!changedOwner) expectTableUnchanged(before, host, 'a refused, malformed or ignored outbox');
    if (!guest.alive) expect(host.protocolViolations, 'a dead guest is not heard').toBe(violationsBefore);
    expectHostMatches(model, host);
  }

  private describe(index: number, prepared: ReadonlyArray<Prepared>): string {
    if (prepared.length === 1) return `${prepared[0]!.name}(guest=${index}, ${prepared[0]!.args})`;
    return `outbox(guest=${index}, ${prepared.map((p) => `${p.name}(${p.args})`).join(', ')})`;
  }

  toString(): string {
    return this.script !== '' ? this.script : `outbox(guest#${this.guestPick}, ${this.plans.map((p) => p.recipe()).join(', ')})`;
  }

  [fc.cloneMethod](): OutboxCommand {
    return new OutboxCommand(this.guestPick, this.plans);
  }
}

class CrashCommand implements HostCommand {
  private script = '';

  constructor(readonly guestPick: number) {}

  check(): boolean {
    return true;
  }

  run(model: HostModel, real: HostReal): void {
    const guest = model.guests[this.guestPick % model.guests.length]!;
    this.script = `crash(guest=${guest.index})`;
    const owned = guest.alive ? crashInModel(model, guest) : [];
    real.host.crash(guest.index, 'model test');
    for (const frame of owned) {
      if (real.host.table.ownerOf(frame) !== OWNER_FREE) throw new Error(`crash: frame ${frame} of guest ${guest.index} was not taken back`);
    }
    expectInboxes(real.host, model.guests.map(() => []));
    expectHostMatches(model, real.host);
  }

  toString(): string {
    return this.script !== '' ? this.script : `crash(guest#${this.guestPick})`;
  }

  [fc.cloneMethod](): CrashCommand {
    return new CrashCommand(this.guestPick);
  }
}

class SetTargetCommand implements HostCommand {
  private script = '';

  constructor(
    readonly guestPick: number,
    readonly target: TargetSize,
    readonly force: boolean,
  ) {}

  /** Live guests only: see the example about dead guests below. */
  check(model: Readonly<HostModel>): boolean {
    return model.guests[this.guestPick % model.guests.length]!.alive;
  }

  run(model: HostModel, real: HostReal): void {
    const guest = model.guests[this.guestPick % model.guests.length]!;
    this.script = `setTargetOf(guest=${guest.index}, ${JSON.stringify(this.target)}${this.force ? ', force' : ''})`;
    const valid = 'bytes' in this.target ? Number.isFinite(this.target.bytes) && this.target.bytes >= 0 : this.target.percentOfMax > 0 && this.target.percentOfMax <= 100;
    if (!valid) {
      // An impossible target is refused with an error that names the function, and changes nothing.
      expect(() => real.host.setTargetOf(guest.index, this.target, 'model test')).toThrow(/^Hypervisor\.setTargetOf: /);
      expectInboxes(real.host, model.guests.map(() => []));
      expectHostMatches(model, real.host);
      return;
    }
    const message = setTargetInModel(guest, targetPagesOf(guest, this.target), this.force);
    real.host.setTargetOf(guest.index, this.target, 'model test', { force: this.force });
    expectInboxes(real.host, model.guests.map((g) => (g === guest && message !== null ? [message] : [])));
    expectHostMatches(model, real.host);
  }

  toString(): string {
    return this.script !== '' ? this.script : `setTargetOf(guest#${this.guestPick}, ${JSON.stringify(this.target)}${this.force ? ', force' : ''})`;
  }

  [fc.cloneMethod](): SetTargetCommand {
    return new SetTargetCommand(this.guestPick, this.target, this.force);
  }
}

/** The next tick: due scenario events (set targets, crashes) and the policy. */
class TickCommand implements HostCommand {
  private script = '';

  check(): boolean {
    return true;
  }

  run(model: HostModel, real: HostReal): void {
    const tick = model.tick++;
    this.script = `tick(${tick})`;
    const nowMs = tick * TICK_MS;
    const expectedInboxes: HostToGuest[][] = model.guests.map(() => []);
    const expectedCrashed: number[] = [];
    const events = model.setup.events;
    while (model.nextEvent < events.length && events[model.nextEvent]!.atMs <= nowMs) {
      const event = events[model.nextEvent++]!;
      if (event.kind !== 'crash' && event.kind !== 'setTarget') throw new Error(`the model has no ${event.kind} events`);
      const guest = model.guests.find((g) => guestName(g.index) === event.guest)!;
      if (!guest.alive) continue;
      if (event.kind === 'crash') {
        crashInModel(model, guest);
        expectedInboxes[guest.index] = [];
        expectedCrashed.push(guest.index);
      } else {
        // Out-of-range percentages in hand-built events are brought into 0..100.
        const percent = 'percentOfMax' in event.target ? Math.min(100, Math.max(0, event.target.percentOfMax)) : null;
        const pages = percent === null ? targetPagesOf(guest, event.target) : targetPagesOf(guest, { percentOfMax: percent });
        const message = setTargetInModel(guest, pages, event.force === true);
        if (message !== null) expectedInboxes[guest.index]!.push(message);
      }
    }
    expect(real.host.beginTick(tick)).toEqual(expectedCrashed);
    expectInboxes(real.host, expectedInboxes);
    expectHostMatches(model, real.host);
  }

  toString(): string {
    return this.script !== '' ? this.script : 'tick()';
  }

  [fc.cloneMethod](): TickCommand {
    return new TickCommand();
  }
}

// ------------------------------------------------------------------ generators

const pick = fc.nat({ max: 10_000 });
const ownChoice = pick.map((p): FrameChoice => ({ kind: 'own', pick: p }));
const forgedChoice: fc.Arbitrary<FrameChoice> = fc.oneof(
  pick.map((p): FrameChoice => ({ kind: 'otherGuest', pick: p })),
  pick.map((p): FrameChoice => ({ kind: 'free', pick: p })),
  pick.map((p): FrameChoice => ({ kind: 'reserved', pick: p })),
  pick.map((p): FrameChoice => ({ kind: 'repeat', pick: p })),
  fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: -3, max: -1 }), fc.constantFrom(2 ** 31 - 1 - 2048, -(2 ** 31))).map(
    (value): FrameChoice => ({ kind: 'outOfRange', value }),
  ),
);
const withinChoice = pick.map((p): AmountChoice => ({ kind: 'within', pick: p }));
const beyondChoice = fc.nat({ max: 100 }).map((extra): AmountChoice => ({ kind: 'beyond', extra }));
const noUnbacked: AmountChoice = { kind: 'within', pick: 0 };

const honestRelease = fc
  .tuple(fc.array(ownChoice, { minLength: 1, maxLength: 8 }), fc.oneof(fc.constant(noUnbacked), withinChoice))
  .map(([frames, unbacked]) => new ReleasePlan(frames, unbacked));
const forgedRelease = fc
  .tuple(fc.array(fc.oneof(ownChoice, forgedChoice), { minLength: 1, maxLength: 8 }), fc.oneof(withinChoice, beyondChoice))
  .map(([frames, unbacked]) => new ReleasePlan(frames, unbacked));
const request = fc
  .tuple(
    fc.constantFrom<GrantPurpose>('deflate', 'populate'),
    fc.oneof({ weight: 3, arbitrary: withinChoice }, { weight: 1, arbitrary: beyondChoice }),
    fc.boolean(),
  )
  .map(([purpose, amount, withFrames]) => new RequestPlan(purpose, amount, withFrames));
const status = fc
  .record({ balloonPages: fc.nat({ max: 5000 }), usedPages: fc.nat({ max: 5000 }), freePages: fc.nat({ max: 5000 }) })
  .map((s) => new StatusPlan({ type: 'status', ...s }));
const malformed = fc.tuple(fc.nat({ max: MALFORMED.length - 1 }), pick).map(([variant, p]) => new MalformedPlan(variant, p));
const namingPlan: fc.Arbitrary<MessagePlan> = fc.oneof(honestRelease, forgedRelease, status, malformed);

const guestPick = fc.nat({ max: 11 });
const single = (plan: fc.Arbitrary<MessagePlan>) => fc.tuple(guestPick, plan).map(([g, p]) => new OutboxCommand(g, [p]));
const target: fc.Arbitrary<TargetSize> = fc.oneof(
  fc.nat({ max: 3000 }).map((pages) => ({ bytes: pages * FRAME_BYTES })),
  fc.nat({ max: 3000 * FRAME_BYTES }).map((bytes) => ({ bytes })),
  fc.integer({ min: -10, max: 150 }).map((percentOfMax) => ({ percentOfMax })),
  fc.double({ min: 0, max: 100, noNaN: true }).map((percentOfMax) => ({ percentOfMax })),
);

/** One weighted choice, so that crashes (which silence a guest for the rest of the run) stay rare. */
const hostCommand: fc.Arbitrary<HostCommand> = fc.oneof(
  { weight: 8, arbitrary: single(honestRelease) },
  { weight: 4, arbitrary: single(forgedRelease) },
  { weight: 8, arbitrary: single(request) },
  { weight: 2, arbitrary: single(malformed) },
  { weight: 2, arbitrary: single(status) },
  {
    weight: 6,
    arbitrary: fc
      .tuple(guestPick, fc.array(namingPlan, { maxLength: 3 }), fc.array(request, { maxLength: 2 }))
      .filter(([, naming, requests]) => naming.length + requests.length >= 2)
      .map(([g, naming, requests]) => new OutboxCommand(g, [...naming, ...requests])),
  },
  { weight: 1, arbitrary: guestPick.map((g) => new CrashCommand(g)) },
  { weight: 2, arbitrary: fc.tuple(guestPick, target, fc.boolean()).map(([g, t, force]) => new SetTargetCommand(g, t, force)) },
  { weight: 2, arbitrary: fc.constant(null).map(() => new TickCommand()) },
);

// ------------------------------------------------------------------ the property

// `npm run fuzz` runs this property for as long as it is given, and counts the commands it ran (test/support/fuzz-report.ts).
const modelFuzzMs = fuzzBudgetMs('model');
const countModel = fuzzCounter('model');
let commandsRun = 0;
const countedCommand = hostCommand.map(
  (command): HostCommand => ({
    check: (model) => command.check(model),
    run: (model, real) => {
      commandsRun++;
      command.run(model, real);
    },
    toString: () => command.toString(),
  }),
);

const modelParams = propertyParams<[HostSetup, Iterable<HostCommand>]>(
  'frame handling matches the sequential model after every command',
  modelFuzzMs === null ? { numRuns: 200 } : { numRuns: 1_000_000_000, interruptAfterTimeLimit: modelFuzzMs },
);

describe(`Hypervisor frame handling, model-based ${describeSeed(modelParams.seed)}`, () => {
  it(modelParams.name, () => {
    assertProperty(
      fc.property(hostSetupArb, fc.commands([countedCommand], { size: 'large', maxCommands: 150 }), (setup, commands) => {
        const { model, real } = bootHost(setup);
        commandsRun = 0;
        fc.modelRun(() => ({ model, real }), commands);
        countModel({ runs: 1, commands: commandsRun });
        // Invariant 6, and nothing leaked: once every guest is gone, every frame but the reserve is free again.
        for (const guest of model.guests) {
          if (guest.alive) crashInModel(model, guest);
          real.host.crash(guest.index, 'end of test');
        }
        expectHostMatches(model, real.host);
        expect(real.host.pool.size).toBe(setup.frames - setup.reservedFrames);
      }),
      modelParams,
    );
  }, (modelFuzzMs ?? 0) + 120_000);
});

// ------------------------------------------------------------------ examples, and what the model found

function twoGuestHost(overrides: Partial<HostSetup> = {}): Hypervisor {
  const setup: HostSetup = {
    frames: 256,
    reservedFrames: 16,
    backing: 'eager',
    guests: [
      { maxPages: 64, bootPages: 32, kernelPages: 4, minPages: 8 },
      { maxPages: 64, bootPages: 32, kernelPages: 4, minPages: 8 },
    ],
    events: [],
    ...overrides,
  };
  const host = new Hypervisor(scenarioOf(setup));
  host.boot();
  return host;
}

function bootFramesOf(host: Hypervisor): Int32Array[] {
  return host.takeInboxes().map((inbox) => {
    const boot = inbox[0];
    if (boot?.type !== 'boot') throw new Error('no boot message');
    return boot.frames;
  });
}

describe('Hypervisor examples', () => {
  it('refuses to boot guests whose boot frames do not fit, saying how to fix it', () => {
    const setup: HostSetup = {
      frames: 256,
      reservedFrames: 0,
      backing: 'eager',
      guests: [
        { maxPages: 200, bootPages: 200, kernelPages: 4, minPages: 0 },
        { maxPages: 200, bootPages: 200, kernelPages: 4, minPages: 0 },
      ],
      events: [],
    };
    const host = new Hypervisor(scenarioOf(setup));
    expect(() => host.boot()).toThrow(BootError);
    expect(() => host.boot()).toThrow(/400 frames at boot.*backing: lazy/);
    expect(host.pool.size).toBe(256);
  });

  it('refuses a table whose size does not match the host, naming itself', () => {
    const setup: HostSetup = { frames: 256, reservedFrames: 0, backing: 'lazy', guests: [], events: [] };
    expect(() => new Hypervisor(scenarioOf(setup), { table: new FrameTable(100) })).toThrow(/^Hypervisor: the table has 100 frames/);
  });

  it('ignores a dead guest: its messages change nothing and count no violation', () => {
    const host = twoGuestHost();
    const frames = bootFramesOf(host);
    host.crash(0, 'test');
    const before = host.table.owners.slice();
    host.handleOutbox(0, [{ type: 'release', id: 1, frames: frames[1]!, unbackedPages: 0 }, { type: 'request', id: 2, purpose: 'populate', pages: 1, withFrames: true }, null]);
    expect(host.table.owners).toEqual(before);
    expect(host.protocolViolations).toBe(0);
    expect(host.takeInboxes()).toEqual([[], []]);
  });

  it('refuses a forged release whole, frame by frame, and charges the sender', () => {
    const host = twoGuestHost();
    const frames = bootFramesOf(host);
    const before = host.table.owners.slice();
    host.handleOutbox(0, [{ type: 'release', id: 9, frames: Int32Array.of(frames[1]![0]!, 0, 256, -1), unbackedPages: 0 }]);
    expect(host.table.owners).toEqual(before);
    expect(host.accounts[0]!.protocolViolations).toBe(1);
    expect(host.accounts[1]!.protocolViolations).toBe(0);
    expect(host.takeInboxes()[0]).toEqual([
      { type: 'releaseAck', id: 9, acceptedFrames: 0, refusedFrames: new Int32Array(0), invalidFrames: 4, acceptedUnbackedPages: 0, refusedBecause: 'not-owned' },
    ]);
  });

  // Regression test for a bug found by the model-based tests (src/host/hypervisor.ts, handleRelease; contract in src/messages/protocol.ts).
  it('lists in refusedFrames only frames the sender still owns', () => {
    const host = twoGuestHost();
    const frame = bootFramesOf(host)[0]![0]!;
    host.handleOutbox(0, [{ type: 'release', id: 1, frames: Int32Array.of(frame, frame), unbackedPages: 0 }]);
    const ack = host.takeInboxes()[0]![0]!;
    if (ack.type !== 'releaseAck') throw new Error('no ack');
    for (const refused of ack.refusedFrames) expect(host.table.ownerOf(refused)).toBe(ownerIdOfGuest(0));
  });

  // Regression test for a bug found by the model-based tests (src/host/hypervisor.ts, setTargetOf).
  it('setTargetOf leaves a crashed guest alone, as a scenario event does', () => {
    const host = twoGuestHost();
    host.takeInboxes();
    host.crash(1, 'test');
    const targetBefore = host.accounts[1]!.targetPages;
    host.setTargetOf(1, { percentOfMax: 25 }, 'test');
    expect(host.accounts[1]!.targetPages).toBe(targetBefore);
    expect(host.takeInboxes()[1]).toEqual([]);
  });

  // Regression test for a bug found by the model-based tests (src/host/hypervisor.ts, setTargetOf / targetPagesOf / setTarget).
  it('setTargetOf rejects a target that is not a finite size, naming itself', () => {
    const host = twoGuestHost();
    host.takeInboxes();
    expect(() => host.setTargetOf(0, { bytes: Number.NaN }, 'test')).toThrow(/^Hypervisor\.setTargetOf: /);
    expect(host.accounts[0]!.targetPages).toBe(32);
    expect(host.takeInboxes()[0]).toEqual([]);
  });

  // Regression test for a bug found by the model-based tests (src/host/hypervisor.ts handleRelease, src/host/message-checks.ts).
  it('a release whose frames change while the host reads them cannot poison later releases of other guests', () => {
    const host = twoGuestHost({ backing: 'lazy' });
    const frames = bootFramesOf(host);
    const frame = frames[0]![0]!;
    let reads = 0;
    const shifty = new Proxy(Int32Array.of(frame), {
      get(target, key) {
        if (key === 'length') return target.length;
        // The first read (check and move) sees the frame, the second (clearing its mark) sees -1.
        if (key === '0') return reads++ === 0 ? frame : -1;
        return Reflect.get(target, key, target) as unknown;
      },
    });
    // A frame list that is not a genuine Int32Array is malformed: refused whole, the table unchanged.
    host.handleOutbox(0, [{ type: 'release', id: 1, frames: shifty, unbackedPages: 0 }]);
    expect(host.table.ownerOf(frame)).toBe(ownerIdOfGuest(0));
    expect(host.accounts[0]!.protocolViolations).toBe(1);
    // Guest 0 then gives the frame back honestly.
    host.handleOutbox(0, [{ type: 'release', id: 4, frames: Int32Array.of(frame), unbackedPages: 0 }]);
    expect(host.table.ownerOf(frame)).toBe(OWNER_FREE);
    host.takeInboxes();
    // Guest 1 is granted that frame (the pool is LIFO) and honestly releases it.
    host.handleOutbox(1, [{ type: 'request', id: 2, purpose: 'populate', pages: 1, withFrames: true }]);
    expect(host.table.ownerOf(frame)).toBe(ownerIdOfGuest(1));
    host.takeInboxes();
    host.handleOutbox(1, [{ type: 'release', id: 3, frames: Int32Array.of(frame), unbackedPages: 0 }]);
    expect(host.takeInboxes()[1]).toEqual([
      { type: 'releaseAck', id: 3, acceptedFrames: 1, refusedFrames: new Int32Array(0), invalidFrames: 0, acceptedUnbackedPages: 0 },
    ]);
    expect(host.table.ownerOf(frame)).toBe(OWNER_FREE);
    expect(host.accounts[1]!.protocolViolations).toBe(0);
  });
});
