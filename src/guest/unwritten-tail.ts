import type { GuestMemory } from './guest-memory.js';
import type { PageStateValue } from './page-state.js';
import { YOUNG_BIT } from './component-layout.js';

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
 * Run `r` is the page `first[r]`, then `count[r] - 1` more, each `step[r]`
 * (+1 or -1) from the last, in logical order.
 */
export class UnwrittenTail {
  private first: Int32Array = new Int32Array(TAIL_RUNS_MIN);
  private step: Int32Array = new Int32Array(TAIL_RUNS_MIN);
  private count: Int32Array = new Int32Array(TAIL_RUNS_MIN);
  /** Runs held, and the pages in them. */
  runs = 0;
  pages = 0;

  /** Appends the run `first`, `first + step`, ... of `count` pages (joined to the last run when it goes on from it). */
  append(first: number, step: number, count: number): void {
    if (count <= 0) return;
    this.pages += count;
    const last = this.runs - 1;
    if (last >= 0 && this.step[last] === step && this.first[last]! + this.count[last]! * step === first) {
      this.count[last]! += count;
      return;
    }
    if (this.runs === this.first.length) this.growRoom();
    this.first[this.runs] = first;
    this.step[this.runs] = step;
    this.count[this.runs] = count;
    this.runs++;
  }

  /** Writes the tail's entries into `logical` from index `at` on, and empties the tail. */
  writeInto(logical: Int32Array, at: number): void {
    let index = at;
    for (let r = 0; r < this.runs; r++) {
      const step = this.step[r]!;
      const end = index + this.count[r]!;
      for (let page = this.first[r]!; index < end; index++, page += step) logical[index] = page | YOUNG_BIT;
    }
    this.clear();
  }

  /**
   * Drops the tail's last `drop` pages, putting them from state `from` into
   * `to` through `memory.putRun`: from the last page down, each time the
   * longest run of pages going on by one (up, or down when the page below is
   * one lower), exactly as a loop over the entries would find them.
   */
  dropLast(drop: number, memory: GuestMemory, from: PageStateValue, to: PageStateValue): void {
    if (drop <= 0) return;
    if (drop > this.pages) throw new RangeError(`UnwrittenTail.dropLast: ${drop} pages asked, the tail holds ${this.pages}`);
    const first = this.first;
    const steps = this.step;
    let r = this.runs - 1;
    let k = this.count[r]! - 1;
    let left = drop;
    while (left > 0) {
      const top = first[r]! + k * steps[r]!;
      // The page below (the next one dropped) decides the direction, as it does entry by entry.
      const below = left === 1 ? -1 : k > 0 ? top - steps[r]! : first[r - 1]! + (this.count[r - 1]! - 1) * steps[r - 1]!;
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
          k = this.count[r]! - 1;
        }
      }
      memory.putRun(top, n, step, from, to);
    }
    this.pages -= drop;
    this.runs = r + 1;
    if (r >= 0) this.count[r] = k + 1;
  }

  /** Bytes of its typed arrays (for the memory budget). */
  get bytes(): number {
    return this.first.byteLength + this.step.byteLength + this.count.byteLength;
  }

  clear(): void {
    this.runs = 0;
    this.pages = 0;
  }

  private growRoom(): void {
    const capacity = this.first.length * 2;
    const grown = (old: Int32Array): Int32Array => {
      const next = new Int32Array(capacity);
      next.set(old);
      return next;
    };
    this.first = grown(this.first);
    this.step = grown(this.step);
    this.count = grown(this.count);
  }
}
