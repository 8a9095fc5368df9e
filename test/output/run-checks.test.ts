/** Unit tests of src/output/run-checks.ts: what the output functions say when handed something that is not a run's summary, series or events. */
import { describe, expect, it } from 'vitest';
import { checkEvents, checkSeries, checkSummary, checkText } from '../../src/output/run-checks.js';
import { TimeSeries } from '../../src/output/time-series.js';
import { summaryOf } from '../support/samples.js';

const SUMMARY_IS = "summary must be a run's summary (simulate()'s result.summary, or a summary.json parsed)";

describe('checkSummary', () => {
  it('takes a summary, or one cut down to the parts the function reads', () => {
    expect(() => checkSummary(summaryOf([{ name: 'a' }]), 'f')).not.toThrow();
    expect(() => checkSummary({ guests: [] }, 'f', ['guests'])).not.toThrow();
  });

  it('names the function, what it got and where a summary comes from', () => {
    expect(() => checkSummary(null, 'f')).toThrow(new TypeError(`f: ${SUMMARY_IS}, got null (an empty value)`));
    expect(() => checkSummary([], 'f')).toThrow(new TypeError(`f: ${SUMMARY_IS}, got a list of 0 items`));
    expect(() => checkSummary({ scenario: 's' }, 'f')).toThrow(new TypeError(`f: ${SUMMARY_IS}, got a mapping without host, guests`));
    expect(() => checkSummary({ guests: 3 }, 'f', ['guests'])).toThrow(new TypeError(`f: ${SUMMARY_IS}, got a mapping without guests`));
  });
});

describe('checkSeries', () => {
  it('takes a TimeSeries, and names what it got otherwise', () => {
    expect(() => checkSeries(new TimeSeries(['a'], 4096, 16), 'f')).not.toThrow();
    expect(() => checkSeries(undefined, 'f')).toThrow(/^f: series must be a TimeSeries fed by the run's samples \(new TimeSeries\(names, frameBytes, frames\), .*or parseTimeSeriesCsv\), got nothing$/);
    expect(() => checkSeries({ guestNames: ['a'] }, 'f')).toThrow(/^f: series must be a TimeSeries .*, got a mapping without guestNames, frameBytes and the columns$/);
  });
});

describe('checkEvents and checkText', () => {
  it('take a list of events and a string, and say where they come from otherwise', () => {
    expect(() => checkEvents([], 'f')).not.toThrow();
    expect(() => checkEvents(null, 'f')).toThrow(new TypeError("f: events must be the run's event log, a list (simulate()'s result.events, or parseEventsJsonl(text)), got null (an empty value)"));
    expect(() => checkText('', 'text', 'f', 'the content of x.csv')).not.toThrow();
    expect(() => checkText(Buffer.from('x'), 'text', 'f', 'the content of x.csv')).toThrow(new TypeError('f: text must be a string (the content of x.csv), got a mapping (key: value pairs)'));
  });
});
