/**
 * Limits of the balloon protocol: the largest batch, request and report a
 * message may carry, and the most messages a host reads from one guest in a
 * tick. Guests keep within them; the host refuses what breaks them.
 */

/** Most frame numbers one release may carry (the largest batch any profile or scenario may choose). */
export const FRAMES_PER_MESSAGE_MAX = 4096;

/** Most pages one request may ask for. */
export const PAGES_PER_REQUEST_MAX = 1 << 20;

/**
 * Most messages the host reads from one guest in one tick; the rest of a
 * flood is dropped unread and counted as one violation. An honest guest
 * stays well within it: its driver sends one message per batch and at most
 * DRIVER_MESSAGES_PER_TICK_MAX in a tick, its OOM path at most
 * OOM_DEFLATE_MESSAGES_PER_TICK_MAX, and the rest about a thousand at most.
 */
export const MESSAGES_PER_TICK_MAX = 1 << 16;

/**
 * Most inflate and deflate messages an honest balloon driver sends in one
 * tick: half of what the host reads, so that what the rest of the guest
 * sends in the same tick (first-touch and swap-in requests, reports, OOM
 * deflates, distress) is read too. Only a tiny batch reaches it (a batch of
 * 1 frame moves one page per message: a Xen driver inflating at its rate
 * sent 256,000 in a 1 s tick); the driver goes on at the next tick, as a
 * real one waits for room in its virtqueue.
 */
export const DRIVER_MESSAGES_PER_TICK_MAX = MESSAGES_PER_TICK_MAX / 2;

/**
 * Most oomDeflate messages an honest guest sends in one tick: past it, the
 * tick's next OOM events add their pages to its last one (the host counts
 * pages, not messages), so that a huge guest with a long tick stays within
 * MESSAGES_PER_TICK_MAX beside its driver's messages (src/guest/oom-path.ts).
 */
export const OOM_DEFLATE_MESSAGES_PER_TICK_MAX = MESSAGES_PER_TICK_MAX / 4;

/** Frames one free page report may carry (32 blocks of 2 MiB at 4 KiB pages is 16384). */
export const REPORT_FRAMES_MAX = 1 << 15;

/** Most pages one OOM event may give back. */
export const OOM_DEFLATE_PAGES_MAX = 1 << 20;

/** Most frames one `pagedOut`, `hostSwapRelease` or `unplug` may carry. */
export const HOST_MEMORY_FRAMES_MAX = 1 << 20;
