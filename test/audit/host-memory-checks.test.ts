/**
 * The auditor's checks of host paging and of growth past the boot size must
 * be able to fail: after an honest run in which the host paged guest memory
 * out and a guest plugged memory, the state is broken on purpose, one way at
 * a time.
 */
import { describe, expect, it } from 'vitest';
import { PageState } from '../../src/guest/page-state.js';
import { Counter, HOST_SWAPPED } from '../../src/guest/shared-memory.js';
import { DeviceSlot } from '../../src/host/device/device-figures.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { runLockstep, type LockstepWorld } from '../support/lockstep.js';

const yaml = `
duration: 40s
tick: 1s
seed: 4
host: { memory: 160MiB, reserved: 8MiB, swap: 96MiB, backPressure: false }
guests:
  - name: a
    memory: 128MiB
    kernel: 8MiB
    driver: { profile: virtio, inflateMode: free-only }
    workload:
      - { kind: anon, size: { steps: [[0s, 40MiB], [5s, 108MiB]] }, hot: 30%, coldTouchEvery: 1m }
  - name: b
    memory: 32MiB
    maxMemory: 64MiB
    kernel: 8MiB
    growth: virtio-mem
    workload: [ { kind: anon, size: { steps: [[0s, 16MiB], [10s, 40MiB]] } } ]
events: [{ at: 1s, hotplug: { guest: b, memory: 24MiB } }]
`;

function honestWorld(): LockstepWorld {
  const result = runLockstep(parseScenarioText(yaml, 'audit-host-memory.yaml'), { auditEveryTicks: 5 });
  expect(result.audit.firstViolations).toEqual([]);
  expect(result.world.host.hostSwap.usedPages).toBeGreaterThan(0);
  expect(result.reports[1]!.growth.onlinePages).toBeGreaterThan(0);
  return result.world;
}

function violationsAfter(world: LockstepWorld, breakIt: (world: LockstepWorld) => void, full = false): string[] {
  const before = world.auditor.result.violations;
  breakIt(world);
  if (full) world.auditor.full(1_000_000);
  else world.auditor.quick(1_000_000);
  const result = world.auditor.result;
  expect(result.violations).toBeGreaterThan(before);
  return result.firstViolations;
}

/** A page of guest a that the host paged out. */
function pagedOutPage(world: LockstepWorld): number {
  const views = world.shared[0]!;
  for (let page = 0; page < views.pages; page++) if (views.frameAt(page) === HOST_SWAPPED) return page;
  throw new Error('no page is paged out');
}

describe('the audit of host memory management', () => {
  it('passes an honest run, quick and full', () => {
    const world = honestWorld();
    expect(world.auditor.quick(1_000_000)).toBe(0);
    expect(world.auditor.full(1_000_000)).toBe(0);
  });

  it('catches host swap slots the device side and the guest count differently', () => {
    const lines = violationsAfter(honestWorld(), ({ host }) => {
      host.accounts[0]!.device.hostSwapPages += 1;
    });
    expect(lines.some((line) => /guest a: the host counts \d+ host swap slots for it, the guest \d+/.test(line))).toBe(true);
  });

  it('catches a host swap used beyond its size', () => {
    const lines = violationsAfter(honestWorld(), ({ host }) => {
      const space = host.hostSwap;
      space.usedPages = space.capacityPages + 1;
      // The figures the manager read from the device sides say the same.
      host.accounts[0]!.figures[DeviceSlot.HOST_SWAP]! += space.capacityPages + 1 - host.accounts.reduce((sum, account) => sum + account.figures[DeviceSlot.HOST_SWAP]!, 0);
    });
    expect(lines.some((line) => /host swap: \d+ pages used of \d+/.test(line))).toBe(true);
  });

  it('catches a paged-out mark on a page that may not have one, and marks the counter does not know', () => {
    const lines = violationsAfter(
      honestWorld(),
      ({ shared }) => {
        const views = shared[0]!;
        const page = pagedOutPage({ shared } as LockstepWorld);
        views.pageState[page] = PageState.KERNEL;
        views.counters[PageState.KERNEL]! += 1;
        views.counters[PageState.ANON]! -= 1;
      },
      true,
    );
    expect(lines.some((line) => /is kernel but marked paged out by the host/.test(line))).toBe(true);
    const more = violationsAfter(
      honestWorld(),
      ({ shared }) => {
        const views = shared[0]!;
        // A mapped anonymous page marked paged out behind the counter's back.
        for (let page = 0; page < views.pages; page++) {
          if (views.pageState[page] === PageState.ANON && views.frameAt(page) >= 0) {
            views.setFrameAt(page, HOST_SWAPPED);
            views.counters[Counter.MAPPED]! -= 1;
            break;
          }
        }
      },
      true,
    );
    expect(more.some((line) => /guest a has \d+ pages the host paged out, its counter says \d+/.test(line))).toBe(true);
  });

  it('catches plugged memory the host does not count, and unplugged room that maps a frame', () => {
    const lines = violationsAfter(honestWorld(), ({ host }) => {
      host.accounts[1]!.device.memoryPages -= 512;
    });
    expect(lines.some((line) => /guest b: has \d+ pages of memory and 0 plugged pages coming online \(0 more in flight\), the host counts \d+/.test(line))).toBe(true);
    const more = violationsAfter(
      honestWorld(),
      ({ shared }) => {
        const views = shared[1]!;
        let unpopulated = -1;
        let mapped = -1;
        for (let page = 0; page < views.pages; page++) {
          if (views.pageState[page] === PageState.UNPOPULATED && unpopulated < 0) unpopulated = page;
          if (views.frameAt(page) >= 0 && mapped < 0) mapped = page;
        }
        if (unpopulated < 0 || mapped < 0) throw new Error('nothing to break');
        // An unplugged page maps a frame of the guest's.
        views.setFrameAt(unpopulated, views.frameAt(mapped));
      },
      true,
    );
    expect(more.some((line) => /page \d+ is unpopulated but maps frame \d+/.test(line))).toBe(true);
  });
});
