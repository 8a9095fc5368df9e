/**
 * A deflate whose grant waits (its shard's pool is dry) and is then completed
 * short, because the manager's frames have not come yet, is still demand the
 * shard could not meet: the shard's published UNMET says so in both steps,
 * and the manager adopts the frames from transit (device/grants.ts,
 * device-group.ts, manager/shard-balance.ts).
 *
 * Found by the soak: in free-running mode the manager reads the figures
 * whenever a batch comes, at no fixed point of a worker's rounds. A Xen or
 * Hyper-V guest deflating into a dry pool asks in one round (the grant waits:
 * UNMET > 0), gets a short grant at the next round's start and backs off a
 * second (UNMET was 0), then asks again; a manager that read only the second
 * kind of round, as it did for tens of rounds when its reads fell into step
 * with the worker's, never adopted frames for it, and the guest's balloon
 * stayed above its target through the whole liveness window (soak runs 19
 * and 154 of the first hour, seeds 3111145601 and 1541866879). (Since then a
 * waiting grant is completed only by orders planned after it began waiting,
 * test/runtime/free/free-grants.test.ts; it is still completed short when
 * that plan brought too few frames.)
 */
import { expect, it } from 'vitest';
import { SHARD_SLOTS, ShardSlot } from '../../src/host/device/device-figures.js';
import { RunList } from '../../src/host/frame-runs.js';
import { framesOfRuns } from '../../src/messages/protocol.js';
import { emptyOrders } from '../../src/runtime/free-orders.js';
import { InlineHost } from '../support/inline-host.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

it('a deflate that waited and was granted short is unmet demand in both steps, and the manager adopts it', () => {
  const host = new InlineHost(scenario({ guests: [guest('x', { memoryBytes: 32 * MiB })] }));
  host.boot();
  host.beginTick(0);
  host.takeInboxes();
  const device = host.accounts[0]!.device;
  // As if the guest had ballooned 1000 pages.
  device.balloonPages = 1000;
  // The pool runs dry; its frames wait in the manager's transit.
  const pool = host.devices.pool(0);
  const drained = new RunList();
  pool.surrender(pool.size, drained);
  host.manager.balancer.transit.add(drained.toRuns());
  const unmet = (): number => {
    const block = new Float64Array(SHARD_SLOTS);
    expect(host.figures.readShard(0, block)).toBe(true);
    return block[ShardSlot.UNMET]!;
  };

  // Step 1: the deflate waits; the step ends and the shard publishes what the waiting grant lacks.
  host.handleOutbox(0, [{ type: 'request', id: 1, purpose: 'deflate', pages: 400, withFrames: true }]);
  expect(host.takeInboxes()[0]).toEqual([]);
  host.devices.end();
  expect(unmet()).toBe(400);

  // Before step 2, orders of a plan made after the grant began waiting come without frames for it: the grant
  // completes short, and the guest will back off. The demand is still unmet.
  host.devices.begin(emptyOrders('high', 1000));
  const [grant] = host.takeInboxes()[0]!;
  expect(grant).toMatchObject({ type: 'grant', id: 1, pagesAsked: 400 });
  if (grant?.type !== 'grant') return;
  expect(framesOfRuns(grant.runs)).toHaveLength(0);
  host.devices.end();
  expect(unmet(), 'the short grant\'s shortfall is unmet demand').toBe(400);

  // The manager, reading the figures of step 2 alone, adopts the 400 frames for the shard from transit.
  host.manager.balancer.read();
  const orders = host.manager.balancer.plan(Float64Array.of(1), 0);
  expect(orders.adopt.map(({ shard, runs }) => [shard, framesOfRuns(runs).length])).toEqual([[0, 400]]);

  // A step with nothing waiting and nothing granted short publishes no demand.
  host.devices.begin(emptyOrders());
  host.devices.end();
  expect(unmet()).toBe(0);
});
