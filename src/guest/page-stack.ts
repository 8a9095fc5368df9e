/**
 * A LIFO stack of page numbers kept as runs: each run is a sequence of pages
 * that were pushed one after another and are each one more (or each one
 * less) than the one before, stored as its first and last page. Pages freed,
 * ballooned or granted in runs (as they mostly are: a workload frees the
 * pages it allocated together, a grant backs pages taken from a range) cost
 * 8 bytes a run instead of 4 bytes a page, and moving them costs one write of
 * the run's end instead of one write per page.
 *
 * Below the runs sits an implicit range of pages [rangeLow, rangeHigh) that
 * costs nothing and is taken lowest page first: a freshly booted guest's free
 * pages and its reserved range are such ranges.
 *
 * Pop order is exactly the reverse of push order (a run pops from its last
 * page), then the range, as a plain stack of page numbers would give them.
 */

const NONE = -1;

export class PageStack {
  /** Runs, bottom first: pairs (first page, last page); the top run's last page is popped first. */
  private runs: Int32Array<ArrayBuffer> = new Int32Array(16);
  /** `runs.length`, kept here so that the trim every tick reads this object only (a stack untouched for a tick is out of the cache). */
  private runsRoom = 16;
  private runWords = 0;
  /** Pages in the runs. */
  size = 0;
  rangeLow = 0;
  rangeHigh = 0;

  /** Pages on the stack, the range included. */
  get count(): number {
    return this.size + this.rangeHigh - this.rangeLow;
  }

  /** Bytes of the runs' array (for the memory budget). */
  get bytes(): number {
    return this.runs.byteLength;
  }

  push(page: number): void {
    this.size++;
    const words = this.runWords;
    if (words > 0) {
      const first = this.runs[words - 2]!;
      const last = this.runs[words - 1]!;
      // A run of one page goes either way; a longer one keeps its direction.
      if (first === last ? page === last + 1 || page === last - 1 : page - last === (last > first ? 1 : -1)) {
        this.runs[words - 1] = page;
        return;
      }
    }
    if (words + 2 > this.runs.length) this.grow();
    this.runs[words] = page;
    this.runs[words + 1] = page;
    this.runWords = words + 2;
  }

  /**
   * Pushes `pages[from..from + count)`, in order, as `push` one by one would:
   * `push` starts each run, and the pages that extend it are taken in a
   * tight loop with one write of the run's end.
   */
  pushMany(pages: Int32Array, from: number, count: number): void {
    const end = from + count;
    let i = from;
    while (i < end) {
      this.push(pages[i++]!);
      const words = this.runWords;
      const first = this.runs[words - 2]!;
      let last = this.runs[words - 1]!;
      // A run of one page takes its direction from the next page, as `push` would.
      let step = first === last ? 0 : last > first ? 1 : -1;
      const start = i;
      while (i < end) {
        const page = pages[i]!;
        if (step === 0) {
          if (page === last + 1) step = 1;
          else if (page === last - 1) step = -1;
          else break;
        } else if (page - last !== step) break;
        last = page;
        i++;
      }
      this.runs[words - 1] = last;
      this.size += i - start;
    }
  }

  pop(): number {
    const words = this.runWords;
    if (words === 0) return this.rangeLow < this.rangeHigh ? this.rangeLow++ : NONE;
    this.size--;
    const first = this.runs[words - 2]!;
    const last = this.runs[words - 1]!;
    if (first === last) this.runWords = words - 2;
    else this.runs[words - 1] = last > first ? last - 1 : last + 1;
    return last;
  }

  /** Pops up to `count` pages into `out[offset..]`, as `pop` would one by one; returns how many. */
  popMany(out: Int32Array, offset: number, count: number): number {
    let taken = 0;
    while (taken < count && this.runWords > 0) {
      const words = this.runWords;
      const first = this.runs[words - 2]!;
      const last = this.runs[words - 1]!;
      const step = last >= first ? -1 : 1;
      const length = last >= first ? last - first + 1 : first - last + 1;
      const n = Math.min(count - taken, length);
      let page = last;
      for (let k = 0; k < n; k++) {
        out[offset + taken + k] = page;
        page += step;
      }
      if (n === length) this.runWords = words - 2;
      else this.runs[words - 1] = page;
      this.size -= n;
      taken += n;
    }
    while (taken < count && this.rangeLow < this.rangeHigh) out[offset + taken++] = this.rangeLow++;
    return taken;
  }

