/**
 * Messages a guest of the model-based test may send: each builds itself
 * against the model when its command runs (honest, forgetful or forged
 * frames) and predicts the host's answer, updating the model's counts.
 */
import { PAGES_PER_REQUEST_MAX } from '../../../src/messages/limits.js';
import type { GrantPurpose, RefusalReason, ReleaseAckMessage } from '../../../src/messages/protocol.js';
import { isFreeOwner, OWNER_HYPERVISOR } from '../../../src/host/owners.js';
import { framesOwnedBy, heldBy, pickFrom, putBackFrame, unbackedOf, type GuestModel, type HostModel, type PendingGrant } from './host-model.js';
import { MALFORMED } from './malformed-messages.js';

/** Which frame a release names, chosen against the model when the command runs. */
export type FrameChoice =
  | { kind: 'own'; pick: number }
  | { kind: 'otherGuest'; pick: number }
  | { kind: 'free'; pick: number }
  | { kind: 'reserved'; pick: number }
  | { kind: 'outOfRange'; value: number }
  | { kind: 'repeat'; pick: number };

export type AmountChoice = { kind: 'within'; pick: number } | { kind: 'beyond'; extra: number };

/** What the host must answer to one message. */
export type Expectation =
  | { kind: 'releaseAck'; ack: ReleaseAckMessage; accepted: ReadonlySet<number>; refused: ReadonlyArray<number> }
  | { kind: 'grant'; id: number; purpose: GrantPurpose; pagesAsked: number; count: number; unbackedPages: number; shortBecause?: RefusalReason }
  /** The shard's pool cannot fill it: the whole grant waits (answered at the next tick's start), what it is owed reserved. */
  | { kind: 'pending'; grant: PendingGrant }
  | { kind: 'none' };

export interface Prepared {
  message: unknown;
  /** `name(args)` for the replay script, without the guest. */
  name: string;
  args: string;
  expect: Expectation;
}

/** What the messages of one outbox prepared so far have taken from the guest's shard pool (frames whose numbers are known only once the host has handled them). */
export interface OutboxContext {
  poolTaken: number;
}

/** One message of an outbox: builds it against the model and predicts the host's answer, updating the model's counts. */
export interface MessagePlan {
  /** True for messages that ask for frames (an outbox puts them after those that name frames). */
  readonly asks: boolean;
  prepare(model: HostModel, guest: GuestModel, context: OutboxContext): Prepared;
  recipe(): string;
}

export function listFrames(frames: ArrayLike<number>): string {
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
      // Free in any pool (untouched, or given back and marked with a shard's value) or in transit.
      return pickFrom(framesOwnedBy(model, isFreeOwner), choice.pick) ?? fallback;
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

export class ReleasePlan implements MessagePlan {
  readonly asks = false;

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
    // The device side's rules (guest-device.ts handleRelease, frame-return.ts), in message order.
    const accepted = new Set<number>();
    const refused: number[] = [];
    let refusedBecause: RefusalReason | undefined;
    for (const frame of frames) {
      let reason: RefusalReason | null = null;
      if (frame < 0 || frame >= model.frames) reason = 'out-of-range';
      else if (accepted.has(frame)) reason = 'repeated';
      else if (model.owner[frame] !== guest.ownerId) reason = 'not-owned';
      if (reason === null) {
        accepted.add(frame);
        continue;
      }
      refused.push(frame);
      refusedBecause ??= reason;
    }
    if (!guest.alive) return { message, name: 'release', args, expect: { kind: 'none' } };
    if (refused.length > 0) guest.violations++;
    // Released frames go to the guest's shard pool, marked with the shard's free value.
    for (const frame of accepted) putBackFrame(model, guest, frame);
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

export class RequestPlan implements MessagePlan {
  readonly asks = true;

  constructor(
    readonly purpose: GrantPurpose,
    readonly amount: AmountChoice,
    /** For a deflate: frames back, or pages back unbacked (a first-touch request always wants frames). */
    readonly withFrames: boolean,
  ) {}

  prepare(model: HostModel, guest: GuestModel, context: OutboxContext): Prepared {
    // Balloon pages and unbacked pages a waiting grant is owed are spoken for.
    const entitled = this.purpose === 'deflate' ? guest.balloon - guest.owedDeflate : unbackedOf(guest);
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
    // Frames come from the guest's shard pool; if it cannot fill the request, the whole grant waits for the next tick.
    if (heldBy(model, guest.shard) - context.poolTaken < pages) {
      const grant: PendingGrant = { id, purpose: this.purpose, pagesAsked: pages, allowed: pages };
      guest.pending.push(grant);
      if (this.purpose === 'deflate') guest.owedDeflate += pages;
      else guest.owedBacking += pages;
      return { message, name: 'request', args, expect: { kind: 'pending', grant } };
    }
    context.poolTaken += pages;
    guest.owned += pages;
    if (this.purpose === 'deflate') guest.balloon -= pages;
    return { message, name: 'request', args, expect: { ...base, count: pages, unbackedPages: 0 } };
  }

  recipe(): string {
    const amount = this.amount.kind === 'within' ? `within#${this.amount.pick}` : `beyond+${this.amount.extra}`;
    return `request(${this.purpose}, ${amount}${this.purpose === 'deflate' ? `, withFrames=${this.withFrames}` : ''})`;
  }
}

export class MalformedPlan implements MessagePlan {
  readonly asks = false;

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
