/** Unit tests of src/cli/summary-table.ts: text tables, the readable summary of a run, and its notable events. */
import { beforeAll, describe, expect, it } from 'vitest';
import { coloursFor, stripColour } from '../../src/cli/colour.js';
import { formatNotableEvents, formatSummary, formatTable } from '../../src/cli/summary-table.js';
import type { HostEvent } from '../../src/host/event-log.js';
import type { RunSummary } from '../../src/runtime/summary.js';
import { runTiny } from '../support/tiny-run.js';

describe('formatTable', () => {
  it('pads columns to their widest cell: the first and the chosen ones left, the others right', () => {
    expect(formatTable(['name', 'n', 'note'], [['a', '10', 'x'], ['long name', '2', 'yy']], [2])).toBe(
      ['name        n  note', '---------  --  ----', 'a          10  x', 'long name   2  yy'].join('\n'),
    );
  });
  it('with no rows: the header and its rule', () => {
    expect(formatTable(['a', 'bb'], [])).toBe('a  bb\n-  --');
  });
  it('takes as many rows as query prints (200,000 overflowed the stack: internal error)', () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => [String(i)]);
    const lines = formatTable(['n'], rows).split('\n');
    expect(lines).toHaveLength(200_002);
    expect(lines[1]).toBe('------');
    expect(lines[2]).toBe('0');
  });
});

describe('formatNotableEvents', () => {
  it('lists what an operator wants to read, one line each, and leaves routine events out', () => {
    const events: HostEvent[] = [
      { timeMs: 0, kind: 'boot', detail: 'up' },
      { timeMs: 2000, kind: 'guardRefusal', guest: 'web', detail: 'below its floor' },
      { timeMs: 3000, kind: 'setTarget', guest: 'web', detail: 'to 1 GiB' },
      { timeMs: 4000, kind: 'setTarget', guest: 'web', detail: 'to 100 MiB (forced)' },
      { timeMs: 90_000, kind: 'pausePolicy', detail: 'paused' },
    ] as HostEvent[];
    expect(formatNotableEvents(events)).toBe(['events:', '  2s guardRefusal web: below its floor', '  4s setTarget web: to 100 MiB (forced)', '  90s pausePolicy: paused'].join('\n'));
  });
  it('is empty when nothing is notable, and counts what it does not show past 20', () => {
    expect(formatNotableEvents([{ timeMs: 0, kind: 'boot', detail: 'up' } as HostEvent])).toBe('');
    const many = Array.from({ length: 23 }, (_, i) => ({ timeMs: i * 1000, kind: 'setReserved', detail: `${i}` }) as HostEvent);
    const lines = formatNotableEvents(many).split('\n');
    expect(lines).toHaveLength(1 + 20 + 1);
    expect(lines.at(-1)).toBe('  ... and 3 more');
  });
});

describe('formatSummary', () => {
  let summary: RunSummary;
  beforeAll(async () => {
    summary = (await runTiny()).result.summary;
  });

  it('has the run line, the host line, a line per guest and the audit verdict', () => {
    const lines = formatSummary(summary).split('\n');
    expect(lines[0]).toMatch(/^balloonsim: tiny, seed 5, 5 simulated seconds in 5 ticks \(\d+\.\d\d s wall, inline on 1 thread\)$/);
    expect(lines[1]).toMatch(/^host: 64 MiB in 16384 frames of 4 KiB; free .*; policy static, backing lazy$/);
    const header = lines.findIndex((line) => line.startsWith('guest '));
    expect(lines[header]).toMatch(/^guest +boot +target +actual +resident +balloon +peak balloon +used +oom kills +major faults +swap out$/);
    expect(lines[header + 2]).toMatch(/^a +16 MiB +16 MiB /);
    expect(lines[header + 3]).toMatch(/^b +16 MiB +16 MiB /);
    expect(lines.at(-1)).toMatch(/^audit: \d+ checks \(\d+ full\), 0 violations; protocol violations refused by the host: 0$/);
  });

  it('marks dead guests, lists violations and colours the verdict when colours are on', () => {
    const broken: RunSummary = {
      ...summary,
      guests: [{ ...summary.guests[0]!, alive: false }, summary.guests[1]!],
      audit: { ...summary.audit, violations: 1, firstViolations: ['frame 7 has two owners'] },
    };
    const text = formatSummary(broken, coloursFor({ isTTY: true }, {}));
    expect(text).toContain('\x1b[31m1 violation\x1b[39m');
    const plain = stripColour(text).split('\n');
    expect(plain.some((line) => /^a \(dead\) +16 MiB/.test(line))).toBe(true);
    expect(plain.at(-1)).toBe('  violation: frame 7 has two owners');
  });
});
