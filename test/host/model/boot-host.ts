/** The boot of the model-based test of the host's frame handling: the real host and the model it starts from. */
import { expect } from 'vitest';
import { HOST_PROTOCOL_VERSION } from '../../../src/host/device/guest-device.js';
import { OWNER_FREE } from '../../../src/host/owners.js';
import { InlineHost } from '../../support/inline-host.js';
import { expectHostMatches, expectTableUnchanged } from './host-comparison.js';
import { framesOfGrant, newModel, NOT_FREE, takeFrame, type HostModel, type HostReal } from './host-model.js';
import { scenarioOf, type HostSetup } from './host-setup.js';

/** Boots the real host, checks the shards' first free frames and the boot messages, and builds the model from what was granted. */
export function bootHost(setup: HostSetup): { model: HostModel; real: HostReal } {
  const host = new InlineHost(scenarioOf(setup));
  const model = newModel(setup, (index) => host.shardOf(index));
  // Before boot only the hypervisor's reserve is taken.
  expectTableUnchanged(model.owner, host, 'building the host');
  host.boot();
  // Each shard starts with untouched frames (its guests' boot frames and a share of the rest), all of them free and given once.
  for (const { shard, untouched } of host.manager.shardSetups()) {
    for (let i = 0; i < untouched.length; i += 2) {
      for (let frame = untouched[i]!; frame < untouched[i]! + untouched[i + 1]!; frame++) {
        if (model.owner[frame] !== OWNER_FREE || model.holder[frame] !== NOT_FREE) throw new Error(`boot: shard ${shard} starts with frame ${frame}, which is not free or is another's`);
        model.holder[frame] = shard;
      }
    }
  }
  for (let frame = setup.reservedFrames; frame < setup.frames; frame++) {
    if (model.holder[frame] === NOT_FREE) throw new Error(`boot: free frame ${frame} was given to no shard`);
  }
  const inboxes = host.takeInboxes();
  expect(inboxes).toHaveLength(setup.guests.length);
  for (const guest of model.guests) {
    const spec = setup.guests[guest.index]!;
    const inbox = inboxes[guest.index]!;
    expect(inbox).toHaveLength(1);
    const boot = inbox[0]!;
    if (boot.type !== 'boot') throw new Error(`guest ${guest.index} got ${boot.type} instead of boot`);
    expect(boot.version).toBe(HOST_PROTOCOL_VERSION);
    expect(boot.ownerId).toBe(guest.ownerId);
    expect(boot.targetPages).toBe(spec.bootPages);
    const frames = framesOfGrant(boot.runs, `boot of guest ${guest.index}`);
    expect(frames).toHaveLength(setup.backing === 'eager' ? spec.bootPages : spec.kernelPages);
    for (const frame of frames) takeFrame(model, guest, frame, 'boot');
    guest.owned += frames.length;
  }
  expectHostMatches(model, host);
  return { model, real: { host } };
}
