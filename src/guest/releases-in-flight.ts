/**
 * The balloon driver's releases still in flight: for each, by message id,
 * the pages it named and how many of them had no frame. Kept in typed arrays
 * rather than a Map of objects: stress-1000 sends 830 thousand releases,
 * and each one's Map entry and object were garbage that lived until the
 * host's answer, long enough to reach the old generation (the Map's deletes
 * alone allocated 29 MB). Acks come in the order the releases went as a
 * rule, so the one acked is found first.
 */

/** Releases the table has room for at first; it doubles when more than half full. */
const RELEASES_ROOM_MIN = 8;

/**
 * Entries `head` to `end - 1` of three arrays: the releases in the order
 * they were sent. Acks come in that order as a rule, and taking the oldest
 * only moves `head`; one taken from the middle closes its gap.
 */
export class ReleasesInFlight {
  private ids = new Float64Array(RELEASES_ROOM_MIN);
  private pages = new Int32Array(RELEASES_ROOM_MIN);
  private unbacked = new Int32Array(RELEASES_ROOM_MIN);
  private head = 0;
  private end = 0;
  /** What the last successful `take` found: the release's pages, and its pages without a frame. */
  takenPages = 0;
  takenUnbacked = 0;

  /** Releases in flight. */
  get count(): number {
    return this.end - this.head;
  }

  /** Release `id` was sent, naming `pages` pages of which `unbacked` had no frame. */
  add(id: number, pages: number, unbacked: number): void {
    if (this.end === this.ids.length) this.makeRoom();
    const at = this.end++;
    this.ids[at] = id;
    this.pages[at] = pages;
    this.unbacked[at] = unbacked;
  }

  /**
   * Forgets release `id` and returns whether it was in flight; if it was,
   * `takenPages` and `takenUnbacked` say what it named.
   */
  take(id: number): boolean {
    const { ids, pages, unbacked } = this;
    let at = this.head;
    while (at < this.end && ids[at] !== id) at++;
    if (at === this.end) return false;
    this.takenPages = pages[at]!;
    this.takenUnbacked = unbacked[at]!;
    if (at === this.head) this.head++;
    else {
      for (let k = at + 1; k < this.end; k++) {
        ids[k - 1] = ids[k]!;
        pages[k - 1] = pages[k]!;
        unbacked[k - 1] = unbacked[k]!;
      }
      this.end--;
    }
    if (this.head === this.end) this.head = this.end = 0;
    return true;
  }

  /** The arrays are full to their end: the entries move to the front, into arrays twice as large if they fill more than half. */
  private makeRoom(): void {
    const count = this.count;
    if (count * 2 <= this.ids.length) {
      this.ids.copyWithin(0, this.head, this.end);
      this.pages.copyWithin(0, this.head, this.end);
      this.unbacked.copyWithin(0, this.head, this.end);
    } else {
      const room = this.ids.length * 2;
      const ids = new Float64Array(room);
      const pages = new Int32Array(room);
      const unbacked = new Int32Array(room);
      ids.set(this.ids.subarray(this.head, this.end));
      pages.set(this.pages.subarray(this.head, this.end));
      unbacked.set(this.unbacked.subarray(this.head, this.end));
      this.ids = ids;
      this.pages = pages;
      this.unbacked = unbacked;
    }
    this.head = 0;
    this.end = count;
  }
}
