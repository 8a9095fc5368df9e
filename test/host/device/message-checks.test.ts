/**
 * The shape checks of what a guest sends (device/message-checks.ts, generic
 * over the entries of messages/guest-to-host.ts), one field at a time: each bad field is refused with
 * the problem the host's event log shows ("malformed message: <problem>"),
 * and the values at each limit pass. The model-based and hostile-guest tests
 * check that refused messages change nothing; this checks which messages are
 * refused, and why.
 */
import { describe, expect, it } from 'vitest';
import { checkGuestMessage } from '../../../src/host/device/message-checks.js';
import { FRAMES_PER_MESSAGE_MAX, HOST_MEMORY_FRAMES_MAX, OOM_DEFLATE_PAGES_MAX, PAGES_PER_REQUEST_MAX, REPORT_FRAMES_MAX } from '../../../src/messages/limits.js';

const frames = (count: number): Int32Array => new Int32Array(count);

const release = { type: 'release', id: 3, frames: frames(2), unbackedPages: 0 };
const request = { type: 'request', id: 4, purpose: 'deflate', pages: 5, withFrames: true };
const distress = { type: 'distress', reason: 'stall', fullAvg10: 0.5, availablePages: 10 };
const report = { type: 'freePageReport', id: 6, frames: frames(2) };
const oomDeflate = { type: 'oomDeflate', pages: 7 };
const activeSample = { type: 'activeSample', id: 8, sampledPages: 100, touchedPages: 40 };
const pagedOut = { type: 'pagedOut', id: 9, frames: frames(2) };
const hostSwapRelease = { type: 'hostSwapRelease', discardedPages: 1, readPages: 2, frames: frames(2) };
const plug = { type: 'plug', id: 10, pages: 64 };
const unplug = { type: 'unplug', id: 11, frames: frames(2), unbackedPages: 3 };

function problemOf(message: unknown): string | undefined {
  const check = checkGuestMessage(message);
  return check.ok ? undefined : check.problem;
}

/** Every message, whole and well formed, passes, and is passed on as it came. */
it.each([release, request, distress, report, oomDeflate, activeSample, pagedOut, hostSwapRelease, plug, unplug])('passes a well-formed $type', (message) => {
  const check = checkGuestMessage(message);
  expect(check).toEqual({ ok: true, message });
  if (check.ok) expect(check.message).toBe(message);
});

