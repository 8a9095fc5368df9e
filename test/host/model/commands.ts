/**
 * The commands of the model-based test of the host's frame handling: a
 * guest's outbox (across the wire, or straight to its device side), a crash,
 * an administrator's target, a status the guest publishes, and the next
 * tick. Each runs on the real host (InlineHost: the memory manager and every
 * device side) and on the model, then compares them.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { HOST_PROTOCOL_VERSION } from '../../../src/host/device/guest-device.js';
import { isFreeOwner, OWNER_FREE } from '../../../src/host/owners.js';
import type { GrantPurpose } from '../../../src/messages/protocol.js';
import type { TargetSize } from '../../../src/scenario/types.js';
import { publishStatus } from '../../support/guest-signals.js';
import { InlineHost } from '../../support/inline-host.js';
import {
  crashInModel,
  describeHolder,
  expectHostMatches,
  expectInboxes,
  expectTableUnchanged,
  FRAME_BYTES,
  framesOfGrant,
  guestName,
  heldBy,
  newModel,
  NOT_FREE,
  scenarioOf,
  setTargetInModel,
  takeFrame,
  targetPagesOf,
  TICK_MS,
  TRANSIT,
  type GuestModel,
  type HostModel,
  type HostReal,
  type HostSetup,
} from './host-model.js';
import { MALFORMED } from './malformed-messages.js';
import { MalformedPlan, ReleasePlan, RequestPlan, type AmountChoice, type FrameChoice, type MessagePlan, type Prepared } from './message-plans.js';

type HostCommand = fc.Command<HostModel, HostReal>;

/** Boots the real host, checks the shards' first free frames and the boot messages, and builds the model from what was granted. */
export function bootHost(setup: HostSetup): { model: HostModel; real: HostReal } {
  const host = new InlineHost(scenarioOf(setup));
  const model = newModel(setup, (index) => host.shardOf(index));
  // Before boot only the hypervisor's reserve is taken.
  expectTableUnchanged(model.owner, host, 'building the host');
  host.boot();
  // Each shard starts with untouched frames (its guests' boot frames and a share of the rest), all of them free and given once.
  for (const { shard, untouched } of host.manager.shardSetups()) {
    for (let i = 0; i < untouched.length; i += 2) {
      for (let frame = untouched[i]!; frame < untouched[i]! + untouched[i + 1]!; frame++) {
        if (model.owner[frame] !== OWNER_FREE || model.holder[frame] !== NOT_FREE) throw new Error(`boot: shard ${shard} starts with frame ${frame}, which is not free or is another's`);
        model.holder[frame] = shard;
      }
    }
  }
  for (let frame = setup.reservedFrames; frame < setup.frames; frame++) {
    if (model.holder[frame] === NOT_FREE) throw new Error(`boot: free frame ${frame} was given to no shard`);
  }
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
    const frames = framesOfGrant(boot.runs, `boot of guest ${guest.index}`);
    expect(frames).toHaveLength(setup.backing === 'eager' ? spec.bootPages : spec.kernelPages);
    for (const frame of frames) takeFrame(model, guest, frame, 'boot');
    guest.owned += frames.length;
  }
  expectHostMatches(model, host);
  return { model, real: { host } };
}

/** One guest's outbox of one tick, handled by its device side as the runtime does. Messages that name frames come before requests (see the comment in `run`). */
export class OutboxCommand implements HostCommand {
  private script = '';

