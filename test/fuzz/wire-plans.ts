/**
 * What a hostile guest sends on the wire, as fast-check plans: messages of
 * every type with fields from the edges (negative, zero, huge, just past a
 * limit), frame numbers chosen against the table at the moment of sending
 * (its own frames, other guests', free ones, the hypervisor's, out of range,
 * repeated), raw words with any tag, and then mutations of the packed words
 * (truncated, counts that lie, words overwritten, inserted, deleted or
 * copied). Plans are data, resolved at delivery time, so that a shrunk
 * counterexample reads as what was sent, and a replay resends it.
 */
import fc from 'fast-check';
import type { GuestToHost } from '../../src/messages/protocol.js';
import { OutboxWire } from '../../src/runtime/wire-codec.js';
import { FREE, HYPERVISOR } from '../support/wire-host.js';

/** A frame number, chosen when the message is sent. */
export type FramePick =
  | { kind: 'own' | 'other' | 'free' | 'hypervisor'; pick: number }
  | { kind: 'out-of-range'; beyond: number }
  | { kind: 'negative'; value: number }
  /** A frame named earlier in the same message again. */
  | { kind: 'again'; back: number }
  /** A frame the host would decline in this message if it were a VMware guest's single page (rare by chance: 1 in 2048). */
  | { kind: 'declined'; whose: 'own' | 'other'; pick: number };

export type MessagePlan =
  | { type: 'release'; id: number; frames: FramePick[]; unbackedPages: number; largeFrames: number }
  | { type: 'request'; id: number; purpose: 'deflate' | 'populate' | 'swapIn'; pages: number; withFrames: boolean }
  | { type: 'distress'; reason: 'stall' | 'oom'; fullAvg10: number; availablePages: number }
  | { type: 'freePageReport'; id: number; frames: FramePick[] }
  | { type: 'oomDeflate'; pages: number }
  | { type: 'activeSample'; id: number; sampledPages: number; touchedPages: number }
  | { type: 'pagedOut'; id: number; frames: FramePick[] }
  | { type: 'hostSwapRelease'; discardedPages: number; readPages: number; frames: FramePick[] }
  | { type: 'plug'; id: number; pages: number }
  | { type: 'unplug'; id: number; unbackedPages: number; frames: FramePick[] }
  /** Words of any kind where a message should be: any tag, any length. */
  | { type: 'raw'; words: number[] };

/** A change to the packed words; positions are fractions of the length, so that they survive shrinking. */
export type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'set-word'; at: number; value: number }
  | { kind: 'set-count'; value: number }
  | { kind: 'insert'; at: number; words: number[] }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'copy'; from: number; to: number; length: number };

/** One delivery of a puppet's outbox in a tick. */
export interface DeliveryPlan {
  /** How many honest guests deliver before it (modulo their number). */
  position: number;
  messages: MessagePlan[];
  mutations: Mutation[];
  /** Instead of new messages: the words of an earlier delivery again, this many back (0: none). */
  replay: number;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Counts at the edges: zero, one, negative, the protocol's limits and just past them, the ends of int32. */
const edgeCount = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 600 }) },
  { weight: 2, arbitrary: fc.constantFrom(0, 1, -1, 255, 256, 511, 512, 4096, 4097, 2 ** 15, 2 ** 15 + 1, 2 ** 20, 2 ** 20 + 1, INT32_MAX, INT32_MIN) },
  { weight: 1, arbitrary: fc.integer({ min: INT32_MIN, max: INT32_MAX }) },
);
const id = fc.oneof(fc.nat({ max: 1000 }), fc.constantFrom(0, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER));
/** Fractions from 0 to 1 and what is not one (a distress's stall figure; published PSI figures). */
export const fraction = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(-0.5, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -1e300));

