/** report.html draws the guests something happened to, or those picked by name. */
import { describe, expect, it } from 'vitest';
import { chooseReportGuests, globPattern, matchGuests, REPORT_GUESTS_MAX } from '../../src/output/report-guests.js';
import type { GuestSummary, RunSummary } from '../../src/runtime/summary.js';

function summaryOf(guests: Array<Partial<GuestSummary> & { name: string }>): RunSummary {
  return {
    guests: guests.map((g) => ({ alive: true, oomKills: 0, stallSeconds: 0, swapOutPages: 0, majorFaults: 0, peakBalloonBytes: 0, ...g })),
  } as unknown as RunSummary;
}

const quiet = (n: number): Array<{ name: string }> => Array.from({ length: n }, (_, i) => ({ name: `g${String(i).padStart(2, '0')}` }));

describe('the guests report.html draws', () => {
  it('draws every guest, in scenario order, when they fit', () => {
    const guests = quiet(REPORT_GUESTS_MAX);
    guests[3] = { ...guests[3]!, oomKills: 2 } as never;
    const chosen = chooseReportGuests(summaryOf(guests), guests.map((g) => g.name));
    expect(chosen.map((c) => c.index)).toEqual(guests.map((_, i) => i));
  });

  it('with many guests, takes OOM kills first, then crashes, then the top of each cost and the largest balloon in turn', () => {
    const guests: Array<Partial<GuestSummary> & { name: string }> = quiet(64);
    // dense-64's shape: the first guests have nothing; the ballooned ones come late.
    for (let i = 40; i < 64; i++) guests[i] = { ...guests[i]!, peakBalloonBytes: (i - 39) * 2 ** 20 };
    guests[50] = { ...guests[50]!, oomKills: 1 };
    guests[60] = { ...guests[60]!, oomKills: 3 };
    guests[20] = { ...guests[20]!, alive: false };
    guests[30] = { ...guests[30]!, stallSeconds: 12.5, majorFaults: 4000 };
    guests[31] = { ...guests[31]!, swapOutPages: 10 };
    const chosen = chooseReportGuests(summaryOf(guests), guests.map((g) => g.name));
    expect(chosen).toHaveLength(REPORT_GUESTS_MAX);
    expect(chosen.slice(0, 3).map((c) => c.index)).toEqual([60, 50, 20]);
    expect(chosen[0]!.reasons).toContain('3 OOM kills');
    expect(chosen[2]!.reasons).toEqual(['crashed']);
    const byIndex = new Map(chosen.map((c) => [c.index, c.reasons]));
    expect(byIndex.get(30)).toEqual(expect.arrayContaining(['longest stall (12.5 s)', 'most major faults (4,000)']));
    expect(byIndex.get(31)).toEqual(['most swapped out (10 pages)']);
    expect(byIndex.get(63)).toEqual(['largest balloon']);
    // The rest are the largest balloons; none of the quiet first guests.
    expect(chosen.every((c) => c.index >= 20)).toBe(true);
    expect([...byIndex.keys()].filter((i) => i >= 40).sort((a, b) => b - a).slice(0, 12)).toEqual([63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52]);
  });

  it('fills with quiet guests in scenario order when few guests had anything happen', () => {
    const guests: Array<Partial<GuestSummary> & { name: string }> = quiet(20);
    guests[19] = { ...guests[19]!, peakBalloonBytes: 1 };
    const chosen = chooseReportGuests(summaryOf(guests), guests.map((g) => g.name));
    expect(chosen.map((c) => c.index)).toEqual([19, ...Array.from({ length: 15 }, (_, i) => i)]);
    expect(chosen[1]!.reasons).toEqual(['nothing notable']);
  });

  it('picks guests by name or glob, in the order given, each once', () => {
    const names = ['web-0', 'web-1', 'db', 'batch-0', 'batch-1', 'batch-10'];
    expect(matchGuests(names, ['db', 'batch-?', 'web-*', 'db'])).toEqual({ indexes: [2, 3, 4, 0, 1], unmatched: [] });
    expect(matchGuests(names, ['nope*', 'db'])).toEqual({ indexes: [2], unmatched: ['nope*'] });
    const chosen = chooseReportGuests(summaryOf(names.map((name) => ({ name }))), names, { guests: ['batch-1*'] });
    expect(chosen).toEqual([
      { index: 4, reasons: ['picked'] },
      { index: 5, reasons: ['picked'] },
    ]);
    expect(() => chooseReportGuests(summaryOf([{ name: 'a' }]), ['a'], { guests: ['b'] })).toThrow(/"b" matches no guest/);
    expect(globPattern('a.b*').test('a.bc')).toBe(true);
    expect(globPattern('a.b*').test('aXbc')).toBe(false);
  });
});

describe('chooseReportGuests of what it cannot choose from', () => {
  const summary = summaryOf([{ name: 'w' }, { name: 'web' }]);

  it('refuses names that are not a list, instead of "names.map is not a function"', () => {
    expect(() => chooseReportGuests(summary, 'web' as never)).toThrow(new TypeError('chooseReportGuests: names must be the guests\' names in scenario order (series.guestNames), got "web"'));
    expect(() => chooseReportGuests(null as never, ['w'])).toThrow(/^chooseReportGuests: summary must be a run's summary .*got null/);
  });

  it('refuses guests given as one string, which were matched one character at a time ("e", "b" match no guest)', () => {
    expect(() => chooseReportGuests(summary, ['w', 'web'], { guests: 'web' as never })).toThrow(
      new TypeError("chooseReportGuests: guests must be a list of guest names or globs, such as ['web', 'batch-*'], got \"web\""),
    );
    expect(() => chooseReportGuests(summary, ['w', 'web'], { gests: ['web'] } as never)).toThrow(/^chooseReportGuests: unknown option "gests" \(did you mean "guests"\?/);
  });
});
