import type { GuestToHost, HostToGuest } from '../messages/protocol.js';
import type { GuestReport, ThrowPoint } from '../messages/runtime.js';

/** What a guest actor looks like to the threads that host it. */
export interface SteppingGuest {
  readonly index: number;
  readonly name: string;
  step(tick: number, inbox: ReadonlyArray<HostToGuest>): GuestToHost[];
  stop(): void;
  report(): GuestReport;
  selfCheck(): string[];
}

/** The error an injected fault throws. */
export class InjectedThrow extends Error {
  override name = 'InjectedThrow';
}

/**
 * A guest actor that throws at chosen ticks, as a buggy guest kernel would:
 * either before it reads its inbox (the grants in it are never mapped), or
 * after it has stepped, with pages unmapped and releases built, before those
 * messages leave (the crash point that loses the most in flight). Either way
 * the frames stay the guest's in the table, and the host must find them.
 */
export class ThrowingGuest implements SteppingGuest {
  private next = 0;

  constructor(
    private readonly inner: SteppingGuest,
    private readonly throwAt: ReadonlyArray<{ tick: number; point: ThrowPoint }>,
  ) {}

  get index(): number {
    return this.inner.index;
  }

  get name(): string {
    return this.inner.name;
  }

  step(tick: number, inbox: ReadonlyArray<HostToGuest>): GuestToHost[] {
    while (this.next < this.throwAt.length && this.throwAt[this.next]!.tick < tick) this.next++;
    const fault = this.throwAt[this.next];
    if (fault === undefined || fault.tick !== tick) return this.inner.step(tick, inbox);
    this.next++;
    if (fault.point === 'before-inbox') throw new InjectedThrow(`injected throw at tick ${tick}, before reading ${inbox.length} messages`);
    const lost = this.inner.step(tick, inbox);
    throw new InjectedThrow(`injected throw at tick ${tick}, with ${lost.length} messages built and not sent`);
  }

  stop(): void {
    this.inner.stop();
  }

  report(): GuestReport {
    return this.inner.report();
  }

  selfCheck(): string[] {
    return this.inner.selfCheck();
  }
}
