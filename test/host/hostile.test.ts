/**
 * Hostile guests against the real host. A real HostileGuestActor runs next to
 * honest actors in a hand-driven lockstep loop; each of its attack messages is
 * handed to the host alone, and must be refused: the table unchanged, every
 * other guest's account unchanged, exactly one more protocol violation. Then
 * whole runs: the attacker is refused and counted, may be quarantined, and
 * the other guests end exactly as they would next to an honest neighbour.
 */
import fc from 'fast-check';
import { describe as suite, expect, it } from 'vitest';
import { ATTACK_ID_BASE, HostileGuestActor } from '../../src/guest/hostile-guest.js';
import { GuestSharedViews } from '../../src/guest/shared-memory.js';
import type { GuestToHost } from '../../src/messages/protocol.js';
import type { GuestInit } from '../../src/messages/runtime.js';
import { createGuestActor } from '../../src/runtime/guest-factory.js';
import { simulate } from '../../src/runtime/simulate.js';
import type { GuestSummary } from '../../src/runtime/summary.js';
import type { AttackKind, GuestSpec, Scenario } from '../../src/model/scenario.js';
import { deriveSeed } from '../../src/util/random.js';
import { assertProperty, propertyParams } from '../support/fc.js';
import { InlineHost } from '../support/inline-host.js';
import { WorldAuditor } from '../support/lockstep.js';
import { guest, MiB, scenario } from '../support/scenarios.js';
import type { Owners } from '../../src/messages/table-share.js';

const ALL_ATTACKS: AttackKind[] = ['forged', 'not-owned', 'repeated', 'out-of-range', 'absurd-count', 'flood', 'malformed'];

function hostileScenario(attacks: AttackKind[], options: { seed?: number; quarantineAfter?: number; honest?: boolean } = {}): Scenario {
  const workload = (bytes: number): GuestSpec['workload'] => [{ kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'constant', bytes } }];
  const mallory: Partial<GuestSpec> = {
    memoryBytes: 48 * MiB,
    maxMemoryBytes: 48 * MiB,
    // Touches 24 MiB, then frees 16 MiB of it: backed free pages, so that its balloon releases frames (and can repeat one).
    workload: [{ kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'steps', steps: [{ atMs: 0, bytes: 24 * MiB }, { atMs: 8000, bytes: 8 * MiB }] } }],
    ...(options.honest === true ? {} : { hostile: { everyMs: 2000, attacks, floodMessages: 40 } }),
  };
  return scenario({
    seed: options.seed ?? 1,
    durationMs: 40_000,
    host: {
      memoryBytes: 256 * MiB,
      reservedBytes: 8 * MiB,
      swapBytes: 0,
      backing: 'lazy',
      policy: { kind: 'rotate', periodMs: 5000, lowPercentOfMax: 50, groups: 3 },
      ...(options.quarantineAfter !== undefined ? { quarantineAfterViolations: options.quarantineAfter } : {}),
    },
    guests: [
      guest('a', { memoryBytes: 48 * MiB, maxMemoryBytes: 48 * MiB, workload: workload(16 * MiB), driver: { profile: 'xen', inflateMode: 'noretry', deflateOnOom: false, statsIntervalMs: 1000, freePageReporting: false } }),
      guest('mallory', mallory),
      guest('c', { memoryBytes: 48 * MiB, maxMemoryBytes: 48 * MiB, workload: workload(20 * MiB) }),
    ],
  });
}

/** Is this message of mallory's outbox an attack (not something its honest driver would send)? */
function isAttack(message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return true;
  const m = message as Partial<GuestToHost> & { id?: unknown; reason?: unknown; pages?: unknown };
  // What the guest memory model sends of its own accord (distress, deflate-on-OOM, free page reports) is honest when well formed.
  if (m.type === 'distress') return m.reason !== 'stall' && m.reason !== 'oom';
  if (m.type === 'oomDeflate') return !(typeof m.pages === 'number' && Number.isSafeInteger(m.pages) && m.pages >= 1);
  if (m.type === 'freePageReport') return typeof m.id !== 'number' || m.id >= ATTACK_ID_BASE;
  if (m.type !== 'release' && m.type !== 'request') return true;
  return typeof m.id !== 'number' || m.id >= ATTACK_ID_BASE || m.id < 1 || (m.type === 'release' && !(m.frames instanceof Int32Array)) || (m.type === 'request' && (m.pages === 0 || (m.purpose === 'populate' && m.withFrames !== true) || (m.purpose !== 'populate' && m.purpose !== 'deflate')));
}

