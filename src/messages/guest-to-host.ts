/**
 * The guest-to-host protocol as one table: for every message type, its tag on
 * the wire, its fields in wire order with how each travels, and the host's
 * shape check. The wire codec (runtime/wire-codec.ts) and the host's checks
 * (host/device/message-checks.ts) are generic code over this table, and
 * TypeScript refuses a table without an entry for every type of GuestToHost,
 * or an entry without every field of its message: adding a message is its
 * type (protocol.ts), its entry here, its handler and its sender.
 *
 * An entry's check sees the message as another thread sent it (a hostile or
 * broken guest can put anything in any field): it must refuse a field of the
 * wrong type as well as a value out of range, and say which, in words the
 * host's event log shows ("malformed message: <problem>").
 */
import { isChoice, isCount, isFraction, isFrames, isId } from './check-values.js';
import { FRAMES_PER_MESSAGE_MAX, HOST_MEMORY_FRAMES_MAX, OOM_DEFLATE_PAGES_MAX, PAGES_PER_REQUEST_MAX, REPORT_FRAMES_MAX } from './limits.js';
import type { DistressReason, GrantPurpose, GuestToHost } from './protocol.js';

/** A choice among strings travels as one word, the value's code here. */
export interface WireChoice<V extends string> {
  readonly choice: Readonly<Record<V, number>>;
}

/**
 * How one field travels, by the type of its value:
 * - `id`: a message id, a whole number >= 0 exact to 2^53 (two words);
 * - `int32`: one word; `float`: the two words of its IEEE-754 bits, so that a
 *   worker's figures reach the host exactly as inline ones do;
 * - `optionalInt32`: one word, 0 for absent (and absent again after decoding);
 * - `boolean`: one word, 0 or 1;
 * - `frames`: a batch of frame numbers, its length and then the frames;
 * - a choice among strings: one word, the value's code.
 * The wire carries any value of the field's type; ranges are the check's.
 */
export type WireField<V> = [V] extends [Int32Array]
  ? 'frames'
  : [V] extends [boolean]
    ? 'boolean'
    : [V] extends [number]
      ? 'id' | 'int32' | 'float'
      : [V] extends [number | undefined]
        ? 'optionalInt32'
        : [V] extends [string]
          ? WireChoice<V>
          : never;

/** Any field's way of travelling (what the codec switches on). */
export type AnyWireField = 'id' | 'int32' | 'float' | 'optionalInt32' | 'boolean' | 'frames' | WireChoice<string>;

/** Every field of a message but its type, in wire order, with how it travels. */
export type WireFields<M> = { readonly [K in Exclude<keyof M, 'type'>]-?: WireField<M[K]> };

/** One message type's entry. */
export interface MessageEntry<M extends { type: string }> {
  /** Its tag on the wire: the entries' tags are 1, 2, 3 ... in table order (0 is MALFORMED). */
  readonly tag: number;
  readonly fields: WireFields<M>;
  /** The host's shape check: null if the message may be handled, else the problem. */
  readonly check: (message: Readonly<Record<string, unknown>>) => string | null;
}

/** The type of each guest-to-host message. */
export type GuestToHostType = GuestToHost['type'];

/** A table of a union of messages: an entry for every type, each with every field of its message. */
export type ProtocolTable<U extends { type: string }> = { readonly [K in U['type']]: MessageEntry<Extract<U, { type: K }>> };

/** An entry for every type of GuestToHost: the compiler refuses a table that lacks one. */
export type GuestToHostTable = ProtocolTable<GuestToHost>;

/** Wire codes of the purposes of a request (and of a grant). */
export const GRANT_PURPOSES: Readonly<Record<GrantPurpose, number>> = { deflate: 0, populate: 1, swapIn: 2 };

/** Wire codes of the reasons of a distress. */
export const DISTRESS_REASONS: Readonly<Record<DistressReason, number>> = { stall: 0, oom: 1 };

/** Most pages one sample, plug, unplug or host swap release may count. */
const HOST_MEMORY_PAGES_MAX = 2 ** 31 - 1;

/** Most pages a distress may say are available. */
const AVAILABLE_PAGES_MAX = 2 ** 31;

/** Frames of host memory management's messages (pagedOut, hostSwapRelease, unplug). */
function isHostMemoryFrames(value: unknown): value is Int32Array {
  return isFrames(value, HOST_MEMORY_FRAMES_MAX);
}

