/**
 * What the device side's message handlers (balloon-handlers.ts,
 * host-memory-handlers.ts, quarantine.ts) may use of the device they act on.
 * GuestDevice implements it and calls the handlers; the handlers know the
 * device only through this interface, so that neither imports the other.
 */
import type { FreeMemoryState, GuestToHost, HostToGuest, RefusalReason, RequestMessage } from '../../messages/protocol.js';
import type { HostEventKind } from '../event-log.js';
import type { FrameTable } from '../frame-table.js';
import type { DeviceAccount } from './device-account.js';
import type { DeviceGrants } from './grants.js';
import type { ShardPool } from './shard-pool.js';

/** The host's state for one tick, as the memory manager set it. */
export interface DeviceTick {
  nowMs: number;
  state: FreeMemoryState;
}

export interface DeviceContext {
  readonly account: DeviceAccount;
  readonly table: FrameTable;
  readonly pool: ShardPool;
  /** Grants for the guest's requests, from the shard's pool. */
  readonly grants: DeviceGrants;
  /** The tick being handled. */
  readonly tick: DeviceTick;
  readonly hotplug: boolean;
  readonly frameBytes: number;
  /** Whether the host pages guests out this tick (plugs are answered busy then). */
  readonly hostIsPaging: boolean;
  /** Handles one checked message (quarantine.ts hands on the frames a quarantined guest gives back). */
  handle(message: GuestToHost): void;
  /** Queues a grant for a request (empty, short or full). */
  sendGrant(request: RequestMessage, runs: Int32Array, short?: RefusalReason, unbackedPages?: number): void;
  /** Frames a guest gives back outside the balloon: checked and moved to the pool; returns how many were taken. */
  takeBack(frames: Int32Array, what: string): number;
  /** Queues a release ack for the guest's next inbox from its fields (no object on the hot path); `refusedFrames` is copied. */
  queueReleaseAck(id: number, acceptedFrames: number, refusedFrames: ArrayLike<number>, invalidFrames: number, acceptedUnbackedPages: number, refusedBecause?: RefusalReason): void;
  /** Queues a message for the guest's next inbox. */
  queue(message: HostToGuest): void;
  /** Counts a protocol violation (and quarantines the guest past the limit). */
  violation(detail: string): void;
  /** Records an event for the host's event log. */
  record(kind: HostEventKind, detail: string): void;
}
