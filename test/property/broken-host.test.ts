/**
 * The checks must be able to fail. Here the host is broken on purpose, in the
 * two ways the core issue names, and the same invariant checks that pass on
 * the honest host must catch it:
 * - a pool that hands out a frame a guest already owns (the compare-exchange
 *   refuses it, and the failed exchange is a violation);
 * - the same pool with a table that stores without comparing (a grant
 *   "without the compare-exchange"), so that the double grant goes through
 *   silently and only the audit of the table and the guests' maps can see it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameTable } from '../../src/host/frame-table.js';
import { StackFreePool, type FreePool } from '../../src/host/free-pool.js';
import { OWNER_FREE } from '../../src/host/owners.js';
import { simulate } from '../../src/runtime/simulate.js';
import type { Scenario } from '../../src/scenario/types.js';
import { assertProperty, propertyParams } from '../support/fc.js';
import { arbitraryScenario, guest, MiB, scenario } from '../support/scenarios.js';

/** A pool that, from its `badPop`-th pop on, once hands out a frame some guest owns. */
class DoubleGrantingPool implements FreePool {
  private readonly inner: StackFreePool;
  private pops = 0;
  fired = false;

  constructor(
    private readonly table: FrameTable,
    private readonly badPop: number,
  ) {
    this.inner = new StackFreePool(table.frames);
  }

  get size(): number {
    return this.inner.size;
  }

  push(frame: number): void {
    this.inner.push(frame);
  }

  pop(): number {
    this.pops++;
    if (!this.fired && this.pops >= this.badPop) {
      for (let frame = this.table.frames - 1; frame >= 0; frame--) {
        const owner = this.table.ownerOf(frame);
        if (owner !== OWNER_FREE && owner > 0) {
          this.fired = true;
          return frame;
        }
      }
    }
    return this.inner.pop();
  }

  contents(): Int32Array {
    return this.inner.contents();
  }
}

/** A table whose transfers store the new owner without comparing: the bug the compare-exchange exists to prevent. */
class CarelessFrameTable extends FrameTable {
  override transfer(frame: number, _expectedOwner: number, newOwner: number): boolean {
    Atomics.store(this.owners, frame, newOwner);
    return true;
  }
}

function framesOf(s: Scenario): number {
  return Math.floor(s.host.memoryBytes / s.frameBytes);
}

/** Pops made at boot: the guests' kernels (lazy) or boot memory (eager). */
function bootPops(s: Scenario): number {
  return s.guests.reduce(
    (sum, g) => sum + Math.ceil((s.host.backing === 'eager' ? g.memoryBytes : g.kernelBytes) / s.frameBytes),
    0,
  );
}

async function runBroken(s: Scenario, careless: boolean): Promise<{ violations: number; fired: boolean }> {
  const table = careless ? new CarelessFrameTable(framesOf(s)) : new FrameTable(framesOf(s));
  const pool = new DoubleGrantingPool(table, bootPops(s) + 1);
  const { summary } = await simulate(s, { placement: 'workers', workers: 2, auditEveryTicks: 1, hypervisor: { table, pool } });
  return { violations: summary.audit.violations, fired: pool.fired };
}

/** Two guests whose workloads grow after boot, so the host grants frames after boot. */
const growing = scenario({
  host: { memoryBytes: 128 * MiB, reservedBytes: 4 * MiB, swapBytes: 0, backing: 'lazy', policy: { kind: 'static', periodMs: 1000 } },
  guests: ['a', 'b'].map((name) =>
    guest(name, { memoryBytes: 48 * MiB, maxMemoryBytes: 48 * MiB, workload: [{ kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'constant', bytes: 16 * MiB } }] }),
  ),
});

describe('a host broken on purpose', () => {
  it('is caught when it grants an owned frame through the compare-exchange', async () => {
    const result = await runBroken(growing, false);
    expect(result.fired).toBe(true);
    expect(result.violations).toBeGreaterThan(0);
  });

  it('is caught when it grants an owned frame without the compare-exchange', async () => {
    const result = await runBroken(growing, true);
    expect(result.fired).toBe(true);
    expect(result.violations).toBeGreaterThan(0);
  });

  const params = propertyParams('broken host is always caught', { numRuns: 6 });
  it(`is caught in every random scenario where the bad grant happens (seed ${params.seed})`, async () => {
    await assertProperty(
      fc.asyncProperty(arbitraryScenario({ crashes: false }), fc.boolean(), async (s, careless) => {
        const result = await runBroken(s, careless);
        if (result.fired) expect(result.violations).toBeGreaterThan(0);
      }),
      params,
    );
  });
});
