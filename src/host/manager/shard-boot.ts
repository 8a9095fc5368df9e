/**
 * The host's boot on the manager's side: the free frames after the
 * hypervisor's reserve, split into one untouched range per shard (its
 * guests' boot frames and a share of the rest), and what each shard's device
 * sides start with. A scenario whose guests cannot boot is a BootError.
 */
import type { DeviceInit } from '../device/device-account.js';
import type { ShardSetup } from '../device/device-group.js';
import type { ManagerContext } from './manager-context.js';

/** Thrown when a scenario cannot even boot (an input problem, not a simulator failure). */
export class BootError extends Error {
  override name = 'BootError';
}

export class ShardBoot {
  private ranges: Int32Array[] | null = null;

  constructor(private readonly manager: ManagerContext) {}

  /**
   * How the device sides of each shard start: their guests and their first
   * free frames. Throws a BootError if the guests cannot boot. The split is
   * made once; later calls return the same setups.
   */
  setups(): ShardSetup[] {
    const { scenario, reserve, balancer, layout, frameBytes } = this.manager;
    const host = scenario.host;
    if (this.ranges === null) {
      this.ranges = this.splitFreeFrames(reserve.held);
      // Until the shards publish, the manager knows what it gave them.
      this.ranges.forEach((range, shard) => balancer.started(shard, range[1]!));
    }
    const ranges = this.ranges;
    return layout.guestsOf.map((guests, shard) => ({
      shard,
      untouched: ranges[shard]!,
      guests: guests.map(
        (index): DeviceInit => ({
          index,
          spec: scenario.guests[index]!,
          frameBytes,
          quarantineAfter: host.quarantineAfterViolations ?? 0,
          hotplug: host.hotplug !== false,
          backing: host.backing,
        }),
      ),
    }));
  }

  /**
   * The free frames after the reserve, split into one untouched range per
   * shard: each shard gets its guests' boot frames and a share of the rest
   * by its guests' size.
   */
  private splitFreeFrames(start: number): Int32Array[] {
    const { scenario, layout, records, frames } = this.manager;
    const eager = scenario.host.backing === 'eager';
    const shards = layout.shards;
    const needs = new Float64Array(shards);
    const weights = new Float64Array(shards);
    for (const record of records) {
      const shard = layout.shardOf[record.index]!;
      needs[shard]! += eager ? record.bootPages : record.kernelPages;
      weights[shard]! += record.pages;
    }
    const free = frames - start;
    const needed = needs.reduce((sum, need) => sum + need, 0);
    if (needed > free) {
      throw new BootError(
        `the host cannot boot its guests: they need ${needed} frames at boot (${eager ? 'eager backing: all boot memory' : 'their kernels'}), ` +
          `but only ${free} of ${frames} frames are free after the hypervisor's reserve. ` +
          `Raise host.memory, lower host.reserved or the guests' memory${eager ? ', or use backing: lazy' : ''}.`,
      );
    }
    const weightSum = weights.reduce((sum, weight) => sum + weight, 0);
    const rest = free - needed;
    const ranges: Int32Array[] = [];
    let next = start;
    for (let shard = 0; shard < shards; shard++) {
      const share = shard === shards - 1 ? frames - next : needs[shard]! + (weightSum > 0 ? Math.floor((rest * weights[shard]!) / weightSum) : 0);
      ranges.push(Int32Array.of(next, share));
      next += share;
    }
    return ranges;
  }
}
