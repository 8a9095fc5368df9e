/**
 * The wire between a guest and its device side, like a virtqueue: a guest's
 * messages of one tick packed into one Int32Array, which the device side
 * decodes. Generic over the protocol's table (messages/guest-to-host.ts):
 * each message is its entry's tag and then its fields, in the entry's order,
 * as the entry says they travel. The device only ever sees what the wire can
 * carry: a message object that does not fit its type (a hostile or broken
 * guest) is encoded as MALFORMED with nothing else, so that the host counts
 * it, and arbitrary words decode to messages or MALFORMED, never to an
 * exception.
 *
 * Layout: [messageCount, then each message]. Ids take two words (low, high: messages/id-words.ts)
 * so that they stay exact past 2^31; floats the two words of their bits;
 * frame batches a length and the frames. Decoded frame batches are views
 * into the buffer (no copy), valid until the buffer is packed again.
 */
import { isId, isInt32 } from '../messages/check-values.js';
import { idHighWord, idLowWord, idOfWords } from '../messages/id-words.js';
import { GUEST_TO_HOST, type GuestToHostType, type AnyWireField } from '../messages/guest-to-host.js';
import type { GuestToHost } from '../messages/protocol.js';

/** The tag of a message the wire could not carry. */
const MALFORMED = 0;

/** A message that reached the host undecodable; the host counts it as a protocol violation. */
export interface MalformedOnWire {
  type: 'malformed';
}

/**
 * One entry of the table compiled for the hot path (at load, once): its
 * words, writer and reader. Each is straight-line code over the entry's own
 * fields (`m.id`, `m.frames`, ...), as hand-written code would be, so that
 * a guest's outbox packs and unpacks every tick at the speed of a switch
 * over the message types; written out of the table, so that it cannot
 * disagree with it.
 */
interface Compiled {
  readonly tag: number;
  /** Words the message takes, tag included, or 1 if the wire cannot carry it. */
  readonly words: (message: GuestToHost) => number;
  /** Writes the message (one that `words` said the wire can carry), tag first. */
  readonly write: (w: Writer, message: GuestToHost) => void;
  /** Reads the fields after the tag: the message, or MALFORMED if a choice or boolean is out of its codes (after reading all its words). */
  readonly read: (r: Reader) => GuestToHost | MalformedOnWire;
}

/** A field name is written into the compiled code: only plain identifiers. */
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The code of one entry's words, writer and reader; choices' codes and values are passed in as `codes[i]` and `values[i]`. */
function entrySource(type: GuestToHostType, tag: number, fields: ReadonlyArray<[string, AnyWireField]>): string {
  let fixedWords = 1;
  const fits: string[] = [];
  const writes: string[] = [`w.put(${tag});`];
  const reads: string[] = [];
  const valid: string[] = [];
  const required: string[] = [`type: ${JSON.stringify(type)}`];
  const optional: string[] = [];
  let frameWords = '';
  fields.forEach(([key, field], i) => {
    if (!IDENTIFIER.test(key)) throw new Error(`wire-codec: ${type} has a field named ${JSON.stringify(key)}; field names must be identifiers`);
    const value = `m.${key}`;
    switch (field) {
      case 'id':
        fixedWords += 2;
        fits.push(`isId(${value})`);
        writes.push(`w.id(${value});`);
        reads.push(`const f${i} = r.id();`);
        required.push(`${key}: f${i}`);
        return;
      case 'int32':
        fixedWords += 1;
        fits.push(`isInt32(${value})`);
        writes.push(`w.put(${value});`);
        reads.push(`const f${i} = r.get();`);
        required.push(`${key}: f${i}`);
        return;
      case 'optionalInt32':
        fixedWords += 1;
        fits.push(`(${value} === undefined || isInt32(${value}))`);
        writes.push(`w.put(${value} ?? 0);`);
        reads.push(`const f${i} = r.get();`);
        optional.push(`if (f${i} !== 0) message.${key} = f${i};`);
        return;
      case 'float':
        fixedWords += 2;
        fits.push(`typeof ${value} === 'number'`);
        writes.push(`w.float(${value});`);
        reads.push(`const f${i} = r.float();`);
        required.push(`${key}: f${i}`);
        return;
      case 'boolean':
        fixedWords += 1;
        fits.push(`typeof ${value} === 'boolean'`);
        writes.push(`w.put(${value} ? 1 : 0);`);
        reads.push(`const f${i} = r.get();`);
        valid.push(`(f${i} === 0 || f${i} === 1)`);
        required.push(`${key}: f${i} === 1`);
        return;
      case 'frames':
        fixedWords += 1;
        fits.push(`${value} instanceof Int32Array`);
        frameWords += ` + ${value}.length`;
        writes.push(`w.frames(${value});`);
        reads.push(`const f${i} = r.frames();`);
        required.push(`${key}: f${i}`);
        return;
      default:
        fixedWords += 1;
        fits.push(`(typeof ${value} === 'string' && Object.hasOwn(codes[${i}], ${value}))`);
        writes.push(`w.put(codes[${i}][${value}]);`);
        reads.push(`const f${i} = values[${i}][r.get()];`);
        valid.push(`f${i} !== undefined`);
        required.push(`${key}: f${i}`);
    }
  });
  return `
    function words(m) { return ${fits.length > 0 ? fits.join(' && ') : 'true'} ? ${fixedWords}${frameWords} : 1; }
    function write(w, m) { ${writes.join(' ')} }
    function read(r) {
      ${reads.join(' ')}
      ${valid.length > 0 ? `if (!(${valid.join(' && ')})) return { type: 'malformed' };` : ''}
      const message = { ${required.join(', ')} };
      ${optional.join(' ')}
      return message;
    }
    return { tag: ${tag}, words, write, read };`;
}