export const framePick: fc.Arbitrary<FramePick> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('own' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('other' as const, 'free' as const, 'hypervisor' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('out-of-range' as const), beyond: fc.oneof(fc.nat({ max: 10 }), fc.constant(INT32_MAX)) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('negative' as const), value: fc.integer({ min: INT32_MIN, max: -1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('again' as const), back: fc.nat({ max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('declined' as const), whose: fc.constantFrom('own' as const, 'other' as const), pick: fc.nat() }) },
);
const frames = fc.array(framePick, { maxLength: 40 });

export const messagePlan: fc.Arbitrary<MessagePlan> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ type: fc.constant('release' as const), id, frames, unbackedPages: edgeCount, largeFrames: fc.oneof(fc.constant(0), edgeCount) }) },
  { weight: 4, arbitrary: fc.record({ type: fc.constant('request' as const), id, purpose: fc.constantFrom('deflate' as const, 'populate' as const, 'swapIn' as const), pages: edgeCount, withFrames: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('distress' as const), reason: fc.constantFrom('stall' as const, 'oom' as const), fullAvg10: fraction, availablePages: edgeCount }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('freePageReport' as const), id, frames }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('oomDeflate' as const), pages: edgeCount }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('activeSample' as const), id, sampledPages: edgeCount, touchedPages: edgeCount }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('pagedOut' as const), id, frames }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('hostSwapRelease' as const), discardedPages: edgeCount, readPages: edgeCount, frames }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('plug' as const), id, pages: edgeCount }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('unplug' as const), id, unbackedPages: edgeCount, frames }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('raw' as const), words: fc.array(fc.oneof(fc.nat({ max: 40 }), edgeCount), { maxLength: 12 }) }) },
);

const position = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('set-word' as const), at: position, value: fc.oneof(fc.nat({ max: 40 }), edgeCount) }),
  fc.record({ kind: fc.constant('set-count' as const), value: edgeCount }),
  fc.record({ kind: fc.constant('insert' as const), at: position, words: fc.array(edgeCount, { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('copy' as const), from: position, to: position, length: fc.integer({ min: 1, max: 8 }) }),
);

/** Deliveries of at most `messagesMax` messages (more under `npm run fuzz`, where throughput counts). */
export const deliveryPlan = (messagesMax: number): fc.Arbitrary<DeliveryPlan> => fc.record({
  position: fc.nat({ max: 8 }),
  messages: fc.array(messagePlan, { minLength: Math.floor(messagesMax / 4), maxLength: messagesMax }),
  mutations: fc.oneof({ weight: 3, arbitrary: fc.constant<Mutation[]>([]) }, { weight: 2, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) }),
  replay: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) }),
});

/**
 * Frames of each kind of owner, from a snapshot, to pick from (listed in one
 * pass over the snapshot when first asked for: a chooser serves one delivery,
 * and the table has tens of thousands of frames).
 */
export class FrameChooser {
  private byKind: Record<'own' | 'other' | 'free' | 'hypervisor', number[]> | null = null;

  constructor(
    private readonly owners: Int32Array,
    private readonly sender: number,
    private readonly frameCount: number,
    /** Whether the host would decline `frame` as a single page of message `id` (wire-host.ts). */
    private readonly declines: (frame: number, id: number) => boolean,
  ) {}

  private framesOf(kind: 'own' | 'other' | 'free' | 'hypervisor'): number[] {
    if (this.byKind === null) {
      const lists = { own: [] as number[], other: [] as number[], free: [] as number[], hypervisor: [] as number[] };
      const owners = this.owners;
      const sender = this.sender;
      // Imported constants in locals: under vitest every read of an import is a property read (a getter).
      const free = FREE;
      const hypervisor = HYPERVISOR;
      for (let frame = 0; frame < owners.length; frame++) {
        const owner = owners[frame]!;
        if (owner === sender) lists.own.push(frame);
        else if (owner >= 0) lists.other.push(frame);
        else if (owner === free) lists.free.push(frame);
        else if (owner === hypervisor) lists.hypervisor.push(frame);
      }
      this.byKind = lists;
    }
    return this.byKind[kind];
  }

  /**
   * A frame of `list` the host would decline in message `id`: the first from
   * position `pick` on (about one frame in 2048 is declined, so this looks at
   * a few thousand frames, not the whole list), or the first frame past the
   * table if none is.
   */
  private declinedFrom(list: number[], pick: number, id: number): number {
    for (let k = 0; k < list.length; k++) {
      const frame = list[(pick + k) % list.length]!;
      if (this.declines(frame, id)) return frame;
    }
    return this.frameCount;
  }

