import { describe, expect, it } from 'vitest';
import { HypervPolicy } from '../../../../src/host/manager/policies/hyperv-policy.js';
import { asObject, guestView, hostView } from './views.js';

const GIB_PAGES = 262_144;

describe('Hyper-V policy', () => {
  const policy = new HypervPolicy({ kind: 'hyperv', periodMs: 1000, buffer: 0.2 });
  const gib = (overrides = {}) => guestView(0, { profile: 'hyperv', memoryPages: GIB_PAGES, maxPages: GIB_PAGES, targetPages: GIB_PAGES, ...overrides });

  it('targets committed memory plus the buffer, in whole 2 MiB units', () => {
    // 100,000 * 1.2 = 120,000 pages, rounded up to 512-page units: 235 * 512 = 120,320.
    expect(asObject(policy.decide(hostView([gib({ pressure: { availablePages: 0, committedPages: 100_000 } })])))).toEqual({ 0: 120_320 });
  });

  it('never goes below the Hyper-V floor', () => {
    // 10,000 * 1.2 = 12,000 -> 12,288, below the floor of a 1 GiB guest (232 MiB = 59,392 pages).
    expect(asObject(policy.decide(hostView([gib({ usedPages: 10_000 })])))).toEqual({ 0: 59_392 });
  });
});
