/**
 * The host's shape check of what a guest sends: generic over the protocol's
 * table (messages/guest-to-host.ts), whose entry for each message type holds
 * its check. Messages cross a thread, so a hostile or broken guest can send
 * anything; nothing is believed until it has passed this check.
 */
import { guestToHostEntry } from '../../messages/guest-to-host.js';
import type { GuestToHost } from '../../messages/protocol.js';

export type MessageCheck = { ok: true; message: GuestToHost } | { ok: false; problem: string };

/** Checks the shape of a message that came from a guest: an object whose type is in the table and that its entry's check passes. */
export function checkGuestMessage(value: unknown): MessageCheck {
  const problem = guestMessageProblem(value);
  return problem === null ? { ok: true, message: value as GuestToHost } : { ok: false, problem };
}

/** `checkGuestMessage` without the answer's object (the device side's loop over every message): what is wrong, or null. */
export function guestMessageProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const message = value as Record<string, unknown>;
  const entry = guestToHostEntry(message.type);
  if (entry === undefined) return `unknown message type ${JSON.stringify(message.type)}`;
  return entry.check(message);
}
