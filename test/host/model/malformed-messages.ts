/**
 * Messages a guest may send that the host must refuse whole, whatever frames
 * they name (each is one protocol violation and changes nothing), for the
 * model-based test of the host's frame handling.
 */
import { FRAMES_PER_MESSAGE_MAX, PAGES_PER_REQUEST_MAX } from '../../../src/messages/limits.js';

/** Messages the host must refuse whole, whatever frames they name: each is a violation and changes nothing. */
export const MALFORMED: ReadonlyArray<{ name: string; build: (own: number[], id: number) => unknown }> = [
  { name: 'null', build: () => null },
  { name: 'a number', build: () => 42 },
  { name: 'a string', build: () => 'release' },
  { name: 'a plain array of frames', build: (own) => own },
  { name: 'a bare Int32Array of frames', build: (own) => Int32Array.from(own) },
  { name: 'an object without type', build: (own, id) => ({ id, frames: Int32Array.from(own), unbackedPages: 0 }) },
  { name: 'an unknown type', build: (own, id) => ({ type: 'steal', id, frames: Int32Array.from(own), unbackedPages: 0 }) },
  { name: 'a host message (grant)', build: (own, id) => ({ type: 'grant', id, purpose: 'deflate', pagesAsked: own.length, runs: Int32Array.from(own.flatMap((frame) => [frame, 1])), unbackedPages: 0 }) },
  { name: 'a host message (boot)', build: (own) => ({ type: 'boot', version: 1, ownerId: 1, runs: Int32Array.from(own.flatMap((frame) => [frame, 1])), targetPages: 1 }) },
  { name: 'release with frames as a plain array', build: (own, id) => ({ type: 'release', id, frames: own, unbackedPages: 0 }) },
  { name: 'release with frames as a Uint32Array', build: (own, id) => ({ type: 'release', id, frames: Uint32Array.from(own), unbackedPages: 0 }) },
  { name: 'release with frames as a Float64Array', build: (own, id) => ({ type: 'release', id, frames: Float64Array.from(own), unbackedPages: 0 }) },
  { name: 'release with frames null', build: (_own, id) => ({ type: 'release', id, frames: null, unbackedPages: 0 }) },
  { name: 'release without frames', build: (_own, id) => ({ type: 'release', id, unbackedPages: 0 }) },
  { name: 'release without id', build: (own) => ({ type: 'release', frames: Int32Array.from(own), unbackedPages: 0 }) },
  { name: 'release with a negative id', build: (own) => ({ type: 'release', id: -1, frames: Int32Array.from(own), unbackedPages: 0 }) },
  { name: 'release with a string id', build: (own, id) => ({ type: 'release', id: String(id), frames: Int32Array.from(own), unbackedPages: 0 }) },
  { name: 'release with an unsafe id', build: (own) => ({ type: 'release', id: 2 ** 53, frames: Int32Array.from(own), unbackedPages: 0 }) },
  { name: 'release without unbackedPages', build: (own, id) => ({ type: 'release', id, frames: Int32Array.from(own) }) },
  { name: 'release with negative unbackedPages', build: (own, id) => ({ type: 'release', id, frames: Int32Array.from(own), unbackedPages: -1 }) },
  { name: 'release with fractional unbackedPages', build: (own, id) => ({ type: 'release', id, frames: Int32Array.from(own), unbackedPages: 0.5 }) },
  { name: 'release with NaN unbackedPages', build: (own, id) => ({ type: 'release', id, frames: Int32Array.from(own), unbackedPages: Number.NaN }) },
  {
    name: 'release with unbackedPages over the limit',
    build: (own, id) => ({ type: 'release', id, frames: Int32Array.from(own), unbackedPages: PAGES_PER_REQUEST_MAX + 1 }),
  },
  {
    name: `release of ${FRAMES_PER_MESSAGE_MAX + 1} frames`,
    build: (own, id) => {
      const frames = new Int32Array(FRAMES_PER_MESSAGE_MAX + 1);
      for (let i = 0; i < frames.length; i++) frames[i] = own.length > 0 ? own[i % own.length]! : 0;
      return { type: 'release', id, frames, unbackedPages: 0 };
    },
  },
  { name: 'request with an unknown purpose', build: (_own, id) => ({ type: 'request', id, purpose: 'steal', pages: 1, withFrames: true }) },
  { name: 'request without purpose', build: (_own, id) => ({ type: 'request', id, pages: 1, withFrames: true }) },
  { name: 'request without id', build: () => ({ type: 'request', purpose: 'populate', pages: 1, withFrames: true }) },
  { name: 'request for 0 pages', build: (_own, id) => ({ type: 'request', id, purpose: 'deflate', pages: 0, withFrames: true }) },
  { name: 'request for -3 pages', build: (_own, id) => ({ type: 'request', id, purpose: 'populate', pages: -3, withFrames: true }) },
  { name: 'request for 1.5 pages', build: (_own, id) => ({ type: 'request', id, purpose: 'populate', pages: 1.5, withFrames: true }) },
  { name: 'request for NaN pages', build: (_own, id) => ({ type: 'request', id, purpose: 'deflate', pages: Number.NaN, withFrames: true }) },
  { name: 'request for "3" pages', build: (_own, id) => ({ type: 'request', id, purpose: 'deflate', pages: '3', withFrames: true }) },
  {
    name: 'request over the limit',
    build: (_own, id) => ({ type: 'request', id, purpose: 'populate', pages: PAGES_PER_REQUEST_MAX + 1, withFrames: true }),
  },
  { name: 'request without withFrames', build: (_own, id) => ({ type: 'request', id, purpose: 'deflate', pages: 1 }) },
  { name: 'request with withFrames "yes"', build: (_own, id) => ({ type: 'request', id, purpose: 'deflate', pages: 1, withFrames: 'yes' }) },
  { name: 'first-touch request that wants no frames', build: (_own, id) => ({ type: 'request', id, purpose: 'populate', pages: 1, withFrames: false }) },
  { name: 'status with negative freePages', build: () => ({ type: 'status', balloonPages: 0, usedPages: 0, freePages: -1 }) },
  { name: 'status without usedPages', build: () => ({ type: 'status', balloonPages: 0, freePages: 0 }) },
  // Status, stats and pressure reports are published in shared memory now: as messages they are no protocol action.
  { name: 'a well-formed status message', build: () => ({ type: 'status', balloonPages: 0, usedPages: 1, freePages: 1 }) },
  { name: 'a well-formed stats message', build: () => ({ type: 'stats', values: new Float64Array(16) }) },
  { name: 'a pressure message', build: () => ({ type: 'pressure', availablePages: 1, committedPages: 1, floorPages: 0 }) },
  // Host memory management: frames handed over that no one asked for, and answers to no question.
  { name: 'pagedOut that answers no pageOut', build: (own, id) => ({ type: 'pagedOut', id, frames: Int32Array.from(own) }) },
  { name: 'pagedOut with frames as a plain array', build: (own, id) => ({ type: 'pagedOut', id, frames: own }) },
  { name: 'hostSwapRelease of frames never granted for a swap-in', build: (own) => ({ type: 'hostSwapRelease', discardedPages: 0, readPages: 0, frames: Int32Array.from(own.length > 0 ? own : [0]) }) },
  { name: 'hostSwapRelease of slots it does not hold', build: () => ({ type: 'hostSwapRelease', discardedPages: 1, readPages: 0, frames: new Int32Array(0) }) },
  { name: 'unplug from a guest without plugged memory', build: (own, id) => ({ type: 'unplug', id, frames: Int32Array.from(own), unbackedPages: 0 }) },
  { name: 'activeSample that answers no sampling request', build: (_own, id) => ({ type: 'activeSample', id, sampledPages: 1, touchedPages: 1 }) },
  { name: 'activeSample with more touched than sampled', build: (_own, id) => ({ type: 'activeSample', id, sampledPages: 1, touchedPages: 2 }) },
];
