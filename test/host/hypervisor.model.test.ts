/**
 * Model-based test of the host's frame handling (DESIGN.md, invariants 1, 3,
 * 4, 5 and 6). The host (its memory manager and every guest's device side,
 * test/support/inline-host.ts) is driven exactly as the lockstep runtime
 * drives it (boot, then per tick the manager's orders and each guest's
 * outbox across the wire), by guests that are honest, forgetful or hostile,
 * and compared after every command with a sequential model (model/): every
 * frame's value in the table, which shard's pool (or the manager's transit)
 * holds each free frame, and each guest's owned, balloon and target pages,
 * protocol violations and grants waiting for frames.
 *
 * A failure prints the commands as a replay script, with the frame numbers
 * each command resolved to in the failing run, e.g.
 * `release(guest=1, frames=[12,13], unbacked=0)`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeviceSlot } from '../../src/host/device/device-figures.js';
import { FrameTable } from '../../src/host/frame-table.js';
import { BootError } from '../../src/host/manager/memory-manager.js';
import { freeOwnerOfShard, OWNER_FREE, OWNER_HYPERVISOR, ownerIdOfGuest } from '../../src/host/owners.js';
import { framesOfRuns } from '../../src/messages/protocol.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';
import { fuzzBudgetMs, fuzzCounter } from '../support/fuzz-report.js';
import { InlineHost } from '../support/inline-host.js';
import { bootHost } from './model/boot-host.js';
import { hostCommand } from './model/command-arbitraries.js';
import type { HostCommand } from './model/commands.js';
import { expectHostMatches } from './model/host-comparison.js';
import { crashInModel } from './model/host-model.js';
import { hostSetupArb, scenarioOf, type GuestSetup, type HostSetup } from './model/host-setup.js';
import { TickCommand } from './model/tick-command.js';

// ------------------------------------------------------------------ the property

// `npm run fuzz` runs this property for as long as it is given, and counts the commands it ran (test/support/fuzz-report.ts).
const modelFuzzMs = fuzzBudgetMs('model');
const countModel = fuzzCounter('model');
let commandsRun = 0;
const countedCommand = hostCommand.map(
  (command): HostCommand => ({
    check: (model) => command.check(model),
    run: (model, real) => {
      commandsRun++;
      command.run(model, real);
    },
    toString: () => command.toString(),
  }),
);

const modelParams = propertyParams<[HostSetup, Iterable<HostCommand>]>(
  'frame handling matches the sequential model after every command',
  modelFuzzMs === null ? { numRuns: 200 } : { numRuns: 1_000_000_000, interruptAfterTimeLimit: modelFuzzMs },
);

describe(`Host frame handling, model-based ${describeSeed(modelParams.seed)}`, () => {
  it(modelParams.name, () => {
    assertProperty(
      fc.property(hostSetupArb, fc.commands([countedCommand], { size: 'large', maxCommands: 150 }), (setup, commands) => {
        const { model, real } = bootHost(setup);
        commandsRun = 0;
        fc.modelRun(() => ({ model, real }), commands);
        countModel({ runs: 1, commands: commandsRun });
        // Invariant 6, and nothing leaked: once every guest is gone, every frame but the reserve is free again.
        for (const guest of model.guests) {
          if (guest.alive) crashInModel(model, guest);
          real.host.crash(guest.index, 'end of test');
        }
        expectHostMatches(model, real.host);
        expect(real.host.freeFrames).toBe(setup.frames - setup.reservedFrames);
        // And the frames stay where they are through a tick's rebalancing.
        new TickCommand().run(model, real);
        expect(real.host.freeFrames).toBe(setup.frames - setup.reservedFrames);
      }),
      modelParams,
    );
  }, (modelFuzzMs ?? 0) + 120_000);
});

// ------------------------------------------------------------------ examples, and what the model found

function twoGuestHost(overrides: Partial<HostSetup> = {}): InlineHost {
  const setup: HostSetup = {
    frames: 256,
    reservedFrames: 16,
    backing: 'eager',
    guests: [
      { maxPages: 64, bootPages: 32, kernelPages: 4, minPages: 8 },
      { maxPages: 64, bootPages: 32, kernelPages: 4, minPages: 8 },
    ],
    events: [],
    ...overrides,
  };
  const host = new InlineHost(scenarioOf(setup));
  host.boot();
  return host;
}

function bootFramesOf(host: InlineHost): Int32Array[] {
  return host.takeInboxes().map((inbox) => {
    const boot = inbox[0];
    if (boot?.type !== 'boot') throw new Error('no boot message');
    return framesOfRuns(boot.runs);
  });
}

/** Two lazy guests alike on a host of `frames` frames, in tick 1: tick 0 has closed, and the idle shards' pools gave their frames to transit. */
function idleHost(frames: number, guest: GuestSetup): InlineHost {
  const host = twoGuestHost({ frames, reservedFrames: 0, backing: 'lazy', guests: [guest, guest] });
  host.takeInboxes();
  host.beginTick(0);
  host.beginTick(1);
  return host;
}