  constructor(
    readonly guestPick: number,
    readonly plans: ReadonlyArray<MessagePlan>,
    /** Across the wire (as every guest's messages go), or straight to the device side (its own checks). */
    readonly wire: boolean,
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
    // until the host has handled it, so generated outboxes put requests
    // last; a release naming a frame granted earlier in the same outbox is
    // covered across commands instead.
    const firstAsk = this.plans.findIndex((plan) => plan.asks);
    if (firstAsk >= 0 && this.plans.slice(firstAsk).some((plan) => !plan.asks)) throw new Error('an outbox of the model puts requests last');
    const context = { poolTaken: 0 };
    const prepared = this.plans.map((plan) => plan.prepare(model, guest, context));
    this.script = this.describe(guest.index, prepared);
    const messages = prepared.map((p) => p.message);
    if (this.wire) host.handleOutbox(guest.index, messages);
    else host.handleRaw(guest.index, messages);
    const inbox = host.takeInboxes();
    for (let index = 0; index < inbox.length; index++) {
      if (index !== guest.index) expect(inbox[index], `inbox of guest ${index}`).toEqual([]);
    }
    const replies = inbox[guest.index]!;
    const answered = prepared.filter((p) => p.expect.kind === 'releaseAck' || p.expect.kind === 'grant');
    expect(replies.map((r) => r.type)).toEqual(answered.map((p) => (p.expect.kind === 'grant' ? 'grant' : 'releaseAck')));
    // The frames the outbox's requests were granted: the guest owns them in the table, not yet in the model (whose releases are
    // done). A grant that waits takes none: every one of them is in a reply.
    const granted: number[] = [];
    for (let frame = 0; frame < model.frames; frame++) if (host.table.ownerOf(frame) === guest.ownerId && model.owner[frame] !== guest.ownerId) granted.push(frame);
    const grantedCount = prepared.reduce((sum, p) => sum + (p.expect.kind === 'grant' ? p.expect.count : 0), 0);
    expect(granted.length, 'frames granted by the outbox').toBe(grantedCount);
    const grantedSet = new Set(granted);
    const inReplies = new Set<number>();
    const releasedInOutbox = new Set<number>();
    const refusedInOutbox = new Set<number>();
    answered.forEach((p, i) => {
      const reply = replies[i]!;
      const want = p.expect;
      if (want.kind === 'releaseAck') {
        expect(reply).toEqual(want.ack);
        for (const frame of want.accepted) {
          // Releases come before requests: a frame accepted must have been the guest's before the outbox.
          if (before[frame] !== guest.ownerId) throw new Error(`frame ${frame} was accepted from guest ${guest.index} but was owned by ${before[frame]}`);
          releasedInOutbox.add(frame);
        }
        for (const frame of want.refused) refusedInOutbox.add(frame);
      } else if (want.kind === 'grant') {
        if (reply.type !== 'grant') throw new Error(`expected a grant, got ${reply.type}`);
        const frames = framesOfGrant(reply.runs, `grant ${reply.id}`);
        const got = { id: reply.id, purpose: reply.purpose, pagesAsked: reply.pagesAsked, frames: frames.length, unbackedPages: reply.unbackedPages, shortBecause: reply.shortBecause };
        expect(got).toEqual({
          id: want.id,
          purpose: want.purpose,
          pagesAsked: want.pagesAsked,
          frames: want.count,
          unbackedPages: want.unbackedPages,
          shortBecause: want.shortBecause,
        });
        for (const frame of frames) {
          if (!grantedSet.has(frame)) throw new Error(`grant ${reply.id} names frame ${frame}, which the table does not give guest ${guest.index}`);
          if (inReplies.has(frame)) throw new Error(`frame ${frame} granted twice in one outbox`);
          inReplies.add(frame);
        }
      }
    });
    for (const frame of granted) takeFrame(model, guest, frame, 'outbox');
    // A refused frame keeps its owner, unless the outbox also gave it back (the
    // same message, a 'repeated' refusal, or another one) or a request of the
    // outbox was granted it.
    for (const frame of refusedInOutbox) {
      if (frame < 0 || frame >= model.frames || releasedInOutbox.has(frame) || grantedSet.has(frame)) continue;
      if (host.table.ownerOf(frame) !== before[frame]) {
        throw new Error(`refused frame ${frame} changed owner from ${before[frame]} to ${host.table.ownerOf(frame)}`);
      }
    }
    const changedOwner = releasedInOutbox.size > 0 || granted.length > 0;
    if (!changedOwner) expectTableUnchanged(before, host, 'a refused, malformed or ignored outbox');
    if (!guest.alive) expect(host.protocolViolations, 'a dead guest is not heard').toBe(violationsBefore);
    expectHostMatches(model, host);
  }

