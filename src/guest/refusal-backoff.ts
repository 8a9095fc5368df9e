/**
 * How long a balloon driver waits after the host refused a try, when the
 * host refuses everything the guest sends (a quarantined guest: its releases
 * are handed back, its requests granted nothing). The first refusal waits
 * the profile's back-off, each refusal in a row twice as long, up to
 * REFUSAL_BACKOFF_MAX_MS; a try the host takes ends the row. A driver that
 * retried at its usual pace sent its whole balloon again and again, up to
 * DRIVER_MESSAGES_PER_TICK_MAX messages a tick, all refused: 60 quarantined
 * Xen guests with batches of one page sent millions of messages a simulated
 * second.
 */

/** The longest wait: Xen's longest back-off (REFERENCE.md), for every profile. */
export const REFUSAL_BACKOFF_MAX_MS = 32_000;

export class RefusalBackoff {
  /** The wait after the last refusal (0: the last try was taken). */
  private delayMs = 0;
  private untilMs = 0;

  constructor(private readonly firstDelayMs: number) {}

  /**
   * The host refused a try at `nowMs`: returns when the driver may try
   * again. The other refusals of the same try (its other messages, answered
   * while the driver waits) change nothing.
   */
  refused(nowMs: number): number {
    if (nowMs >= this.untilMs) {
      this.delayMs = this.delayMs === 0 ? this.firstDelayMs : Math.min(REFUSAL_BACKOFF_MAX_MS, this.delayMs * 2);
      this.untilMs = nowMs + this.delayMs;
    }
    return this.untilMs;
  }

  /** The host took a try: the next refusal waits the first delay again. */
  taken(): void {
    this.delayMs = 0;
  }
}