/** What the host knows of every guest but `index`: its device side's account and the manager's record. */
function accountsWithout(host: InlineHost, index: number): string {
  return JSON.stringify(host.accounts.filter((a) => a.index !== index).map((a) => ({ device: a.device, target: a.targetPages, figures: Array.from(a.figures) })));
}

function firstDifference(a: Owners, b: Owners): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function describe(message: unknown): string {
  return JSON.stringify(message, (_key, value: unknown) => (value instanceof Int32Array ? [...value] : value)) ?? String(message);
}

/** Drives the scenario in lockstep by hand, handing each of mallory's attacks to the host on its own. */
function driveByHand(s: Scenario): { host: InlineHost; attacks: number; kinds: Set<string>; mallory: HostileGuestActor; auditor: WorldAuditor } {
  const shared = s.guests.map((spec) => GuestSharedViews.allocate(Math.floor(spec.maxMemoryBytes / s.frameBytes)));
  const host = new InlineHost(s, { shared });
  const actors = s.guests.map((spec, index) => {
    const init: GuestInit = { index, spec, tickMs: s.tickMs, frameBytes: s.frameBytes, seed: deriveSeed(s.seed, 'guest', spec.name), shared: shared[index]!.buffers, table: host.table.share };
    return createGuestActor(init);
  });
  const malloryIndex = 1;
  host.boot();
  const auditor = new WorldAuditor(host, shared);
  let attacks = 0;
  const kinds = new Set<string>();
  const ticks = s.durationMs / s.tickMs;
  for (let tick = 0; tick < ticks; tick++) {
    host.beginTick(tick);
    const inboxes = host.takeInboxes();
    const outboxes = actors.map((actor, index) => actor.step(tick, inboxes[index]!));
    outboxes.forEach((outbox, index) => {
      if (index !== malloryIndex) {
        host.handleOutbox(index, outbox);
        return;
      }
      const honest: unknown[] = [];
      for (const message of outbox) {
        if (!isAttack(message)) {
          honest.push(message);
          continue;
        }
        const before = host.table.owners.slice();
        const others = accountsWithout(host, malloryIndex);
        const violations = host.accounts[malloryIndex]!.protocolViolations;
        host.handleOutbox(malloryIndex, [message]);
        attacks++;
        kinds.add(typeof message === 'object' && message !== null ? String((message as { type: unknown }).type) : typeof message);
        const changed = firstDifference(host.table.owners, before);
        if (changed >= 0) throw new Error(`attack ${describe(message)} changed frame ${changed} from owner ${before[changed]} to ${host.table.owners[changed]}`);
        const othersAfter = accountsWithout(host, malloryIndex);
        if (othersAfter !== others) expect(JSON.parse(othersAfter)).toEqual(JSON.parse(others));
        expect(host.accounts[malloryIndex]!.protocolViolations).toBe(violations + 1);
      }
      // The honest part: a release may carry a repeated frame, refused alone.
      const violations = host.accounts[malloryIndex]!.protocolViolations;
      const repeated = honest.some((m) => {
        const r = m as GuestToHost;
        return r.type === 'release' && new Set(r.frames).size < r.frames.length;
      });
      host.handleOutbox(malloryIndex, honest);
      expect(host.accounts[malloryIndex]!.protocolViolations).toBe(violations + (repeated ? 1 : 0));
      if (repeated) attacks++;
    });
    expect(auditor.quick((tick + 1) * s.tickMs), auditor.result.firstViolations.join("; ")).toBe(0);
  }
  expect(auditor.full(ticks * s.tickMs)).toBe(0);
  return { host, attacks, kinds, mallory: actors[malloryIndex] as HostileGuestActor, auditor };
}

suite('a hostile guest against the real host, attack by attack', () => {
  it('every attack is refused alone: the table and the other guests unchanged, one violation each', () => {
    const { host, attacks, kinds, mallory } = driveByHand(hostileScenario(ALL_ATTACKS));
    const report = mallory.report().hostile!;
    expect(report.rounds).toBeGreaterThan(5);
    expect(new Set(Object.keys(report.byKind))).toEqual(new Set(ALL_ATTACKS));
    expect(attacks).toBe(report.attackMessages);
    expect(host.accounts[1]!.protocolViolations).toBe(report.expectedViolations);
    expect(report.attacksAccepted).toBe(0);
    expect(report.refusalsSeen).toBeGreaterThan(0);
    expect(kinds).toEqual(new Set(['release', 'request', 'distress', 'oomDeflate', 'bogus', 'number', 'object']));
    for (const other of [0, 2]) expect(host.accounts[other]!.protocolViolations).toBe(0);
  });

  const params = propertyParams<[AttackKind[], number]>('hostile attacks are all refused', { numRuns: 8 });
  it(`whatever the attacks and the seed (seed ${params.seed})`, () => {
    assertProperty(
      fc.property(fc.subarray(ALL_ATTACKS, { minLength: 1 }), fc.nat({ max: 1_000_000 }), (chosen, seed) => {
        const { host, mallory } = driveByHand(hostileScenario(chosen, { seed }));
        const report = mallory.report().hostile!;
        expect(report.attacksAccepted).toBe(0);
        expect(host.accounts[1]!.protocolViolations).toBe(report.expectedViolations);
      }),
      params,
    );
  });
});