  private describe(index: number, prepared: ReadonlyArray<Prepared>): string {
    const how = this.wire ? '' : ', raw';
    if (prepared.length === 1) return `${prepared[0]!.name}(guest=${index}${how}, ${prepared[0]!.args})`;
    return `outbox(guest=${index}${how}, ${prepared.map((p) => `${p.name}(${p.args})`).join(', ')})`;
  }

  toString(): string {
    return this.script !== '' ? this.script : `outbox(guest#${this.guestPick}${this.wire ? '' : ', raw'}, ${this.plans.map((p) => p.recipe()).join(', ')})`;
  }

  [fc.cloneMethod](): OutboxCommand {
    return new OutboxCommand(this.guestPick, this.plans, this.wire);
  }
}

export class CrashCommand implements HostCommand {
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
      if (!isFreeOwner(real.host.table.ownerOf(frame))) throw new Error(`crash: frame ${frame} of guest ${guest.index} was not taken back`);
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

export class SetTargetCommand implements HostCommand {
  private script = '';

  constructor(
    readonly guestPick: number,
    readonly target: TargetSize,
    readonly force: boolean,
  ) {}

  /** Live guests only: see the example about dead guests. */
  check(model: Readonly<HostModel>): boolean {
    return model.guests[this.guestPick % model.guests.length]!.alive;
  }

  run(model: HostModel, real: HostReal): void {
    const guest = model.guests[this.guestPick % model.guests.length]!;
    this.script = `setTargetOf(guest=${guest.index}, ${JSON.stringify(this.target)}${this.force ? ', force' : ''})`;
    const valid = 'bytes' in this.target ? Number.isFinite(this.target.bytes) && this.target.bytes >= 0 : this.target.percentOfMax > 0 && this.target.percentOfMax <= 100;
    if (!valid) {
      // An impossible target is refused with an error that names the function, and changes nothing.
      expect(() => real.host.setTargetOf(guest.index, this.target, 'model test')).toThrow(/^MemoryManager\.setTargetOf: /);
    } else {
      setTargetInModel(guest, targetPagesOf(guest, this.target), this.force);
      real.host.setTargetOf(guest.index, this.target, 'model test', { force: this.force });
    }
    // The manager's message goes out with the next tick's orders.
    expectInboxes(real.host, model.guests.map(() => []));
    expectHostMatches(model, real.host);
  }

  toString(): string {
    return this.script !== '' ? this.script : `setTargetOf(guest#${this.guestPick}, ${JSON.stringify(this.target)}${this.force ? ', force' : ''})`;
  }

  [fc.cloneMethod](): SetTargetCommand {
    return new SetTargetCommand(this.guestPick, this.target, this.force);
  }
}

/** The guest publishes its status in shared memory (the guard's working set reads its used pages); what it writes may be nonsense. */
export class PublishStatusCommand implements HostCommand {
  private script = '';

  constructor(
    readonly guestPick: number,
    readonly usedPages: number,
  ) {}

  check(): boolean {
    return true;
  }

  run(model: HostModel, real: HostReal): void {
    const guest = model.guests[this.guestPick % model.guests.length]!;
    this.script = `publishStatus(guest=${guest.index}, used=${this.usedPages})`;
    publishStatus(real.host.signals[guest.index]!, model.tick * TICK_MS, { balloonPages: 0, usedPages: this.usedPages, freePages: 0 });
    // The manager reads a figure that is no page count as unreported.
    guest.usedPages = Number.isSafeInteger(this.usedPages) && this.usedPages >= 0 ? this.usedPages : 0;
    expectInboxes(real.host, model.guests.map(() => []));
    expectHostMatches(model, real.host);
  }

  toString(): string {
    return this.script !== '' ? this.script : `publishStatus(guest#${this.guestPick}, used=${this.usedPages})`;
  }

