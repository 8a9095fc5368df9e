/**
 * `events.jsonl`: the host's event log, one JSON object per line, in the
 * order the host recorded them. With a provenance, the first line is a
 * record of kind `provenance` (at time 0, with `detail` and the provenance
 * itself), which readers of host events skip.
 */
import type { HostEvent } from '../host/event-log.js';
import type { Provenance } from '../runtime/provenance.js';
import { describeValue } from '../util/suggest.js';
import { checkEvents, checkProvenance, checkText } from './run-checks.js';

/** The `kind` of the provenance record. */
export const PROVENANCE_KIND = 'provenance';

/** The event log as JSON Lines text (empty for no events and no provenance). */
export function eventsJsonl(events: ReadonlyArray<HostEvent>, provenance?: Provenance): string {
  checkEvents(events, 'eventsJsonl');
  checkProvenance(provenance, 'eventsJsonl');
  return eventsJsonlUnchecked(events, provenance);
}

/** `eventsJsonl` without its checks, for `writeRunOutputs`, which makes them under its own name. */
export function eventsJsonlUnchecked(events: ReadonlyArray<HostEvent>, provenance: Provenance | undefined): string {
  let text = '';
  if (provenance !== undefined) {
    const detail = `${provenance.tool} ${provenance.version}, Node ${provenance.node}, seed ${provenance.seed}, scenario ${provenance.source}`;
    text += `${JSON.stringify({ timeMs: 0, kind: PROVENANCE_KIND, detail, provenance })}\n`;
  }
  for (const event of events) text += `${JSON.stringify(event)}\n`;
  return text;
}

/**
 * Reads JSON Lines back: one object per non-empty line.
 *
 * @throws Error naming the line that is not a JSON object with `timeMs`, `kind` and `detail`
 */
export function parseEventsJsonl(text: string, source = 'events.jsonl'): HostEvent[] {
  checkText(text, 'text', 'parseEventsJsonl', 'the content of events.jsonl');
  if (typeof source !== 'string' || source === '') throw new TypeError(`parseEventsJsonl: source must name the file in messages (such as run/events.jsonl), got ${describeValue(source)}`);
  const events: HostEvent[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`${source}:${index + 1}: not JSON`);
    }
    const event = value as Partial<HostEvent> | null;
    if (event === null || typeof event !== 'object' || typeof event.timeMs !== 'number' || typeof event.kind !== 'string' || typeof event.detail !== 'string') {
      throw new Error(`${source}:${index + 1}: not a host event (timeMs, kind, detail)`);
    }
    if ((event.kind as string) === PROVENANCE_KIND) return;
    events.push(event as HostEvent);
  });
  return events;
}
