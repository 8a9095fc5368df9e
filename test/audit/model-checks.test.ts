/**
 * The auditor's checks of the guest memory model must be able to fail: here a
 * guest's published figures and the host's view of it are broken on purpose,
 * one way at a time, after an honest run.
 */
import { describe, expect, it } from 'vitest';
import { PageState } from '../../src/guest/page-state.js';
import { Stat } from '../../src/guest/shared-memory.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { publishPressure, publishStats } from '../support/guest-signals.js';
import { runLockstep, type LockstepWorld } from '../support/lockstep.js';

const yaml = `
duration: 20s
tick: 1s
host: { memory: 2GiB }
guests:
  - name: g
    memory: 512MiB
    swap: 256MiB
    driver: { profile: virtio, deflateOnOom: true, statsInterval: 1s }
    workload: [ { kind: anon, size: 400MiB, hot: 20% } ]
events: [{ at: 5s, setTarget: { guest: g, memory: 256MiB, force: true } }]
`;

function honestWorld(): LockstepWorld {
  const result = runLockstep(parseScenarioText(yaml, 'audit.yaml'), { auditEveryTicks: 5 });
  expect(result.audit.violations).toBe(0);
  expect(result.reports[0]!.swapUsedPages).toBeGreaterThan(0);
  return result.world;
}

function violationsAfter(world: LockstepWorld, breakIt: (world: LockstepWorld) => void): string[] {
  const before = world.auditor.result.violations;
  breakIt(world);
  world.auditor.quick(1_000_000);
  const result = world.auditor.result;
  expect(result.violations).toBeGreaterThan(before);
  return result.firstViolations;
}

describe('the audit of the guest memory model', () => {
  it('passes an honest run, and a second pass over the same state', () => {
    const world = honestWorld();
    expect(world.auditor.quick(1_000_000)).toBe(0);
  });

  it('catches a balloon the host does not know about', () => {
    const lines = violationsAfter(honestWorld(), ({ shared }) => {
      shared[0]!.counters[PageState.BALLOON]! += 1;
      shared[0]!.counters[PageState.FREE_UNBACKED]! -= 1;
    });
    expect(lines.at(-1)).toMatch(/guest g: its balloon holds \d+ pages, the host counts/);
  });

  it('catches a total that went down', () => {
    const lines = violationsAfter(honestWorld(), ({ shared }) => {
      shared[0]!.stats[Stat.SWAP_OUT_TOTAL] = 0;
    });
    expect(lines.some((line) => /total 2 went down/.test(line))).toBe(true);
  });

  it('catches swap use beyond the device', () => {
    const lines = violationsAfter(honestWorld(), ({ shared }) => {
      shared[0]!.stats[Stat.SWAP_PAGES] = 1e9;
    });
    expect(lines.some((line) => /swap pages of a 65536-page device/.test(line))).toBe(true);
  });

  it('catches deflate-on-OOM pages the host never heard of', () => {
    const lines = violationsAfter(honestWorld(), ({ shared }) => {
      shared[0]!.stats[Stat.DEFLATE_ON_OOM_PAGES_TOTAL]! += 256;
    });
    expect(lines.some((line) => /gave back \d+ pages on OOM events, the host heard of/.test(line))).toBe(true);
  });

  it('catches distress the host never heard, and a pressure report beyond the guest', () => {
    const lines = violationsAfter(honestWorld(), ({ shared }) => {
      shared[0]!.stats[Stat.DISTRESS_TOTAL]! += 1;
      publishPressure(shared[0]!.buffers.signals, 20_000, { availablePages: 1e9, committedPages: 1e9 });
    });
    expect(lines.some((line) => /sent \d+ distress messages, the host heard/.test(line))).toBe(true);
    expect(lines.some((line) => /its pressure report says 1000000000 pages available/.test(line))).toBe(true);
  });

  it('catches published stats that go down, or claim more memory than the guest has', () => {
    const lines = violationsAfter(honestWorld(), ({ shared }) => {
      publishStats(shared[0]!.buffers.signals, 20_000, { MINFLT: 0, MEMTOT: 2 ** 40 });
    });
    expect(lines.some((line) => /stat MINFLT went down/.test(line))).toBe(true);
    expect(lines.some((line) => /stat MEMTOT is \d+ bytes, more than its/.test(line))).toBe(true);
  });
});
