import { formatBytesApprox } from '../../model/units.js';
import type { GuestRecord } from './guest-record.js';
import { DISTRESS_HOLD_MS } from './guest-signals.js';
import type { ManagerContext } from './manager-context.js';

/**
 * Back-pressure: a guest in distress gets memory back, within the host's
 * means: its target rises toward its maximum as far as free memory above
 * the soft threshold allows (less what back-pressure gave in the last few
 * seconds, not taken yet); its balloon deflates, or a hotplug guest plugs
 * more. While it stays in distress no policy or host reclaim shrinks it
 * (MemoryManager.shielded). A target the administrator forced below the
 * floor is left alone.
 *
 * @param episode the distress starts an episode (after a quiet spell): refusals are worded once per episode
 */
export function backPressure(manager: ManagerContext, record: GuestRecord, episode: boolean): void {
  if (manager.scenario.host.backPressure === false || !record.alive) return;
  const bytes = (pages: number): string => formatBytesApprox(pages * manager.frameBytes);
  const now = manager.nowMs;
  if (record.adminForced) {
    if (episode) manager.record('backPressure', record, `in distress; its target ${bytes(record.targetPages)} was forced by the administrator, so it stays`);
    return;
  }
  manager.backPressureGiven = manager.backPressureGiven.filter((raise) => now - raise.atMs < DISTRESS_HOLD_MS);
  const promised = manager.backPressureGiven.reduce((sum, raise) => sum + raise.pages, 0);
  const free = manager.availableFrames;
  const room = Math.max(0, free - manager.freeMemory.thresholds.softFrames - promised);
  const wanted = record.pages - record.targetPages;
  if (wanted <= 0) return;
  const raise = Math.min(room, wanted);
  if (raise <= 0) {
    if (episode) manager.record('backPressure', record, `in distress, but the host has no memory above its soft threshold to give (${bytes(free)} free); it is not shrunk while the distress lasts`);
    return;
  }
  const before = record.targetPages;
  manager.setTarget(record, before + raise, 'back-pressure');
  const given = record.targetPages - before;
  manager.backPressureGiven.push({ atMs: now, pages: given });
  record.backPressurePages += given;
  record.reclaimedPages = Math.max(0, record.reclaimedPages - given);
  manager.record('backPressure', record, `in distress: target ${bytes(before)} -> ${bytes(record.targetPages)} (+${bytes(given)}${given < wanted ? `, all the host could spare above its soft threshold` : ''})`);
}
