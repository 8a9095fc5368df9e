/**
 * The next tick of the model-based test of the host's frame handling: due
 * scenario events, frames between the shards' pools and the manager's
 * transit, grants that waited for frames, and the manager's messages.
 */
import fc from 'fast-check';
import { isFreeOwner, OWNER_FREE } from '../../../src/host/owners.js';
import type { GrantPurpose } from '../../../src/messages/protocol.js';
import type { HostCommand } from './commands.js';
import { expectEmpty, expectEqual } from '../../support/quick-expect.js';
import { expectHostMatches } from './host-comparison.js';
import { crashInModel, describeHolder, framesOfGrant, heldBy, setTargetInModel, takeFrame, targetPagesOf, TRANSIT, type GuestModel, type HostModel, type HostReal } from './host-model.js';
import { guestName, TICK_MS } from './host-setup.js';

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
    expectEqual(host.beginTick(tick), crashed.map((guest) => guest.index));
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
          expectEqual({ id: reply.id, purpose: reply.purpose, pagesAsked: reply.pagesAsked, frames: frames.length, unbackedPages: reply.unbackedPages, shortBecause: reply.shortBecause }, {
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
          expectEqual(inbox[at++], command, `inbox of guest ${guest.index}`);
          guest.deviceTarget = command.targetPages;
        }
      }
      guest.commands = [];
      expectEmpty(inbox.slice(at), `inbox of guest ${guest.index}: nothing else`);
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
