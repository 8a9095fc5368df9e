/**
 * The wire format of the hot path: a tick's messages for all the guests of one
 * worker, packed into one Int32Array that moves between threads without a
 * copy. Structured clone of thousands of small objects (one per batch of 256
 * frames) costs more than the work itself; one buffer per worker per tick
 * does not.
 *
 * Layout: [guestCount, then per guest: messageCount, then each message].
 * Each message starts with its tag; ids take two words (low, high) so that
 * they stay exact past 2^31; frame batches are a length and the frames.
 * Decoded frame batches are views into the buffer (no copy).
 *
 * A message object that does not fit its type (a hostile or broken guest) is
 * encoded as MALFORMED with nothing else, so that the host can count it.
 */
import type { DistressReason, GrantPurpose, GuestToHost, HostToGuest, PlugStatus, ProtocolVersion, RefusalReason } from '../messages/protocol.js';

const enum Tag {
  MALFORMED = 0,
  RELEASE = 1,
  REQUEST = 2,
  STATUS = 3,
  STATS = 4,
  PRESSURE = 5,
  DISTRESS = 6,
  FREE_PAGE_REPORT = 7,
  OOM_DEFLATE = 8,
  ACTIVE_SAMPLE = 21,
  PAGED_OUT = 22,
  HOST_SWAP_RELEASE = 23,
  PLUG = 24,
  UNPLUG = 25,
  BOOT = 11,
  SET_TARGET = 12,
  GRANT = 13,
  RELEASE_ACK = 14,
  REPORT_ACK = 15,
  SAMPLE_ACTIVE = 31,
  PAGE_OUT = 32,
  PLUG_REPLY = 33,
}

/** Values in a stats message (the 16 virtio tags). */
const STATS_VALUES = 16;
const DISTRESS_REASONS: ReadonlyArray<DistressReason> = ['stall', 'oom'];
/** Pressure figures, in the order they travel. */
const PRESSURE_FRACTIONS = ['someAvg10', 'someAvg60', 'someAvg300', 'fullAvg10', 'fullAvg60', 'fullAvg300'] as const;

/** Floats travel as the two words of their IEEE-754 bits, so that a worker's figures reach the host exactly as inline ones do. */
const floatBits = new Float64Array(1);
const floatWords = new Int32Array(floatBits.buffer);

const PURPOSES: ReadonlyArray<GrantPurpose> = ['deflate', 'populate', 'swapIn'];
const PLUG_STATUSES: ReadonlyArray<PlugStatus> = ['ok', 'busy', 'failed'];
const REASONS: ReadonlyArray<RefusalReason> = ['not-owned', 'out-of-range', 'repeated', 'malformed', 'over-limit', 'host-busy', 'quarantined', 'version'];

/** A message that reached the host undecodable; the host counts it as a protocol violation. */
export interface MalformedOnWire {
  type: 'malformed';
}

const TWO_32 = 2 ** 32;