describe('refuses, saying why', () => {
  it.each<[string, unknown, string]>([
    ['null', null, 'not an object'],
    ['a number', 42, 'not an object'],
    ['a string', 'release', 'not an object'],
    ['an unknown type', { ...release, type: 'steal' }, 'unknown message type "steal"'],
    ['no type', { id: 1 }, 'unknown message type undefined'],
    ['a host message', { type: 'grant', id: 1 }, 'unknown message type "grant"'],
    // Not a string, though a property lookup would turn it into one ('release'): no handler could switch on it.
    ['a type that only converts to a known one', { ...release, type: ['release'] }, 'unknown message type ["release"]'],
  ])('%s', (_name, message, problem) => {
    expect(problemOf(message)).toBe(problem);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['release: no id', { ...release, id: undefined }, 'release without a valid id'],
    ['release: a negative id', { ...release, id: -1 }, 'release without a valid id'],
    ['release: frames a plain array', { ...release, frames: [1, 2] }, 'release whose frames are not an Int32Array'],
    ['release: frames a Uint32Array', { ...release, frames: new Uint32Array(2) }, 'release whose frames are not an Int32Array'],
    ['release: too many frames', { ...release, frames: frames(FRAMES_PER_MESSAGE_MAX + 1) }, `release of ${FRAMES_PER_MESSAGE_MAX + 1} frames (at most ${FRAMES_PER_MESSAGE_MAX})`],
    ['release: unbackedPages missing', { ...release, unbackedPages: undefined }, 'release with an invalid unbackedPages'],
    ['release: unbackedPages over the limit', { ...release, unbackedPages: PAGES_PER_REQUEST_MAX + 1 }, 'release with an invalid unbackedPages'],
    ['release: largeFrames past its frames', { ...release, largeFrames: 3 }, 'release with largeFrames 3 (0 to its 2 frames)'],
    ['release: largeFrames negative', { ...release, largeFrames: -1 }, 'release with largeFrames -1 (0 to its 2 frames)'],
    ['request: no id', { ...request, id: 1.5 }, 'request without a valid id'],
    ['request: an unknown purpose', { ...request, purpose: 'steal' }, 'request with an unknown purpose'],
    ['request: no pages', { ...request, pages: 0 }, `request for 0 pages (1 to ${PAGES_PER_REQUEST_MAX})`],
    ['request: too many pages', { ...request, pages: PAGES_PER_REQUEST_MAX + 1 }, `request for ${PAGES_PER_REQUEST_MAX + 1} pages (1 to ${PAGES_PER_REQUEST_MAX})`],
    ['request: pages a string', { ...request, pages: '5' }, `request for 5 pages (1 to ${PAGES_PER_REQUEST_MAX})`],
    ['request: withFrames missing', { ...request, withFrames: undefined }, 'request without a boolean withFrames'],
    ['request: withFrames a number', { ...request, withFrames: 1 }, 'request without a boolean withFrames'],
    ['request: a first touch that wants no frames', { ...request, purpose: 'populate', withFrames: false }, 'first-touch request that wants no frames'],
    ['request: a swap-in that wants no frames', { ...request, purpose: 'swapIn', withFrames: false }, 'swap-in request that wants no frames'],
    ['distress: an unknown reason', { ...distress, reason: 'bored' }, 'distress with an unknown reason "bored"'],
    ['distress: fullAvg10 above 1', { ...distress, fullAvg10: 1.5 }, 'distress with an invalid fullAvg10'],
    ['distress: fullAvg10 negative', { ...distress, fullAvg10: -0.1 }, 'distress with an invalid fullAvg10'],
    ['distress: fullAvg10 not a number', { ...distress, fullAvg10: '0.5' }, 'distress with an invalid fullAvg10'],
    ['distress: availablePages negative', { ...distress, availablePages: -1 }, 'distress with an invalid availablePages'],
    ['distress: availablePages past 2^31', { ...distress, availablePages: 2 ** 31 + 1 }, 'distress with an invalid availablePages'],
    ['free page report: no id', { ...report, id: -2 }, 'free page report without a valid id'],
    ['free page report: frames a plain array', { ...report, frames: [1] }, 'free page report whose frames are not an Int32Array'],
    ['free page report: too many frames', { ...report, frames: frames(REPORT_FRAMES_MAX + 1) }, `free page report of ${REPORT_FRAMES_MAX + 1} frames (at most ${REPORT_FRAMES_MAX})`],
    ['oomDeflate: no pages', { ...oomDeflate, pages: 0 }, `oomDeflate of 0 pages (1 to ${OOM_DEFLATE_PAGES_MAX})`],
    ['oomDeflate: too many pages', { ...oomDeflate, pages: OOM_DEFLATE_PAGES_MAX + 1 }, `oomDeflate of ${OOM_DEFLATE_PAGES_MAX + 1} pages (1 to ${OOM_DEFLATE_PAGES_MAX})`],
    ['activeSample: no id', { ...activeSample, id: undefined }, 'activeSample without a valid id'],
    ['activeSample: sampled pages negative', { ...activeSample, sampledPages: -1 }, 'activeSample of -1 pages'],
    ['activeSample: sampled pages past 2^31-1', { ...activeSample, sampledPages: 2 ** 31 }, `activeSample of ${2 ** 31} pages`],
    ['activeSample: more touched than sampled', { ...activeSample, touchedPages: 101 }, 'activeSample with 101 touched of 100 sampled pages'],
    ['pagedOut: no id', { ...pagedOut, id: 'x' }, 'pagedOut without a valid id'],
    ['pagedOut: frames a Float64Array', { ...pagedOut, frames: new Float64Array(2) }, `pagedOut whose frames are not an Int32Array of at most ${HOST_MEMORY_FRAMES_MAX}`],
    ['pagedOut: too many frames', { ...pagedOut, frames: frames(HOST_MEMORY_FRAMES_MAX + 1) }, `pagedOut whose frames are not an Int32Array of at most ${HOST_MEMORY_FRAMES_MAX}`],
    ['hostSwapRelease: discarded pages negative', { ...hostSwapRelease, discardedPages: -1 }, 'hostSwapRelease of -1 discarded and 2 read pages'],
    ['hostSwapRelease: read pages fractional', { ...hostSwapRelease, readPages: 0.5 }, 'hostSwapRelease of 1 discarded and 0.5 read pages'],
    ['hostSwapRelease: frames missing', { ...hostSwapRelease, frames: undefined }, `hostSwapRelease whose frames are not an Int32Array of at most ${HOST_MEMORY_FRAMES_MAX}`],
    ['plug: no id', { ...plug, id: null }, 'plug without a valid id'],
    ['plug: no pages', { ...plug, pages: 0 }, 'plug of 0 pages (at least 1)'],
    ['plug: pages past 2^31-1', { ...plug, pages: 2 ** 31 }, `plug of ${2 ** 31} pages (at least 1)`],
    ['unplug: no id', { ...unplug, id: -1 }, 'unplug without a valid id'],
    ['unplug: frames a plain array', { ...unplug, frames: [] }, `unplug whose frames are not an Int32Array of at most ${HOST_MEMORY_FRAMES_MAX}`],
    ['unplug: unbacked pages negative', { ...unplug, unbackedPages: -3 }, 'unplug with -3 unbacked pages'],
  ])('%s', (_name, message, problem) => {
    expect(problemOf(message)).toBe(problem);
  });
});


