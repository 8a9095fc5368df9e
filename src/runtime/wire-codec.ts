/**
 * The wire between a guest and its device side, like a virtqueue: a guest's
 * messages of one tick packed into one Int32Array, which the device side
 * decodes. The device only ever sees what the wire can carry: a message
 * object that does not fit its type (a hostile or broken guest) is encoded as
 * MALFORMED with nothing else, so that the host counts it, and arbitrary
 * words decode to messages or MALFORMED, never to an exception.
 *
 * Layout: [messageCount, then each message]. Each message starts with its
 * tag; ids take two words (low, high) so that they stay exact past 2^31;
 * frame batches are a length and the frames. Decoded frame batches are views
 * into the buffer (no copy), valid until the buffer is packed again.
 */
import type { DistressReason, GrantPurpose, GuestToHost } from '../messages/protocol.js';

const enum Tag {
  MALFORMED = 0,
  RELEASE = 1,
  REQUEST = 2,
  DISTRESS = 3,
  FREE_PAGE_REPORT = 4,
  OOM_DEFLATE = 5,
  ACTIVE_SAMPLE = 6,
  PAGED_OUT = 7,
  HOST_SWAP_RELEASE = 8,
  PLUG = 9,
  UNPLUG = 10,
}

const DISTRESS_REASONS: ReadonlyArray<DistressReason> = ['stall', 'oom'];

/** Floats travel as the two words of their IEEE-754 bits, so that a worker's figures reach the host exactly as inline ones do. */
const floatBits = new Float64Array(1);
const floatWords = new Int32Array(floatBits.buffer);

const PURPOSES: ReadonlyArray<GrantPurpose> = ['deflate', 'populate', 'swapIn'];

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

/**
 * What a guest's message looks like after crossing the wire: itself if the
 * wire can carry it, MALFORMED if not.
 */
export function toWireShape(message: GuestToHost): GuestToHost | MalformedOnWire {
  return guestMessageWords(message) === 1 ? { type: 'malformed' } : message;
}

class Writer {
  words = new Int32Array(1024);
  at = 0;

  /** Makes room for `count` more words (the buffer is reused from one outbox to the next). */
  reserve(count: number): void {
    if (this.at + count <= this.words.length) return;
    const grown = new Int32Array(Math.max(this.words.length * 2, this.at + count));
    grown.set(this.words.subarray(0, this.at));
    this.words = grown;
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

/**
 * A guest's side of the wire: packs its outbox of a tick into a buffer that
 * is reused from one tick to the next (a view is returned: decode it before
 * the next `pack`).
 */
export class OutboxWire {
  private readonly writer = new Writer();

  pack(messages: ReadonlyArray<GuestToHost>): Int32Array {
    const w = this.writer;
    w.at = 0;
    let length = 1;
    for (const message of messages) length += guestMessageWords(message);
    w.reserve(length);
    w.put(messages.length);
    for (const message of messages) writeGuestMessage(w, message);
    return w.words.subarray(0, w.at);
  }
}

function writeGuestMessage(w: Writer, message: GuestToHost): void {
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
}

/**
 * The device side's end of the wire: the messages in one guest's packed
 * outbox (its message count, then its messages). Any words decode, without
 * ever throwing: an unknown tag or a field out of its range becomes
 * MALFORMED; a negative count, a message cut short by the end of the buffer
 * or a count larger than what follows ends the outbox with one MALFORMED,
 * and so do words left over after the counted messages. The device side
 * counts each as a violation of that guest.
 */
export function unpackOutbox(words: Int32Array): Array<GuestToHost | MalformedOnWire> {
  const r = new Reader(words);
  const messages: Array<GuestToHost | MalformedOnWire> = [];
  try {
    const count = r.get();
    if (count < 0) throw new RangeError('wire: a negative message count');
    // No array of `count` entries up front: a hostile count may be huge; every message takes at least one word.
    for (let i = 0; i < count; i++) {
      if (r.at >= words.length) throw new RangeError('wire: fewer messages than the outbox counts');
      messages.push(readGuestMessage(r));
    }
    if (r.at < words.length) messages.push({ type: 'malformed' });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    messages.push({ type: 'malformed' });
  }
  return messages;
}

/** Packs one outbox into a fresh buffer (tests and the wire fuzzer; the guest threads reuse an OutboxWire). */
export function packOutbox(messages: ReadonlyArray<GuestToHost>): Int32Array {
  return new OutboxWire().pack(messages).slice();
}

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