  /** The first page and the step of the run the last `popRun` took. */
  runFirst = 0;
  runStep = 1;

  /**
   * Pops up to `max` pages that are consecutive (the top run's end, or the
   * range's low end), in the order `pop` would give them: the first is
   * `runFirst`, each next one `runStep` (+1 or -1) further. Returns how many.
   */
  popRun(max: number): number {
    const words = this.runWords;
    if (words === 0) {
      const n = Math.min(max, this.rangeHigh - this.rangeLow);
      this.runFirst = this.rangeLow;
      this.runStep = 1;
      this.rangeLow += n;
      return n;
    }
    const first = this.runs[words - 2]!;
    const last = this.runs[words - 1]!;
    const step = last >= first ? -1 : 1;
    const length = last >= first ? last - first + 1 : first - last + 1;
    const n = Math.min(max, length);
    this.runFirst = last;
    this.runStep = step;
    if (n === length) this.runWords = words - 2;
    else this.runs[words - 1] = last + n * step;
    this.size -= n;
    return n;
  }

  /** Pushes `count` pages `first`, `first + step`, ... (step +1 or -1), as `push` one by one would. */
  pushRun(first: number, count: number, step: number): void {
    if (count <= 0) return;
    this.push(first);
    if (count === 1) return;
    const words = this.runWords;
    const runFirst = this.runs[words - 2]!;
    const runLast = this.runs[words - 1]!;
    // `first` started a run or ended one going the same way: the rest extends it.
    if (runFirst === runLast || runLast - runFirst > 0 === step > 0) {
      this.runs[words - 1] = first + (count - 1) * step;
      this.size += count - 1;
      return;
    }
    for (let k = 1; k < count; k++) this.push(first + k * step);
  }

  /** Page `index` counted from the top (for random picks and checks); O(runs). */
  at(index: number): number {
    if (index >= this.size) return this.rangeLow + (index - this.size);
    let left = index;
    for (let words = this.runWords; words > 0; words -= 2) {
      const first = this.runs[words - 2]!;
      const last = this.runs[words - 1]!;
      const length = Math.abs(last - first) + 1;
      if (left < length) return last >= first ? last - left : last + left;
      left -= length;
    }
    return NONE;
  }

  /** Every page on the stack, top first (for checks): O(pages). */
  forEach(visit: (page: number) => void): void {
    for (let words = this.runWords; words > 0; words -= 2) {
      const first = this.runs[words - 2]!;
      const last = this.runs[words - 1]!;
      const step = last >= first ? -1 : 1;
      for (let page = last; ; page += step) {
        visit(page);
        if (page === first) break;
      }
    }
    for (let page = this.rangeLow; page < this.rangeHigh; page++) visit(page);
  }

  /** Whether `page` is in the implicit range (not an explicit entry). */
  inRange(page: number): boolean {
    return page >= this.rangeLow && page < this.rangeHigh;
  }

  /**
   * Takes every explicit entry that `marked` accepts off the stack (the
   * others keep their order), writing each to `out` (bottom first); returns
   * how many.
   */
  removeMarked(marked: (page: number) => boolean, out: Int32Array): number {
    const old = this.runs.slice(0, this.runWords);
    this.runWords = 0;
    this.size = 0;
    let taken = 0;
    for (let i = 0; i < old.length; i += 2) {
      const first = old[i]!;
      const last = old[i + 1]!;
      const step = last >= first ? 1 : -1;
      for (let page = first; ; page += step) {
        if (marked(page)) out[taken++] = page;
        else this.push(page);
        if (page === last) break;
      }
    }
    return taken;
  }

  /** Gives back run storage far beyond what is in use (called once a tick). */
  trim(): void {
    if (this.runsRoom > 64 && this.runWords * 4 < this.runsRoom) {
      this.runs = this.runs.slice(0, Math.max(16, this.runWords * 2));
      this.runsRoom = this.runs.length;
    }
  }

  private grow(): void {
    const grown = new Int32Array(this.runs.length * 2);
    grown.set(this.runs);
    this.runs = grown;
    this.runsRoom = grown.length;
  }
}
