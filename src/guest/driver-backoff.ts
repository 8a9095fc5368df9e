import type { DriverProfile } from './driver-profiles.js';
import type { VmwareCycle } from './vmware-cycle.js';

/** The longest wait after refusals in a row: Xen's longest back-off (REFERENCE.md), for every profile. */
export const REFUSAL_BACKOFF_MAX_MS = 32_000;

/**
 * When a balloon driver may work again after a failure, as its profile
 * backs off: virtio 200 ms ("Out of puff"); Xen 1 s, doubling at each
 * failure in a row (a page it could not take, a short grant) up to 32 s and
 * back to 1 s on success; VMware to the end of its cycle; Hyper-V 1 s.
 *
 * A host that refuses every try (a quarantined guest: releases handed back,
 * requests granted nothing) makes any driver wait its first back-off, then
 * twice as long at each refusal in a row up to REFUSAL_BACKOFF_MAX_MS; a try
 * the host takes ends the row. A driver that retried at its usual pace sent
 * its whole balloon again and again, up to DRIVER_MESSAGES_PER_TICK_MAX
 * messages a tick, all refused: 60 quarantined Xen guests with batches of
 * one page sent millions of messages a simulated second.
 *
 * A try's messages are answered at the same time: only the first failure of
 * a try counts for the doubling (a later one finds the driver already
 * waiting).
 */
export class DriverBackoff {
  /** The driver works again from this time on. */
  private untilMs = 0;
  /** The profile's wait after the next failure (Xen's doubles). */
  private delayMs: number;
  /** The wait after the last refusal (0: the last try was taken), and when it ends. */
  private refusalDelayMs = 0;
  private refusalUntilMs = 0;

  constructor(private readonly profile: DriverProfile) {
    this.delayMs = profile.backoffMs;
  }

  /** Whether the driver may work at `nowMs`. */
  ready(nowMs: number): boolean {
    return nowMs >= this.untilMs;
  }

  /** An inflate found no page, `spentMs` into the tick at `nowMs`; VMware waits for the end of its cycle (which the failure slows). */
  inflateFailed(nowMs: number, spentMs: number, cycle: VmwareCycle | undefined): void {
    switch (this.profile.backoff) {
      case 'fixed':
        this.untilMs = nowMs + spentMs + this.profile.backoffMs;
        return;
      case 'doubling':
        this.waitAndDouble(nowMs + spentMs);
        return;
      case 'rate-adaptive':
        cycle!.fail();
        this.untilMs = cycle!.endMs;
        return;
    }
  }

  /** An inflate sent pages (or a deflate was granted in full): Xen's delay is back at its first. */
  inflated(): void {
    if (this.profile.backoff === 'doubling') this.delayMs = this.profile.backoffMs;
  }

  /** Xen: waits its delay from `fromMs`, and the next failure in a row waits twice as long. */
  private waitAndDouble(fromMs: number): void {
    this.untilMs = fromMs + this.delayMs;
    this.delayMs = Math.min(this.profile.backoffMaxMs, this.delayMs * 2);
  }

  /** A deflate request came back short at `nowMs`: the host had fewer frames, or refuses the guest. */
  shortGrant(nowMs: number, quarantined: boolean): void {
    if (quarantined) this.refused(nowMs);
    else if (this.profile.backoff !== 'doubling') this.waitUntil(nowMs + this.delayMs);
    else if (this.ready(nowMs)) this.waitAndDouble(nowMs);
  }

  /** A deflate request was granted in full. */
  fullGrant(): void {
    this.taken();
    this.inflated();
  }

  /** The host refused a release at `nowMs` (not VMware's single pages: its cycle decides those). */
  refused(nowMs: number): void {
    if (nowMs >= this.refusalUntilMs) {
      this.refusalDelayMs = this.refusalDelayMs === 0 ? this.profile.backoffMs : Math.min(REFUSAL_BACKOFF_MAX_MS, this.refusalDelayMs * 2);
      this.refusalUntilMs = nowMs + this.refusalDelayMs;
    }
    this.waitUntil(this.refusalUntilMs);
  }

  /** The host took a try: the next refusal waits the first delay again. */
  taken(): void {
    this.refusalDelayMs = 0;
  }

  /** No work before `ms` (VMware's cycle gave up). */
  waitUntil(ms: number): void {
    this.untilMs = Math.max(this.untilMs, ms);
  }
}