describe('passes the values at each limit', () => {
  it.each<[string, Record<string, unknown>]>([
    ['release: id 0, no frames, no unbacked pages', { ...release, id: 0, frames: frames(0), unbackedPages: 0 }],
    ['release: the most frames and unbacked pages', { ...release, frames: frames(FRAMES_PER_MESSAGE_MAX), unbackedPages: PAGES_PER_REQUEST_MAX }],
    ['release: every frame a large one', { ...release, largeFrames: 2 }],
    ['release: no large frames', { ...release, largeFrames: 0 }],
    ['request: one page', { ...request, pages: 1 }],
    ['request: the most pages', { ...request, pages: PAGES_PER_REQUEST_MAX }],
    ['request: a deflate without frames', { ...request, withFrames: false }],
    ['request: a first touch', { ...request, purpose: 'populate' }],
    ['request: a swap-in', { ...request, purpose: 'swapIn' }],
    ['distress: oom, fullAvg10 0, no pages available', { ...distress, reason: 'oom', fullAvg10: 0, availablePages: 0 }],
    ['distress: fullAvg10 1, 2^31 pages available', { ...distress, fullAvg10: 1, availablePages: 2 ** 31 }],
    ['free page report: the most frames', { ...report, frames: frames(REPORT_FRAMES_MAX) }],
    ['oomDeflate: one page', { ...oomDeflate, pages: 1 }],
    ['oomDeflate: the most pages', { ...oomDeflate, pages: OOM_DEFLATE_PAGES_MAX }],
    ['activeSample: every sampled page touched', { ...activeSample, touchedPages: 100 }],
    ['activeSample: nothing sampled', { ...activeSample, sampledPages: 0, touchedPages: 0 }],
    ['pagedOut: the most frames', { ...pagedOut, frames: frames(HOST_MEMORY_FRAMES_MAX) }],
    ['hostSwapRelease: nothing', { ...hostSwapRelease, discardedPages: 0, readPages: 0, frames: frames(0) }],
    ['plug: one page', { ...plug, pages: 1 }],
    ['plug: 2^31-1 pages', { ...plug, pages: 2 ** 31 - 1 }],
    ['unplug: no unbacked pages', { ...unplug, unbackedPages: 0 }],
  ])('%s', (_name, message) => {
    expect(checkGuestMessage(message)).toEqual({ ok: true, message });
  });
});
