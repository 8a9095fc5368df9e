/**
 * A swap-in whose grant waits (its shard's pool is short) holds the host swap
 * slots it will free: while it waits, a second swap-in may ask only for the
 * slots left, and when the grant completes the slots are freed and the
 * reservation is gone (device/grants.ts, DeviceAccount.owedSwapInPages).
 */
import { expect, it } from 'vitest';
import { RunList } from '../../src/host/frame-runs.js';
import { framesOfRuns } from '../../src/messages/protocol.js';
import { InlineHost } from '../support/inline-host.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

it('a waiting swap-in holds its host swap slots until its grant completes', () => {
  const host = new InlineHost(scenario({ guests: [guest('a', { memoryBytes: 32 * MiB })] }));
  host.boot();
  host.beginTick(0);
  host.takeInboxes();
  const device = host.accounts[0]!.device;
  // As if the host had paged 100 of the guest's pages out.
  device.hostSwapPages = 100;
  // The pool runs dry: a grant must wait for the next tick.
  const pool = host.devices.pool(0);
  const drained = new RunList();
  pool.surrender(pool.size, drained);
  const swapIn = (id: number, pages: number) => ({ type: 'request', id, purpose: 'swapIn', pages, withFrames: true });

  host.handleOutbox(0, [swapIn(1, 40)]);
  expect(host.takeInboxes()[0]).toEqual([]);
  expect({ owedSwapIn: device.owedSwapInPages, owedBacking: device.owedBackingPages, swapInable: device.swapInablePages }).toEqual({ owedSwapIn: 40, owedBacking: 40, swapInable: 60 });

  // 61 more would count slots the waiting swap-in will free: refused, and counted.
  host.handleOutbox(0, [swapIn(2, 61)]);
  const [refusal] = host.takeInboxes()[0]!;
  expect(refusal).toMatchObject({ type: 'grant', id: 2, shortBecause: 'over-limit' });
  expect(device.protocolViolations).toBe(1);

  // The pool gets its frames back; the waiting grant completes, frees its slots and its reservation.
  const words = drained.view();
  for (let i = 0; i < words.length; i += 2) pool.adopt(words[i]!, words[i + 1]!);
  host.devices.device(0).grants.completePending();
  const [grant] = host.takeInboxes()[0]!;
  expect(grant?.type).toBe('grant');
  if (grant?.type !== 'grant') return;
  expect(framesOfRuns(grant.runs)).toHaveLength(40);
  expect({ owedSwapIn: device.owedSwapInPages, owedBacking: device.owedBackingPages, hostSwap: device.hostSwapPages, swappedIn: device.hostSwappedInPages }).toEqual({
    owedSwapIn: 0,
    owedBacking: 0,
    hostSwap: 60,
    swappedIn: 40,
  });
});