/**
 * The table compiled, by type and by tag. Throws at load if the tags are not
 * 1, 2, 3 ... in table order, or a choice's codes are not 0, 1, 2 ... in
 * order: both ends of the wire are built from the same table, and a gap or a
 * repeat would make a message decode as another.
 */
function compileTable(): { byType: Map<string, Compiled>; byTag: Compiled[] } {
  const byType = new Map<string, Compiled>();
  const byTag: Compiled[] = [];
  for (const [type, entry] of Object.entries(GUEST_TO_HOST) as Array<[GuestToHostType, (typeof GUEST_TO_HOST)[GuestToHostType]]>) {
    if (entry.tag !== byTag.length + 1) throw new Error(`wire-codec: the entry of ${type} has tag ${entry.tag}; tags must be 1, 2, 3 ... in table order (expected ${byTag.length + 1})`);
    const fields = Object.entries(entry.fields) as Array<[string, AnyWireField]>;
    const codes = fields.map(([, field]) => (typeof field === 'object' ? field.choice : null));
    const values = codes.map((choice, index) => {
      if (choice === null) return null;
      const names = Object.keys(choice);
      names.forEach((name, code) => {
        if (choice[name] !== code) throw new Error(`wire-codec: ${type}.${fields[index]![0]} codes ${name} as ${choice[name]}; a choice's codes must be 0, 1, 2 ... in order`);
      });
      return names;
    });
    // The code is written from the table's own field names (identifiers only) and numbers: see entrySource.
    const compiled = new Function('isId', 'isInt32', 'codes', 'values', entrySource(type, entry.tag, fields))(isId, isInt32, codes, values) as Compiled;
    byType.set(type, compiled);
    byTag.push(compiled);
  }
  return { byType, byTag };
}

const { byType: COMPILED_BY_TYPE, byTag: COMPILED_BY_TAG } = compileTable();

/** The tag of each message type on the wire (for tests and tools). */
export function wireTag(type: GuestToHostType): number {
  return COMPILED_BY_TYPE.get(type)!.tag;
}

/** Floats travel as the two words of their IEEE-754 bits, so that a worker's figures reach the host exactly as inline ones do. */
const floatBits = new Float64Array(1);
const floatWords = new Int32Array(floatBits.buffer);

/** Words a guest-to-host message takes, or 1 if the wire cannot carry it (encoded as MALFORMED). */
function messageWords(message: GuestToHost): number {
  const type: unknown = message?.type;
  const compiled = typeof type === 'string' ? COMPILED_BY_TYPE.get(type) : undefined;
  return compiled === undefined ? 1 : compiled.words(message);
}

/**
 * What a guest's message looks like after crossing the wire: itself if the
 * wire can carry it, MALFORMED if not.
 */
export function toWireShape(message: GuestToHost): GuestToHost | MalformedOnWire {
  return messageWords(message) === 1 ? { type: 'malformed' } : message;
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
    this.put(idLowWord(value));
    this.put(idHighWord(value));
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
    const low = this.get();
    return idOfWords(low, this.get());
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
  /** Words of each message of the outbox being packed (1: MALFORMED), reused from one outbox to the next. */
  private sizes = new Int32Array(64);

  pack(messages: ReadonlyArray<GuestToHost>): Int32Array {
    const w = this.writer;
    if (messages.length > this.sizes.length) this.sizes = new Int32Array(Math.max(this.sizes.length * 2, messages.length));
    const sizes = this.sizes;
    w.at = 0;
    let length = 1;
    for (let i = 0; i < messages.length; i++) length += sizes[i] = messageWords(messages[i]!);
    w.reserve(length);
    w.put(messages.length);
    for (let i = 0; i < messages.length; i++) {
      if (sizes[i] === 1) w.put(MALFORMED);
      else writeMessage(w, messages[i]!);
    }
    return w.words.subarray(0, w.at);
  }
}

/** Writes a message the wire can carry (messageWords said so). */
function writeMessage(w: Writer, message: GuestToHost): void {
  COMPILED_BY_TYPE.get(message.type)!.write(w, message);
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
      messages.push(readMessage(r));
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

/**
 * One message: the entry of its tag reads it. A tag that names no entry
 * (MALFORMED, or words a guest made up) is MALFORMED; so is a message with a
 * choice or a boolean out of its codes, after all its fields are read (the
 * next message starts after them).
 */
function readMessage(r: Reader): GuestToHost | MalformedOnWire {
  const compiled = COMPILED_BY_TAG[r.get() - 1];
  return compiled === undefined ? { type: 'malformed' } : compiled.read(r);
}
