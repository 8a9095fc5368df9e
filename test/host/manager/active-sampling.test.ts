/** ESX's active-memory sampling on the host's side: a request per live guest every period, ids in order. */
import { describe, expect, it } from 'vitest';
import { ACTIVE_SAMPLING_DEFAULT, ActiveSampling } from '../../../src/host/manager/active-sampling.js';

const guests = [
  { index: 0, alive: true },
  { index: 1, alive: false },
  { index: 2, alive: true },
];

describe('ActiveSampling', () => {
  it('samples 100 pages every 30 s by default (Waldspurger 2002)', () => {
    expect(ACTIVE_SAMPLING_DEFAULT).toEqual({ pages: 100, periodMs: 30_000 });
  });

  it('asks each live guest once a period, with ids that keep counting', () => {
    const sampling = new ActiveSampling();
    expect(sampling.begin(0, guests, ACTIVE_SAMPLING_DEFAULT)).toEqual([
      { guest: 0, id: 1, pages: 100, periodMs: 30_000 },
      { guest: 2, id: 2, pages: 100, periodMs: 30_000 },
    ]);
    expect(sampling.begin(29_999, guests, ACTIVE_SAMPLING_DEFAULT)).toEqual([]);
    expect(sampling.begin(30_000, guests, ACTIVE_SAMPLING_DEFAULT).map((r) => r.id)).toEqual([3, 4]);
  });

  it('starts a period at once after a restart', () => {
    const sampling = new ActiveSampling();
    sampling.begin(0, guests, ACTIVE_SAMPLING_DEFAULT);
    sampling.restart(5000);
    expect(sampling.begin(5000, guests, { pages: 10, periodMs: 1000 })).toHaveLength(2);
    expect(sampling.begin(5999, guests, { pages: 10, periodMs: 1000 })).toEqual([]);
  });

  it('asks at least one page over at least 1 ms, whole numbers, a period that fits 32 bits', () => {
    const sampling = new ActiveSampling();
    const [request] = sampling.begin(0, [{ index: 0, alive: true }], { pages: 0.5, periodMs: 1e12 });
    expect(request).toEqual({ guest: 0, id: 1, pages: 1, periodMs: 2 ** 31 - 1 });
    const [tiny] = new ActiveSampling().begin(0, [{ index: 0, alive: true }], { pages: 7.9, periodMs: 0.2 });
    expect([tiny!.pages, tiny!.periodMs]).toEqual([7, 1]);
  });
});