  [fc.cloneMethod](): PublishStatusCommand {
    return new PublishStatusCommand(this.guestPick, this.usedPages);
  }
}

/**
 * The next tick: the last one closes (pools above their keep marks give
 * frames to transit) and this one opens: due scenario events (targets,
 * crashes), shards adopt frames from transit, grants that waited get what
 * their pools have now, and the manager's messages go out.
 */
export class TickCommand implements HostCommand {
  private script = '';

  check(): boolean {
    return true;
  }

  run(model: HostModel, real: HostReal): void {
    const host = real.host;
    const tick = model.tick++;
    this.script = `tick(${tick})`;
    const nowMs = tick * TICK_MS;
    const wasOpen = host.inTick;
    const crashed: GuestModel[] = [];
    const events = model.setup.events;
    while (model.nextEvent < events.length && events[model.nextEvent]!.atMs <= nowMs) {
      const event = events[model.nextEvent++]!;
      if (event.kind !== 'crash' && event.kind !== 'setTarget') throw new Error(`the model has no ${event.kind} events`);
      const guest = model.guests.find((g) => guestName(g.index) === event.guest)!;
      if (!guest.alive) continue;
      if (event.kind === 'crash') {
        guest.alive = false;
        crashed.push(guest);
      } else {
        // Out-of-range percentages in hand-built events are brought into 0..100.
        const percent = 'percentOfMax' in event.target ? Math.min(100, Math.max(0, event.target.percentOfMax)) : null;
        const pages = percent === null ? targetPagesOf(guest, event.target) : targetPagesOf(guest, { percentOfMax: percent });
        setTargetInModel(guest, pages, event.force === true);
      }
    }
    expect(host.beginTick(tick)).toEqual(crashed.map((guest) => guest.index));
    // The last tick's end: pools above their keep marks surrendered frames to the manager's transit (free, held by bookkeeping).
    if (wasOpen) {
      for (const { shard, runs } of host.lastReport!.surrendered) {
        moveFrames(model, runs, shard, TRANSIT, `shard ${shard} surrendered`, (frame) => isFreeOwner(model.owner[frame]!));
      }
    }
    // This tick's start: shards adopt frames from transit.
    for (const { shard, runs } of host.lastOrders!.adopt) moveFrames(model, runs, TRANSIT, shard, `shard ${shard} adopted`, (frame) => model.owner[frame] === OWNER_FREE);
    // Guests crashed by scenario events: their device sides take their frames back.
    for (const guest of crashed) crashInModel(model, guest);
    const inboxes = host.takeInboxes();
    for (const guest of model.guests) {
      const inbox = inboxes[guest.index]!;
      let at = 0;
      if (guest.alive) {
        // Grants that waited for frames get what the pool has now (guest by guest, oldest first), and go out.
        for (const grant of guest.pending) {
          const reply = inbox[at++];
          if (reply?.type !== 'grant') throw new Error(`guest ${guest.index}: expected grant ${grant.id}, which waited for frames, got ${reply?.type ?? 'nothing'}`);
          const given = Math.min(grant.allowed, heldBy(model, guest.shard));
          const frames = framesOfGrant(reply.runs, `grant ${reply.id}`);
          expect({ id: reply.id, purpose: reply.purpose, pagesAsked: reply.pagesAsked, frames: frames.length, unbackedPages: reply.unbackedPages, shortBecause: reply.shortBecause }).toEqual({
            id: grant.id,
            purpose: grant.purpose,
            pagesAsked: grant.pagesAsked,
            frames: given,
            unbackedPages: 0,
            shortBecause: given < grant.pagesAsked ? 'host-busy' : undefined,
          });
          for (const frame of frames) takeFrame(model, guest, frame, `grant ${grant.id} at tick ${tick}`);
          guest.owned += given;
          completeGrant(guest, grant.purpose, grant.allowed, given, grant.pagesAsked - given);
        }
        guest.pending = [];
        for (const command of guest.commands) {
          expect(inbox[at++], `inbox of guest ${guest.index}`).toEqual(command);
          guest.deviceTarget = command.targetPages;
        }
      }
      guest.commands = [];
      expect(inbox.slice(at), `inbox of guest ${guest.index}: nothing else`).toEqual([]);
    }
    expectHostMatches(model, host);
  }

