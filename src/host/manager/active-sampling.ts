/**
 * The memory manager's side of ESX's active-memory sampling: every period it
 * asks each live guest to sample random pages of its memory (`sampleActive`);
 * the guest's device side checks the answer (`activeSample`) and publishes it
 * for policies (PolicyGuestView.activeSample and touchedFraction) and the
 * over-shrink guard. The host never reads the guest's pages: it learns counts only.
 */

/** ESX's sampling: 100 random pages every 30 s (Waldspurger 2002). */
export const ACTIVE_SAMPLING_DEFAULT = { pages: 100, periodMs: 30_000 } as const;

/** The largest period a sampling request may carry (it travels as a 32-bit count of ms). */
const PERIOD_MS_MAX = 2 ** 31 - 1;

export interface ActiveSamplingSettings {
  readonly pages: number;
  readonly periodMs: number;
}

/** One request of a sampling period, for one guest. */
export interface SampleRequest {
  guest: number;
  id: number;
  pages: number;
  periodMs: number;
}

/** When the next sampling period starts, and the ids of the requests. */
export class ActiveSampling {
  private nextMs = 0;
  private nextId = 1;

  /** Starts the next period at once (a new policy may sample on another period). */
  restart(nowMs: number): void {
    this.nextMs = nowMs;
  }

  /** If a period starts at `nowMs`, returns the request for each live guest (by index); otherwise nothing. */
  begin(nowMs: number, live: ReadonlyArray<{ index: number; alive: boolean }>, settings: ActiveSamplingSettings): SampleRequest[] {
    if (nowMs < this.nextMs) return [];
    const periodMs = Math.min(PERIOD_MS_MAX, Math.max(1, Math.floor(settings.periodMs)));
    const pages = Math.max(1, Math.floor(settings.pages));
    this.nextMs = nowMs + periodMs;
    const requests: SampleRequest[] = [];
    for (const guest of live) {
      if (guest.alive) requests.push({ guest: guest.index, id: this.nextId++, pages, periodMs });
    }
    return requests;
  }
}
