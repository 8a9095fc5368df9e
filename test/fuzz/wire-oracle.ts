/**
 * Which of the messages a hostile guest's words decode to the host must
 * refuse and count: an independent reading of the protocol's rules
 * (src/messages/protocol.ts and limits.ts), kept deliberately conservative,
 * written without the device side's checks (src/host/device/message-checks*.ts)
 * so that a wrong check there shows here. A message is "bad" only when it is
 * bad whatever the host did with the messages before it in the same outbox;
 * where that is uncertain (a free frame that an earlier request may have
 * granted back, a frame an earlier host-paging message may have taken, an
 * entitlement an earlier message may have changed), it is not counted. The
 * device side must count at least as many violations (or, once quarantined,
 * refused messages) as there are bad messages.
 */
import { FRAMES_PER_MESSAGE_MAX, HOST_MEMORY_FRAMES_MAX, OOM_DEFLATE_PAGES_MAX, PAGES_PER_REQUEST_MAX, REPORT_FRAMES_MAX } from '../../src/messages/limits.js';
import type { GuestToHost } from '../../src/messages/protocol.js';
import type { MalformedOnWire } from '../../src/runtime/wire-codec.js';
import { FREE, type GuestFacts } from '../support/wire-host.js';

const INT32_MAX = 2 ** 31 - 1;
const isFraction = (value: number): boolean => value >= 0 && value <= 1;
const isCount = (value: number, max = 2 ** 31): boolean => Number.isSafeInteger(value) && value >= 0 && value <= max;
const isBatch = (frames: Int32Array): boolean => frames.length <= HOST_MEMORY_FRAMES_MAX;

/**
 * Why a message is bad by its shape alone, or null. Such a message is refused
 * whole: nothing it names is taken, so it changes nothing that later
 * messages of the outbox are judged against.
 */
function shapeProblem(message: GuestToHost | MalformedOnWire): string | null {
  // A message the guest numbers (the host answers it by that number) needs a whole number of at least 0; two
  // words on the wire make ids up to 2^64, most of them not numbers the host can answer.
  if ('id' in message && !(Number.isSafeInteger(message.id) && message.id >= 0)) return `bad id ${message.id}`;
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
    case 'distress':
      return isFraction(message.fullAvg10) && isCount(message.availablePages) ? null : 'bad distress figures';
    case 'freePageReport':
      return message.frames.length > REPORT_FRAMES_MAX ? 'too many frames' : null;
    case 'oomDeflate':
      return isCount(message.pages, OOM_DEFLATE_PAGES_MAX) && message.pages > 0 ? null : 'bad page count';
    case 'activeSample':
      return isCount(message.sampledPages, INT32_MAX) && isCount(message.touchedPages, message.sampledPages) ? null : 'bad sample';
    case 'hostSwapRelease':
      return isCount(message.discardedPages, INT32_MAX) && isCount(message.readPages, INT32_MAX) && isBatch(message.frames) ? null : 'bad page counts';
    case 'plug':
      return isCount(message.pages, INT32_MAX) && message.pages > 0 ? null : 'bad page count';
    case 'unplug':
      return isCount(message.unbackedPages, INT32_MAX) && isBatch(message.frames) ? null : 'bad unbackedPages';
    case 'pagedOut':
      return isBatch(message.frames) ? null : 'too many frames';
  }
}

/**
 * Why a message the sender was not entitled to send is bad, judged against
 * what the host held before the outbox (`fresh`: no earlier message of the
 * outbox may have changed it), or null.
 */
function entitlementProblem(message: GuestToHost, facts: GuestFacts, fresh: boolean): string | null {
  switch (message.type) {
    case 'release':
      return fresh && message.unbackedPages > facts.unbackedPages ? `${message.unbackedPages} unbacked pages, the guest has ${facts.unbackedPages}` : null;
    case 'request': {
      if (!fresh) return null;
      const entitled = message.purpose === 'deflate' ? facts.deflatablePages : message.purpose === 'populate' ? facts.unbackedPages : facts.swapInablePages;
      return message.pages > entitled ? `${message.pages} pages to ${message.purpose}, entitled to ${entitled}` : null;
    }
    case 'oomDeflate':
      return fresh && message.pages > facts.deflatablePages ? `${message.pages} pages, the balloon holds ${facts.deflatablePages}` : null;
    case 'activeSample':
      // Only the manager opens sampling periods (at a tick's start): none open is none open for the whole outbox.
      return facts.openSamples === 0 && message.id > facts.sampleDroppedId ? `answers no sampling request (none open)` : null;
    case 'pagedOut':
      // Likewise for pageOuts.
      return facts.pageOutOpen ? null : 'answers no pageOut (none open)';
    case 'hostSwapRelease': {
      if (!fresh) return null;
      const freed = message.discardedPages + message.readPages;
      return freed > facts.hostSwapPages || message.frames.length > facts.returnableSwapInFrames
        ? `${freed} slots and ${message.frames.length} frames, the guest holds ${facts.hostSwapPages} slots and ${facts.returnableSwapInFrames} returnable frames`
        : null;
    }
    case 'plug':
      if (facts.growth === 'reserved') return 'the guest has no hotplug room';
      return fresh && message.pages > facts.plugRoom ? `${message.pages} pages, ${facts.plugRoom} of room` : null;
    case 'unplug':
      if (facts.growth !== 'virtio-mem') return `a ${facts.growth} guest cannot unplug`;
      if (!fresh) return null;
      if (message.frames.length + message.unbackedPages > facts.pluggedPages) return `${message.frames.length + message.unbackedPages} pages, ${facts.pluggedPages} plugged`;
      return message.unbackedPages > facts.unbackedPages ? `${message.unbackedPages} unbacked pages, the guest has ${facts.unbackedPages}` : null;
    default:
      return null;
  }
}

/** The bad messages of one outbox, one entry each, with why (for the failure's message). */
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
    if (message.type === 'malformed') return;
    // A message counts once (a quarantined sender's is refused once), whatever is wrong with it.
    const problems = [entitlementProblem(message, facts, !stateTouched)];
    if (message.type === 'release' || message.type === 'freePageReport') problems.push(framesProblem(message.frames, owners, sender, given, unsure, grantsMayHaveCome));
    const found = problems.filter((problem) => problem !== null);
    if (found.length > 0) why.push(`#${position} ${message.type}: ${found.join('; ')}`);
    switch (message.type) {
      case 'release':
      case 'freePageReport': {
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
        if (message.withFrames) grantsMayHaveCome = true;
        stateTouched = true;
        return;
      case 'pagedOut':
      case 'unplug':
      case 'hostSwapRelease':
        for (const frame of message.frames) unsure.add(frame);
        stateTouched = true;
        return;
      case 'oomDeflate':
      case 'plug':
        stateTouched = true;
        return;
      case 'distress':
      case 'activeSample':
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
