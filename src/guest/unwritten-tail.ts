import type { GuestMemory } from './guest-memory.js';
import type { PageStateValue } from './page-state.js';
import { YOUNG_BIT } from './component-layout.js';
import { PageRuns } from './page-runs.js';

/** Runs a tail has room for at first. */
const TAIL_RUNS_MIN = 16;

/**
 * A component's newest logical pages, kept as runs of guest pages instead of
 * entries: a growth appends its runs here, and they are written into the
 * logical entries (`page | YOUNG_BIT` each, what the growth would have
 * written) only when something reads the entries. A workload that grows and
 * shrinks again with nothing looking at its pages in between (no reclaim, no
 * host paging, no self-check) never writes them: a shrink frees the tail's pages
 * run by run, in the same runs and order as the entry-by-entry loop would.
 *
 * The runs are a `PageRuns` (in logical order), replaced by one twice as
 * large when full.
 */
export class UnwrittenTail {
  private held = new PageRuns(TAIL_RUNS_MIN);

  /** Runs held. */
  get runs(): number {
    return this.held.runs;
  }

  /** Pages in them. */
  get pages(): number {
    return this.held.pages;
  }

  /** Appends the run `first`, `first + step`, ... of `count` pages (joined to the last run when it goes on from it). */
  append(first: number, step: number, count: number): void {
    if (count <= 0) return;
    const held = this.held;
    const last = held.runs - 1;
    if (last >= 0 && held.step[last] === step && held.first[last]! + held.count[last]! * step === first) {
      held.count[last]! += count;
      held.pages += count;
      return;
    }
    if (held.runs === held.capacity) this.growRoom();
    this.held.add(first, step, count);
  }

  /** Writes the tail's entries into `logical` from index `at` on, and empties the tail. */
  writeInto(logical: Int32Array, at: number): void {
    const { first, step, count, runs } = this.held;
    let index = at;
    for (let r = 0; r < runs; r++) {
      const end = index + count[r]!;
      for (let page = first[r]!; index < end; index++, page += step[r]!) logical[index] = page | YOUNG_BIT;
    }
    this.held.clear();
  }

  /**
   * Drops the tail's last `drop` pages, putting them from state `from` into
   * `to` through `memory.putRun`: from the last page down, each time the
   * longest run of pages going on by one (up, or down when the page below is
   * one lower), exactly as a loop over the entries would find them.
   */
  dropLast(drop: number, memory: GuestMemory, from: PageStateValue, to: PageStateValue): void {
    if (drop <= 0) return;
    const held = this.held;
    if (drop > held.pages) throw new RangeError(`UnwrittenTail.dropLast: ${drop} pages asked, the tail holds ${held.pages}`);
    const { first, step: steps, count: counts } = held;
    let r = held.runs - 1;
    let k = counts[r]! - 1;
    let left = drop;
    while (left > 0) {
      const top = first[r]! + k * steps[r]!;
      // The page below (the next one dropped) decides the direction, as it does entry by entry.
      const below = left === 1 ? -1 : k > 0 ? top - steps[r]! : first[r - 1]! + (counts[r - 1]! - 1) * steps[r - 1]!;
      const step = below === top - 1 ? -1 : 1;
      let n = 0;
      while (left > 0 && first[r]! + k * steps[r]! === top + n * step) {
        // The rest of this run goes on the same way, or only this page does.
        const along = steps[r] === -step ? Math.min(k + 1, left) : 1;
        n += along;
        left -= along;
        k -= along;
        if (k < 0) {
          r--;
          if (r < 0) break;
          k = counts[r]! - 1;
        }
      }
      memory.putRun(top, n, step, from, to);
    }
    held.pages -= drop;
    held.runs = r + 1;
    if (r >= 0) counts[r] = k + 1;
  }

  /** Bytes of its typed arrays (for the memory budget). */
  get bytes(): number {
    return this.held.capacity * 3 * Int32Array.BYTES_PER_ELEMENT;
  }

  private growRoom(): void {
    const old = this.held;
    const grown = new PageRuns(old.capacity * 2);
    for (let r = 0; r < old.runs; r++) grown.add(old.first[r]!, old.step[r]!, old.count[r]!);
    this.held = grown;
  }
}