describe('Host examples', () => {
  it('refuses to boot guests whose boot frames do not fit, saying how to fix it', () => {
    const setup: HostSetup = {
      frames: 256,
      reservedFrames: 0,
      backing: 'eager',
      guests: [
        { maxPages: 200, bootPages: 200, kernelPages: 4, minPages: 0 },
        { maxPages: 200, bootPages: 200, kernelPages: 4, minPages: 0 },
      ],
      events: [],
    };
    const host = new InlineHost(scenarioOf(setup));
    expect(() => host.boot()).toThrow(BootError);
    expect(() => host.boot()).toThrow(/400 frames at boot.*backing: lazy/);
    expect(host.table.countOwners()).toEqual(new Map([[OWNER_FREE, 256]]));
  });

  it('refuses a table whose size does not match the host, naming itself', () => {
    const setup: HostSetup = { frames: 256, reservedFrames: 0, backing: 'lazy', guests: [], events: [] };
    expect(() => new InlineHost(scenarioOf(setup), { table: new FrameTable(100) })).toThrow(/^MemoryManager: the table has 100 frames/);
  });

  it('ignores a dead guest: its messages change nothing and count no violation', () => {
    const host = twoGuestHost();
    const frames = bootFramesOf(host);
    host.crash(0, 'test');
    const before = host.table.owners.slice();
    host.handleOutbox(0, [{ type: 'release', id: 1, frames: frames[1]!, unbackedPages: 0 }, { type: 'request', id: 2, purpose: 'populate', pages: 1, withFrames: true }, null]);
    expect(host.table.owners).toEqual(before);
    expect(host.protocolViolations).toBe(0);
    expect(host.takeInboxes()).toEqual([[], []]);
  });

  it('refuses a forged release whole, frame by frame, and charges the sender', () => {
    const host = twoGuestHost();
    const frames = bootFramesOf(host);
    const before = host.table.owners.slice();
    host.handleOutbox(0, [{ type: 'release', id: 9, frames: Int32Array.of(frames[1]![0]!, 0, 256, -1), unbackedPages: 0 }]);
    expect(host.table.owners).toEqual(before);
    expect(host.accounts[0]!.protocolViolations).toBe(1);
    expect(host.accounts[1]!.protocolViolations).toBe(0);
    expect(host.takeInboxes()[0]).toEqual([
      { type: 'releaseAck', id: 9, acceptedFrames: 0, refusedFrames: new Int32Array(0), invalidFrames: 4, acceptedUnbackedPages: 0, refusedBecause: 'not-owned' },
    ]);
  });

  // Regression test for a bug found by the model-based tests (the release handling; contract in src/messages/protocol.ts).
  it('lists in refusedFrames only frames the sender still owns', () => {
    const host = twoGuestHost();
    const frame = bootFramesOf(host)[0]![0]!;
    host.handleOutbox(0, [{ type: 'release', id: 1, frames: Int32Array.of(frame, frame), unbackedPages: 0 }]);
    const ack = host.takeInboxes()[0]![0]!;
    if (ack.type !== 'releaseAck') throw new Error('no ack');
    for (const refused of ack.refusedFrames) expect(host.table.ownerOf(refused)).toBe(ownerIdOfGuest(0));
  });

  it('marks a released frame with its shard pool\'s free value, and only that pool grants it again', () => {
    const host = twoGuestHost();
    const frame = bootFramesOf(host)[0]![0]!;
    host.handleOutbox(0, [{ type: 'release', id: 1, frames: Int32Array.of(frame), unbackedPages: 0 }]);
    expect(host.table.ownerOf(frame)).toBe(freeOwnerOfShard(host.shardOf(0)));
    expect(host.shardOf(1)).not.toBe(host.shardOf(0));
    // Guest 1 deflates: its own shard's pool grants, never guest 0's.
    host.handleOutbox(1, [{ type: 'request', id: 2, purpose: 'deflate', pages: 1, withFrames: true }]);
    const grant = host.takeInboxes()[1]![0]!;
    if (grant.type !== 'grant') throw new Error('no grant');
    expect(framesOfRuns(grant.runs)).not.toContain(frame);
    expect(host.table.ownerOf(frame)).toBe(freeOwnerOfShard(host.shardOf(0)));
  });

  it('a grant its shard pool cannot fill waits whole for the next tick, its pages reserved, and then gets frames from transit', () => {
    const host = idleHost(2048, { maxPages: 1000, bootPages: 1000, kernelPages: 4, minPages: 0 });
    expect(host.freeFrames).toBe(2040);
    const pool = host.devices.pool(host.shardOf(0)).size;
    expect(pool).toBeLessThan(500);
    expect(host.manager.balancer.transit.size).toBeGreaterThanOrEqual(500);
    host.handleOutbox(0, [{ type: 'request', id: 1, purpose: 'populate', pages: 500, withFrames: true }]);
    expect(host.takeInboxes()[0]).toEqual([]);
    const device = host.accounts[0]!.device;
    expect({ owned: device.ownedFrames, inFlight: device.queuedGrantFrames, owed: device.owedBackingPages, pool: host.devices.pool(host.shardOf(0)).size }).toEqual({
      owned: 4,
      inFlight: 0,
      owed: 500,
      pool,
    });
    // The manager counts the waiting grant as the guest's when it decides.
    host.endTick();
    expect(host.accounts[0]!.figures[DeviceSlot.PENDING]).toBe(500);
    host.beginTick(2);
    const inbox = host.takeInboxes()[0]!;
    expect(inbox).toHaveLength(1);
    const grant = inbox[0]!;
    if (grant.type !== 'grant') throw new Error(`expected a grant, got ${grant.type}`);
    expect({ id: grant.id, frames: framesOfRuns(grant.runs).length, short: grant.shortBecause }).toEqual({ id: 1, frames: 500, short: undefined });
    for (const frame of framesOfRuns(grant.runs)) expect(host.table.ownerOf(frame)).toBe(ownerIdOfGuest(0));
    expect({ owned: device.ownedFrames, inFlight: device.queuedGrantFrames, owed: device.owedBackingPages, populateShort: device.populateShortPages }).toEqual({ owned: 504, inFlight: 0, owed: 0, populateShort: 0 });
  });

  // Regression test for a bug found by the model-based tests (setTargetOf).
  it('setTargetOf leaves a crashed guest alone, as a scenario event does', () => {
    const host = twoGuestHost();
    host.takeInboxes();
    host.crash(1, 'test');
    const targetBefore = host.accounts[1]!.targetPages;
    host.setTargetOf(1, { percentOfMax: 25 }, 'test');
    expect(host.accounts[1]!.targetPages).toBe(targetBefore);
    host.beginTick(0);
    expect(host.takeInboxes()[1]).toEqual([]);
  });

  // Regression test for a bug found by the model-based tests (setTargetOf / targetPagesOf / setTarget).
  it('setTargetOf rejects a target that is not a finite size, naming itself', () => {
    const host = twoGuestHost();
    host.takeInboxes();
    expect(() => host.setTargetOf(0, { bytes: Number.NaN }, 'test')).toThrow(/^MemoryManager\.setTargetOf: /);
    expect(host.accounts[0]!.targetPages).toBe(32);
    host.beginTick(0);
    expect(host.takeInboxes()[0]).toEqual([]);
  });

  /** A frame list whose element changes between reads: the first read sees `frame`, later ones -1. */
  function shiftyFrames(frame: number): Int32Array {
    let reads = 0;
    return new Proxy(Int32Array.of(frame), {
      get(target, key) {
        if (key === 'length') return target.length;
        if (key === '0') return reads++ === 0 ? frame : -1;
        return Reflect.get(target, key, target) as unknown;
      },
    });
  }

  /** Guest 1 (in guest 0's shard, whose pool is LIFO) is granted `frame` and gives it back honestly: the host takes it without a violation. */
  function expectHonestRoundTrip(host: InlineHost, frame: number): void {
    host.handleOutbox(1, [{ type: 'request', id: 2, purpose: 'populate', pages: 1, withFrames: true }]);
    expect(host.table.ownerOf(frame)).toBe(ownerIdOfGuest(1));
    host.takeInboxes();
    host.handleOutbox(1, [{ type: 'release', id: 3, frames: Int32Array.of(frame), unbackedPages: 0 }]);
    expect(host.takeInboxes()[1]).toEqual([
      { type: 'releaseAck', id: 3, acceptedFrames: 1, refusedFrames: new Int32Array(0), invalidFrames: 0, acceptedUnbackedPages: 0 },
    ]);
    expect(host.table.ownerOf(frame)).toBe(freeOwnerOfShard(0));
    expect(host.accounts[1]!.protocolViolations).toBe(0);
  }

  // Regression test for a bug found by the model-based tests (the release handling, the message checks).
  it('a release whose frames change while the device side reads them cannot poison later releases of other guests', () => {
    const host = twoGuestHost({ backing: 'lazy', shards: 1 });
    const frame = bootFramesOf(host)[0]![0]!;
    // Handed to the device side as it is, a frame list that is not a genuine Int32Array is malformed: refused whole, the table unchanged.
    host.handleRaw(0, [{ type: 'release', id: 1, frames: shiftyFrames(frame), unbackedPages: 0 }]);
    expect(host.table.ownerOf(frame)).toBe(ownerIdOfGuest(0));
    expect(host.accounts[0]!.protocolViolations).toBe(1);
    // Guest 0 then gives the frame back honestly.
    host.handleOutbox(0, [{ type: 'release', id: 4, frames: Int32Array.of(frame), unbackedPages: 0 }]);
    expect(host.table.ownerOf(frame)).toBe(freeOwnerOfShard(0));
    host.takeInboxes();
    expectHonestRoundTrip(host, frame);
  });

  it('across the wire, a release whose frames change while they are read is read once: the frame goes back once, and later releases are sound', () => {
    const host = twoGuestHost({ backing: 'lazy', shards: 1 });
    const frame = bootFramesOf(host)[0]![0]!;
    host.handleOutbox(0, [{ type: 'release', id: 1, frames: shiftyFrames(frame), unbackedPages: 0 }]);
    expect(host.takeInboxes()[0]).toEqual([
      { type: 'releaseAck', id: 1, acceptedFrames: 1, refusedFrames: new Int32Array(0), invalidFrames: 0, acceptedUnbackedPages: 0 },
    ]);
    expect(host.table.ownerOf(frame)).toBe(freeOwnerOfShard(0));
    expect(host.accounts[0]!.protocolViolations).toBe(0);
    expectHonestRoundTrip(host, frame);
  });

  it('keeps the hypervisor\'s reserve out of every pool', () => {
    const host = twoGuestHost();
    for (let frame = 0; frame < 16; frame++) expect(host.table.ownerOf(frame)).toBe(OWNER_HYPERVISOR);
    for (const pool of host.devices.pools) {
      const ranges = pool.untouchedRanges();
      for (let i = 0; i < ranges.length; i += 2) expect(ranges[i]!).toBeGreaterThanOrEqual(16);
    }
  });
});

