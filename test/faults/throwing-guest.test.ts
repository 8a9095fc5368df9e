/** Unit tests of src/faults/throwing-guest.ts: an actor that throws at chosen ticks and points. */
import { describe, expect, it } from 'vitest';
import { InjectedThrow, ThrowingGuest, type SteppingGuest } from '../../src/faults/throwing-guest.js';
import type { GuestToHost, HostToGuest } from '../../src/messages/protocol.js';
import type { GuestReport } from '../../src/messages/runtime.js';

/** A guest that records the ticks it stepped and answers each step with `reply` messages. */
class RecordingGuest implements SteppingGuest {
  readonly index = 3;
  readonly name = 'rec';
  readonly stepped: number[] = [];
  stopped = 0;
  constructor(private readonly reply: GuestToHost[] = []) {}
  step(tick: number): GuestToHost[] {
    this.stepped.push(tick);
    return this.reply;
  }
  stop(): void {
    this.stopped++;
  }
  report(): GuestReport {
    return { index: this.index, name: this.name } as GuestReport;
  }
  selfCheck(): string[] {
    return ['self-check finding'];
  }
}

const inbox = [{}, {}] as unknown as HostToGuest[];

describe('ThrowingGuest', () => {
  it('passes steps, stop, report and selfCheck through when no fault is due', () => {
    const reply = [{ type: 'x' }] as unknown as GuestToHost[];
    const inner = new RecordingGuest(reply);
    const guest = new ThrowingGuest(inner, [{ tick: 5, point: 'before-inbox' }]);
    expect(guest.index).toBe(3);
    expect(guest.name).toBe('rec');
    expect(guest.step(0, [])).toBe(reply);
    expect(guest.step(4, [])).toBe(reply);
    guest.stop();
    expect(inner.stopped).toBe(1);
    expect(guest.report()).toEqual({ index: 3, name: 'rec' });
    expect(guest.selfCheck()).toEqual(['self-check finding']);
  });

  it('throws before stepping at a before-inbox fault: the inner guest never sees that tick', () => {
    const inner = new RecordingGuest();
    const guest = new ThrowingGuest(inner, [{ tick: 2, point: 'before-inbox' }]);
    guest.step(1, []);
    expect(() => guest.step(2, inbox)).toThrow(InjectedThrow);
    expect(() => guest.step(2, inbox)).not.toThrow(); // each fault fires once
    expect(inner.stepped).toEqual([1, 2]);
  });

  it('steps, then throws, at a before-send fault, saying how many messages were lost', () => {
    const inner = new RecordingGuest([{}, {}, {}] as unknown as GuestToHost[]);
    const guest = new ThrowingGuest(inner, [{ tick: 1, point: 'before-send' }]);
    let error: unknown;
    try {
      guest.step(1, inbox);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InjectedThrow);
    expect((error as Error).name).toBe('InjectedThrow');
    expect((error as Error).message).toBe('injected throw at tick 1, with 3 messages built and not sent');
    expect(inner.stepped).toEqual([1]);
  });

  it('says how many inbox messages a before-inbox throw left unread', () => {
    const guest = new ThrowingGuest(new RecordingGuest(), [{ tick: 0, point: 'before-inbox' }]);
    expect(() => guest.step(0, inbox)).toThrow('injected throw at tick 0, before reading 2 messages');
  });

  it('skips faults whose tick has passed (a guest whose clock jumped) and still fires later ones', () => {
    const inner = new RecordingGuest();
    const guest = new ThrowingGuest(inner, [
      { tick: 2, point: 'before-inbox' },
      { tick: 3, point: 'before-inbox' },
      { tick: 6, point: 'before-inbox' },
    ]);
    expect(() => guest.step(5, [])).not.toThrow();
    expect(() => guest.step(6, [])).toThrow(InjectedThrow);
    expect(inner.stepped).toEqual([5]);
  });
});
