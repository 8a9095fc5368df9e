/**
 * Unit tests of src/output/series-columns.ts: the time series' columns name
 * each guest figure once, say their unit in their name, and type it so.
 */
import { describe, expect, it } from 'vitest';
import { GUEST_SERIES_COLUMNS, HOST_SERIES_COLUMNS } from '../../src/output/series-columns.js';
import { GUEST_FIGURES } from '../../src/output/time-series.js';

describe('the time series\' columns', () => {
  it('write every guest figure, each once, under a name of its own', () => {
    expect(GUEST_SERIES_COLUMNS.map((column) => column.figure).sort()).toEqual([...GUEST_FIGURES].sort());
    const names = GUEST_SERIES_COLUMNS.map((column) => column.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((name) => HOST_SERIES_COLUMNS.includes(name as (typeof HOST_SERIES_COLUMNS)[number]))).toEqual([]);
  });

  it('write pages as whole bytes, and say so in the name', () => {
    for (const column of GUEST_SERIES_COLUMNS) {
      if (column.pages) expect([column.name, column.type]).toEqual([expect.stringMatching(/_bytes$/), 'BIGINT']);
      else expect(column.name).not.toMatch(/_bytes$/);
    }
  });

  it('type totals of events as whole numbers, fractions and seconds as doubles', () => {
    for (const column of GUEST_SERIES_COLUMNS) {
      if (/^(psi_|progress_)|_seconds_/.test(column.name)) expect([column.name, column.type]).toEqual([column.name, 'DOUBLE']);
      else if (/_total$/.test(column.name)) expect([column.name, column.type]).toEqual([column.name, 'BIGINT']);
    }
  });
});
