import type { StatusMessage } from '../messages/protocol.js';

/**
 * What the hypervisor knows about one guest: its own accounting, kept apart
 * from anything the guest says, so that a lying guest cannot make the host
 * hand out more than the guest is entitled to.
 */
export interface GuestAccount {
  readonly index: number;
  readonly name: string;
  /** Value of this guest's entries in the frame table. */
  readonly ownerId: number;
  alive: boolean;
  /** Guest address space, in pages (maxMemory). */
  readonly pages: number;
  /** Pages that are part of the guest's memory (the address space minus unplugged hotplug room). */
  memoryPages: number;
  readonly bootPages: number;
  readonly kernelPages: number;
  readonly minPages: number;
  /** Frames the table says this guest owns (kept in step with every transfer). */
  ownedFrames: number;
  /** Pages the host holds in the guest's balloon: released frames and unbacked pages, minus deflate grants. */
  balloonPages: number;
  /** Guest size the host wants, in pages. */
  targetPages: number;
  /** Frames granted (or handed back by a refusal) in messages not yet delivered to the guest. */
  queuedGrantFrames: number;
  lastStatus: StatusMessage | null;
  /** Messages or frames the host refused because they broke the protocol. */
  protocolViolations: number;
  /** Frames asked for first touch that the pool could not provide. */
  populateShortPages: number;
  /** Set once the guest has broken the protocol too often: every later message is refused. */
  quarantined: boolean;
  /** Messages refused because the guest was quarantined. */
  quarantinedMessages: number;
}

/** Pages of guest memory that have neither a frame nor a place in the balloon, as the host counts them. */
export function unbackedPagesOf(account: GuestAccount): number {
  return account.memoryPages - account.balloonPages - account.ownedFrames;
}