  toString(): string {
    return this.script !== '' ? this.script : 'tick()';
  }

  [fc.cloneMethod](): TickCommand {
    return new TickCommand();
  }
}

/** A waiting grant is answered: what it was owed is released, what it got counted. */
function completeGrant(guest: GuestModel, purpose: GrantPurpose, owed: number, given: number, short: number): void {
  if (purpose === 'deflate') {
    guest.owedDeflate -= owed;
    guest.balloon -= given;
  } else {
    guest.owedBacking -= owed;
    guest.populateShort += short;
  }
}

/** Free frames that move between holders (a pool and transit), as OWNER_FREE frames. */
function moveFrames(model: HostModel, runs: Int32Array, from: number, to: number, what: string, valid: (frame: number) => boolean): void {
  for (let i = 0; i < runs.length; i += 2) {
    for (let frame = runs[i]!; frame < runs[i]! + runs[i + 1]!; frame++) {
      if (!(frame >= 0 && frame < model.frames) || model.holder[frame] !== from || !valid(frame)) {
        throw new Error(`${what} frame ${frame}, which ${describeHolder(from)} did not hold free (value ${model.owner[frame]}, held by ${describeHolder(model.holder[frame])})`);
      }
      model.owner[frame] = OWNER_FREE;
      model.holder[frame] = to;
    }
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
const malformed = fc.tuple(fc.nat({ max: MALFORMED.length - 1 }), pick).map(([variant, p]) => new MalformedPlan(variant, p));
const namingPlan: fc.Arbitrary<MessagePlan> = fc.oneof(honestRelease, forgedRelease, malformed);
/** Used pages as a guest may publish them: plausible counts, and nonsense a hostile guest may write. */
const usedPages = fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 5000 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, Number.NaN, Number.POSITIVE_INFINITY, 2.5, 2 ** 53) });

const guestPick = fc.nat({ max: 11 });
/** Across the wire mostly, sometimes straight to the device side. */
const wire = fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
const single = (plan: fc.Arbitrary<MessagePlan>) => fc.tuple(guestPick, plan, wire).map(([g, p, w]) => new OutboxCommand(g, [p], w));
const target: fc.Arbitrary<TargetSize> = fc.oneof(
  fc.nat({ max: 3000 }).map((pages) => ({ bytes: pages * FRAME_BYTES })),
  fc.nat({ max: 3000 * FRAME_BYTES }).map((bytes) => ({ bytes })),
  fc.integer({ min: -10, max: 150 }).map((percentOfMax) => ({ percentOfMax })),
  fc.double({ min: 0, max: 100, noNaN: true }).map((percentOfMax) => ({ percentOfMax })),
);

/** One weighted choice, so that crashes (which silence a guest for the rest of the run) stay rare. */
export const hostCommand: fc.Arbitrary<HostCommand> = fc.oneof(
  { weight: 8, arbitrary: single(honestRelease) },
  { weight: 4, arbitrary: single(forgedRelease) },
  { weight: 8, arbitrary: single(request) },
  { weight: 2, arbitrary: single(malformed) },
  { weight: 2, arbitrary: fc.tuple(guestPick, usedPages).map(([g, used]) => new PublishStatusCommand(g, used)) },
  {
    weight: 6,
    arbitrary: fc
      .tuple(guestPick, fc.array(namingPlan, { maxLength: 3 }), fc.array(request, { maxLength: 2 }), wire)
      .filter(([, naming, requests]) => naming.length + requests.length >= 2)
      .map(([g, naming, requests, w]) => new OutboxCommand(g, [...naming, ...requests], w)),
  },
  { weight: 1, arbitrary: guestPick.map((g) => new CrashCommand(g)) },
  { weight: 2, arbitrary: fc.tuple(guestPick, target, fc.boolean()).map(([g, t, force]) => new SetTargetCommand(g, t, force)) },
  { weight: 3, arbitrary: fc.constant(null).map(() => new TickCommand()) },
);
