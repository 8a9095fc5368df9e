/**
 * A run's samples, kept in columns (one Float64Array per figure) rather than
 * as objects, so that many guests times many samples stay small. Fed by
 * `simulate`'s `onSample`; read by the CSV, trace and report writers.
 */
import { FREE_MEMORY_STATES, type FreeMemoryState } from '../host/manager/free-memory-state.js';
import type { GuestSample, Sample } from '../runtime/sample.js';
import { describeValue } from '../util/suggest.js';

/** The numeric figures of a guest sample, in the order the CSV writes them. */
export const GUEST_FIGURES = [
  'targetPages',
  'actualPages',
  'residentPages',
  'balloonPages',
  'anonPages',
  'cachePages',
  'kernelPages',
  'freePages',
  'swapPages',
  'swapInTotal',
  'swapOutTotal',
  'majorFaultsTotal',
  'minorFaultsTotal',
  'stallSecondsTotal',
  'psiSomeAvg10',
  'psiFullAvg10',
  'oomKillsTotal',
  'oomEventsTotal',
  'memoryPages',
  'hostSwappedPages',
  'hostSwapFaultsTotal',
  'progressAvg10',
  'workWantedTotal',
  'workDoneTotal',
  'refaultsTotal',
] as const satisfies ReadonlyArray<keyof GuestSample>;

export type GuestFigure = (typeof GUEST_FIGURES)[number];

/** True when GUEST_FIGURES names every numeric field of GuestSample (checked at compile time). */
type NumericKeys<T> = { [K in keyof T]: T[K] extends number ? K : never }[keyof T];
const figuresCoverSample: [Exclude<NumericKeys<GuestSample>, GuestFigure>] extends [never] ? true : false = true;
void figuresCoverSample;

/**
 * Copies every figure of a sample's guests into the columns (given in
 * GUEST_FIGURES order) at rows `base`, `base + 1`, ...: code written once
 * from GUEST_FIGURES (names that are identifiers, checked by the type
 * above), as the wire codec's is, so that each figure is a named read V8
 * can specialise, one guest at a time. `guest[figure]` with the figure in
 * a variable is a keyed load over 25 names, which cost most of `add`
 * (0.8 µs a guest on a sample of 1,000 guests).
 */
const copyFigures = new Function(
  'columns',
  'guests',
  'base',
  `${GUEST_FIGURES.map((_, i) => `const c${i} = columns[${i}];`).join(' ')}
  for (let g = 0; g < guests.length; g++) {
    const guest = guests[g];
    ${GUEST_FIGURES.map((figure, i) => `c${i}[base + g] = guest.${figure};`).join(' ')}
  }`,
) as (columns: ReadonlyArray<Float64Array>, guests: ReadonlyArray<GuestSample>, base: number) => void;

/** Most samples a run keeps by default. */
export const SAMPLES_MAX_DEFAULT = 2000;
/** Fewest samples a run keeps by default, however many guests it has. */
export const SAMPLES_MIN_DEFAULT = 10;
/** Guest samples (samples times guests) a run keeps by default: about 144 bytes each. */
export const GUEST_SAMPLES_BUDGET = 1_000_000;

/**
 * The default sample interval: every tick while the run has at most
 * SAMPLES_MAX_DEFAULT ticks (fewer with many guests, so that samples times
 * guests stays near GUEST_SAMPLES_BUDGET), then every N ticks.
 */
export function defaultSampleEveryTicks(ticks: number, guests: number): number {
  if (!Number.isSafeInteger(ticks) || ticks < 1) throw new RangeError(`defaultSampleEveryTicks: ticks must be a positive integer, got ${ticks}`);
  if (!Number.isSafeInteger(guests) || guests < 1) throw new RangeError(`defaultSampleEveryTicks: guests must be a positive integer, got ${guests}`);
  const samplesMax = Math.max(SAMPLES_MIN_DEFAULT, Math.min(SAMPLES_MAX_DEFAULT, Math.floor(GUEST_SAMPLES_BUDGET / guests)));
  return Math.max(1, Math.ceil(ticks / samplesMax));
}

