/**
 * The workload on a booted guest with plenty of memory: components grow to
 * their curves' sizes (a minor fault per new anonymous page, page cache for
 * files), shrink with them, and the OOM killer takes the largest anonymous
 * component first; a killed component stays dead unless it restarts.
 */
import { describe, expect, it } from 'vitest';
import type { TaskClock } from '../../src/guest/page-allocator.js';
import { PageState } from '../../src/guest/page-state.js';
import type { GuestSpec } from '../../src/model/scenario.js';
import { MiB } from '../support/scenarios.js';
import { bootedParts } from './driver-world.js';

const noOom = (_task: TaskClock | null) => false;

function guestWith(workload: GuestSpec['workload']) {
  const parts = bootedParts({ profile: 'virtio', tickMs: 1000, spec: { workload } });
  const step = (fromMs: number, toMs: number) => {
    for (let now = fromMs; now < toMs; now += 1000) {
      parts.workload.step(now, parts.allocator, parts.pressure, noOom);
      parts.allocator.endWorkloadStep();
    }
  };
  const report = (name: string) => parts.workload.reports().find((r) => r.name === name)!;
  return { parts, step, report };
}

describe('Workload', () => {
  it('grows an anonymous component to its size, a minor fault per page, and a file component into the page cache', () => {
    const { parts, step, report } = guestWith([
      { kind: 'anon', name: 'heap', hotFraction: 0.5, size: { kind: 'constant', bytes: 8 * MiB } },
      { kind: 'file', name: 'data', hotFraction: 0, size: { kind: 'constant', bytes: 4 * MiB } },
    ]);
    step(0, 5000);
    expect(report('heap')).toMatchObject({ kind: 'anon', pages: 2048, residentPages: 2048, outPages: 0, hotPages: 1024, kills: 0 });
    expect(report('data')).toMatchObject({ kind: 'file', pages: 1024, residentPages: 1024 });
    expect(parts.memory.count(PageState.ANON)).toBe(2048);
    expect(parts.memory.count(PageState.CACHE)).toBe(1024);
    expect(parts.workload.residentPages).toBe(3072);
    expect(parts.workload.anonymousPages).toBe(2048);
    expect(parts.events.minorFaults).toBeGreaterThanOrEqual(2048);
  });

  it('shrinks with its curve, giving the pages back to free memory', () => {
    const { parts, step, report } = guestWith([{ kind: 'anon', name: 'heap', hotFraction: 1, size: { kind: 'steps', steps: [ { atMs: 0, bytes: 8 * MiB }, { atMs: 3000, bytes: 2 * MiB } ] } }]);
    step(0, 3000);
    const free = parts.memory.count(PageState.FREE);
    step(3000, 4000);
    expect(report('heap').pages).toBe(512);
    expect(parts.memory.count(PageState.FREE)).toBe(free + 1536);
  });

  it('kills the largest anonymous component first, even if a file one is larger; the dead stay dead', () => {
    const { parts, step, report } = guestWith([
      { kind: 'anon', name: 'small', hotFraction: 0, size: { kind: 'constant', bytes: 2 * MiB } },
      { kind: 'anon', name: 'large', hotFraction: 0, size: { kind: 'constant', bytes: 6 * MiB } },
      { kind: 'file', name: 'cache', hotFraction: 0, size: { kind: 'constant', bytes: 20 * MiB } },
    ]);
    step(0, 5000);
    expect(parts.workload.killLargest(5000)).toBe('large');
    expect(report('large')).toMatchObject({ pages: 0, residentPages: 0, kills: 1 });
    expect(parts.workload.killLargest(5000)).toBe('small');
    expect(parts.workload.killLargest(5000)).toBe('cache');
    expect(parts.workload.killLargest(5000)).toBeNull();
    step(5000, 8000);
    expect(report('large').pages).toBe(0);
  });

  it('restarts a killed component empty after restartAfterMs, growing to its demand again', () => {
    const { step, report, parts } = guestWith([{ kind: 'anon', name: 'svc', hotFraction: 0, restartAfterMs: 2000, size: { kind: 'constant', bytes: 4 * MiB } }]);
    step(0, 3000);
    expect(parts.workload.killLargest(3000)).toBe('svc');
    step(3000, 5000);
    expect(report('svc').pages).toBe(0);
    step(5000, 8000);
    expect(report('svc')).toMatchObject({ pages: 1024, kills: 1 });
  });

  it('reports full progress for a workload that wanted nothing', () => {
    const { step, report } = guestWith([{ kind: 'anon', name: 'idle', hotFraction: 0, size: { kind: 'constant', bytes: 0 } }]);
    step(0, 2000);
    expect(report('idle')).toMatchObject({ pages: 0, progress: 1 });
  });
});