function isInt32(value: unknown): value is number {
  return typeof value === 'number' && (value | 0) === value;
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Words a guest-to-host message takes, or 1 if it is malformed (encoded as MALFORMED). */
function isFloat(value: unknown): value is number {
  return typeof value === 'number';
}

function guestMessageWords(message: GuestToHost): number {
  switch (message?.type) {
    case 'release':
      return message.frames instanceof Int32Array && isId(message.id) && isInt32(message.unbackedPages) && (message.largeFrames === undefined || isInt32(message.largeFrames))
        ? 6 + message.frames.length
        : 1;
    case 'request':
      return isId(message.id) && PURPOSES.includes(message.purpose) && isInt32(message.pages) && typeof message.withFrames === 'boolean' ? 6 : 1;
    case 'status':
      return isInt32(message.balloonPages) && isInt32(message.usedPages) && isInt32(message.freePages) ? 4 : 1;
    case 'stats':
      return message.values instanceof Float64Array && message.values.length === STATS_VALUES ? 1 + 2 * STATS_VALUES : 1;
    case 'pressure':
      return isInt32(message.availablePages) && isInt32(message.committedPages) && isInt32(message.floorPages) && PRESSURE_FRACTIONS.every((key) => isFloat(message[key])) && isFloat(message.someTotalSeconds) && isFloat(message.fullTotalSeconds)
        ? 4 + 2 * PRESSURE_FRACTIONS.length + 4
        : 1;
    case 'distress':
      return DISTRESS_REASONS.includes(message.reason) && isFloat(message.fullAvg10) && isInt32(message.availablePages) ? 5 : 1;
    case 'freePageReport':
      return message.frames instanceof Int32Array && isId(message.id) ? 4 + message.frames.length : 1;
    case 'oomDeflate':
      return isInt32(message.pages) ? 2 : 1;
    case 'activeSample':
      return isId(message.id) && isInt32(message.sampledPages) && isInt32(message.touchedPages) ? 5 : 1;
    case 'pagedOut':
      return message.frames instanceof Int32Array && isId(message.id) ? 4 + message.frames.length : 1;
    case 'hostSwapRelease':
      return message.frames instanceof Int32Array && isInt32(message.discardedPages) && isInt32(message.readPages) ? 4 + message.frames.length : 1;
    case 'plug':
      return isId(message.id) && isInt32(message.pages) ? 4 : 1;
    case 'unplug':
      return message.frames instanceof Int32Array && isId(message.id) && isInt32(message.unbackedPages) ? 5 + message.frames.length : 1;
    default:
      return 1;
  }
}

function hostMessageWords(message: HostToGuest): number {
  switch (message.type) {
    case 'boot':
      return 5 + message.frames.length;
    case 'setTarget':
      return 2;
    case 'grant':
      return 8 + message.frames.length;
    case 'releaseAck':
      return 9 + message.refusedFrames.length;
    case 'reportAck':
      return 7 + message.refusedFrames.length;
    case 'sampleActive':
      return 5;
    case 'pageOut':
      return 4;
    case 'plugReply':
      return 5;
  }
}

/**
 * What a guest's message looks like after crossing a thread: itself if the
 * wire can carry it, MALFORMED if not. The inline placement passes messages
 * through this, so that a hostile guest's junk reaches the host in the same
 * shape (and is refused with the same words) whatever the placement.
 */
export function toWireShape(message: GuestToHost): GuestToHost | MalformedOnWire {
  return guestMessageWords(message) === 1 ? { type: 'malformed' } : message;
}

class Writer {
  readonly words: Int32Array;
  at = 0;

  constructor(length: number) {
    this.words = new Int32Array(length);
  }

  put(value: number): void {
    this.words[this.at++] = value;
  }

  id(value: number): void {
    this.put(value % TWO_32 | 0);
    this.put(Math.floor(value / TWO_32) | 0);
  }

  frames(frames: Int32Array): void {
    this.put(frames.length);
    this.words.set(frames, this.at);
    this.at += frames.length;
  }

  float(value: number): void {
    floatBits[0] = value;
    this.put(floatWords[0]!);
    this.put(floatWords[1]!);
  }
}

class Reader {
  at = 0;

  constructor(readonly words: Int32Array) {}

  get(): number {
    if (this.at >= this.words.length) throw new RangeError('wire: message runs past the end of the buffer');
    return this.words[this.at++]!;
  }

  id(): number {
    const low = this.get() >>> 0;
    return this.get() * TWO_32 + low;
  }

  frames(): Int32Array {
    const length = this.get();
    if (length < 0 || this.at + length > this.words.length) throw new RangeError('wire: frame batch runs past the end of the buffer');
    const view = this.words.subarray(this.at, this.at + length);
    this.at += length;
    return view;
  }

  float(): number {
    floatWords[0] = this.get();
    floatWords[1] = this.get();
    return floatBits[0]!;
  }
}

function encode<M>(boxes: ReadonlyArray<ReadonlyArray<M>>, words: (m: M) => number, write: (w: Writer, m: M) => void): Int32Array {
  let length = 1;
  for (const box of boxes) {
    length += 1;
    for (const message of box) length += words(message);
  }
  const writer = new Writer(length);
  writer.put(boxes.length);
  for (const box of boxes) {
    writer.put(box.length);
    for (const message of box) write(writer, message);
  }
  return writer.words;
}

function decode<M>(words: Int32Array, read: (r: Reader) => M): M[][] {
  const reader = new Reader(words);
  const boxCount = reader.get();
  const boxes: M[][] = new Array(boxCount);
  for (let b = 0; b < boxCount; b++) {
    const count = reader.get();
    const box: M[] = new Array(count);
    for (let i = 0; i < count; i++) box[i] = read(reader);
    boxes[b] = box;
  }
  return boxes;
}

/** Packs every guest's outbox of one tick. */
export function encodeGuestOutboxes(outboxes: ReadonlyArray<ReadonlyArray<GuestToHost>>): Int32Array {
  return encode(outboxes, guestMessageWords, (w, message) => {
    if (guestMessageWords(message) === 1) {
      w.put(Tag.MALFORMED);
      return;
    }
    switch (message.type) {
      case 'release':
        w.put(Tag.RELEASE);
        w.id(message.id);
        w.put(message.unbackedPages);
        w.put(message.largeFrames ?? 0);
        w.frames(message.frames);
        return;
      case 'request':
        w.put(Tag.REQUEST);
        w.id(message.id);
        w.put(PURPOSES.indexOf(message.purpose));
        w.put(message.pages);
        w.put(message.withFrames ? 1 : 0);
        return;
      case 'status':
        w.put(Tag.STATUS);
        w.put(message.balloonPages);
        w.put(message.usedPages);
        w.put(message.freePages);
        return;
      case 'stats':
        w.put(Tag.STATS);
        for (let i = 0; i < STATS_VALUES; i++) w.float(message.values[i]!);
        return;
      case 'pressure':
        w.put(Tag.PRESSURE);
        w.put(message.availablePages);
        w.put(message.committedPages);
        w.put(message.floorPages);
        for (const key of PRESSURE_FRACTIONS) w.float(message[key]);
        w.float(message.someTotalSeconds);
        w.float(message.fullTotalSeconds);
        return;
      case 'distress':
        w.put(Tag.DISTRESS);
        w.put(DISTRESS_REASONS.indexOf(message.reason));
        w.float(message.fullAvg10);
        w.put(message.availablePages);
        return;
      case 'freePageReport':
        w.put(Tag.FREE_PAGE_REPORT);
        w.id(message.id);
        w.frames(message.frames);
        return;
      case 'oomDeflate':
        w.put(Tag.OOM_DEFLATE);
        w.put(message.pages);
        return;
      case 'activeSample':
        w.put(Tag.ACTIVE_SAMPLE);
        w.id(message.id);
        w.put(message.sampledPages);
        w.put(message.touchedPages);
        return;
      case 'pagedOut':
        w.put(Tag.PAGED_OUT);
        w.id(message.id);
        w.frames(message.frames);
        return;
      case 'hostSwapRelease':
        w.put(Tag.HOST_SWAP_RELEASE);
        w.put(message.discardedPages);
        w.put(message.readPages);
        w.frames(message.frames);
        return;
      case 'plug':
        w.put(Tag.PLUG);
        w.id(message.id);
        w.put(message.pages);
        return;
      case 'unplug':
        w.put(Tag.UNPLUG);
        w.id(message.id);
        w.put(message.unbackedPages);
        w.frames(message.frames);
        return;
    }
  });
}

/** One guest message read from the wire; an undecodable one becomes `{ type: 'malformed' }`. Throws when the buffer ends inside it. */
function readGuestMessage(r: Reader): GuestToHost | MalformedOnWire {
  const tag = r.get();
  switch (tag) {
    case Tag.RELEASE: {
      const id = r.id();
      const unbackedPages = r.get();
      const largeFrames = r.get();
      return { type: 'release', id, unbackedPages, frames: r.frames(), ...(largeFrames !== 0 ? { largeFrames } : {}) };
    }
    case Tag.REQUEST: {
      const id = r.id();
      const purpose = PURPOSES[r.get()];
      const pages = r.get();
      const withFrames = r.get();
      return purpose === undefined || (withFrames !== 0 && withFrames !== 1)
        ? { type: 'malformed' }
        : { type: 'request', id, purpose, pages, withFrames: withFrames === 1 };
    }
    case Tag.STATUS:
      return { type: 'status', balloonPages: r.get(), usedPages: r.get(), freePages: r.get() };
    case Tag.STATS: {
      const values = new Float64Array(STATS_VALUES);
      for (let i = 0; i < STATS_VALUES; i++) values[i] = r.float();
      return { type: 'stats', values };
    }
    case Tag.PRESSURE: {
      const availablePages = r.get();
      const committedPages = r.get();
      const floorPages = r.get();
      const [someAvg10, someAvg60, someAvg300, fullAvg10, fullAvg60, fullAvg300] = PRESSURE_FRACTIONS.map(() => r.float()) as [number, number, number, number, number, number];
      const someTotalSeconds = r.float();
      const fullTotalSeconds = r.float();
      return { type: 'pressure', availablePages, committedPages, floorPages, someAvg10, someAvg60, someAvg300, fullAvg10, fullAvg60, fullAvg300, someTotalSeconds, fullTotalSeconds };
    }
    case Tag.DISTRESS: {
      const reason = DISTRESS_REASONS[r.get()];
      const fullAvg10 = r.float();
      const availablePages = r.get();
      return reason === undefined ? { type: 'malformed' } : { type: 'distress', reason, fullAvg10, availablePages };
    }
    case Tag.FREE_PAGE_REPORT: {
      const id = r.id();
      return { type: 'freePageReport', id, frames: r.frames() };
    }
    case Tag.OOM_DEFLATE:
      return { type: 'oomDeflate', pages: r.get() };
    case Tag.ACTIVE_SAMPLE: {
      const id = r.id();
      const sampledPages = r.get();
      return { type: 'activeSample', id, sampledPages, touchedPages: r.get() };
    }
    case Tag.PAGED_OUT: {
      const id = r.id();
      return { type: 'pagedOut', id, frames: r.frames() };
    }
    case Tag.HOST_SWAP_RELEASE: {
      const discardedPages = r.get();
      const readPages = r.get();
      return { type: 'hostSwapRelease', discardedPages, readPages, frames: r.frames() };
    }
    case Tag.PLUG: {
      const id = r.id();
      return { type: 'plug', id, pages: r.get() };
    }
    case Tag.UNPLUG: {
      const id = r.id();
      const unbackedPages = r.get();
      return { type: 'unplug', id, unbackedPages, frames: r.frames() };
    }
    default:
      return { type: 'malformed' };
  }
}

/**
 * Reads one guest's outbox (its message count, then its messages) without
 * ever throwing: junk becomes `{ type: 'malformed' }` entries, which the host
 * counts as violations of that guest. A count that is negative or larger than
 * what follows, or a message cut short by the end of the buffer, ends the
 * outbox with one more malformed entry, and `clean` false: the reader no
 * longer knows where the next outbox starts.
 */
function readGuestOutbox(r: Reader): { messages: Array<GuestToHost | MalformedOnWire>; clean: boolean } {
  const messages: Array<GuestToHost | MalformedOnWire> = [];
  try {
    const count = r.get();
    if (count < 0) {
      messages.push({ type: 'malformed' });
      return { messages, clean: false };
    }
    // No array of `count` entries up front: a hostile count may be huge; every message takes at least one word.
    for (let i = 0; i < count; i++) {
      if (r.at >= r.words.length) throw new RangeError('wire: fewer messages than the outbox counts');
      messages.push(readGuestMessage(r));
    }
    return { messages, clean: true };
  } catch {
    messages.push({ type: 'malformed' });
    return { messages, clean: false };
  }
}

/**
 * Unpacks the outboxes of a worker's guests (a batch the runtime's own worker
 * code packed); an undecodable message becomes `{ type: 'malformed' }`. A batch
 * whose layout is broken cannot be split between its guests: that is a fault
 * of the runtime, not of a guest, and throws.
 */
export function decodeGuestOutboxes(words: Int32Array): Array<Array<GuestToHost | MalformedOnWire>> {
  const reader = new Reader(words);
  const boxCount = reader.get();
  if (boxCount < 0 || boxCount > words.length) throw new RangeError(`wire: a batch of ${boxCount} guest outboxes in ${words.length} words`);
  const boxes: Array<Array<GuestToHost | MalformedOnWire>> = [];
  for (let b = 0; b < boxCount; b++) {
    const box = readGuestOutbox(reader);
    if (!box.clean) throw new RangeError(`wire: the outbox of guest ${b} of the batch is cut short or miscounted`);
    boxes.push(box.messages);
  }
  return boxes;
}

/**
 * Unpacks one guest's outbox (as `encodeGuestOutbox` packs it) and never
 * throws, whatever the words: the entry point for a guest's own bytes, which
 * may be anything. Words left over after the counted messages are one more
 * malformed entry.
 */
export function decodeGuestOutbox(words: Int32Array): Array<GuestToHost | MalformedOnWire> {
  const reader = new Reader(words);
  const box = readGuestOutbox(reader);
  if (box.clean && reader.at < words.length) box.messages.push({ type: 'malformed' });
  return box.messages;
}

/** Packs one guest's outbox: its message count, then its messages (the layout of one outbox in `encodeGuestOutboxes`). */
export function encodeGuestOutbox(outbox: ReadonlyArray<GuestToHost>): Int32Array {
  return encodeGuestOutboxes([outbox]).slice(1);
}

/** Packs every guest's inbox of one tick. */
export function encodeHostInboxes(inboxes: ReadonlyArray<ReadonlyArray<HostToGuest>>): Int32Array {
  return encode(inboxes, hostMessageWords, (w, message) => {
    switch (message.type) {
      case 'boot':
        w.put(Tag.BOOT);
        w.put(message.version);
        w.put(message.ownerId);
        w.put(message.targetPages);
        w.frames(message.frames);
        return;
      case 'setTarget':
        w.put(Tag.SET_TARGET);
        w.put(message.targetPages);
        return;
      case 'grant':
        w.put(Tag.GRANT);
        w.id(message.id);
        w.put(PURPOSES.indexOf(message.purpose));
        w.put(message.pagesAsked);
        w.put(message.unbackedPages);
        w.put(message.shortBecause !== undefined ? REASONS.indexOf(message.shortBecause) : -1);
        w.frames(message.frames);
        return;
      case 'releaseAck':
        w.put(Tag.RELEASE_ACK);
        w.id(message.id);
        w.put(message.acceptedFrames);
        w.put(message.acceptedUnbackedPages);
        w.put(message.invalidFrames);
        w.put(message.refusedBecause !== undefined ? REASONS.indexOf(message.refusedBecause) : -1);
        w.frames(message.refusedFrames);
        return;
      case 'reportAck':
        w.put(Tag.REPORT_ACK);
        w.id(message.id);
        w.put(message.acceptedFrames);
        w.put(message.invalidFrames);
        w.put(message.refusedBecause !== undefined ? REASONS.indexOf(message.refusedBecause) : -1);
        w.frames(message.refusedFrames);
        return;
      case 'sampleActive':
        w.put(Tag.SAMPLE_ACTIVE);
        w.id(message.id);
        w.put(message.pages);
        w.put(message.periodMs);
        return;
      case 'pageOut':
        w.put(Tag.PAGE_OUT);
        w.id(message.id);
        w.put(message.pages);
        return;
      case 'plugReply':
        w.put(Tag.PLUG_REPLY);
        w.id(message.id);
        w.put(message.pages);
        w.put(PLUG_STATUSES.indexOf(message.status));
        return;
    }
  });
}

/** Unpacks host inboxes (written by the host itself, so trusted). */
export function decodeHostInboxes(words: Int32Array): HostToGuest[][] {
  return decode<HostToGuest>(words, (r) => {
    const tag = r.get();
    switch (tag) {
      case Tag.BOOT: {
        const version = r.get() as ProtocolVersion;
        const ownerId = r.get();
        const targetPages = r.get();
        return { type: 'boot', version, ownerId, targetPages, frames: r.frames() };
      }
      case Tag.SET_TARGET:
        return { type: 'setTarget', targetPages: r.get() };
      case Tag.GRANT: {
        const id = r.id();
        const purpose = PURPOSES[r.get()]!;
        const pagesAsked = r.get();
        const unbackedPages = r.get();
        const reason = REASONS[r.get()];
        return { type: 'grant', id, purpose, pagesAsked, unbackedPages, frames: r.frames(), ...(reason !== undefined ? { shortBecause: reason } : {}) };
      }
      case Tag.RELEASE_ACK: {
        const id = r.id();
        const acceptedFrames = r.get();
        const acceptedUnbackedPages = r.get();
        const invalidFrames = r.get();
        const reason = REASONS[r.get()];
        return { type: 'releaseAck', id, acceptedFrames, acceptedUnbackedPages, invalidFrames, refusedFrames: r.frames(), ...(reason !== undefined ? { refusedBecause: reason } : {}) };
      }
      case Tag.REPORT_ACK: {
        const id = r.id();
        const acceptedFrames = r.get();
        const invalidFrames = r.get();
        const reason = REASONS[r.get()];
        return { type: 'reportAck', id, acceptedFrames, invalidFrames, refusedFrames: r.frames(), ...(reason !== undefined ? { refusedBecause: reason } : {}) };
      }
      case Tag.SAMPLE_ACTIVE: {
        const id = r.id();
        const pages = r.get();
        return { type: 'sampleActive', id, pages, periodMs: r.get() };
      }
      case Tag.PAGE_OUT: {
        const id = r.id();
        return { type: 'pageOut', id, pages: r.get() };
      }
      case Tag.PLUG_REPLY: {
        const id = r.id();
        const pages = r.get();
        return { type: 'plugReply', id, pages, status: PLUG_STATUSES[r.get()]! };
      }
      default:
        throw new RangeError(`wire: unknown host message tag ${tag}`);
    }
  });
}
