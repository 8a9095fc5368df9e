/**
 * The lockstep loop of runtime/simulate.ts, inline, with the actors in reach:
 * tests of the guest model look inside guests between ticks (their own
 * bookkeeping, their components) while the host (its memory manager and the
 * guests' device sides) and the auditor run exactly as in a real run.
 */
import { Auditor, type AuditResult } from '../../src/audit/auditor.js';
import { ThreadAudit } from '../../src/audit/thread-audit.js';
import type { SteppingGuest } from '../../src/faults/throwing-guest.js';
import { GuestActor } from '../../src/guest/guest-actor.js';
import { HostileGuestActor } from '../../src/guest/hostile-guest.js';
import { GuestSharedViews } from '../../src/guest/shared-memory.js';
import type { FrameTable } from '../../src/host/frame-table.js';
import type { GuestToHost } from '../../src/messages/protocol.js';
import type { GuestInit, GuestReport } from '../../src/messages/runtime.js';
import type { Scenario } from '../../src/model/scenario.js';
import { watchRun } from '../../src/runtime/run-watch.js';
import { deriveSeed } from '../../src/util/random.js';
import { heartbeat } from './hang-watchdog.mjs';
import { InlineHost } from './inline-host.js';

/** The audit of an inline world: the thread's part and the coordinator's, as the runtime runs them. */
export class WorldAuditor {
  private readonly auditor: Auditor;
  private readonly thread: ThreadAudit;

  constructor(private readonly host: InlineHost, shared: ReadonlyArray<GuestSharedViews>) {
    this.auditor = new Auditor(host.manager);
    const views = new Map(shared.map((view, index) => [index, view]));
    this.thread = new ThreadAudit(host.devices, views, host.scenario.frameBytes, host.manager.records.map((record) => record.name), host.manager.layout.shards);
  }

  get result(): AuditResult {
    return this.auditor.result;
  }

  /** The quick audit at a quiescent point (closes the open tick first); returns new violations. */
  quick(timeMs: number): number {
    this.host.endTick();
    return this.auditor.quick(timeMs, [this.thread.quick(timeMs)]);
  }

  /** The full audit at a quiescent point (closes the open tick first); returns new violations. */
  full(timeMs: number): number {
    this.host.endTick();
    return this.auditor.full(timeMs, [this.thread.full(timeMs, 0, this.host.frames)]);
  }
}

export interface LockstepWorld {
  readonly host: InlineHost;
  /** Each guest's actor: honest (GuestActor) or hostile (HostileGuestActor). */
  readonly actors: ReadonlyArray<SteppingGuest>;
  /** An honest guest's actor, to look inside (throws for a hostile one). */
  honest(index: number): GuestActor;
  readonly shared: ReadonlyArray<GuestSharedViews>;
  readonly auditor: WorldAuditor;
  /** Messages each guest sent in the tick just stepped. */
  readonly outboxes: ReadonlyArray<ReadonlyArray<GuestToHost>>;
}

export interface LockstepOptions {
  /** Full audit every this many ticks (default 1: every tick). */
  auditEveryTicks?: number;
  /** Called after every tick (after the host handled the messages and the audit ran). */
  onTick?: (tick: number, endMs: number, world: LockstepWorld) => void;
  /** Called once the guests have booted, before the first tick. */
  onStart?: (world: LockstepWorld) => void;
  /** Replaces the frame table (tests that break the host on purpose). */
  table?: FrameTable;
}

export interface LockstepResult {
  world: LockstepWorld;
  audit: AuditResult;
  reports: GuestReport[];
  /** How many messages of each type the guests sent, over the run. */
  messageCounts: Map<string, number>;
}

/** Runs a scenario in lockstep, inline, for its whole duration. */
export function runLockstep(scenario: Scenario, options: LockstepOptions = {}): LockstepResult {
  const shared = scenario.guests.map((spec) => GuestSharedViews.allocate(Math.floor(spec.maxMemoryBytes / scenario.frameBytes)));
  const host = new InlineHost(scenario, { shared, ...(options.table !== undefined ? { table: options.table } : {}) });
  const actors = scenario.guests.map((spec, index): SteppingGuest => {
    const init: GuestInit = {
      index,
      spec,
      tickMs: scenario.tickMs,
      frameBytes: scenario.frameBytes,
      seed: deriveSeed(scenario.seed, 'guest', spec.name),
      shared: shared[index]!.buffers,
      ...(scenario.host.swapFaultMs !== undefined ? { hostSwapFaultMs: scenario.host.swapFaultMs } : {}),
    };
    // A hostile guest reads the table to forge its attacks, as in a real run.
    return spec.hostile !== undefined ? new HostileGuestActor({ ...init, table: host.table.share }) : new GuestActor(init);
  });
  host.boot();
  const auditor = new WorldAuditor(host, shared);
  const ticks = Math.max(1, Math.ceil(scenario.durationMs / scenario.tickMs));
  const auditEvery = options.auditEveryTicks ?? 1;
  const messageCounts = new Map<string, number>();
  let outboxes: GuestToHost[][] = actors.map(() => []);
  const world: LockstepWorld = {
    host,
    actors,
    shared,
    auditor,
    honest(index) {
      const actor = actors[index];
      if (!(actor instanceof GuestActor)) throw new Error(`runLockstep: guest ${index} is not an honest guest`);
      return actor;
    },
    get outboxes() {
      return outboxes;
    },
  };
  options.onStart?.(world);
  let current = -1;
  const unwatch = watchRun(() => `lockstep run (test/support/lockstep.ts) of ${scenario.name}: tick ${current} of ${ticks}`);
  try {
    for (let tick = 0; tick < ticks; tick++) {
      current = tick;
      // A long synchronous run is alive as long as its ticks go by (hang-watchdog.mjs).
      heartbeat();
      for (const index of host.beginTick(tick)) {
        actors[index]!.stop();
        shared[index]!.tearDown();
      }
      const inboxes = host.takeInboxes();
      outboxes = actors.map((actor, index) => actor.step(tick, inboxes[index] ?? []));
      outboxes.forEach((outbox, index) => {
        for (const message of outbox) {
          // A hostile guest's outbox may hold anything (null, a number): counted as the wire sees it, malformed.
          const type = typeof message === 'object' && message !== null && typeof message.type === 'string' ? message.type : 'malformed';
          messageCounts.set(type, (messageCounts.get(type) ?? 0) + 1);
        }
        host.handleOutbox(index, outbox);
      });
      const endMs = (tick + 1) * scenario.tickMs;
      if (auditEvery > 0 && (tick + 1) % auditEvery === 0) auditor.full(endMs);
      else auditor.quick(endMs);
      options.onTick?.(tick, endMs, world);
    }
    auditor.full(ticks * scenario.tickMs);
  } finally {
    unwatch();
  }
  return { world, audit: auditor.result, reports: actors.map((actor) => actor.report()), messageCounts };
}