function others(guests: GuestSummary[]): GuestSummary[] {
  return guests.filter((g) => g.name !== 'mallory');
}

suite('a hostile guest in whole runs', () => {
  it('is refused and counted on worker threads, and the others end exactly as next to an honest guest', async () => {
    const hostile = await simulate(hostileScenario(ALL_ATTACKS), { placement: 'workers', workers: 2, auditEveryTicks: 1 });
    const honest = await simulate(hostileScenario(ALL_ATTACKS, { honest: true }), { placement: 'workers', workers: 2, auditEveryTicks: 1 });
    const summary = hostile.summary;
    expect(summary.audit.violations).toBe(0);
    expect(summary.host.transferFailures).toBe(0);
    const mallory = summary.guests.find((g) => g.name === 'mallory')!;
    expect(mallory.hostile!.attacksAccepted).toBe(0);
    expect(mallory.protocolViolations).toBe(mallory.hostile!.expectedViolations);
    expect(mallory.quarantined).toBe(false);
    expect(summary.host.protocolViolations).toBe(mallory.protocolViolations);
    expect(others(summary.guests)).toEqual(others(honest.summary.guests));
  });

  it('repeats a frame only in a release with room for one more: a full release would be refused whole, its frames left unmapped', async () => {
    const s = hostileScenario(['repeated']);
    // Batches of the largest size a release may carry, and a balloon that fills many of them at once.
    const mallory = s.guests[1]!;
    const big: Scenario = {
      ...s,
      guests: s.guests.map((g, index) =>
        index === 1
          ? { ...mallory, memoryBytes: 100 * MiB, maxMemoryBytes: 100 * MiB, driver: { ...mallory.driver, profile: 'xen', batchPages: 4096 }, workload: [{ kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'steps', steps: [{ atMs: 0, bytes: 80 * MiB }, { atMs: 4000, bytes: 4 * MiB }] } }] }
          : g,
      ),
      host: { ...s.host, memoryBytes: 320 * MiB },
    };
    const { summary } = await simulate(big, { placement: 'inline', auditEveryTicks: 1 });
    expect(summary.audit.firstViolations).toEqual([]);
    const m = summary.guests[1]!;
    expect(m.driver.releaseMessages).toBeGreaterThan(0);
    expect(m.hostile!.attacksAccepted).toBe(0);
    expect(m.hostile!.byKind.repeated).toBeGreaterThan(0);
    expect(m.protocolViolations).toBe(m.hostile!.expectedViolations);
  });

  it('gives the same result inline and on workers (the wire and the inline placement refuse junk alike)', async () => {
    const s = hostileScenario(ALL_ATTACKS, { seed: 5 });
    const inline = await simulate(s, { placement: 'inline' });
    const workers = await simulate(s, { placement: 'workers', workers: 3 });
    const { timing: _a, ...a } = inline.summary;
    const { timing: _b, ...b } = workers.summary;
    expect(b).toEqual(a);
    expect(workers.events).toEqual(inline.events);
  });

  it('names other guests\' frames as not-owned the same way on every placement, even while they are freed around it (a crash), and attacks every round when there are none', async () => {
    // Mallory touches nothing and attacks every tick; `a`, on another thread on workers, crashes at 5 s and its frames go
    // back to its pool while mallory reads the table: which frames another guest owns at that instant depends on the placement.
    const s = scenario({
      seed: 3,
      durationMs: 30_000,
      host: { memoryBytes: 640 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 } },
      guests: [
        guest('a', { memoryBytes: 192 * MiB, maxMemoryBytes: 192 * MiB, workload: [{ kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'constant', bytes: 64 * MiB } }] }),
        guest('mallory', { memoryBytes: 192 * MiB, maxMemoryBytes: 192 * MiB, workload: [], hostile: { everyMs: 1000, attacks: ['not-owned'], floodMessages: 0 } }),
      ],
      events: [{ atMs: 5000, kind: 'crash', guest: 'a' }],
    });
    const inline = await simulate(s, { placement: 'inline' });
    const mallory = inline.summary.guests[1]!.hostile!;
    // Every round finds frames that are not its own (free ones once `a` is gone), each one violation.
    expect(mallory.rounds).toBe(29);
    expect(mallory.attackMessages).toBe(mallory.rounds);
    expect(inline.summary.guests[1]!.protocolViolations).toBe(mallory.rounds);
    const { timing: _a, ...a } = inline.summary;
    for (const placement of [{ placement: 'workers', workers: 2 }, { placement: 'workers', guestsPerWorker: 1 }] as const) {
      const workers = await simulate(s, placement);
      const { timing: _b, ...b } = workers.summary;
      expect(b).toEqual(a);
    }
  });

  it('is quarantined after quarantineAfter violations: everything it sends is refused, it stays consistent, the others carry on', async () => {
    const quarantined = await simulate(hostileScenario(ALL_ATTACKS, { quarantineAfter: 20 }), { placement: 'workers', workers: 2, auditEveryTicks: 1 });
    const summary = quarantined.summary;
    expect(summary.audit.violations, summary.audit.firstViolations.join("; ")).toBe(0);
    const mallory = summary.guests.find((g) => g.name === 'mallory')!;
    expect(mallory.quarantined).toBe(true);
    expect(mallory.quarantinedMessages).toBeGreaterThan(0);
    expect(mallory.protocolViolations).toBeGreaterThanOrEqual(20);
    expect(mallory.protocolViolations).toBeLessThan(mallory.hostile!.expectedViolations);
    expect(mallory.hostile!.attacksAccepted).toBe(0);
    expect(summary.host.quarantinedGuests).toBe(1);
    expect(quarantined.events.some((e) => e.kind === 'violation' && /quarantined after/.test(e.detail))).toBe(true);
    for (const other of others(summary.guests)) {
      expect(other.protocolViolations).toBe(0);
      expect(other.quarantined).toBe(false);
    }
  });
});

