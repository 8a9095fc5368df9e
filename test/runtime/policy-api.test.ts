/** The library API of policies and administrator targets: a Policy object, a policy module, beforeTick. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PolicyError } from '../../src/host/policy/policy-error.js';
import type { Policy, PolicyHostView } from '../../src/host/policy/policy.js';
import { simulate } from '../../src/runtime/simulate.js';
import { UnitError } from '../../src/model/unit-error.js';
import type { AdminTargetResult } from '../../src/host/manager/targets.js';
import type { Scenario } from '../../src/model/scenario.js';
import { expectCleanRun } from '../support/clean-run.js';
import { guest, MiB, scenario } from '../support/scenarios.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

const PAGE = 4096;

function twoGuests(overrides: Partial<Omit<Scenario, 'guests'>> = {}): Scenario {
  const workload = [{ kind: 'anon' as const, name: 'anon-0', hotFraction: 1, size: { kind: 'constant' as const, bytes: 24 * MiB } }];
  return scenario({ durationMs: 20_000, guests: [guest('a', { workload }), guest('b', { workload })], ...overrides });
}

describe('a Policy object passed to simulate', () => {
  it('decides on its period from what the view shows, and names itself in the summary', async () => {
    const seen: PolicyHostView[] = [];
    const halve: Policy = {
      name: 'halve-a',
      periodMs: 5000,
      parameters: { factor: 0.5 },
      decide(view) {
        seen.push(view);
        const a = view.guests[0]!;
        return new Map([[0, Math.floor(a.maxPages / 2)]]);
      },
    };
    const { summary, events } = await simulate(twoGuests(), { placement: 'inline', policy: halve });
    expectCleanRun(summary);
    expect(seen.map((view) => view.nowMs)).toEqual([0, 5000, 10_000, 15_000]);
    // After the first tick the view carries each guest's status: 24 MiB of workload + 4 MiB of kernel.
    expect(seen[1]!.guests[0]!.usedPages).toBe((28 * MiB) / PAGE);
    expect(seen[0]!.guests[0]!.usedPages).toBeNull();
    // The guest's virtio stats reach the view once it has sent them (every second by default).
    expect(seen[0]!.guests[0]!.stats.MEMFREE).toBe(-1);
    expect(seen[1]!.guests[0]!.stats.MEMFREE).toBeGreaterThan(0);
    expect(seen[1]!.guests[0]!.psi).not.toBeNull();
    expect(summary.host.policy).toEqual({ name: 'halve-a', periodSeconds: 5, parameters: { factor: 0.5 }, paused: false });
    expect(summary.guests[0]!.targetBytes).toBe(32 * MiB);
    expect(summary.guests[1]!.targetBytes).toBe(64 * MiB);
    expect(events.some((event) => event.kind === 'setTarget' && event.detail.includes('by policy halve-a'))).toBe(true);
  });
});

describe('administrator targets from the library (beforeTick)', () => {
  it('go through the guard, and a bare number is refused', async () => {
    const results: AdminTargetResult[] = [];
    let bare: unknown;
    const { summary } = await simulate(twoGuests(), {
      placement: 'inline',
      beforeTick(admin) {
        if (admin.nowMs === 5000) {
          expect(admin.guests).toEqual(['a', 'b']);
          results.push(admin.setTarget('a', '8MiB'));
          results.push(admin.setTarget('b', '8MiB', { dryRun: true }));
          results.push(admin.setTarget('b', '60%'));
          try {
            admin.setTarget('a', 512 as unknown as string);
          } catch (error) {
            bare = error;
          }
        }
      },
    });
    expectCleanRun(summary);
    expect(results.map((result) => result.outcome)).toEqual(['refused', 'dryRun', 'applied']);
    expect(results[0]!.message).toBe(
      "refused to shrink a to 8 MiB: that is 24.2 MiB below its floor of 32.2 MiB (working set plus kernel memory); add force: true to shrink it anyway" +
        " (a target is the guest's size, not its balloon's: for a balloon of 8 MiB write 56 MiB)",
    );
    expect(bare).toBeInstanceOf(UnitError);
    expect((bare as Error).message).toMatch(/bare number/);
    expect(summary.guests.map((g) => [g.guardRefusals, g.targetBytes])).toEqual([
      [1, 64 * MiB],
      [0, Math.floor((64 * MiB * 0.6) / 4096) * 4096],
    ]);
  });
});

describe('policy modules', () => {
  function moduleScenario(source: string): Scenario {
    const dir = temporaryDirectory('balloonsim-module-');
    const path = join(dir, 'policy.mjs');
    writeFileSync(path, source);
    return twoGuests({ host: { memoryBytes: 256 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'module', periodMs: 5000, path, options: { keep: 40 } } } });
  }

  it('runs a factory with the options, a seeded generator, and targets by guest name', async () => {
    const s = moduleScenario(`export function createPolicy(context) {
      const first = context.random.next();
      return { decide(view) { return { a: context.options.keep * 256, b: view.guests[1].maxPages }; }, observeEveryMs: 1000, observe() {}, first };
    }\n`);
    const { summary } = await simulate(s, { placement: 'workers', workers: 2 });
    expectCleanRun(summary);
    expect(summary.host.policy.name).toBe('policy');
    expect(summary.host.policy.parameters).toEqual({ module: 'policy.mjs', options: '{"keep":40}' });
    expect(summary.guests.map((g) => g.targetBytes)).toEqual([40 * MiB, 64 * MiB]);
  });

  it('refuses a module without createPolicy, and a decide that returns nonsense, naming the module', async () => {
    await expect(simulate(moduleScenario('export const x = 1;\n'), { placement: 'inline' })).rejects.toThrow(/exports no createPolicy function \(it exports x\)/);
    await expect(simulate(moduleScenario('export default () => ({ decide: () => ({ c: 5 }) });\n'), { placement: 'inline' })).rejects.toThrow(
      /decide returned a target for "c", which is no guest/,
    );
    const negative = simulate(moduleScenario('export default () => ({ decide: () => new Map([[0, -1]]) });\n'), { placement: 'inline' });
    await expect(negative).rejects.toBeInstanceOf(PolicyError);
    await expect(simulate(moduleScenario('export default () => ({ decide() { throw new Error("boom"); } });\n'), { placement: 'inline' })).rejects.toThrow(/decide threw Error: boom/);
    await expect(simulate(moduleScenario('export function createPolicy( {\n'), { placement: 'inline' })).rejects.toThrow(/^cannot load the policy module .*policy\.mjs: /);
  });
});
