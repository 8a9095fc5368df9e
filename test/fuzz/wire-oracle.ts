/**
 * Which of the messages a hostile guest's words decode to the host must
 * refuse and count: an independent reading of the protocol's rules
 * (src/messages/protocol.ts and the limits in src/host/*-checks.ts), kept
 * deliberately conservative. A message is "bad" only when it is bad whatever
 * the host did with the messages before it in the same outbox; where that is
 * uncertain (a free frame that an earlier request may have granted back, a
 * frame an earlier host-paging message may have taken), it is not counted.
 * The host must count at least as many violations (or, once quarantined,
 * refused messages) as there are bad messages.
 */
import { FRAMES_PER_MESSAGE_MAX, PAGES_PER_REQUEST_MAX } from '../../src/host/message-checks.js';
import { OOM_DEFLATE_PAGES_MAX, REPORT_FRAMES_MAX } from '../../src/host/model-message-checks.js';
import type { GuestToHost } from '../../src/messages/protocol.js';
import type { MalformedOnWire } from '../../src/runtime/wire-codec.js';
import { FREE, type GuestFacts } from '../support/wire-host.js';

const isFraction = (value: number): boolean => value >= 0 && value <= 1;
const isCount = (value: number, max = 2 ** 31): boolean => Number.isSafeInteger(value) && value >= 0 && value <= max;

/** Why a message is bad by its shape alone, or null. */
function shapeProblem(message: GuestToHost | MalformedOnWire): string | null {
  switch (message.type) {
    case 'malformed':
      return 'undecodable';
    case 'release':
      if (message.frames.length > FRAMES_PER_MESSAGE_MAX) return 'too many frames';
      if (!isCount(message.unbackedPages, PAGES_PER_REQUEST_MAX)) return 'bad unbackedPages';
      if (message.largeFrames !== undefined && !isCount(message.largeFrames, message.frames.length)) return 'bad largeFrames';
      return null;
    case 'request':
      if (!isCount(message.pages, PAGES_PER_REQUEST_MAX) || message.pages === 0) return 'bad page count';
      if (message.purpose !== 'deflate' && !message.withFrames) return 'wants no frames';
      return null;
    case 'status':
      return [message.balloonPages, message.usedPages, message.freePages].every((v) => isCount(v)) ? null : 'negative status';
    case 'stats':
      return Array.from(message.values).every((v) => Number.isSafeInteger(v) && v >= -1) ? null : 'bad stat value';
    case 'pressure': {
      const counts = [message.availablePages, message.committedPages, message.floorPages].every((v) => isCount(v));
      const fractions = [message.someAvg10, message.someAvg60, message.someAvg300, message.fullAvg10, message.fullAvg60, message.fullAvg300].every(isFraction);
      const totals = [message.someTotalSeconds, message.fullTotalSeconds].every((v) => Number.isFinite(v) && v >= 0);
      return counts && fractions && totals ? null : 'bad pressure figures';
    }
    case 'distress':
      return isFraction(message.fullAvg10) && isCount(message.availablePages) ? null : 'bad distress figures';
    case 'freePageReport':
      return message.frames.length > REPORT_FRAMES_MAX ? 'too many frames' : null;
    case 'oomDeflate':
      return isCount(message.pages, OOM_DEFLATE_PAGES_MAX) && message.pages > 0 ? null : 'bad page count';
    case 'activeSample':
      return isCount(message.sampledPages, 2 ** 31 - 1) && isCount(message.touchedPages, message.sampledPages) ? null : 'bad sample';
    case 'hostSwapRelease':
      return isCount(message.discardedPages, 2 ** 31 - 1) && isCount(message.readPages, 2 ** 31 - 1) ? null : 'bad page counts';
    case 'plug':
      return isCount(message.pages, 2 ** 31 - 1) && message.pages > 0 ? null : 'bad page count';
    case 'unplug':
      return isCount(message.unbackedPages, 2 ** 31 - 1) ? null : 'bad unbackedPages';
    case 'pagedOut':
      return null;
  }
}

/** The bad messages of one outbox, with why (for the failure's message). */
export function badMessages(messages: ReadonlyArray<GuestToHost | MalformedOnWire>, owners: Int32Array, sender: number, facts: GuestFacts, mayRefuseFrames: boolean): string[] {
  const why: string[] = [];
  /** The sender's frames given back by earlier messages of this outbox. */
  const given = new Set<number>();
  /** Frames whose owner an earlier message may have changed in ways this reading does not follow. */
  const unsure = new Set<number>();
  let grantsMayHaveCome = false;
  let stateTouched = false;
  messages.forEach((message, position) => {
    const shape = shapeProblem(message);
    if (shape !== null) {
      why.push(`#${position} ${message.type}: ${shape}`);
      return;
    }
    switch (message.type) {
      case 'release':
      case 'freePageReport': {
        const problem = framesProblem(message.frames, owners, sender, given, unsure, grantsMayHaveCome);
        if (problem !== null) why.push(`#${position} ${message.type}: ${problem}`);
        // Frames the sender owned are taken, whatever else the message named (the bad ones are refused alone),
        // unless the host may decline them (VMware's single pages), which the sender then keeps.
        for (const frame of message.frames) {
          if (owners[frame] !== sender || unsure.has(frame)) continue;
          if (mayRefuseFrames && message.type === 'release') unsure.add(frame);
          else given.add(frame);
        }
        stateTouched = true;
        return;
      }
      case 'request':
        if (!stateTouched) {
          const entitled = message.purpose === 'deflate' ? facts.balloonPages : message.purpose === 'populate' ? facts.unbackedPages : Number.POSITIVE_INFINITY;
          if (message.pages > entitled) why.push(`#${position} request: ${message.pages} pages to ${message.purpose}, entitled to ${entitled}`);
        }
        if (message.withFrames) grantsMayHaveCome = true;
        stateTouched = true;
        return;
      case 'oomDeflate':
        if (!stateTouched && message.pages > facts.balloonPages) why.push(`#${position} oomDeflate: ${message.pages} pages, the balloon holds ${facts.balloonPages}`);
        stateTouched = true;
        return;
      case 'pagedOut':
      case 'unplug':
      case 'hostSwapRelease':
      case 'plug':
        for (const frame of 'frames' in message ? message.frames : []) unsure.add(frame);
        stateTouched = true;
        return;
      default:
        return;
    }
  });
  return why;
}

/** Why a frame list of a release or a free page report holds a frame the sender may not give, or null. */
function framesProblem(frames: Int32Array, owners: Int32Array, sender: number, given: ReadonlySet<number>, unsure: ReadonlySet<number>, grantsMayHaveCome: boolean): string | null {
  const named = new Set<number>();
  for (const frame of frames) {
    if (frame < 0 || frame >= owners.length) return `frame ${frame} out of range`;
    if (named.has(frame)) return `frame ${frame} named twice`;
    named.add(frame);
    if (unsure.has(frame)) continue;
    const owner = owners[frame]!;
    if (owner !== sender && owner !== FREE) return `frame ${frame} of owner ${owner}`;
    // A free frame, or one given back earlier in this outbox, may have come back with a grant since.
    if (!grantsMayHaveCome && (owner === FREE || given.has(frame))) return `frame ${frame} is not the sender's`;
  }
  return null;
}
