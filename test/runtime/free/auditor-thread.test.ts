/** Unit tests of src/runtime/free/auditor-thread.ts: the concurrent auditor on its own thread (needs `npm run build`: dist/). */
import { describe, expect, it } from 'vitest';
import { FrameTable } from '../../../src/host/frame-table.js';
import { freeOwnerOfShard, OWNER_HYPERVISOR } from '../../../src/host/owners.js';
import { AuditorThread } from '../../../src/runtime/free/auditor-thread.js';

/** A table of `frames` frames and no guests; `owners` sets some entries. */
function input(frames: number, owners: Record<number, number> = {}) {
  const table = new FrameTable(frames);
  for (const [frame, owner] of Object.entries(owners)) table.owners[Number(frame)] = owner;
  return { table: table.share, guests: [], states: new SharedArrayBuffer(4), shards: 2 };
}

async function auditFor(ms: number, given: ReturnType<typeof input>) {
  const auditor = new AuditorThread();
  auditor.start(given);
  await new Promise((resolve) => setTimeout(resolve, ms));
  try {
    return await auditor.stop();
  } finally {
    await auditor.close();
  }
}

describe('AuditorThread', () => {
  it('answers null when it never started, and closes without having started', async () => {
    const auditor = new AuditorThread();
    expect(await auditor.stop()).toBeNull();
    await expect(auditor.close()).resolves.toBeUndefined();
  });

  it('sweeps a consistent table until told to stop, finding nothing', async () => {
    const result = await auditFor(200, input(4096, { 0: OWNER_HYPERVISOR, 1: freeOwnerOfShard(0), 2: freeOwnerOfShard(1) }));
    expect(result).not.toBeNull();
    expect(result!.sweeps).toBeGreaterThan(0);
    expect(result!.tableEntriesChecked).toBeGreaterThanOrEqual(4096);
    expect(result!.violations).toBe(0);
    expect(result!.firstViolations).toEqual([]);
  });

  it('reports a frame whose owner is no guest, shard or host', async () => {
    // Owner 6 is guest 5's, and there are no guests; -9 is the pool of shard 7, and there are 2 shards.
    const result = await auditFor(200, input(1024, { 100: 6, 200: freeOwnerOfShard(7) }));
    expect(result!.violations).toBeGreaterThan(0);
    expect(result!.firstViolations.join('\n')).toMatch(/frame 100/);
  });
});
