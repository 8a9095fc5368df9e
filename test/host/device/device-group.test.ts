/**
 * The device sides of a thread's shards, driven by hand-made orders: boot,
 * adopted frames, crashes, commands, messages handled, surrender down to
 * the keep marks, the published figures, and the tick's report.
 */
import { describe, expect, it } from 'vitest';
import { DeviceGroup, type HostOrders, type ShardSetup } from '../../../src/host/device/device-group.js';
import { DEVICE_SLOTS, DeviceSlot, HostFiguresBuffer, SHARD_SLOTS, ShardSlot } from '../../../src/host/device/device-figures.js';
import { FrameTable } from '../../../src/host/frame-table.js';
import { guest } from '../../support/scenarios.js';

/** Two shards of one 64 MiB guest each (1024 kernel pages), over 45000 frames: shard 0 holds [0, 20000), shard 1 [20000, 40000); the rest is the manager's. */
function group() {
  const table = new FrameTable(45_000);
  const figures = new HostFiguresBuffer(2, 2);
  const init = (index: number) => ({ index, spec: guest(`g${index}`), frameBytes: 4096, quarantineAfter: 0, hotplug: false, backing: 'lazy' as const });
  const setups: ShardSetup[] = [
    { shard: 0, guests: [init(0)], untouched: Int32Array.of(0, 20_000) },
    { shard: 1, guests: [init(1)], untouched: Int32Array.of(20_000, 20_000) },
  ];
  return { table, figures, devices: new DeviceGroup(table, figures, setups) };
}

const orders = (overrides: Partial<HostOrders> = {}): HostOrders => ({ tick: 0, nowMs: 0, state: 'high', boot: false, crashes: [], commands: [], adopt: [], keep: Float64Array.of(), ...overrides });

describe('DeviceGroup', () => {
  it('publishes every figure at once, so the manager can read them before the first tick', () => {
    const { figures } = group();
    const shard = new Float64Array(SHARD_SLOTS);
    expect(figures.readShard(1, shard)).toBe(true);
    expect([shard[ShardSlot.POOL], shard[ShardSlot.UNTOUCHED]]).toEqual([20_000, 20_000]);
    const guestFigures = new Float64Array(DEVICE_SLOTS);
    expect(figures.readGuest(0, guestFigures)).toBe(true);
    expect(guestFigures[DeviceSlot.OWNED]).toBe(0);
  });

  it('boots every guest on the first tick from its shard\'s pool, and reports the boots', () => {
    const { devices, table } = group();
    devices.begin(orders({ boot: true }));
    const [boot] = devices.takeInbox(1);
    expect(boot?.type).toBe('boot');
    expect(table.ownerOf(20_000)).toBe(2);
    expect(devices.pool(1).size).toBe(20_000 - 1024);
    const report = devices.end();
    expect(report.events.map((e) => [e.guest, e.kind])).toEqual([
      [0, 'boot'],
      [1, 'boot'],
    ]);
    expect(report.framesMoved).toBe(2048);
  });

  it('adopts frames into the shard named, carries out crashes and passes commands on', () => {
    const { devices } = group();
    devices.begin(orders({ boot: true }));
    devices.takeInbox(0);
    devices.takeInbox(1);
    const pool0 = devices.pool(0);
    const before = pool0.size;
    const crashed = devices.begin(
      orders({ tick: 1, nowMs: 1000, adopt: [{ shard: 0, runs: Int32Array.of(40_000, 5000) }], crashes: [{ guest: 1, why: 'test' }], commands: [{ guest: 0, message: { type: 'setTarget', targetPages: 100 } }] }),
    );
    expect(crashed).toEqual([1]);
    expect(devices.device(1).account.alive).toBe(false);
    expect(devices.pool(1).size).toBe(20_000);
    expect(devices.takeInbox(0)).toEqual([{ type: 'setTarget', targetPages: 100 }]);
    expect(pool0.size).toBe(before + 5000);
    expect(pool0.untouchedFrames).toBe(before + 5000);
    // A crash of a guest already dead is not carried out twice.
    expect(devices.begin(orders({ tick: 2, crashes: [{ guest: 1, why: 'again' }] }))).toEqual([]);
  });

  it('surrenders what a pool holds above its keep mark at the end of the tick, down to the lower mark', () => {
    const { devices } = group();
    devices.begin(orders({ boot: true, keep: Float64Array.of(10_000, 5000, 100_000, 0) }));
    const report = devices.end();
    // Shard 0 held 18976 > 10000: down to 5000. Shard 1 under its mark: nothing.
    expect(report.surrendered.map((s) => [s.shard, s.runs.reduce((sum, v, i) => (i % 2 === 1 ? sum + v : sum), 0)])).toEqual([[0, 13_976]]);
    expect(devices.pool(0).size).toBe(5000);
  });

  it('publishes the frames each shard adopted and surrendered since boot, for the manager to tell what is on its way', () => {
    const { devices, figures } = group();
    devices.begin(orders({ boot: true, keep: Float64Array.of(10_000, 5000, 100_000, 0) }));
    devices.end();
    devices.begin(orders({ tick: 1, adopt: [{ shard: 1, runs: Int32Array.of(40_000, 3000, 44_000, 1000) }] }));
    devices.end();
    const shard = new Float64Array(SHARD_SLOTS);
    figures.readShard(0, shard);
    expect([shard[ShardSlot.ADOPTED], shard[ShardSlot.SURRENDERED]]).toEqual([0, 13_976]);
    figures.readShard(1, shard);
    expect([shard[ShardSlot.ADOPTED], shard[ShardSlot.SURRENDERED]]).toEqual([4000, 0]);
  });

  it('counts the messages it handled, and reports distress with its guest', () => {
    const { devices } = group();
    devices.begin(orders({ boot: true }));
    devices.handle(1, [{ type: 'distress', reason: 'oom', fullAvg10: 0.9, availablePages: 3 }, { type: 'bogus' }]);
    const report = devices.end();
    expect(report.messagesHandled).toBe(2);
    expect(report.distress).toEqual([{ guest: 1, reason: 'oom', fullAvg10: 0.9, availablePages: 3 }]);
    expect(devices.end().messagesHandled).toBe(0);
  });

  it('refuses a guest or shard it does not host, naming itself', () => {
    const { devices } = group();
    expect(() => devices.device(5)).toThrow('DeviceGroup: this thread does not host guest 5');
    expect(() => devices.pool(7)).toThrow('DeviceGroup: this thread does not host shard 7');
  });
});
