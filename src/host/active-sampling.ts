/**
 * The host's side of ESX's active-memory sampling: every period it asks each
 * live guest to sample random pages of its memory (`sampleActive`) and keeps
 * the answer (`activeSample`) for policies (PolicyGuestView.activeSample and
 * touchedFraction) and the over-shrink guard. The host never reads the
 * guest's pages: it learns counts only.
 */
import type { ActiveSampleMessage } from '../messages/protocol.js';
import type { GuestAccount } from './guest-account.js';

/** ESX's sampling: 100 random pages every 30 s (Waldspurger 2002). */
export const ACTIVE_SAMPLING_DEFAULT = { pages: 100, periodMs: 30_000 } as const;

/** The largest period a sampling request may carry (it travels as a 32-bit count of ms). */
const PERIOD_MS_MAX = 2 ** 31 - 1;

/**
 * Open requests the host remembers per guest. In lockstep a guest answers
 * within a period, so two are ever open; in free-running mode a guest can
 * fall behind the host by several periods. Past this many the oldest is
 * dropped, and a late answer to it is ignored (not a violation).
 */
export const ACTIVE_SAMPLE_OPEN_MAX = 64;

export interface ActiveSamplingSettings {
  readonly pages: number;
  readonly periodMs: number;
}

/** When the next sampling period starts, and the ids of the requests. */
export class ActiveSampling {
  private nextMs = 0;
  private nextId = 1;

  /** Starts the next period at once (a new policy may sample on another period). */
  restart(nowMs: number): void {
    this.nextMs = nowMs;
  }

  /**
   * If a period starts at `nowMs`, returns the request for each live guest
   * (and notes it in the guest's account); otherwise nothing.
   */
  begin(nowMs: number, accounts: ReadonlyArray<GuestAccount>, settings: ActiveSamplingSettings): Array<{ account: GuestAccount; id: number; pages: number; periodMs: number }> {
    if (nowMs < this.nextMs) return [];
    const periodMs = Math.min(PERIOD_MS_MAX, Math.max(1, Math.floor(settings.periodMs)));
    const pages = Math.max(1, Math.floor(settings.pages));
    this.nextMs = nowMs + periodMs;
    const requests = [];
    for (const account of accounts) {
      if (!account.alive) continue;
      const id = this.nextId++;
      // The guest answers the open period when a new one reaches it, so answers come in order.
      const open = account.activeSampleAsked;
      open.push({ id, pages });
      if (open.length > ACTIVE_SAMPLE_OPEN_MAX) account.activeSampleDroppedId = open.shift()!.id;
      requests.push({ account, id, pages, periodMs });
    }
    return requests;
  }
}

/**
 * Takes a guest's answer. Returns a problem (a protocol violation) if it does
 * not answer an open request or samples more pages than asked; otherwise
 * the account holds the new sample (unless it answers a request the host has
 * dropped, which is ignored).
 */
export function takeActiveSample(account: GuestAccount, message: ActiveSampleMessage, nowMs: number): string | null {
  const open = account.activeSampleAsked;
  const asked = open.find((request) => request.id === message.id);
  if (asked === undefined && message.id <= account.activeSampleDroppedId && message.id < (open[0]?.id ?? Infinity)) return null;
  if (asked === undefined) return `activeSample ${message.id} answers no open sampling request${open.length > 0 ? ` (open: ${open.map((request) => request.id).join(', ')})` : ''}`;
  if (message.sampledPages > asked.pages) return `activeSample ${message.id} sampled ${message.sampledPages} pages, ${asked.pages} were asked for`;
  account.activeSampleAsked = open.filter((request) => request.id > message.id);
  account.activeSample = { sampledPages: message.sampledPages, touchedPages: message.touchedPages, atMs: nowMs };
  account.touchedFraction = message.sampledPages > 0 ? message.touchedPages / message.sampledPages : null;
  return null;
}
