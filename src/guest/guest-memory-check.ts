/**
 * A full check of a guest's memory bookkeeping against its page array, for
 * tests and audits: the count of pages in each state, mapped and paged-out
 * pages against their counters, and every stack against the states.
 */
import type { PageStack } from './page-stack.js';
import { PageState, PAGE_STATE_COUNT, PAGE_STATE_NAMES, type PageStateValue } from './page-state.js';
import { Counter, HOST_SWAPPED, NO_FRAME, SWAP_IN_PENDING, type GuestSharedViews } from './shared-memory.js';

/** What is wrong with a guest's memory (nothing: an empty list). `stackOf` gives the stack of each of the `stacked` states. */
export function checkGuestMemory(views: GuestSharedViews, stacked: ReadonlyArray<PageStateValue>, stackOf: (state: PageStateValue) => PageStack): string[] {
  const problems: string[] = [];
  const counted = new Int32Array(PAGE_STATE_COUNT);
  let mapped = 0;
  let hostSwapped = 0;
  for (let page = 0; page < views.pages; page++) {
    counted[views.pageState[page]!]!++;
    const frame = views.frameAt(page);
    if (frame >= 0) mapped++;
    else if (frame === HOST_SWAPPED || frame === SWAP_IN_PENDING) {
      hostSwapped++;
      const state = views.pageState[page];
      if (state !== PageState.ANON && state !== PageState.CACHE) problems.push(`page ${page} is paged out by the host in state ${PAGE_STATE_NAMES[state!]}`);
    } else if (frame !== NO_FRAME) problems.push(`page ${page} has frameOf ${frame}`);
  }
  if (hostSwapped !== views.counters[Counter.HOST_SWAPPED]) {
    problems.push(`paged-out pages: counter says ${views.counters[Counter.HOST_SWAPPED]}, pages say ${hostSwapped}`);
  }
  if (views.counters[Counter.HOST_SWAP_SLOTS]! < hostSwapped) {
    problems.push(`${hostSwapped} paged-out pages but only ${views.counters[Counter.HOST_SWAP_SLOTS]} host swap slots`);
  }
  for (let state = 0; state < PAGE_STATE_COUNT; state++) {
    if (counted[state] !== views.counters[state]) {
      problems.push(`${PAGE_STATE_NAMES[state]} pages: counter says ${views.counters[state]}, pages say ${counted[state]}`);
    }
  }
  if (mapped !== views.counters[Counter.MAPPED]) {
    problems.push(`mapped pages: counter says ${views.counters[Counter.MAPPED]}, pages say ${mapped}`);
  }
  const onStack = new Uint8Array(views.pages);
  for (const state of stacked) {
    const stack = stackOf(state);
    let length = 0;
    let problem: string | null = null;
    stack.forEach((page) => {
      length++;
      if (problem !== null) return;
      if (!(page >= 0 && page < views.pages)) problem = `the ${PAGE_STATE_NAMES[state]} stack holds ${page}, which is no page`;
      else if (onStack[page] === 1) problem = `page ${page} is on a stack twice`;
      else {
        onStack[page] = 1;
        if (views.pageState[page] !== state) problem = `page ${page} is on the ${PAGE_STATE_NAMES[state]} stack in state ${PAGE_STATE_NAMES[views.pageState[page]!]}`;
      }
    });
    if (problem !== null) problems.push(problem);
    if (problems.length === 0 && length !== counted[state]) {
      problems.push(`the ${PAGE_STATE_NAMES[state]} stack holds ${length} pages, ${counted[state]} are in that state`);
    }
  }
  return problems;
}
