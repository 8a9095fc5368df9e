import { describe, expect, it } from 'vitest';
import { SenpaiPolicy } from '../../../../src/host/manager/policies/senpai-policy.js';
import type { PsiFigures } from '../../../../src/host/policy/policy.js';
import type { SenpaiPolicySpec } from '../../../../src/model/scenario.js';
import { asObject, guestView, hostView } from './views.js';

const SPEC: SenpaiPolicySpec = {
  kind: 'senpai',
  periodMs: 1000,
  pressureTargetMs: 10,
  probeIntervalMs: 6000,
  maxProbe: 0.01,
  maxBackoff: 1,
  coeffProbe: 10,
  coeffBackoff: 20,
  minSizeBytes: 100 * 2 ** 20,
};

function psi(someTotalSeconds: number): PsiFigures {
  return { someTotalSeconds, fullTotalSeconds: 0, someAvg10: 0, someAvg60: 0, someAvg300: 0, fullAvg10: 0, fullAvg60: 0, fullAvg300: 0 };
}

/** A guest of 100,000 pages (390 MiB) at `targetPages`. */
const guest = (targetPages: number, overrides = {}) => guestView(0, { memoryPages: 100_000, maxPages: 100_000, targetPages, ...overrides });

describe('Senpai policy', () => {
  it('without stall probes down by 1 % every 6 s', () => {
    const policy = new SenpaiPolicy(SPEC);
    let target = 50_000;
    const changes: Array<[number, number]> = [];
    for (let second = 0; second <= 18; second++) {
      const decided = policy.decide(hostView([guest(target)], { nowMs: second * 1000 }));
      const next = decided.get(0);
      if (next !== undefined) {
        changes.push([second, next]);
        target = next;
      }
    }
    // adj = min(((10000 us / max(0, 1)) / 10)^2, 1) * 0.01 = 0.01 at 6, 12 and 18 s.
    expect(changes).toEqual([
      [6, 49_500],
      [12, 49_005],
      [18, 48_514],
    ]);
  });

  it('backs off when the stall integral exceeds its target', () => {
    const policy = new SenpaiPolicy(SPEC);
    policy.decide(hostView([guest(50_000, { psi: psi(1) })], { nowMs: 0 }));
    // 20 ms of stall in one second: integral 20,000 us > 10,000 us:
    // adj = min((20000 / 10000 / 20)^2, 1) * 1.0 = 0.01: the limit grows by 1 %.
    const decided = policy.decide(hostView([guest(50_000, { psi: psi(1.02) })], { nowMs: 1000 }));
    expect(asObject(decided)).toEqual({ 0: 50_500 });
  });

  it('probes less when some stall has accumulated', () => {
    const policy = new SenpaiPolicy(SPEC);
    policy.decide(hostView([guest(50_000, { psi: psi(0) })], { nowMs: 0 }));
    for (let second = 1; second < 6; second++) policy.decide(hostView([guest(50_000, { psi: psi(0.0004 * second) })], { nowMs: second * 1000 }));
    // At 6 s the integral is 2.4 ms = 2400 us: adj = ((10000 / 2400) / 10)^2 * 0.01 = 0.001736...
    const decided = policy.decide(hostView([guest(50_000, { psi: psi(0.0024) })], { nowMs: 6000 }));
    expect(asObject(decided)).toEqual({ 0: Math.floor(50_000 * (1 - (10000 / 2400 / 10) ** 2 * 0.01)) });
  });

  it('never goes below 100 MiB nor above the guest maximum', () => {
    const policy = new SenpaiPolicy(SPEC);
    policy.decide(hostView([guest(25_700)], { nowMs: 0 }));
    // 25,700 * 0.99 = 25,443 pages < 100 MiB = 25,600 pages.
    expect(asObject(policy.decide(hostView([guest(25_700)], { nowMs: 6000 })))).toEqual({ 0: 25_600 });
    const backoff = new SenpaiPolicy(SPEC);
    backoff.decide(hostView([guest(99_500, { psi: psi(0) })], { nowMs: 0 }));
    // A full second of stall: adj = min((1e6 / 1e4 / 20)^2, 1) = 1: the limit would double, capped at 100,000.
    expect(asObject(backoff.decide(hostView([guest(99_500, { psi: psi(1) })], { nowMs: 1000 })))).toEqual({ 0: 100_000 });
  });
});
