/** The result of checking a message's shape, and the value tests the checks share. */
import type { GuestToHost } from '../../messages/protocol.js';

export type MessageCheck = { ok: true; message: GuestToHost } | { ok: false; problem: string };

/** A whole number from 0 to `max`. */
export function isCount(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max;
}

/** A message id: a whole number of at least 0. */
export function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A fraction from 0 to 1. */
export function isFraction(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= 1;
}

/** A batch of frame numbers of at most `max` entries. */
export function isFrames(value: unknown, max: number): value is Int32Array {
  return value instanceof Int32Array && ArrayBuffer.isView(value) && value.length <= max;
}
