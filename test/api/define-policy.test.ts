/**
 * Policies that name guests and speak bytes (definePolicy), and one name for
 * simulated time: `timeMs` in policy views and administrator hooks, as in
 * samples and events (the old `nowMs` is kept, and equal, for policies
 * written before).
 */
import { describe, expect, it } from 'vitest';
import { definePolicy, hostInBytes, type HostInBytes } from '../../src/api/define-policy.js';
import { defineScenario } from '../../src/api/define-scenario.js';
import { simulate } from '../../src/api/simulate.js';
import { PolicyError } from '../../src/host/policy/policy-error.js';
import type { PolicyHostView } from '../../src/host/policy/policy.js';
import { expectCleanRun } from '../support/clean-run.js';

const MiB = 2 ** 20;
const scenario = defineScenario({
  duration: '20s',
  host: { memory: '1GiB' },
  guests: [
    { name: 'web', memory: '256MiB', workload: [{ kind: 'anon', size: '48MiB' }] },
    { name: 'db', memory: '256MiB', workload: [{ kind: 'anon', size: '96MiB' }] },
  ],
});

describe('definePolicy', () => {
  it('sees the host and its guests in bytes and by name, and sets targets by name in bytes or sizes', async () => {
    const seen: HostInBytes[] = [];
    const policy = definePolicy({
      name: 'by-name',
      period: '5s',
      parameters: { web: '160MiB' },
      decide(host) {
        seen.push(host);
        return { web: '160MiB', db: host.guest('db')!.maxBytes - 10 * MiB - 123 };
      },
    });
    const { summary } = await simulate(scenario, { placement: 'inline', policy });
    expectCleanRun(summary);
    expect(seen.map((host) => host.timeMs)).toEqual([0, 5000, 10_000, 15_000]);
    const later = seen[1]!;
    expect(later.memoryBytes).toBe(1024 * MiB);
    expect(later.guests.map((guest) => guest.name)).toEqual(['web', 'db']);
    const web = later.guest('web')!;
    expect(web.usedBytes).toBe(web.pages.usedPages! * 4096);
    expect(web.maxBytes).toBe(256 * MiB);
    expect(web.targetBytes).toBe(160 * MiB);
    expect(later.guest('nobody')).toBeUndefined();
    // Sizes become whole frames, rounded down: 246 MiB less 123 bytes is 246 MiB less a frame.
    expect(summary.guests.map((guest) => [guest.name, guest.targetBytes])).toEqual([
      ['web', 160 * MiB],
      ['db', 246 * MiB - 4096],
    ]);
    expect(summary.host.policy).toMatchObject({ name: 'by-name', periodSeconds: 5, parameters: { web: '160MiB' } });
  });

  it('says what is wrong with a target: a guest that does not exist, a size without a unit, a negative one', async () => {
    const failing = (result: unknown) => definePolicy({ name: 'bad', period: 5000, decide: () => result as Record<string, number> });
    await expect(simulate(scenario, { placement: 'inline', policy: failing({ wbe: '1GiB' }) })).rejects.toThrow(
      /^policy bad: decide returned a target for "wbe", which is no guest \(guests: web, db\)$/,
    );
    await expect(simulate(scenario, { placement: 'inline', policy: failing({ web: '100Mb' }) })).rejects.toThrow(/^policy bad: decide: the target of web: "100Mb" is in bits/);
    await expect(simulate(scenario, { placement: 'inline', policy: failing({ web: -1 }) })).rejects.toThrow(/returned -1 as the target of web; give bytes/);
    await expect(simulate(scenario, { placement: 'inline', policy: failing([1, 2]) })).rejects.toThrow(/returned a list; return an object \(or a Map\) from guest name/);
    await expect(simulate(scenario, { placement: 'inline', policy: failing(new Map([['db', 64 * MiB]])) })).resolves.toBeDefined();
    expect(() => definePolicy({ name: 'p', period: '10', decide: () => ({}) })).toThrow(PolicyError);
    expect(() => definePolicy({ name: '', period: '10s', decide: () => ({}) })).toThrow(/name must be a non-empty string/);
  });

  it('refuses an async decide (a Promise has no targets) and names NaN as NaN', async () => {
    const asyncPolicy = definePolicy({ name: 'later', period: 5000, decide: (async () => ({ web: '160MiB' })) as unknown as () => Record<string, string> });
    await expect(simulate(scenario, { placement: 'inline', policy: asyncPolicy })).rejects.toThrow(
      /^policy later: decide returned a Promise \(is it an async function\?\); it must return its result at once: simulated time does not wait for it$/,
    );
    const nan = definePolicy({ name: 'nan', period: 5000, decide: () => ({ web: Number.NaN }) });
    await expect(simulate(scenario, { placement: 'inline', policy: nan })).rejects.toThrow(/^policy nan: decide returned NaN as the target of web; give bytes/);
  });

  it('hands reclaim the frames to free in bytes, and keeps the view in pages at hand', () => {
    const view: PolicyHostView = {
      timeMs: 7000,
      nowMs: 7000,
      frameBytes: 4096,
      frames: 1000,
      reservedFrames: 10,
      usableFrames: 990,
      freeFrames: 20,
      state: 'soft',
      highFrames: 60,
      softFrames: 40,
      guests: [],
    };
    const host = hostInBytes(view);
    expect(host).toMatchObject({ timeMs: 7000, memoryBytes: 4096_000, freeBytes: 81_920, usableBytes: 4_055_040, highBytes: 245_760, state: 'soft' });
    let asked = 0;
    const policy = definePolicy({
      name: 'r',
      period: '1s',
      decide: () => undefined,
      reclaim: (_host, bytes) => {
        asked = bytes;
        return {};
      },
    });
    expect(policy.reclaim!(view, 5).size).toBe(0);
    expect(asked).toBe(5 * 4096);
    expect(policy.decide(view).size).toBe(0);
  });
});

