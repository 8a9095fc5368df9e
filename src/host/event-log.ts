/**
 * The host's event log: what the memory manager decided and what the device
 * sides saw, in one list. Device sides record on their own threads; the
 * manager appends their records after each tick in guest order, so the log
 * is the same whatever the placement.
 */

/** Kinds of entries in the host's event log. */
export type HostEventKind =
  | 'boot'
  | 'setTarget'
  | 'crash'
  | 'violation'
  | 'policy'
  /** The over-shrink guard refused an administrator's target. */
  | 'guardRefusal'
  /** An administrator's target looks like a unit mistake (applied or not). */
  | 'guardWarning'
  /** A dry run: what a target would do; nothing changed. */
  | 'dryRun'
  | 'setPolicy'
  | 'pausePolicy'
  | 'resumePolicy'
  | 'setShares'
  | 'setReserved'
  /** The host's free-memory state changed. */
  | 'hostState'
  /** Host reclaim lowered targets to bring free memory back to the high state. */
  | 'reclaim'
  | 'distress'
  /** Back-pressure: a guest in distress had its target raised (or could not have it raised). */
  | 'backPressure'
  /** Host paging: the host paged guest memory out to its swap (hard and low states). */
  | 'hostPaging'
  /** Growth past boot: a hotplug event, a plug request and how the host answered it, an unplug. */
  | 'hotplug';

/** Something the host did or saw, for the run's event log. */
export interface HostEvent {
  timeMs: number;
  kind: HostEventKind;
  guest?: string;
  detail: string;
}

/** The event log keeps at most this many entries (and counts the rest). */
export const EVENT_LOG_MAX = 100_000;

/** The log with its limit. */
export class EventLog {
  readonly entries: HostEvent[] = [];
  dropped = 0;

  add(event: HostEvent): void {
    if (this.entries.length >= EVENT_LOG_MAX) {
      this.dropped++;
      return;
    }
    this.entries.push(event);
  }

  record(timeMs: number, kind: HostEventKind, guest: string | null, detail: string): void {
    this.add({ timeMs, kind, ...(guest !== null ? { guest } : {}), detail });
  }
}
