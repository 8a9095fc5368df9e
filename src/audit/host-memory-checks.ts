/**
 * Audit checks of host memory management (O(1) per guest, with the quick
 * audit, on the guest's thread): host paging and growth past the boot size.
 *
 * - host swap: the slots the device side counts for a guest are the slots
 *   the guest counts, less the swap-ins still in flight to it; no guest has
 *   more pages marked paged out than slots (the manager checks that the
 *   host's swap holds exactly the guests' slots and never more than its size);
 * - growth: the guest's memory (its pages that are not unpopulated) plus the
 *   plugged pages not yet online, plus plugged pages in replies still in
 *   flight, is the memory the device side counts; unplugged room maps
 *   nothing (the full audit: an unpopulated page must map no frame).
 */
import { PageState } from '../guest/page-state.js';
import { Counter, type GuestSharedViews } from '../guest/shared-memory.js';
import type { DeviceAccount } from '../host/device/device-account.js';

type Report = (text: string) => void;

/** Checks one guest's host swap and plugged memory. */
export function checkHostMemory(account: DeviceAccount, views: GuestSharedViews, report: Report): void {
  if (!account.alive) {
    if (account.hostSwapPages !== 0) report(`guest ${account.name} is dead but holds ${account.hostSwapPages} host swap slots`);
    return;
  }
  const counters = views.counters;
  const guestSlots = counters[Counter.HOST_SWAP_SLOTS]!;
  const marked = counters[Counter.HOST_SWAPPED]!;
  if (account.hostSwapPages !== guestSlots - account.queuedSwapInFrames) {
    report(`guest ${account.name}: the host counts ${account.hostSwapPages} host swap slots for it, the guest ${guestSlots} of which ${account.queuedSwapInFrames} are being swapped in`);
  }
  if (marked > guestSlots || marked < 0) report(`guest ${account.name}: ${marked} pages are marked paged out, it holds ${guestSlots} host swap slots`);
  const memory = account.pages - counters[PageState.UNPOPULATED]!;
  const onlining = counters[Counter.ONLINING]!;
  if (memory + onlining + account.queuedPlugPages !== account.memoryPages) {
    report(`guest ${account.name}: has ${memory} pages of memory and ${onlining} plugged pages coming online (${account.queuedPlugPages} more in flight), the host counts ${account.memoryPages}`);
  }
}
