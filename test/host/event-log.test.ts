import { describe, expect, it } from 'vitest';
import { EVENT_LOG_MAX, EventLog } from '../../src/host/event-log.js';

describe('EventLog', () => {
  it('records events, with the guest only when there is one', () => {
    const log = new EventLog();
    log.record(100, 'boot', 'web', 'booted');
    log.record(200, 'hostState', null, 'high -> soft');
    expect(log.entries).toEqual([
      { timeMs: 100, kind: 'boot', guest: 'web', detail: 'booted' },
      { timeMs: 200, kind: 'hostState', detail: 'high -> soft' },
    ]);
    expect('guest' in log.entries[1]!).toBe(false);
    expect(log.dropped).toBe(0);
  });

  it('keeps at most EVENT_LOG_MAX (100000) entries and counts the ones it drops', () => {
    const log = new EventLog();
    expect(EVENT_LOG_MAX).toBe(100_000);
    for (let i = 0; i < EVENT_LOG_MAX + 5; i++) log.add({ timeMs: i, kind: 'policy', detail: '' });
    expect(log.entries).toHaveLength(EVENT_LOG_MAX);
    expect(log.entries[EVENT_LOG_MAX - 1]!.timeMs).toBe(EVENT_LOG_MAX - 1);
    expect(log.dropped).toBe(5);
  });
});