suite('the host alone', () => {
  function bootedHost(quarantineAfter: number): InlineHost {
    const s = hostileScenario(['flood'], { quarantineAfter });
    const host = new InlineHost(s);
    host.boot();
    host.takeInboxes();
    host.beginTick(0);
    return host;
  }

  it('reads at most MESSAGES_PER_TICK_MAX messages of a flood, and counts the rest as one violation', async () => {
    const { MESSAGES_PER_TICK_MAX } = await import('../../src/messages/limits.js');
    const host = bootedHost(0);
    // Valid messages that change nothing: free page reports of no frames.
    const flood = Array.from({ length: MESSAGES_PER_TICK_MAX + 500 }, (_, i) => ({ type: 'freePageReport', id: i + 1, frames: new Int32Array(0) }));
    host.handleOutbox(1, flood);
    expect(host.accounts[1]!.protocolViolations).toBe(1);
    // The device side's record reaches the host's log when the tick closes (each guest's records in turn).
    host.endTick();
    const violations = host.log.filter((event) => event.kind === 'violation' && event.guest === 'mallory');
    expect(violations).toHaveLength(1);
    expect(violations[0]!.detail).toMatch(/flood: 66036 messages in one tick, at most 65536 are read/);
  });

  it('a quarantined guest gets its own valid frames back and nothing else; the table does not change', () => {
    const host = bootedHost(1);
    const mine = [...host.table.owners.keys()].filter((frame) => host.table.ownerOf(frame) === 2).slice(0, 3);
    const theirs = [...host.table.owners.keys()].find((frame) => host.table.ownerOf(frame) === 1)!;
    host.handleOutbox(1, [{ type: 'bogus' }]);
    expect(host.accounts[1]!.quarantined).toBe(true);
    const before = host.table.owners.slice();
    host.handleOutbox(1, [
      { type: 'release', id: 7, frames: Int32Array.from([...mine, mine[0]!, theirs, -3]), unbackedPages: 5 },
      { type: 'request', id: 8, purpose: 'populate', pages: 10, withFrames: true },
      { type: 'distress', reason: 'stall', fullAvg10: 0.5, availablePages: 0 },
    ]);
    expect(firstDifference(host.table.owners, before)).toBe(-1);
    const [ack, grant, ...rest] = host.takeInboxes()[1]!;
    expect(ack).toEqual({ type: 'releaseAck', id: 7, acceptedFrames: 0, refusedFrames: Int32Array.from(mine), invalidFrames: 3, acceptedUnbackedPages: 0, refusedBecause: 'quarantined' });
    expect(grant).toMatchObject({ type: 'grant', id: 8, runs: new Int32Array(0), shortBecause: 'quarantined' });
    expect(rest).toEqual([]);
    expect(host.accounts[1]!.quarantinedMessages).toBe(3);
    expect(host.accounts[1]!.protocolViolations).toBe(1);
    // What a quarantined guest says is not heard.
    expect(host.accounts[1]!.device.distressMessages).toBe(0);
  });
});