export const GUEST_TO_HOST = {
  release: {
    tag: 1,
    fields: { id: 'id', unbackedPages: 'int32', largeFrames: 'optionalInt32', frames: 'frames' },
    check(m) {
      if (!isId(m.id)) return 'release without a valid id';
      if (!isFrames(m.frames, Number.MAX_SAFE_INTEGER)) return 'release whose frames are not an Int32Array';
      if (m.frames.length > FRAMES_PER_MESSAGE_MAX) return `release of ${m.frames.length} frames (at most ${FRAMES_PER_MESSAGE_MAX})`;
      if (!isCount(m.unbackedPages, PAGES_PER_REQUEST_MAX)) return 'release with an invalid unbackedPages';
      if (m.largeFrames !== undefined && !isCount(m.largeFrames, m.frames.length)) return `release with largeFrames ${String(m.largeFrames)} (0 to its ${m.frames.length} frames)`;
      return null;
    },
  },
  request: {
    tag: 2,
    fields: { id: 'id', purpose: { choice: GRANT_PURPOSES }, pages: 'int32', withFrames: 'boolean' },
    check(m) {
      if (!isId(m.id)) return 'request without a valid id';
      if (!isChoice(m.purpose, GRANT_PURPOSES)) return 'request with an unknown purpose';
      if (!isCount(m.pages, PAGES_PER_REQUEST_MAX) || m.pages === 0) return `request for ${String(m.pages)} pages (1 to ${PAGES_PER_REQUEST_MAX})`;
      if (typeof m.withFrames !== 'boolean') return 'request without a boolean withFrames';
      if (m.purpose === 'populate' && !m.withFrames) return 'first-touch request that wants no frames';
      if (m.purpose === 'swapIn' && !m.withFrames) return 'swap-in request that wants no frames';
      return null;
    },
  },
  distress: {
    tag: 3,
    fields: { reason: { choice: DISTRESS_REASONS }, fullAvg10: 'float', availablePages: 'int32' },
    check(m) {
      if (!isChoice(m.reason, DISTRESS_REASONS)) return `distress with an unknown reason ${JSON.stringify(m.reason)}`;
      if (!isFraction(m.fullAvg10)) return 'distress with an invalid fullAvg10';
      if (!isCount(m.availablePages, AVAILABLE_PAGES_MAX)) return 'distress with an invalid availablePages';
      return null;
    },
  },
  freePageReport: {
    tag: 4,
    fields: { id: 'id', frames: 'frames' },
    check(m) {
      if (!isId(m.id)) return 'free page report without a valid id';
      if (!isFrames(m.frames, Number.MAX_SAFE_INTEGER)) return 'free page report whose frames are not an Int32Array';
      if (m.frames.length > REPORT_FRAMES_MAX) return `free page report of ${m.frames.length} frames (at most ${REPORT_FRAMES_MAX})`;
      return null;
    },
  },
  oomDeflate: {
    tag: 5,
    fields: { pages: 'int32' },
    check(m) {
      if (!isCount(m.pages, OOM_DEFLATE_PAGES_MAX) || m.pages === 0) return `oomDeflate of ${String(m.pages)} pages (1 to ${OOM_DEFLATE_PAGES_MAX})`;
      return null;
    },
  },
  activeSample: {
    tag: 6,
    fields: { id: 'id', sampledPages: 'int32', touchedPages: 'int32' },
    check(m) {
      if (!isId(m.id)) return 'activeSample without a valid id';
      if (!isCount(m.sampledPages, HOST_MEMORY_PAGES_MAX)) return `activeSample of ${String(m.sampledPages)} pages`;
      if (!isCount(m.touchedPages, m.sampledPages)) return `activeSample with ${String(m.touchedPages)} touched of ${m.sampledPages} sampled pages`;
      return null;
    },
  },
  pagedOut: {
    tag: 7,
    fields: { id: 'id', frames: 'frames' },
    check(m) {
      if (!isId(m.id)) return 'pagedOut without a valid id';
      if (!isHostMemoryFrames(m.frames)) return `pagedOut whose frames are not an Int32Array of at most ${HOST_MEMORY_FRAMES_MAX}`;
      return null;
    },
  },
  hostSwapRelease: {
    tag: 8,
    fields: { discardedPages: 'int32', readPages: 'int32', frames: 'frames' },
    check(m) {
      if (!isCount(m.discardedPages, HOST_MEMORY_PAGES_MAX) || !isCount(m.readPages, HOST_MEMORY_PAGES_MAX)) {
        return `hostSwapRelease of ${String(m.discardedPages)} discarded and ${String(m.readPages)} read pages`;
      }
      if (!isHostMemoryFrames(m.frames)) return `hostSwapRelease whose frames are not an Int32Array of at most ${HOST_MEMORY_FRAMES_MAX}`;
      return null;
    },
  },
  plug: {
    tag: 9,
    fields: { id: 'id', pages: 'int32' },
    check(m) {
      if (!isId(m.id)) return 'plug without a valid id';
      if (!isCount(m.pages, HOST_MEMORY_PAGES_MAX) || m.pages === 0) return `plug of ${String(m.pages)} pages (at least 1)`;
      return null;
    },
  },
  unplug: {
    tag: 10,
    fields: { id: 'id', unbackedPages: 'int32', frames: 'frames' },
    check(m) {
      if (!isId(m.id)) return 'unplug without a valid id';
      if (!isHostMemoryFrames(m.frames)) return `unplug whose frames are not an Int32Array of at most ${HOST_MEMORY_FRAMES_MAX}`;
      if (!isCount(m.unbackedPages, HOST_MEMORY_PAGES_MAX)) return `unplug with ${String(m.unbackedPages)} unbacked pages`;
      return null;
    },
  },
} as const satisfies GuestToHostTable;

/**
 * The entries by type, for the lookup every message a guest sends goes
 * through: a Map's `get` takes 10 to 14 ns here against 25 to 29 ns for
 * `Object.hasOwn` and a keyed load, and only the table's own types are in
 * it (not `__proto__`, `toString` ...; any key that is not one of them,
 * string or not, misses).
 */
const ENTRIES: ReadonlyMap<unknown, MessageEntry<GuestToHost>> = new Map(Object.entries(GUEST_TO_HOST) as Array<[string, MessageEntry<GuestToHost>]>);

/** The entry of a message's `type` (anything a guest may have put there), or undefined if it names no guest-to-host message. */
export function guestToHostEntry(type: unknown): MessageEntry<GuestToHost> | undefined {
  return ENTRIES.get(type);
}
