/**
 * The coordinator's part of the audit, fed a booted host (no guest actors)
 * and hand-made thread parts: conservation of frames from the published
 * counts, failed compare-exchanges, the table's counts per owner against
 * every holder, transit's frames and overlaps between free ranges, and how
 * the threads' findings are merged and worded.
 */
import { describe, expect, it } from 'vitest';
import { Auditor } from '../../src/audit/auditor.js';
import { countOwnerValues } from '../../src/audit/scans.js';
import { tableScanOf } from '../../src/audit/table-scans.js';
import type { AuditFindings, FullAuditPart } from '../../src/audit/thread-audit.js';
import { DeviceSlot } from '../../src/host/device/device-figures.js';
import { InlineHost } from '../support/inline-host.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

/** A booted host of 256 MiB with two 64 MiB guests, two ticks in (the figures published), the tick closed. */
function booted() {
  const s = scenario({ guests: [guest('a'), guest('b')] });
  const host = new InlineHost(s);
  host.boot();
  host.beginTick(0);
  host.beginTick(1);
  host.endTick();
  return { host, auditor: new Auditor(host.manager) };
}

/** The full part one thread would give for the whole table: its counts per owner and its pools' untouched ranges, no findings of its own. */
function tablePart(host: InlineHost): FullAuditPart {
  const manager = host.manager;
  const counts = countOwnerValues(tableScanOf(host.table.share, host.table.owners), 0, host.table.frames, manager.records.length, manager.layout.shards);
  const untouched: number[] = [];
  for (const pool of host.devices.pools) {
    const ranges = pool.untouchedRanges();
    for (let i = 0; i < ranges.length; i += 2) untouched.push(pool.shard, ranges[i]!, ranges[i + 1]!);
  }
  return { violations: 0, kept: [], ownerCounts: counts.counts, invalid: counts.invalid, invalidFrames: counts.invalidFrames, untouched };
}

const clean: AuditFindings = { violations: 0, kept: [] };

describe('Auditor', () => {
  it('finds nothing wrong with a freshly booted host, quick or full', () => {
    const { host, auditor } = booted();
    expect(auditor.quick(1000, [clean])).toBe(0);
    expect(auditor.full(2000, [tablePart(host)])).toBe(0);
    expect(auditor.result).toEqual({ checks: 2, fullChecks: 1, violations: 0, firstViolations: [] });
  });

  it('adds up the threads\' findings in thread order and keeps their lines', () => {
    const { auditor } = booted();
    const found = auditor.quick(1000, [
      { violations: 2, kept: ['first'] },
      { violations: 1, kept: ['second'] },
    ]);
    expect(found).toBe(3);
    expect(auditor.result.firstViolations).toEqual(['first', 'second']);
  });

  it('reports frames that are not conserved, with the sum worded and the time', () => {
    const { host, auditor } = booted();
    const record = host.manager.records[0]!;
    record.device[DeviceSlot.OWNED] = record.ownedFrames + 5;
    expect(auditor.quick(1500, [clean])).toBe(1);
    expect(auditor.result.firstViolations[0]).toMatch(/^t=1\.500s: conservation: \d+ free \+ 1024 hypervisor \+ 2053 guest frames = 65541, not 65536$/);
  });

  it('reports each new failed compare-exchange once, with its details', () => {
    const { host, auditor } = booted();
    host.manager.transferFailures = 1;
    host.manager.transferFailureDetails.push('frame 7: expected free, found guest a');
    expect(auditor.quick(0, [clean])).toBe(1);
    expect(auditor.result.firstViolations[0]).toBe('t=0.000s: failed compare-exchange on the frame table: frame 7: expected free, found guest a');
    expect(auditor.quick(0, [clean])).toBe(0);
  });

  it('compares the table\'s counts with every holder: a frame moved behind the host\'s back shows on both sides', () => {
    const { host, auditor } = booted();
    const [a, b] = host.manager.records;
    // One of guest a's frames, given to guest b in the table only.
    const frame = host.table.owners.indexOf(a!.ownerId);
    host.table.owners[frame] = b!.ownerId;
    expect(auditor.full(3000, [tablePart(host)])).toBe(2);
    expect(auditor.result.firstViolations).toEqual([
      't=3.000s: the table gives guest a 1023 frames, the host\'s account says 1024',
      't=3.000s: the table gives guest b 1025 frames, the host\'s account says 1024',
    ]);
  });

  it('reports entries that are no owner\'s', () => {
    const { host, auditor } = booted();
    const frame = host.table.owners.indexOf(host.manager.records[0]!.ownerId);
    host.table.owners[frame] = 99;
    const violations = auditor.full(0, [tablePart(host)]);
    expect(auditor.result.firstViolations).toContain(`t=0.000s: frame ${frame} has an invalid owner 99`);
    // And guest a is short of the frame.
    expect(violations).toBe(2);
  });

  it('reports a frame in transit that is not free, and free frames held twice', () => {
    const { host, auditor } = booted();
    const owned = host.table.owners.indexOf(host.manager.records[1]!.ownerId);
    host.manager.balancer.transit.push(owned, 1);
    auditor.full(0, [tablePart(host)]);
    const lines = auditor.result.firstViolations;
    expect(lines).toContain(`t=0.000s: frame ${owned}, in the manager's transit, is outside the table or not free`);
    const untouched = host.devices.pools[0]!.untouchedRanges();
    const twice = untouched[0]!;
    const second = booted();
    second.host.manager.balancer.transit.push(twice, 1);
    second.auditor.full(0, [tablePart(second.host)]);
    expect(second.auditor.result.firstViolations.some((line) => line.includes(`free frames [${twice}, ${twice + 1}) are held twice: by transit and by shard 0`))).toBe(true);
  });

  it('reports a shard whose untouched ranges the manager counts differently', () => {
    const { host, auditor } = booted();
    host.manager.balancer.untouched[1] = host.manager.balancer.untouched[1]! + 10;
    auditor.full(0, [tablePart(host)]);
    expect(auditor.result.firstViolations.some((line) => /shard 1 holds \d+ untouched frames, the manager counts \d+/.test(line))).toBe(true);
  });
});