  /** The frames of a plan's list for message `id`; a kind with no frames falls back to the first frame past the table. */
  resolve(picks: ReadonlyArray<FramePick>, id: number): Int32Array {
    const out = new Int32Array(picks.length);
    picks.forEach((pick, i) => {
      switch (pick.kind) {
        case 'out-of-range':
          out[i] = Math.min(INT32_MAX, this.frameCount + pick.beyond);
          return;
        case 'negative':
          out[i] = pick.value;
          return;
        case 'again':
          out[i] = i > 0 ? out[Math.max(0, i - 1 - (pick.back % i))]! : this.frameCount;
          return;
        case 'declined':
          out[i] = this.declinedFrom(this.framesOf(pick.whose), pick.pick, id);
          return;
        default: {
          const list = this.framesOf(pick.kind);
          out[i] = list.length > 0 ? list[pick.pick % list.length]! : this.frameCount;
        }
      }
    });
    return out;
  }
}

/** A plan as a message object (raw words excepted), with its frames chosen now. */
function messageOf(plan: Exclude<MessagePlan, { type: 'raw' }>, frames: FrameChooser): GuestToHost {
  switch (plan.type) {
    case 'release':
      return { type: 'release', id: plan.id, frames: frames.resolve(plan.frames, plan.id), unbackedPages: plan.unbackedPages, ...(plan.largeFrames !== 0 ? { largeFrames: plan.largeFrames } : {}) };
    case 'request':
      return { type: 'request', id: plan.id, purpose: plan.purpose, pages: plan.pages, withFrames: plan.withFrames };
    case 'distress':
      return { type: 'distress', reason: plan.reason, fullAvg10: plan.fullAvg10, availablePages: plan.availablePages };
    case 'freePageReport':
      return { type: 'freePageReport', id: plan.id, frames: frames.resolve(plan.frames, plan.id) };
    case 'oomDeflate':
      return { type: 'oomDeflate', pages: plan.pages };
    case 'activeSample':
      return { type: 'activeSample', id: plan.id, sampledPages: plan.sampledPages, touchedPages: plan.touchedPages };
    case 'pagedOut':
      return { type: 'pagedOut', id: plan.id, frames: frames.resolve(plan.frames, plan.id) };
    case 'hostSwapRelease':
      return { type: 'hostSwapRelease', discardedPages: plan.discardedPages, readPages: plan.readPages, frames: frames.resolve(plan.frames, 0) };
    case 'plug':
      return { type: 'plug', id: plan.id, pages: plan.pages };
    case 'unplug':
      return { type: 'unplug', id: plan.id, unbackedPages: plan.unbackedPages, frames: frames.resolve(plan.frames, plan.id) };
  }
}

/** The puppet's side of the wire (its buffer is reused: each packed message is copied out at once). */
const wire = new OutboxWire();

/**
 * The words of a delivery: each message packed by the real encoder (raw
 * words spliced in where a plan says so; the count counts them as one message
 * each), then the mutations applied in order.
 */
export function packDelivery(plan: DeliveryPlan, frames: FrameChooser): Int32Array {
  const parts: number[] = [plan.messages.length];
  for (const message of plan.messages) {
    if (message.type === 'raw') parts.push(...message.words);
    else parts.push(...wire.pack([messageOf(message, frames)]).subarray(1));
  }
  let words = parts;
  for (const change of plan.mutations) words = mutate(words, change);
  return Int32Array.from(words);
}

function indexAt(words: ReadonlyArray<number>, at: number): number {
  return Math.min(words.length, Math.floor(at * (words.length + 1)));
}

function mutate(words: number[], change: Mutation): number[] {
  const out = words.slice();
  switch (change.kind) {
    case 'truncate':
      return out.slice(0, indexAt(out, change.at));
    case 'set-word': {
      if (out.length === 0) return out;
      out[Math.min(out.length - 1, indexAt(out, change.at))] = change.value | 0;
      return out;
    }
    case 'set-count':
      if (out.length === 0) return [change.value | 0];
      out[0] = change.value | 0;
      return out;
    case 'insert':
      out.splice(indexAt(out, change.at), 0, ...change.words.map((w) => w | 0));
      return out;
    case 'delete':
      out.splice(indexAt(out, change.at), change.length);
      return out;
    case 'copy': {
      const from = indexAt(out, change.from);
      out.splice(indexAt(out, change.to), 0, ...out.slice(from, from + change.length));
      return out;
    }
  }
}