function grow(array: Float64Array<ArrayBuffer>, length: number): Float64Array<ArrayBuffer> {
  if (array.length >= length) return array;
  const bigger = new Float64Array(Math.max(length, array.length * 2, 16));
  bigger.set(array);
  return bigger;
}

/** Samples of one run, by sample and guest. */
export class TimeSeries {
  /** Samples recorded. */
  length = 0;
  private times = new Float64Array(0);
  private free = new Float64Array(0);
  private hostSwap = new Float64Array(0);
  /** The host's free-memory state at each sample, as an index into FREE_MEMORY_STATES. */
  private states = new Float64Array(0);
  private alive = new Float64Array(0);
  private readonly columns: Map<GuestFigure, Float64Array<ArrayBuffer>> = new Map();

  /**
   * @param guestNames the guests, in the order every sample lists them
   * @param frameBytes bytes per page and per frame
   * @param hostFrames frames of host memory
   */
  constructor(
    readonly guestNames: ReadonlyArray<string>,
    readonly frameBytes: number,
    readonly hostFrames: number,
  ) {
    // Names that were not a list, and a hostFrames of NaN, were kept and came out later as wrong files or a TypeError inside them.
    if (!Array.isArray(guestNames) || !guestNames.every((name) => typeof name === 'string')) {
      throw new TypeError(`TimeSeries: guestNames must be the guests' names in the order samples list them (scenario.guests.map((g) => g.name)), got ${describeValue(guestNames)}`);
    }
    if (!Number.isSafeInteger(frameBytes) || frameBytes < 1) throw new RangeError(`TimeSeries: frameBytes must be a positive integer, got ${frameBytes}`);
    if (!Number.isSafeInteger(hostFrames) || hostFrames < 0) {
      throw new RangeError(`TimeSeries: hostFrames must be a whole number of at least 0 (the host's frames: Math.floor(scenario.host.memoryBytes / scenario.frameBytes)), got ${describeValue(hostFrames)}`);
    }
    for (const figure of GUEST_FIGURES) this.columns.set(figure, new Float64Array(0));
  }

  get guests(): number {
    return this.guestNames.length;
  }

  /** Appends a sample; its guests must be those of the constructor, in the same order. */
  add(sample: Sample): void {
    const guests = this.guests;
    // Given null or another object it failed reading guests of null; a time that is no number was "undefined ms follows".
    if (sample === null || typeof sample !== 'object' || !Array.isArray(sample.guests) || !Number.isFinite(sample.timeMs)) {
      throw new TypeError(`TimeSeries.add: sample must be a sample of the run, with timeMs and guests (what simulate's onSample is given, or simulateStream yields), got ${describeValue(sample)}`);
    }
    if (sample.guests.length !== guests) throw new RangeError(`TimeSeries.add: the sample has ${sample.guests.length} guests, the series ${guests}`);
    if (this.length > 0 && !(sample.timeMs > this.times[this.length - 1]!)) {
      throw new RangeError(`TimeSeries.add: sample times must increase; ${sample.timeMs} ms follows ${this.times[this.length - 1]} ms`);
    }
    const at = this.length;
    this.times = grow(this.times, at + 1);
    this.free = grow(this.free, at + 1);
    this.hostSwap = grow(this.hostSwap, at + 1);
    this.states = grow(this.states, at + 1);
    const state = FREE_MEMORY_STATES.indexOf(sample.hostState);
    if (state < 0) throw new RangeError(`TimeSeries.add: unknown free-memory state ${JSON.stringify(sample.hostState)}`);
    this.times[at] = sample.timeMs;
    this.free[at] = sample.freeFrames;
    this.hostSwap[at] = sample.hostSwapUsedPages;
    this.states[at] = state;
    const base = at * guests;
    this.alive = grow(this.alive, base + guests);
    for (let g = 0; g < guests; g++) {
      const guest = sample.guests[g]!;
      if (guest.name !== this.guestNames[g]) throw new RangeError(`TimeSeries.add: guest ${g} is ${guest.name}, expected ${this.guestNames[g]}`);
      this.alive[base + g] = guest.alive ? 1 : 0;
    }
    const columns = GUEST_FIGURES.map((figure) => {
      const column = grow(this.columns.get(figure)!, base + guests);
      this.columns.set(figure, column);
      return column;
    });
    copyFigures(columns, sample.guests, base);
    this.length = at + 1;
  }

