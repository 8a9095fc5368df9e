/**
 * Checks of what a library caller hands the output functions: a run's
 * summary, its provenance, its time series and its event log. Given null, a
 * number or the wrong object, those functions failed deep inside ("Cannot
 * read properties of null (reading 'host')", "series.freeFramesColumn is not
 * a function", "events is not iterable"); now the error names the function,
 * what it got and where the right value comes from. Each runs once per call:
 * an exported function checks, then calls the unchecked forms of the others
 * (writeRunOutputs calls runReportHtmlUnchecked, not runReportHtml).
 */
import type { HostEvent } from '../host/event-log.js';
import type { Provenance } from '../runtime/provenance.js';
import type { RunSummary } from '../runtime/summary.js';
import { describeValue } from '../util/suggest.js';
import type { TimeSeries } from './time-series.js';

/** What a value is, for messages: a mapping that lacks the fields is named as such. */
function got(value: unknown, lacks: string): string {
  return value === null || typeof value !== 'object' || Array.isArray(value) ? describeValue(value) : `a mapping without ${lacks}`;
}

/** The parts of a summary a function reads. */
type SummaryPart = 'scenario' | 'host' | 'guests';

function hasPart(summary: Partial<RunSummary>, part: SummaryPart): boolean {
  switch (part) {
    case 'scenario':
      return typeof summary.scenario === 'string';
    case 'host':
      return typeof summary.host === 'object' && summary.host !== null;
    case 'guests':
      return Array.isArray(summary.guests);
  }
}

/**
 * A run's summary (`simulate()`'s `result.summary`, or a summary.json
 * parsed) with the parts the function reads; a summary of an earlier
 * version, or one cut down to what is read, is as good.
 */
export function checkSummary(summary: unknown, what: string, reads: ReadonlyArray<SummaryPart> = ['scenario', 'host', 'guests']): asserts summary is RunSummary {
  const isObject = summary !== null && typeof summary === 'object' && !Array.isArray(summary);
  const missing = isObject ? reads.filter((part) => !hasPart(summary as Partial<RunSummary>, part)) : [];
  if (!isObject || missing.length > 0) {
    throw new TypeError(`${what}: summary must be a run's summary (simulate()'s result.summary, or a summary.json parsed), got ${got(summary, missing.join(', '))}`);
  }
}

/**
 * A TimeSeries (made with `new TimeSeries(...)` or `parseTimeSeriesCsv`).
 * Checked by its shape, not with instanceof: a series made by another copy
 * of the module is as good.
 */
export function checkSeries(series: unknown, what: string): asserts series is TimeSeries {
  const candidate = series as Partial<TimeSeries> | null;
  if (candidate === null || typeof candidate !== 'object' || !Array.isArray(candidate.guestNames) || typeof candidate.frameBytes !== 'number' || typeof candidate.freeFramesColumn !== 'function') {
    throw new TypeError(
      `${what}: series must be a TimeSeries fed by the run's samples (new TimeSeries(names, frameBytes, frames), and simulate's onSample: (s) => series.add(s); or parseTimeSeriesCsv), got ${got(series, 'guestNames, frameBytes and the columns')}`,
    );
  }
}

/** A run's event log: `simulate()`'s `result.events`, or `parseEventsJsonl(text)`. */
export function checkEvents(events: unknown, what: string): asserts events is ReadonlyArray<HostEvent> {
  if (!Array.isArray(events)) throw new TypeError(`${what}: events must be the run's event log, a list (simulate()'s result.events, or parseEventsJsonl(text)), got ${describeValue(events)}`);
}

/** A run's provenance (`result.summary.provenance`), or absent: anything else was written as a record of "undefined undefined, Node undefined, seed undefined". */
export function checkProvenance(provenance: unknown, what: string): asserts provenance is Provenance | undefined {
  if (provenance !== undefined && (provenance === null || typeof provenance !== 'object' || typeof (provenance as Partial<Provenance>).tool !== 'string')) {
    throw new TypeError(`${what}: provenance must be a run's provenance (result.summary.provenance, or provenanceOf(scenario, seed)) or left out, got ${describeValue(provenance)}`);
  }
}

/** Text to parse (a file's content), and the name it goes by in messages. */
export function checkText(text: unknown, name: string, what: string, hint: string): asserts text is string {
  if (typeof text !== 'string') throw new TypeError(`${what}: ${name} must be a string (${hint}), got ${describeValue(text)}`);
}
