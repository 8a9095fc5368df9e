/**
 * A growable list of frame runs, (first, count) pairs, reused from one grant
 * to the next: a grant's runs are copied out of it when the message is made,
 * so the buffer is garbage-free in the steady state.
 */
export class RunList {
  private words: Int32Array;
  private used = 0;
  /** Frames in the runs. */
  frames = 0;

  constructor(capacityRuns = 16) {
    // Stryker disable next-line MethodExpression,ArithmeticOperator: the first capacity only decides when the list grows (test/mutation/equivalent.md)
    this.words = new Int32Array(Math.max(2, capacityRuns * 2));
  }

  /** Runs in the list. */
  get runs(): number {
    return this.used >> 1;
  }

  clear(): void {
    this.used = 0;
    this.frames = 0;
  }

  /** Adds `count` frames from `first`, joining the last run when they follow it. */
  add(first: number, count: number): void {
    if (count <= 0) return;
    this.frames += count;
    const used = this.used;
    if (used > 0 && this.words[used - 2]! + this.words[used - 1]! === first) {
      this.words[used - 1]! += count;
      return;
    }
    // Stryker disable next-line EqualityOperator: growing one pair early changes no run (test/mutation/equivalent.md)
    if (used + 2 > this.words.length) {
      const grown = new Int32Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    this.words[used] = first;
    this.words[used + 1] = count;
    this.used = used + 2;
  }

  /** Adds every run of `other`. */
  append(other: RunList): void {
    const words = other.view();
    for (let i = 0; i < words.length; i += 2) this.add(words[i]!, words[i + 1]!);
  }

  /** A copy of the runs, as a message carries them. */
  toRuns(): Int32Array {
    return this.words.slice(0, this.used);
  }

  /** A view of the runs, valid until the list next changes. */
  view(): Int32Array {
    return this.words.subarray(0, this.used);
  }
}
