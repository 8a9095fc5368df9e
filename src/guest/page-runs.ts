/**
 * Runs of guest pages, in order: run `r` is the page `first[r]`, then
 * `count[r] - 1` more, each `step[r]` (+1 or -1) from the last. A growth
 * takes free pages off their stack a run at a time (the stack keeps them in
 * runs) and hands them on as runs, so that their states change with one fill
 * and no page number is copied through a buffer.
 */
export class PageRuns {
  readonly first: Int32Array;
  readonly step: Int32Array;
  readonly count: Int32Array;
  /** Runs held, and the pages in them. */
  runs = 0;
  pages = 0;

  /** Room for `capacity` runs (as many as pages, at worst). */
  constructor(readonly capacity: number) {
    this.first = new Int32Array(capacity);
    this.step = new Int32Array(capacity);
    this.count = new Int32Array(capacity);
  }

  /** Appends the run `first`, `first + step`, ... of `count` pages. */
  add(first: number, step: number, count: number): void {
    if (count <= 0) return;
    if (this.runs === this.capacity) throw new RangeError(`PageRuns.add: full (${this.capacity} runs)`);
    this.first[this.runs] = first;
    this.step[this.runs] = step;
    this.count[this.runs] = count;
    this.runs++;
    this.pages += count;
  }

  clear(): void {
    this.runs = 0;
    this.pages = 0;
  }
}
