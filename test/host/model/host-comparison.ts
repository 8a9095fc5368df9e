/**
 * The comparison of the model-based test of the host's frame handling: after
 * every command, the real host (the table, every device side, every pool and
 * the manager's transit) must be exactly what the model (host-model.ts) says.
 */
import { expect } from 'vitest';
import { freeOwnerOfShard, isFreeOwner, OWNER_FREE, OWNER_HYPERVISOR } from '../../../src/host/owners.js';
import type { HostToGuest } from '../../../src/messages/protocol.js';
import type { Owners } from '../../../src/messages/table-share.js';
import type { InlineHost } from '../../support/inline-host.js';
import { expectEmpty, expectEqual, expectSame } from '../../support/quick-expect.js';
import { describeHolder, freeCount, heldBy, TRANSIT, unbackedOf, type HostModel } from './host-model.js';

/** The whole comparison, after every command. */
export function expectHostMatches(model: HostModel, host: InlineHost): void {
  const table = host.table;
  expectSame(table.frames, model.frames);
  // Invariant 1 and the model: every frame has exactly the value the model says (the owner, or which pool's free value).
  for (let frame = 0; frame < model.frames; frame++) {
    const owner = table.ownerOf(frame);
    if (owner !== model.owner[frame]) throw new Error(`frame ${frame}: the table says ${owner}, the model ${model.owner[frame]}`);
  }
  // Invariant 3: conservation, per owner; free frames are free whichever pool's value they carry.
  const counts = table.countOwners();
  let tableFree = 0;
  let total = 0;
  for (const [owner, count] of counts) {
    total += count;
    if (isFreeOwner(owner)) tableFree += count;
    else if (owner !== OWNER_HYPERVISOR && !model.guests.some((g) => g.ownerId === owner)) throw new Error(`the table holds owner ${owner}, which is no guest`);
  }
  const free = freeCount(model);
  expectSame(tableFree, free);
  expectSame(counts.get(OWNER_HYPERVISOR) ?? 0, model.setup.reservedFrames);
  expectSame(total, model.frames);
  for (const guest of model.guests) {
    const view = host.accounts[guest.index]!;
    const device = view.device;
    const actual = {
      owned: counts.get(guest.ownerId) ?? 0,
      alive: view.alive,
      ownedFrames: device.ownedFrames,
      balloonPages: device.balloonPages,
      targetPages: view.targetPages,
      deviceTargetPages: device.targetPages,
      protocolViolations: device.protocolViolations,
      populateShortPages: device.populateShortPages,
      guardRefusals: view.guardRefusals,
      queuedGrantFrames: device.queuedGrantFrames,
      queuedBalloonPages: device.queuedBalloonPages,
      owedDeflatePages: device.owedDeflatePages,
      owedBackingPages: device.owedBackingPages,
    };
    const wanted: typeof actual = {
      owned: guest.owned,
      alive: guest.alive,
      ownedFrames: guest.owned,
      balloonPages: guest.balloon,
      targetPages: guest.target,
      deviceTargetPages: guest.deviceTarget,
      protocolViolations: guest.violations,
      populateShortPages: guest.populateShort,
      guardRefusals: guest.guardRefusals,
      // Every inbox was taken, and a waiting grant holds no frame.
      queuedGrantFrames: 0,
      queuedBalloonPages: 0,
      owedDeflatePages: guest.owedDeflate,
      owedBackingPages: guest.owedBacking,
    };
    // Compared field by field first: `expect` is slow in a loop that runs a million times.
    const fields = Object.keys(actual) as Array<keyof typeof actual>;
    if (fields.some((field) => actual[field] !== wanted[field])) expect({ guest: guest.index, ...actual }).toEqual({ guest: guest.index, ...wanted });
    if (unbackedOf(guest) < 0 || guest.balloon < 0) throw new Error(`guest ${guest.index}: balloon ${guest.balloon}, unbacked ${unbackedOf(guest)}`);
  }
  // The pools and transit hold exactly the free frames, once each, each where the model says.
  const seen = new Uint8Array(model.frames);
  const expectHeld = (frame: number, holder: number, value: number, where: string): void => {
    if (!(frame >= 0 && frame < model.frames)) throw new Error(`${where} holds frame ${frame}, outside the table`);
    if (seen[frame] === 1) throw new Error(`frame ${frame} is held twice (again by ${where})`);
    seen[frame] = 1;
    if (model.holder[frame] !== holder) throw new Error(`${where} holds frame ${frame}, the model says ${describeHolder(model.holder[frame])} does`);
    if (model.owner[frame] !== value) throw new Error(`${where} holds frame ${frame} as ${value}, the table says ${model.owner[frame]}`);
  };
  let pooled = 0;
  for (const pool of host.devices.pools) {
    const where = `shard ${pool.shard}'s pool`;
    const runs = pool.returnedRuns();
    for (let i = 0; i < runs.length; i += 2) for (let k = 0; k < runs[i + 1]!; k++) expectHeld(runs[i]! + k, pool.shard, freeOwnerOfShard(pool.shard), where);
    const ranges = pool.untouchedRanges();
    for (let i = 0; i < ranges.length; i += 2) for (let frame = ranges[i]!; frame < ranges[i + 1]!; frame++) expectHeld(frame, pool.shard, OWNER_FREE, `${where} (untouched)`);
    expectSame(pool.size, heldBy(model, pool.shard), `${where}: size`);
    pooled += pool.size;
  }
  const transit = host.manager.balancer.transit;
  const transitRuns = transit.runs();
  for (let i = 0; i < transitRuns.length; i += 2) for (let k = 0; k < transitRuns[i + 1]!; k++) expectHeld(transitRuns[i]! + k, TRANSIT, OWNER_FREE, 'transit');
  expectSame(transit.size, heldBy(model, TRANSIT), 'transit: size');
  expectSame(pooled + transit.size, free);
  expectSame(host.freeFrames, free);
  // Invariant 4: in sequential use no compare-exchange may fail.
  expectSame(table.transferFailures, 0);
  expectSame(host.protocolViolations, model.guests.reduce((sum, g) => sum + g.violations, 0));
}

export function expectTableUnchanged(before: Owners, host: InlineHost, what: string): void {
  const after = host.table.owners;
  for (let frame = 0; frame < before.length; frame++) {
    if (after[frame] !== before[frame]) throw new Error(`${what} changed the owner of frame ${frame} from ${before[frame]} to ${after[frame]}`);
  }
}

/** Messages for each guest, and that no guest got anything else. */
export function expectInboxes(host: InlineHost, expected: ReadonlyArray<ReadonlyArray<HostToGuest>>): HostToGuest[][] {
  const inboxes = host.takeInboxes();
  if (inboxes.length !== expected.length) expect(inboxes).toHaveLength(expected.length);
  for (let index = 0; index < expected.length; index++) {
    if (expected[index]!.length === 0) expectEmpty(inboxes[index], `inbox of guest ${index}`);
    else expectEqual(inboxes[index], expected[index], `inbox of guest ${index}`);
  }
  return inboxes;
}
