/**
 * The lockstep loop of runtime/simulate.ts, inline, with the actors in reach:
 * tests of the guest model look inside guests between ticks (their own
 * bookkeeping, their components) while the host and the auditor run exactly
 * as in a real run.
 */
import { Auditor, type AuditResult } from '../../src/audit/auditor.js';
import { GuestActor } from '../../src/guest/guest-actor.js';
import { GuestSharedViews } from '../../src/guest/shared-memory.js';
import { Hypervisor } from '../../src/host/hypervisor.js';
import type { GuestToHost } from '../../src/messages/protocol.js';
import type { GuestReport } from '../../src/messages/runtime.js';
import type { Scenario } from '../../src/scenario/types.js';
import { watchRun } from '../../src/runtime/run-watch.js';
import { deriveSeed } from '../../src/util/random.js';
import { heartbeat } from './hang-watchdog.mjs';

export interface LockstepWorld {
  readonly host: Hypervisor;
  readonly actors: ReadonlyArray<GuestActor>;
  readonly shared: ReadonlyArray<GuestSharedViews>;
  readonly auditor: Auditor;
  /** Messages each guest sent in the tick just stepped. */
  readonly outboxes: ReadonlyArray<ReadonlyArray<GuestToHost>>;
}

export interface LockstepOptions {
  /** Full audit every this many ticks (default 1: every tick). */
  auditEveryTicks?: number;
  /** Called after every tick (after the host handled the messages and the audit ran). */
  onTick?: (tick: number, endMs: number, world: LockstepWorld) => void;
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
  const host = new Hypervisor(scenario);
  const shared = host.accounts.map((account) => GuestSharedViews.allocate(account.pages));
  const actors = scenario.guests.map(
    (spec, index) =>
      new GuestActor({
        index,
        spec,
        tickMs: scenario.tickMs,
        frameBytes: scenario.frameBytes,
        seed: deriveSeed(scenario.seed, 'guest', spec.name),
        shared: shared[index]!.buffers,
        ...(scenario.host.swapFaultMs !== undefined ? { hostSwapFaultMs: scenario.host.swapFaultMs } : {}),
      }),
  );
  const auditor = new Auditor(host, shared);
  const ticks = Math.max(1, Math.ceil(scenario.durationMs / scenario.tickMs));
  const auditEvery = options.auditEveryTicks ?? 1;
  const messageCounts = new Map<string, number>();
  let outboxes: GuestToHost[][] = actors.map(() => []);
  const world: LockstepWorld = {
    host,
    actors,
    shared,
    auditor,
    get outboxes() {
      return outboxes;
    },
  };
  host.boot();
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
        for (const message of outbox) messageCounts.set(message.type, (messageCounts.get(message.type) ?? 0) + 1);
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
