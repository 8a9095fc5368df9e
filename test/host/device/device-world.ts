/** One guest's device side over a table and a pool of its own, for unit tests of the device folder. */
import { GuestDevice } from '../../../src/host/device/guest-device.js';
import { ShardPool } from '../../../src/host/device/shard-pool.js';
import { FrameTable } from '../../../src/host/frame-table.js';
import type { GuestSpec } from '../../../src/model/scenario.js';
import { guest, MiB } from '../../support/scenarios.js';

export type HostToGuestMessage = ReturnType<GuestDevice['takeInbox']>[number];

export interface DeviceWorldOptions {
  /** Frames of the table, all in the pool (default 32768: 128 MiB). */
  frames?: number;
  spec?: Partial<GuestSpec>;
  quarantineAfter?: number;
  backing?: 'eager' | 'lazy';
  /** Whether the host hot-adds memory (host.hotplug). */
  hotplug?: boolean;
}

/** A 64 MiB virtio guest (16384 pages, kernel 4 MiB = 1024 pages) with index 0, booted. */
export function bootedDevice(options: DeviceWorldOptions = {}) {
  const frames = options.frames ?? 32_768;
  const table = new FrameTable(frames);
  const pool = new ShardPool(0, table);
  pool.adopt(0, frames);
  const spec = guest('g', { memoryBytes: 64 * MiB, ...options.spec });
  const device = new GuestDevice({ index: 0, spec, frameBytes: 4096, quarantineAfter: options.quarantineAfter ?? 0, hotplug: options.hotplug ?? false, backing: options.backing ?? 'lazy' }, table, pool);
  device.boot();
  const [boot] = device.takeInbox();
  if (boot?.type !== 'boot') throw new Error('bootedDevice: no boot message');
  return { table, pool, device, account: device.account, boot };
}

/** The frames a message's runs name, as an array. */
export function framesOf(runs: Int32Array): number[] {
  const out: number[] = [];
  for (let r = 0; r < runs.length; r += 2) for (let k = 0; k < runs[r + 1]!; k++) out.push(runs[r]! + k);
  return out;
}