describe('one name for simulated time', () => {
  it('policy views and administrator hooks have timeMs (nowMs stays, equal, for older policies)', async () => {
    const views: Array<[number, number]> = [];
    const admin: Array<[number, number]> = [];
    await simulate(scenario, {
      placement: 'inline',
      policy: {
        name: 'clock',
        periodMs: 10_000,
        decide: (view) => {
          views.push([view.timeMs, view.nowMs]);
          return new Map();
        },
      },
      beforeTick: (control) => {
        if (control.timeMs % 10_000 === 0) admin.push([control.timeMs, control.nowMs]);
      },
    });
    expect(views).toEqual([
      [0, 0],
      [10_000, 10_000],
    ]);
    expect(admin).toEqual([
      [0, 0],
      [10_000, 10_000],
    ]);
  });
});

describe('definePolicy and hostInBytes of what they cannot use', () => {
  it('hostInBytes refuses what is not a policy\'s view of the host, instead of reading frameBytes of null', () => {
    expect(() => hostInBytes(null as never)).toThrow(
      new TypeError("hostInBytes: view must be the host's view a policy's decide(view) or observe(view) is given, with frameBytes and guests, got null (an empty value)"),
    );
    expect(() => hostInBytes({ frameBytes: 4096 } as never)).toThrow(/^hostInBytes: view must be the host's view .*got a mapping/);
  });

  it('definePolicy refuses an observe or reclaim that is not a function, which failed during the run as "observe.call is not a function"', () => {
    expect(() => definePolicy({ name: 'p', period: '1s', decide: () => undefined, observe: 5 as never })).toThrow(new PolicyError('definePolicy p: observe must be a function or left out, got 5'));
    expect(() => definePolicy({ name: 'p', period: '1s', decide: () => undefined, reclaim: {} as never })).toThrow(/^definePolicy p: reclaim must be a function or left out, got a mapping/);
  });

  it('definePolicy refuses activeSampling pages that are not a positive whole number, which ran without a word', () => {
    expect(() => definePolicy({ name: 'p', period: '1s', decide: () => undefined, activeSampling: { pages: Number.NaN, period: '30s' } })).toThrow(
      new PolicyError("definePolicy p: activeSampling must be { pages, period } with pages a positive whole number (such as { pages: 100, period: '30s' }), got NaN"),
    );
  });

  it('definePolicy refuses a key that is a slip of one it takes, which was ignored (the policy then ran with the default)', () => {
    const decide = () => undefined;
    expect(() => definePolicy({ name: 'p', period: '1s', decide, observe: () => undefined, observeEvry: '5s' } as never)).toThrow(
      new PolicyError("definePolicy p: observeEvry is not a key a definition takes (did you mean observeEvery?); rename it, or give it a name further from observeEvery if it is the policy's own state"),
    );
    // The host Policy's field names, given to definePolicy.
    expect(() => definePolicy({ name: 'p', periodMs: 1000, decide } as never)).toThrow(/^definePolicy p: periodMs is not a key a definition takes \(did you mean period\?\)/);
    expect(() => definePolicy({ name: 'p', period: '1s', decide, activesampling: { pages: 10, period: '30s' } } as never)).toThrow(/did you mean activeSampling\?/);
  });

  it("definePolicy keeps keys of the policy's own, which its methods reach as this", async () => {
    const seen: number[] = [];
    const counting = definePolicy({
      name: 'counting',
      period: '1s',
      history: seen,
      decide(this: { history: number[] }, host: HostInBytes) {
        this.history.push(host.timeMs);
        return undefined;
      },
    } as never);
    await simulate(scenario, { placement: 'inline', policy: counting });
    expect(seen.length).toBeGreaterThan(0);
  });
});
