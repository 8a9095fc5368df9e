import { ThrowingGuest, type SteppingGuest } from '../faults/throwing-guest.js';
import { GuestActor } from '../guest/guest-actor.js';
import { HostileGuestActor } from '../guest/hostile-guest.js';
import type { GuestInit } from '../messages/runtime.js';

/** The actor a guest's init asks for: honest or hostile, wrapped to throw where faults are injected. */
export function createGuestActor(init: GuestInit): SteppingGuest {
  const actor: SteppingGuest = init.spec.hostile !== undefined ? new HostileGuestActor(init) : new GuestActor(init);
  const throwAt = init.faults?.throwAt ?? [];
  return throwAt.length > 0 ? new ThrowingGuest(actor, throwAt) : actor;
}
