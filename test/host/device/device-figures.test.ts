/** The shared figures of a host's guests and shards: blocks behind seqlocks, read whole or not at all. */
import { describe, expect, it } from 'vitest';
import { DEVICE_SLOTS, DeviceSlot, HostFiguresBuffer, SHARD_SLOTS, ShardSlot } from '../../../src/host/device/device-figures.js';

describe('HostFiguresBuffer', () => {
  it('reads nothing from a block never written, and a written block as written', () => {
    const figures = new HostFiguresBuffer(2, 1);
    const out = new Float64Array(DEVICE_SLOTS).fill(7);
    expect(figures.readGuest(1, out)).toBe(false);
    expect(out[0]).toBe(7);
    const at = figures.beginGuest(1);
    figures.values[at + DeviceSlot.OWNED] = 123;
    figures.endGuest(1);
    expect(figures.readGuest(1, out)).toBe(true);
    expect(out[DeviceSlot.OWNED]).toBe(123);
    expect(figures.readGuest(0, out)).toBe(false);
  });

  it('refuses to read a block while it is being written (an odd seqlock)', () => {
    const figures = new HostFiguresBuffer(1, 1);
    figures.beginShard(0);
    figures.endShard(0);
    expect(figures.readShard(0, new Float64Array(SHARD_SLOTS))).toBe(true);
    figures.beginShard(0);
    expect(figures.readShard(0, new Float64Array(SHARD_SLOTS))).toBe(false);
    figures.endShard(0);
    expect(figures.readShard(0, new Float64Array(SHARD_SLOTS))).toBe(true);
  });

  it('lays the shards\' blocks after the guests\'', () => {
    const figures = new HostFiguresBuffer(3, 2);
    expect(figures.guestOffset(2)).toBe(2 * DEVICE_SLOTS);
    expect(figures.shardOffset(1)).toBe(3 * DEVICE_SLOTS + SHARD_SLOTS);
    expect(figures.values.length).toBe(3 * DEVICE_SLOTS + 2 * SHARD_SLOTS);
  });

  it('retires a dead guest\'s block to its memory and target only, even if its writer died mid-write', () => {
    const figures = new HostFiguresBuffer(1, 1);
    const at = figures.beginGuest(0);
    figures.values[at + DeviceSlot.OWNED] = 99;
    // No endGuest: the thread died.
    figures.retireGuest(0, 1000, 800);
    const out = new Float64Array(DEVICE_SLOTS);
    expect(figures.readGuest(0, out)).toBe(true);
    expect([out[DeviceSlot.OWNED], out[DeviceSlot.MEMORY], out[DeviceSlot.TARGET], out[DeviceSlot.SAMPLE_AT_MS]]).toEqual([0, 1000, 800, -1]);
    const s = figures.beginShard(0);
    figures.values[s + ShardSlot.POOL] = 5;
    figures.retireShard(0);
    const shard = new Float64Array(SHARD_SLOTS);
    expect(figures.readShard(0, shard)).toBe(true);
    expect(Array.from(shard)).toEqual(new Array(SHARD_SLOTS).fill(0));
  });

  it('shares one buffer between threads, and refuses one of the wrong size', () => {
    const a = new HostFiguresBuffer(2, 2);
    const b = new HostFiguresBuffer(2, 2, a.buffer);
    const at = a.beginShard(1);
    a.values[at + ShardSlot.GRANTED] = 42;
    a.endShard(1);
    const out = new Float64Array(SHARD_SLOTS);
    expect(b.readShard(1, out)).toBe(true);
    expect(out[ShardSlot.GRANTED]).toBe(42);
    expect(() => new HostFiguresBuffer(3, 2, a.buffer)).toThrow(/^HostFiguresBuffer: a buffer for 3 guests and 2 shards has \d+ bytes, got \d+/);
  });
});
