/** One in this many single pages that a VMware guest names in a release is refused by the host (approx.: pages the host cannot take at that moment). */
export const SINGLE_PAGE_REFUSAL_ODDS = 2048;

/**
 * Whether the host refuses to take this single page (VMware: "the host may
 * refuse single pages"). A hash of the frame and the message id, so that the
 * choice is deterministic and a page refused once is usually taken next time.
 */
export function hostRefusesSinglePage(frame: number, messageId: number): boolean {
  let h = Math.imul(frame ^ 0x5bd1e995, 0x27d4eb2d) ^ Math.imul(messageId | 0, 0x165667b1) ^ Math.floor(messageId / 2 ** 32);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) % SINGLE_PAGE_REFUSAL_ODDS === 0;
}
