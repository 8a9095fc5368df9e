/**
 * Which guests a run's report draws one by one. A page of 16 small charts
 * is as many as a person reads, so with more guests the report picks those
 * something happened to: OOM kills first, then crashes, then in turn the
 * guests that stalled longest, swapped most, took most major faults and had
 * the largest balloon; guests with nothing to show come last, in scenario
 * order. `--report-guests NAME,...` (names or globs) picks them instead.
 */
import type { GuestSummary, RunSummary } from '../runtime/summary.js';
import { checkOptionsObject } from '../util/option-checks.js';
import { describeValue } from '../util/suggest.js';
import { checkSummary } from './run-checks.js';

/** Guests drawn one by one when the report chooses. */
export const REPORT_GUESTS_MAX = 16;
/** Guests drawn one by one at most when they are picked by name. */
export const REPORT_GUESTS_PICKED_MAX = 64;

/** How the report chooses the guests it draws. */
export interface ReportOptions {
  /** Names or globs (`*` any run of characters, `?` one character), in the order to draw them. */
  guests?: ReadonlyArray<string>;
}

/** Report options a caller can use: a misspelt key was ignored, guests given as one string were matched one character at a time ("e", "b" match no guest), and a name that was not text failed as "glob.replace is not a function". */
export function checkReportOptions(options: unknown, what: string): asserts options is ReportOptions {
  checkOptionsObject(options, ['guests'], what);
  const guests = (options as ReportOptions).guests;
  if (guests !== undefined && !(Array.isArray(guests) && guests.every((name) => typeof name === 'string'))) {
    throw new TypeError(`${what}: guests must be a list of guest names or globs, such as ['web', 'batch-*'], got ${describeValue(guests)}`);
  }
}

/** A guest the report draws, and why it was chosen. */
export interface ChosenGuest {
  /** Index in the scenario (and in the time series). */
  index: number;
  /** Why: `3 OOM kills`, `largest balloon`, `picked`, ... (empty when every guest is drawn). */
  reasons: string[];
}

/** A glob as a regular expression over the whole name. */
export function globPattern(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${body}$`);
}

/**
 * The guests `patterns` name, in pattern order (each guest once), and the
 * patterns that name none.
 */
export function matchGuests(names: ReadonlyArray<string>, patterns: ReadonlyArray<string>): { indexes: number[]; unmatched: string[] } {
  const indexes: number[] = [];
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    const regex = globPattern(pattern);
    const found = names.flatMap((name, index) => (regex.test(name) ? [index] : []));
    if (found.length === 0) unmatched.push(pattern);
    for (const index of found) if (!indexes.includes(index)) indexes.push(index);
  }
  return { indexes, unmatched };
}

interface Criterion {
  /** The figure, larger is more interesting; 0 means nothing happened. */
  value: (guest: GuestSummary) => number;
  reason: (guest: GuestSummary, rank: number) => string;
}

const plural = (count: number, word: string): string => `${count.toLocaleString('en-US')} ${word}${count === 1 ? '' : 's'}`;

/** Taken in turn, one guest from each, after the OOM-killed and crashed guests. */
const CRITERIA: ReadonlyArray<Criterion> = [
  { value: (g) => g.stallSeconds, reason: (g, rank) => (rank === 0 ? `longest stall (${g.stallSeconds.toFixed(1)} s)` : `stalled ${g.stallSeconds.toFixed(1)} s`) },
  { value: (g) => g.swapOutPages, reason: (g, rank) => (rank === 0 ? `most swapped out (${plural(g.swapOutPages, 'page')})` : `swapped out ${plural(g.swapOutPages, 'page')}`) },
  { value: (g) => g.majorFaults, reason: (g, rank) => (rank === 0 ? `most major faults (${g.majorFaults.toLocaleString('en-US')})` : plural(g.majorFaults, 'major fault')) },
  { value: (g) => g.peakBalloonBytes, reason: (_g, rank) => (rank === 0 ? 'largest balloon' : 'large balloon') },
];

function ranked(guests: ReadonlyArray<GuestSummary>, value: (guest: GuestSummary) => number): number[] {
  return guests
    .map((guest, index) => ({ index, value: value(guest) }))
    .filter((entry) => entry.value > 0)
    .sort((a, b) => b.value - a.value || a.index - b.index)
    .map((entry) => entry.index);
}

/**
 * Chooses the guests to draw.
 *
 * @param names the guests of the time series, in scenario order
 * @throws RangeError when a picked name or glob matches no guest (the CLI checks this before the run)
 */
export function chooseReportGuests(summary: RunSummary, names: ReadonlyArray<string>, options: ReportOptions = {}): ChosenGuest[] {
  checkSummary(summary, 'chooseReportGuests', ['guests']);
  if (!Array.isArray(names) || !names.every((name) => typeof name === 'string')) {
    throw new TypeError(`chooseReportGuests: names must be the guests' names in scenario order (series.guestNames), got ${describeValue(names)}`);
  }
  checkReportOptions(options, 'chooseReportGuests');
  return chooseReportGuestsUnchecked(summary, names, options);
}

