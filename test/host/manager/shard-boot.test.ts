/** The host's boot on the manager's side: free frames after the reserve, one untouched range per shard, and what each shard's device sides start with. */
import { describe, expect, it } from 'vitest';
import { HostFiguresBuffer } from '../../../src/host/device/device-figures.js';
import { FrameTable } from '../../../src/host/frame-table.js';
import { MemoryManager } from '../../../src/host/manager/memory-manager.js';
import { BootError } from '../../../src/host/manager/shard-boot.js';
import type { GuestSpec, Scenario } from '../../../src/model/scenario.js';
import { guest, MiB, scenario } from '../../support/scenarios.js';

function manager(guests: GuestSpec[], host: Partial<Scenario['host']> = {}) {
  const s = scenario({ guests, host: { memoryBytes: 256 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 }, ...host } });
  const frames = Math.floor(s.host.memoryBytes / s.frameBytes);
  return new MemoryManager(s, { table: new FrameTable(frames), figures: new HostFiguresBuffer(guests.length, Math.min(guests.length, s.host.shards ?? 64)), signals: guests.map(() => null) });
}

describe('ShardBoot (MemoryManager.shardSetups)', () => {
  it('splits the frames after the reserve into consecutive ranges: each shard its guests\' kernels and a share of the rest by their size', () => {
    // 65536 frames, 1024 reserved; guests of 64 and 128 MiB (1024 kernel pages each): 64512 free, 2048 needed, 62464 to share
    // 1:2. Ranges are (first, count): shard 0 gets 1024 + floor(62464 / 3) = 21845, the last shard the rest.
    const m = manager([guest('a'), guest('b', { memoryBytes: 128 * MiB })]);
    const setups = m.shardSetups();
    expect(setups.map((s) => [s.shard, Array.from(s.untouched)])).toEqual([
      [0, [1024, 21_845]],
      [1, [1024 + 21_845, 65_536 - 1024 - 21_845]],
    ]);
    expect(setups.map((s) => s.guests.map((g) => [g.index, g.spec.name]))).toEqual([[[0, 'a']], [[1, 'b']]]);
    // The balancer counts each shard's range until the shards publish.
    expect(Array.from(m.balancer.pool)).toEqual([21_845, 42_667]);
    expect(m.shardSetups()[1]!.untouched).toEqual(setups[1]!.untouched);
  });

  it('passes the host\'s settings to every device side', () => {
    const m = manager([guest('a')], { backing: 'eager', quarantineAfterViolations: 5, hotplug: false });
    const [init] = m.shardSetups()[0]!.guests;
    expect(init).toMatchObject({ frameBytes: 4096, quarantineAfter: 5, hotplug: false, backing: 'eager' });
  });

  it('refuses guests that cannot boot, saying how many frames they need and what to change', () => {
    const guests = [guest('a', { memoryBytes: 200 * MiB }), guest('b', { memoryBytes: 200 * MiB })];
    expect(() => manager(guests, { backing: 'eager' }).shardSetups()).toThrow(BootError);
    expect(() => manager(guests, { backing: 'eager' }).shardSetups()).toThrow(
      "the host cannot boot its guests: they need 102400 frames at boot (eager backing: all boot memory), but only 64512 of 65536 frames are free after the hypervisor's reserve. Raise host.memory, lower host.reserved or the guests' memory, or use backing: lazy.",
    );
    expect(() => manager(guests).shardSetups()).not.toThrow();
  });
});
