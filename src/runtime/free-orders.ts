/**
 * Free-running mode: the memory manager's orders pile up for a worker between
 * its batches (the manager may run several host ticks, or none, between two
 * of them) and go out merged: lists concatenated in order, the latest state.
 */
import type { HostOrders } from '../host/device/device-group.js';

/** Orders with nothing in them, in `state` at `nowMs`, of the plan made at `plannedMs` (HostOrders.plannedMs). */
export function emptyOrders(state: HostOrders['state'] = 'high', nowMs = 0, keep: Float64Array = new Float64Array(0), plannedMs = nowMs): HostOrders {
  return { tick: 0, nowMs, state, boot: false, crashes: [], commands: [], adopt: [], keep, plannedMs };
}

/** What waits for a worker once `orders` are taken: nothing, in the same state, keep marks and plan. */
export function ordersAfter(orders: HostOrders): HostOrders {
  return emptyOrders(orders.state, orders.nowMs, orders.keep, orders.plannedMs);
}

/** Adds `later` to `into` (which it changes and returns). */
export function mergeOrders(into: HostOrders, later: HostOrders): HostOrders {
  into.tick = later.tick;
  into.nowMs = later.nowMs;
  // The manager's clock: the plan these orders carry (a worker's own clock replaces nowMs when it steps).
  into.plannedMs = Math.max(into.plannedMs ?? 0, later.plannedMs ?? later.nowMs);
  into.state = later.state;
  into.boot ||= later.boot;
  into.crashes.push(...later.crashes);
  into.commands.push(...later.commands);
  into.adopt.push(...later.adopt);
  if (later.keep.length > 0) into.keep = later.keep;
  return into;
}