  /** Simulated time of sample `i`, in ms. */
  timeMs(i: number): number {
    return this.times[this.checkIndex(i)]!;
  }

  /** Frames free on the host at sample `i`. */
  freeFrames(i: number): number {
    return this.free[this.checkIndex(i)]!;
  }

  /** Pages in host swap at sample `i`. */
  hostSwapUsedPages(i: number): number {
    return this.hostSwap[this.checkIndex(i)]!;
  }

  /** The host's free-memory state at sample `i`. */
  hostState(i: number): FreeMemoryState {
    return FREE_MEMORY_STATES[this.states[this.checkIndex(i)]!]!;
  }

  /** The host's free-memory state over every sample, as indexes into FREE_MEMORY_STATES (a copy). */
  hostStateIndexes(): Float64Array {
    return this.states.slice(0, this.length);
  }

  isAlive(i: number, guest: number): boolean {
    return this.alive[this.checkIndex(i) * this.guests + this.checkGuest(guest)] === 1;
  }

  /** One figure of one guest at sample `i`. */
  value(figure: GuestFigure, i: number, guest: number): number {
    return this.columns.get(figure)![this.checkIndex(i) * this.guests + this.checkGuest(guest)]!;
  }

  /** One figure of one guest over every sample (a copy). */
  guestColumn(figure: GuestFigure, guest: number): Float64Array {
    this.checkGuest(guest);
    const column = this.columns.get(figure)!;
    const out = new Float64Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = column[i * this.guests + guest]!;
    return out;
  }

  /**
   * Copies a figure (or `alive`, as 1 and 0) of `count` guest rows from row
   * `start` into `out`, where row `sample * guests + guest` is the order of
   * timeseries.csv: the bulk read of the CSV and Parquet writers, one
   * `set` instead of a checked `value` call per cell.
   */
  copyGuestRows(figure: GuestFigure | 'alive', start: number, count: number, out: Float64Array): void {
    const rows = this.length * this.guests;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > rows) {
      throw new RangeError(`TimeSeries.copyGuestRows: rows ${start} to ${start + count} are not within the ${rows} rows (samples times guests)`);
    }
    if (!(out instanceof Float64Array) || out.length < count) throw new RangeError(`TimeSeries.copyGuestRows: out must be a Float64Array of at least ${count} values, got ${out instanceof Float64Array ? `one of ${out.length}` : describeValue(out)}`);
    const column = figure === 'alive' ? this.alive : this.columns.get(figure);
    if (column === undefined) throw new RangeError(`TimeSeries.copyGuestRows: no figure ${describeValue(figure)} (one of ${GUEST_FIGURES.join(', ')}, or alive)`);
    out.set(column.subarray(start, start + count));
  }

  /** Sample times in ms (a copy). */
  timesMs(): Float64Array {
    return this.times.slice(0, this.length);
  }

  /** Host free frames over every sample (a copy). */
  freeFramesColumn(): Float64Array {
    return this.free.slice(0, this.length);
  }

  /** Pages in host swap over every sample (a copy). */
  hostSwapColumn(): Float64Array {
    return this.hostSwap.slice(0, this.length);
  }

  /** The sample at index `i`, as `simulate` gave it. */
  sample(i: number): Sample {
    this.checkIndex(i);
    return {
      timeMs: this.times[i]!,
      freeFrames: this.free[i]!,
      hostState: this.hostState(i),
      hostSwapUsedPages: this.hostSwap[i]!,
      guests: this.guestNames.map((name, g) => {
        const guest = { name, alive: this.isAlive(i, g) } as GuestSample;
        for (const figure of GUEST_FIGURES) guest[figure] = this.value(figure, i, g);
        return guest;
      }),
    };
  }

  private checkIndex(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`TimeSeries: no sample ${i} (there are ${this.length})`);
    return i;
  }

  private checkGuest(guest: number): number {
    if (!Number.isInteger(guest) || guest < 0 || guest >= this.guests) throw new RangeError(`TimeSeries: no guest ${guest} (there are ${this.guests})`);
    return guest;
  }
}