/** `chooseReportGuests` without its checks, for the report, whose own checks cover what it hands in. */
export function chooseReportGuestsUnchecked(summary: RunSummary, names: ReadonlyArray<string>, options: ReportOptions): ChosenGuest[] {
  if (options.guests !== undefined && options.guests.length > 0) {
    const { indexes, unmatched } = matchGuests(names, options.guests);
    if (unmatched.length > 0) throw new RangeError(`report guests: ${unmatched.map((p) => JSON.stringify(p)).join(', ')} match${unmatched.length === 1 ? 'es' : ''} no guest`);
    return indexes.slice(0, REPORT_GUESTS_PICKED_MAX).map((index) => ({ index, reasons: ['picked'] }));
  }
  if (names.length <= REPORT_GUESTS_MAX) return names.map((_, index) => ({ index, reasons: [] }));
  const guests = names.map((name, index) => summary.guests[index] ?? emptyGuest(name));
  const chosen = new Map<number, string[]>();
  const take = (index: number, reason: string): void => {
    const reasons = chosen.get(index);
    if (reasons !== undefined) {
      if (!reasons.includes(reason)) reasons.push(reason);
      return;
    }
    if (chosen.size < REPORT_GUESTS_MAX) chosen.set(index, [reason]);
  };
  for (const index of ranked(guests, (g) => g.oomKills)) take(index, plural(guests[index]!.oomKills, 'OOM kill'));
  guests.forEach((guest, index) => {
    if (!guest.alive && guest.oomKills === 0) take(index, 'crashed');
  });
  const lists = CRITERIA.map((criterion) => ranked(guests, criterion.value));
  const next = CRITERIA.map(() => 0);
  let progress = true;
  while (chosen.size < REPORT_GUESTS_MAX && progress) {
    progress = false;
    CRITERIA.forEach((criterion, c) => {
      const list = lists[c]!;
      // The next guest of this list not yet chosen (a guest chosen already gets this reason too).
      while (next[c]! < list.length) {
        const index = list[next[c]!]!;
        const rank = next[c]!;
        next[c]!++;
        const isNew = !chosen.has(index);
        take(index, criterion.reason(guests[index]!, rank));
        progress = true;
        if (isNew) break;
      }
    });
  }
  for (let index = 0; index < names.length && chosen.size < REPORT_GUESTS_MAX; index++) if (!chosen.has(index)) take(index, 'nothing notable');
  return [...chosen.entries()].map(([index, reasons]) => ({ index, reasons }));
}

/** A stand-in for a guest missing from the summary (a summary from elsewhere): nothing happened to it. */
function emptyGuest(name: string): GuestSummary {
  return { name, alive: true, oomKills: 0, stallSeconds: 0, swapOutPages: 0, majorFaults: 0, peakBalloonBytes: 0 } as GuestSummary;
}
