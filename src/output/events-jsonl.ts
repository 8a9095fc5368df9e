/** `events.jsonl`: the host's event log, one JSON object per line, in the order the host recorded them. */
import type { HostEvent } from '../host/event-log.js';

/** The event log as JSON Lines text (empty for no events). */
export function eventsJsonl(events: ReadonlyArray<HostEvent>): string {
  let text = '';
  for (const event of events) text += `${JSON.stringify(event)}\n`;
  return text;
}

/**
 * Reads JSON Lines back: one object per non-empty line.
 *
 * @throws Error naming the line that is not a JSON object with `timeMs`, `kind` and `detail`
 */
export function parseEventsJsonl(text: string, source = 'events.jsonl'): HostEvent[] {
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
    events.push(event as HostEvent);
  });
  return events;
}
