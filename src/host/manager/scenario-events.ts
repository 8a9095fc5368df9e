import type { ScenarioEvent, TargetSize } from '../../model/scenario.js';
import { formatBytesApprox } from '../../model/units.js';
import { assertNever } from '../../util/assert-never.js';
import type { ManagerContext } from './manager-context.js';
import { createPolicy } from './policies/index.js';
import { adminTarget } from './targets.js';

function indexOf(manager: ManagerContext, name: string): number {
  const index = manager.records.findIndex((record) => record.name === name);
  if (index < 0) throw new Error(`MemoryManager: event for unknown guest ${name}`);
  return index;
}

/** Applies one scenario event that has come due. */
export function applyScenarioEvent(manager: ManagerContext, event: ScenarioEvent): void {
  const bytes = (pages: number): string => formatBytesApprox(pages * manager.frameBytes);
  switch (event.kind) {
    case 'setTarget': {
      // The loader checks targets; one built by hand that is out of range is brought into it.
      const target: TargetSize =
        'bytes' in event.target
          ? { bytes: Number.isFinite(event.target.bytes) ? Math.max(0, event.target.bytes) : 0 }
          : { percentOfMax: Math.min(100, Math.max(0, event.target.percentOfMax)) };
      adminTarget(manager, manager.records[indexOf(manager, event.guest)]!, target, 'scenario event', { force: event.force === true, dryRun: event.dryRun === true });
      return;
    }
    case 'crash':
      manager.crash(indexOf(manager, event.guest), 'scenario event');
      return;
    case 'setPolicy':
      manager.setPolicy(createPolicy(event.policy, { frameBytes: manager.frameBytes, seed: manager.seed, modules: manager.policyModules, calls: manager.policyCalls, timeMs: manager.nowMs }));
      return;
    case 'pausePolicy':
      manager.policyPaused = true;
      manager.record('pausePolicy', null, `policy ${manager.currentPolicy.name} paused: targets stay until resumePolicy (host reclaim goes on)`);
      return;
    case 'resumePolicy':
      if (manager.policyPaused) manager.nextPolicyMs = manager.nowMs;
      manager.policyPaused = false;
      manager.record('resumePolicy', null, `policy ${manager.currentPolicy.name} resumed`);
      return;
    case 'setShares': {
      const record = manager.records[indexOf(manager, event.guest)]!;
      manager.record('setShares', record, `shares ${record.shares} -> ${event.shares}`);
      record.shares = event.shares;
      return;
    }
    case 'setReserved': {
      const frames = Math.min(manager.frames - 1, Math.ceil(event.bytes / manager.frameBytes));
      const before = manager.reserve.held;
      manager.reserve.want(frames);
      const held = manager.reserve.held;
      manager.record('setReserved', null, `hypervisor reserve ${bytes(before)} -> ${bytes(frames)}` + (held < frames ? `; ${bytes(frames - held)} still to take as frames become free` : ''));
      return;
    }
    case 'hotplug': {
      const record = manager.records[indexOf(manager, event.guest)]!;
      if (!record.alive) return;
      const before = record.targetPages;
      record.reclaimedPages = 0;
      record.adminForced = false;
      manager.setTarget(record, before + Math.floor(event.bytes / manager.frameBytes), 'hotplug event');
      manager.record(
        'hotplug',
        record,
        `asked to grow by ${formatBytesApprox(event.bytes)}: target ${bytes(before)} -> ${bytes(record.targetPages)}` +
          (record.growthKind === 'reserved' ? ' (its reserved range deflates)' : ` (its memory is ${bytes(record.memoryPages)}: it asks the host to plug more)`),
      );
      return;
    }
    case 'resendTarget': {
      // The target is written again, unchanged: the guest's driver hears a write (virtio works only on writes).
      const record = manager.records[indexOf(manager, event.guest)]!;
      if (!record.alive) return;
      manager.send(record, { type: 'setTarget', targetPages: record.targetPages });
      manager.record('setTarget', record, `${bytes(record.targetPages)} (${record.targetPages} pages) written again, unchanged, by scenario event`);
      return;
    }
    default:
      assertNever(event, 'applyScenarioEvent');
  }
}
