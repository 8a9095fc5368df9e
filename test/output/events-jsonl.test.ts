/** Unit tests of src/output/events-jsonl.ts: the event log as JSON Lines, and reading it back. */
import { describe, expect, it } from 'vitest';
import type { HostEvent } from '../../src/host/event-log.js';
import { eventsJsonl, parseEventsJsonl, PROVENANCE_KIND } from '../../src/output/events-jsonl.js';
import type { Provenance } from '../../src/runtime/provenance.js';

const events: HostEvent[] = [
  { timeMs: 0, kind: 'boot', detail: 'host up' },
  { timeMs: 2000, kind: 'guardRefusal', guest: 'web', detail: 'below "floor"\nsecond line' },
];
const provenance: Provenance = { tool: 'balloonsim', version: '9.9.9', node: 'v20.0.0', seed: 42, source: 'x.yaml', scenario: { seed: 42 } };

describe('eventsJsonl', () => {
  it('writes one JSON object per line, in order, each line ending in a newline', () => {
    expect(eventsJsonl(events)).toBe(
      '{"timeMs":0,"kind":"boot","detail":"host up"}\n' + '{"timeMs":2000,"kind":"guardRefusal","guest":"web","detail":"below \\"floor\\"\\nsecond line"}\n',
    );
  });

  it('is empty for no events and no provenance', () => {
    expect(eventsJsonl([])).toBe('');
  });

  it('starts with a provenance record when given one', () => {
    const [first, ...rest] = eventsJsonl(events, provenance).trimEnd().split('\n');
    expect(JSON.parse(first!)).toEqual({ timeMs: 0, kind: PROVENANCE_KIND, detail: 'balloonsim 9.9.9, Node v20.0.0, seed 42, scenario x.yaml', provenance });
    expect(rest).toHaveLength(2);
  });
});

describe('parseEventsJsonl', () => {
  it('reads back what eventsJsonl wrote, leaving out the provenance record', () => {
    expect(parseEventsJsonl(eventsJsonl(events, provenance))).toEqual(events);
  });

  it('skips blank lines', () => {
    expect(parseEventsJsonl('\n  \n{"timeMs":1,"kind":"boot","detail":"x"}\n\n')).toEqual([{ timeMs: 1, kind: 'boot', detail: 'x' }]);
  });

  it('names the line that is not JSON, or not a host event', () => {
    expect(() => parseEventsJsonl('{"timeMs":1,"kind":"boot","detail":"x"}\n{oops', 'run/events.jsonl')).toThrow('run/events.jsonl:2: not JSON');
    expect(() => parseEventsJsonl('null')).toThrow('events.jsonl:1: not a host event (timeMs, kind, detail)');
    expect(() => parseEventsJsonl('{"timeMs":"1","kind":"boot","detail":"x"}')).toThrow('events.jsonl:1: not a host event');
    expect(() => parseEventsJsonl('\n{"timeMs":1,"kind":"boot"}')).toThrow('events.jsonl:2: not a host event');
    expect(() => parseEventsJsonl('[1,2]')).toThrow('not a host event');
  });
});

describe('events.jsonl of what it cannot write or read', () => {
  it('eventsJsonl refuses events that are not a list ("events is not iterable") and a provenance that is not one', () => {
    expect(() => eventsJsonl(null as never)).toThrow(new TypeError("eventsJsonl: events must be the run's event log, a list (simulate()'s result.events, or parseEventsJsonl(text)), got null (an empty value)"));
    // A provenance of 5 was written as "undefined undefined, Node undefined, seed undefined".
    expect(() => eventsJsonl([], 5 as never)).toThrow(new TypeError('eventsJsonl: provenance must be a run\'s provenance (result.summary.provenance, or provenanceOf(scenario, seed)) or left out, got 5'));
  });

  it('parseEventsJsonl refuses text that is not a string, instead of "text.split is not a function"', () => {
    expect(() => parseEventsJsonl(undefined as never)).toThrow(new TypeError('parseEventsJsonl: text must be a string (the content of events.jsonl), got nothing'));
    expect(() => parseEventsJsonl('', '' as never)).toThrow(/^parseEventsJsonl: source must name the file in messages/);
  });
});
