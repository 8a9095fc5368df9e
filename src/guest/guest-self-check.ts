/**
 * A full check of one guest's own bookkeeping, for tests: the free lists and
 * counters, every component's logical pages against the page states, swap
 * use against the pages in swap, and the claims on unbacked pages.
 */
import type { GuestParts } from './guest-parts.js';
import { PageState } from './page-state.js';

/** What is wrong with the guest's bookkeeping (nothing: an empty list). */
export function guestSelfCheck(parts: GuestParts): string[] {
  const { memory, swap } = parts;
  const problems = memory.selfCheck();
  const holder = new Int32Array(memory.pages);
  let anonResident = 0;
  let cacheResident = 0;
  let anonOut = 0;
  parts.workload.components.forEach((component, index) => {
    problems.push(...component.selfCheck((page) => memory.stateOf(page), holder, index + 1));
    if (component.anonymous) {
      anonResident += component.resident;
      anonOut += component.outPages;
    } else cacheResident += component.resident;
  });
  if (anonResident !== memory.count(PageState.ANON)) problems.push(`${anonResident} resident anonymous pages in components, ${memory.count(PageState.ANON)} anon pages`);
  if (cacheResident !== memory.count(PageState.CACHE)) problems.push(`${cacheResident} resident page-cache pages in components, ${memory.count(PageState.CACHE)} cache pages`);
  if (anonOut !== swap.usedPages) problems.push(`${anonOut} anonymous pages are out, the swap device says ${swap.usedPages} are used`);
  if (swap.usedPages < 0 || swap.usedPages > swap.capacityPages) problems.push(`swap use ${swap.usedPages} outside 0..${swap.capacityPages}`);
  const pending = parts.allocator.pendingPopulatePages;
  const unbacked = memory.count(PageState.FREE_UNBACKED);
  const held = memory.swapInDroppedPages;
  if (pending < 0 || pending > unbacked) problems.push(`${pending} unbacked pages claimed, ${unbacked} exist`);
  else if (held < 0 || pending + held > unbacked) problems.push(`${held} unbacked pages held for a swap-in in flight and ${pending} claimed, ${unbacked} exist`);
  if (held !== 0 && !memory.swapInAsked) problems.push(`${held} unbacked pages held for a swap-in, but none is in flight`);
  problems.push(...parts.hostSwap.selfCheck());
  return problems;
}
