/** The full check of one component's bookkeeping against the guest's page states: clean, then each kind of problem named. */
import { describe, expect, it } from 'vitest';
import { checkComponent } from '../../src/guest/component-check.js';
import { PageState } from '../../src/guest/page-state.js';
import { component, freeBackedMemory, grow, scanAt } from './component-world.js';
import { shrinkInactive } from '../../src/guest/lru.js';

function world() {
  const memory = freeBackedMemory(200);
  const c = component({ hotFraction: 0.5 });
  const pages = grow(memory, c, 100);
  const check = (owner = new Int32Array(200)) => checkComponent(c, (page) => memory.stateOf(page), owner, 1);
  return { memory, c, pages, check };
}

describe('checkComponent', () => {
  it('finds nothing wrong with a grown component, nor after reclaim took some pages out', () => {
    const { c, check } = world();
    expect(check()).toEqual([]);
    shrinkInactive(c, 1000, 1000, scanAt(1000), () => {});
    shrinkInactive(c, 1000, 10, scanAt(1_000_000), () => {});
    expect(c.outPages).toBe(10);
    expect(check()).toEqual([]);
  });

  it('names a page held in another state than the component\'s', () => {
    const { memory, pages, check } = world();
    memory.put(pages[3]!, PageState.CACHE);
    expect(check()).toEqual([`anon-0: logical 3 holds page ${pages[3]} in state ${PageState.CACHE}`]);
  });

  it('names a page another component already holds (the owner marks)', () => {
    const { pages, check } = world();
    const owner = new Int32Array(200);
    owner[pages[7]!] = 2;
    expect(check(owner)).toEqual([`anon-0: page ${pages[7]} is held twice`]);
  });

  it('names resident and active counters that disagree with the entries', () => {
    const { c, check } = world();
    c.resident += 1;
    c.activePages = 5;
    expect(check()).toEqual(['anon-0: 100 resident entries, counter says 101', 'anon-0: 0 active entries, counter says 5']);
  });

  it('names an out entry whose slot does not point back, and a bucket whose count is wrong', () => {
    const { c, check } = world();
    shrinkInactive(c, 1000, 1000, scanAt(1000), () => {});
    shrinkInactive(c, 1000, 1, scanAt(1_000_000), () => {});
    // Point the one out page's entry at a slot its bucket does not have.
    const index = c.logical.findIndex((entry, i) => i < c.size && entry < 0);
    c.logical[index] = -5;
    const problems = check();
    expect(problems[0]).toMatch(new RegExp(`^anon-0: logical ${index} says slot 4 of bucket \\d, which does not point back$`));
  });
});
