/** Unit tests of src/runtime/admin-control.ts: what an administrator can do between ticks (through simulate's beforeTick). */
import { describe, expect, it } from 'vitest';
import type { AdminControl } from '../../src/runtime/admin-control.js';
import { simulate } from '../../src/runtime/simulate.js';
import { tinyScenario } from '../support/tiny-run.js';

const MiB = 2 ** 20;

/** Runs the tiny scenario and calls `act` once, at tick 1. */
async function atTickOne<T>(act: (admin: AdminControl) => T): Promise<{ value: T; targets: number[] }> {
  let value: T | undefined;
  const { summary } = await simulate(tinyScenario(), {
    placement: 'inline',
    beforeTick: (admin) => {
      if (admin.nowMs === 1000) value = act(admin);
    },
  });
  return { value: value as T, targets: summary.guests.map((g) => g.targetBytes) };
}

describe('adminControlOf', () => {
  it('shows the time and the guests', async () => {
    const { value } = await atTickOne((admin) => ({ timeMs: admin.timeMs, nowMs: admin.nowMs, guests: [...admin.guests] }));
    expect(value).toEqual({ timeMs: 1000, nowMs: 1000, guests: ['a', 'b'] });
  });

  it('sets a target by size or by percent of maxMemory, or as a TargetSize', async () => {
    expect((await atTickOne((admin) => admin.setTarget('b', '12MiB', { force: true }))).targets).toEqual([16 * MiB, 12 * MiB]);
    expect((await atTickOne((admin) => admin.setTarget('b', '50%', { force: true }))).targets).toEqual([16 * MiB, 8 * MiB]);
    expect((await atTickOne((admin) => admin.setTarget('a', { bytes: 14 * MiB }, { force: true }))).targets).toEqual([14 * MiB, 16 * MiB]);
  });

  it('goes through the guard: a target below the kernel memory is refused, and a dry run changes nothing', async () => {
    const refused = await atTickOne((admin) => admin.setTarget('b', '1MiB'));
    expect(refused.value.outcome).toBe('refused');
    expect(refused.targets).toEqual([16 * MiB, 16 * MiB]);
    const dry = await atTickOne((admin) => admin.setTarget('b', '12MiB', { dryRun: true }));
    expect(dry.value.outcome).toBe('dryRun');
    expect(dry.targets).toEqual([16 * MiB, 16 * MiB]);
  });

  it('refuses a guest it does not have, listing the guests, and a bare number', async () => {
    await expect(atTickOne((admin) => admin.setTarget('c', '1GiB'))).rejects.toThrow(new RangeError('AdminControl.setTarget: there is no guest named "c"; guests: a, b'));
    await expect(atTickOne((admin) => admin.setTarget('a', '1024'))).rejects.toThrow(/^AdminControl\.setTarget\(a\): /);
  });
});