describe('Host examples: grants that wait for frames', () => {
  it('a waiting grant takes no frame until it is completed, and what it is owed cannot be asked for again meanwhile', () => {
    const host = twoGuestHost({
      frames: 256,
      reservedFrames: 0,
      backing: 'lazy',
      guests: [
        { maxPages: 92, bootPages: 1, kernelPages: 0, minPages: 0 },
        { maxPages: 128, bootPages: 58, kernelPages: 37, minPages: 0 },
      ],
    });
    host.takeInboxes();
    const pool = host.devices.pool(host.shardOf(0)).size;
    // One unbacked page into the balloon, then a deflate of all 92 balloon pages: the pool has fewer, the grant waits.
    host.handleOutbox(0, [{ type: 'release', id: 1, frames: new Int32Array(0), unbackedPages: 1 }, { type: 'request', id: 2, purpose: 'deflate', pages: 92, withFrames: true }]);
    expect(pool).toBeLessThan(92);
    expect(host.takeInboxes()[0]).toMatchObject([{ type: 'releaseAck', id: 1, acceptedUnbackedPages: 1 }]);
    const device = host.accounts[0]!.device;
    // The table gives the guest nothing it has not been told of.
    expect(host.table.countOwners().get(ownerIdOfGuest(0)) ?? 0).toBe(0);
    expect({ owned: device.ownedFrames, inFlight: device.queuedGrantFrames, owed: device.owedDeflatePages, balloon: device.balloonPages }).toEqual({ owned: 0, inFlight: 0, owed: 92, balloon: 92 });
    // The balloon pages are spoken for: another deflate of them is refused.
    host.handleOutbox(0, [{ type: 'request', id: 3, purpose: 'deflate', pages: 1, withFrames: false }]);
    expect(host.takeInboxes()[0]).toMatchObject([{ type: 'grant', id: 3, shortBecause: 'over-limit' }]);
    expect(device.protocolViolations).toBe(1);
    host.beginTick(0);
    const grant = host.takeInboxes()[0]![0]!;
    if (grant.type !== 'grant') throw new Error(`expected the grant, got ${grant.type}`);
    const frames = Array.from(framesOfRuns(grant.runs));
    expect(new Set(frames).size).toBe(frames.length);
    for (const frame of frames) expect(host.table.ownerOf(frame)).toBe(ownerIdOfGuest(0));
    expect({ owned: device.ownedFrames, owed: device.owedDeflatePages, balloon: device.balloonPages }).toEqual({ owned: frames.length, owed: 0, balloon: 92 - frames.length });
  });

  it('a grant that waited for frames gets all it asked for when transit holds them', () => {
    const host = idleHost(1000, { maxPages: 600, bootPages: 600, kernelPages: 40, minPages: 0 });
    host.handleOutbox(1, [{ type: 'request', id: 1, purpose: 'populate', pages: 330, withFrames: true }]);
    host.beginTick(2); // b's grant is complete: 590 frames left, all in transit
    host.takeInboxes();
    expect(host.manager.balancer.transit.size).toBe(590);
    host.handleOutbox(0, [{ type: 'request', id: 2, purpose: 'populate', pages: 560, withFrames: true }]);
    host.beginTick(3);
    const grant = host.takeInboxes()[0]!.find((message) => message.type === 'grant');
    if (grant?.type !== 'grant') throw new Error('no grant');
    expect({ frames: framesOfRuns(grant.runs).length, short: grant.shortBecause }).toEqual({ frames: 560, short: undefined });
  });

  it('a request cannot claim pages a waiting grant is already owed: the balloon never goes below zero', () => {
    const host = idleHost(2048, { maxPages: 8, bootPages: 1, kernelPages: 0, minPages: 0 });
    // Guest 1's pool gave everything to transit.
    expect(host.devices.pool(host.shardOf(1)).size).toBe(0);
    host.takeInboxes();
    // A deflate with frames waits; then all 7 balloon pages back unbacked, the page owed to the waiting grant among them.
    host.handleOutbox(1, [{ type: 'request', id: 1, purpose: 'deflate', pages: 1, withFrames: true }]);
    host.handleOutbox(1, [{ type: 'request', id: 2, purpose: 'deflate', pages: 7, withFrames: false }]);
    expect(host.takeInboxes()[1]).toMatchObject([{ type: 'grant', id: 2, shortBecause: 'over-limit' }]);
    host.beginTick(2);
    const device = host.accounts[1]!.device;
    expect(device.balloonPages, 'balloon pages').toBeGreaterThanOrEqual(0);
    expect(device.balloonPages).toBe(6);
  });
});
