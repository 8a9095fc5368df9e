/**
 * The commands of the model-based test of the host's frame handling that
 * act for one guest or an administrator: a guest's outbox (across the wire,
 * or straight to its device side), a crash, an administrator's target, and a
 * status the guest publishes. Each runs on the real host (InlineHost: the
 * memory manager and every device side) and on the model, then compares
 * them. The next tick is tick-command.ts; how commands are drawn,
 * command-arbitraries.ts.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { isFreeOwner } from '../../../src/host/owners.js';
import type { TargetSize } from '../../../src/model/scenario.js';
import { publishStatus } from '../../support/guest-signals.js';
import { expectEmpty, expectEqual, expectSame } from '../../support/quick-expect.js';
import { expectHostMatches, expectInboxes, expectTableUnchanged } from './host-comparison.js';
import { crashInModel, framesOfGrant, setTargetInModel, takeFrame, targetPagesOf, type HostModel, type HostReal } from './host-model.js';
import { TICK_MS } from './host-setup.js';
import type { MessagePlan, Prepared } from './message-plans.js';

/** A command of the model-based test: on the model and on the real host. */
export type HostCommand = fc.Command<HostModel, HostReal>;

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
      if (index !== guest.index) expectEmpty(inbox[index], `inbox of guest ${index}`);
    }
    const replies = inbox[guest.index]!;
    const answered = prepared.filter((p) => p.expect.kind === 'releaseAck' || p.expect.kind === 'grant');
    expectEqual(replies.map((r) => r.type), answered.map((p) => (p.expect.kind === 'grant' ? 'grant' : 'releaseAck')));
    // The frames the outbox's requests were granted: the guest owns them in the table, not yet in the model (whose releases are
    // done). A grant that waits takes none: every one of them is in a reply.
    const granted: number[] = [];
    for (let frame = 0; frame < model.frames; frame++) if (host.table.ownerOf(frame) === guest.ownerId && model.owner[frame] !== guest.ownerId) granted.push(frame);
    const grantedCount = prepared.reduce((sum, p) => sum + (p.expect.kind === 'grant' ? p.expect.count : 0), 0);
    expectSame(granted.length, grantedCount, 'frames granted by the outbox');
    const grantedSet = new Set(granted);
    const inReplies = new Set<number>();
    const releasedInOutbox = new Set<number>();
    const refusedInOutbox = new Set<number>();
    answered.forEach((p, i) => {
      const reply = replies[i]!;
      const want = p.expect;
      if (want.kind === 'releaseAck') {
        expectEqual(reply, want.ack);
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
        expectEqual(got, {
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
    if (!guest.alive) expectSame(host.protocolViolations, violationsBefore, 'a dead guest is not heard');
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
