/**
 * A guest's inbox while it waits for the guest's next step: the host's
 * messages of a tick kept as words in a buffer that is reused from one tick
 * to the next, and made into message objects only when the guest takes
 * them. A device side answers most of its guest's messages (release acks,
 * grants) in the tick they came, and the guest reads the answers a tick
 * later, after every other guest of its thread has stepped: kept as objects
 * they outlived the collector's young generation and filled the old one (60
 * guests whose driver releases a page at a time, hundreds of thousands of
 * acks a tick: 1.25 GB at peak, 0.50 GB with the inbox as words;
 * docs/benchmarks.md). Kept as words, nothing the inbox holds is a
 * JavaScript object, and what the guest takes dies in its step.
 *
 * Release acks and grants travel as words; the other messages (a few a run:
 * boot, targets, plug replies, sampling and paging orders) are kept as they
 * are, in their place in the order. What the guest takes is equal to what
 * was queued, field for field (frames copied into arrays of their own), and
 * in the same order.
 */
import { GRANT_PURPOSES } from './guest-to-host.js';
import { idHighWord, idLowWord, idOfWords } from './id-words.js';
import type { GrantMessage, GrantPurpose, HostToGuest, RefusalReason, ReleaseAckMessage } from './protocol.js';

/** A reason's code on the inbox's words (0: none). */
const REASON_CODES = {
  'not-owned': 1,
  'out-of-range': 2,
  repeated: 3,
  malformed: 4,
  'over-limit': 5,
  'host-busy': 6,
  quarantined: 7,
  version: 8,
} as const satisfies Record<RefusalReason, number>;

const REASONS: ReadonlyArray<RefusalReason | undefined> = [undefined, ...(Object.keys(REASON_CODES) as RefusalReason[])];
const PURPOSES = Object.keys(GRANT_PURPOSES) as GrantPurpose[];

/** How each entry of the words starts. */
const enum Tag {
  /** A message kept as it is: the index of `objects` follows. */
  OBJECT = 0,
  RELEASE_ACK = 1,
  GRANT = 2,
}

/** An ack's or a grant's words before its frames: tag, id (low, high), three counts, reason, frame count. */
const HEADER_WORDS = 8;

/** The frames of an ack that refused none: one shared empty array, as the device side sends it. */
const NO_FRAMES = new Int32Array(0);

export class InboxWire {
  private words = new Int32Array(256);
  private at = 0;
  private objects: HostToGuest[] = [];
  /** Messages queued since the last `take`. */
  length = 0;

  /** Queues a message (an ack's or a grant's frames are copied now: the sender may reuse them; other messages are kept as they are). */
  push(message: HostToGuest): void {
    this.length++;
    switch (message.type) {
      case 'releaseAck':
        this.putEntry(Tag.RELEASE_ACK, message.id, message.acceptedFrames, message.invalidFrames, message.acceptedUnbackedPages, message.refusedBecause, message.refusedFrames);
        return;
      case 'grant':
        this.putEntry(Tag.GRANT, message.id, GRANT_PURPOSES[message.purpose], message.pagesAsked, message.unbackedPages, message.shortBecause, message.runs);
        return;
      default:
        this.reserve(2);
        this.words[this.at++] = Tag.OBJECT;
        this.words[this.at++] = this.objects.length;
        this.objects.push(message);
    }
  }

  /**
   * Queues a release ack from its fields, as `push` would queue the object
   * (the device side's hot path: no object is made for an ack until the
   * guest takes it). `refusedFrames` is copied now.
   */
  pushReleaseAck(id: number, acceptedFrames: number, refusedFrames: ArrayLike<number>, invalidFrames: number, acceptedUnbackedPages: number, refusedBecause: RefusalReason | undefined): void {
    this.length++;
    this.putEntry(Tag.RELEASE_ACK, id, acceptedFrames, invalidFrames, acceptedUnbackedPages, refusedBecause, refusedFrames);
  }

  /** Queues a grant from its fields, as `push` would queue the object; `runs` is copied now. */
  pushGrant(id: number, purpose: GrantPurpose, pagesAsked: number, runs: Int32Array, unbackedPages: number, shortBecause: RefusalReason | undefined): void {
    this.length++;
    this.putEntry(Tag.GRANT, id, GRANT_PURPOSES[purpose], pagesAsked, unbackedPages, shortBecause, runs);
  }

  /** The messages queued since the last call, in order, as fresh objects; the inbox is empty after it. */
  take(): HostToGuest[] {
    const messages: HostToGuest[] = [];
    const words = this.words;
    let at = 0;
    while (at < this.at) {
      const tag = words[at]!;
      if (tag === Tag.OBJECT) {
        messages.push(this.objects[words[at + 1]!]!);
        at += 2;
      } else if (tag === Tag.RELEASE_ACK) {
        const count = words[at + 7]!;
        const ack: ReleaseAckMessage = {
          type: 'releaseAck',
          id: idOfWords(words[at + 1]!, words[at + 2]!),
          acceptedFrames: words[at + 3]!,
          refusedFrames: count === 0 ? NO_FRAMES : words.slice(at + HEADER_WORDS, at + HEADER_WORDS + count),
          invalidFrames: words[at + 4]!,
          acceptedUnbackedPages: words[at + 5]!,
        };
        const reason = REASONS[words[at + 6]!];
        if (reason !== undefined) ack.refusedBecause = reason;
        messages.push(ack);
        at += HEADER_WORDS + count;
      } else {
        const count = words[at + 7]!;
        const grant: GrantMessage = {
          type: 'grant',
          id: idOfWords(words[at + 1]!, words[at + 2]!),
          purpose: PURPOSES[words[at + 3]!]!,
          pagesAsked: words[at + 4]!,
          runs: words.slice(at + HEADER_WORDS, at + HEADER_WORDS + count),
          unbackedPages: words[at + 5]!,
        };
        const reason = REASONS[words[at + 6]!];
        if (reason !== undefined) grant.shortBecause = reason;
        messages.push(grant);
        at += HEADER_WORDS + count;
      }
    }
    this.at = 0;
    this.length = 0;
    if (this.objects.length > 0) this.objects = [];
    return messages;
  }

  /** An entry of an ack or a grant: its tag, id, three counts, reason code and frames (the header is HEADER_WORDS words). */
  private putEntry(tag: Tag, id: number, first: number, second: number, third: number, reason: RefusalReason | undefined, frames: ArrayLike<number>): void {
    this.reserve(HEADER_WORDS + frames.length);
    const words = this.words;
    const at = this.at;
    words[at] = tag;
    words[at + 1] = idLowWord(id);
    words[at + 2] = idHighWord(id);
    words[at + 3] = first;
    words[at + 4] = second;
    words[at + 5] = third;
    words[at + 6] = reason === undefined ? 0 : REASON_CODES[reason];
    words[at + 7] = frames.length;
    words.set(frames, at + HEADER_WORDS);
    this.at = at + HEADER_WORDS + frames.length;
  }

  private reserve(count: number): void {
    if (this.at + count <= this.words.length) return;
    const grown = new Int32Array(Math.max(this.words.length * 2, this.at + count));
    grown.set(this.words.subarray(0, this.at));
    this.words = grown;
  }
}
