/** Unit tests of src/runtime/abort.ts: AbortErrors that say what was aborted and why, and the per-tick checkpoint. */
import { describe, expect, it } from 'vitest';
import { abortCheckpoint, AbortError, abortErrorOf, throwIfAborted } from '../../src/runtime/abort.js';

describe('abortErrorOf', () => {
  it('names what was aborted, adds the reason when one was given, and keeps it as the cause', () => {
    const plain = new AbortController();
    plain.abort();
    const error = abortErrorOf(plain.signal, 'simulate (at tick 3 of 10)');
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', message: 'simulate (at tick 3 of 10) was aborted' });
    expect(error.cause).toBe(plain.signal.reason);
    const why = new AbortController();
    why.abort(new Error('user pressed ^C'));
    expect(abortErrorOf(why.signal, 'sweep').message).toBe('sweep was aborted: user pressed ^C');
    const text = new AbortController();
    text.abort('time is up');
    expect(abortErrorOf(text.signal, 'run').message).toBe('run was aborted: time is up');
  });
});

describe('throwIfAborted', () => {
  it('throws only for an aborted signal', () => {
    expect(() => throwIfAborted(undefined, 'x')).not.toThrow();
    expect(() => throwIfAborted(new AbortController().signal, 'x')).not.toThrow();
    expect(() => throwIfAborted(AbortSignal.abort(), 'stream')).toThrow(new AbortError('stream was aborted'));
  });
});

describe('abortCheckpoint', () => {
  it('does nothing without a signal, and throws with the description once aborted', async () => {
    await expect(abortCheckpoint(undefined, () => 'x')).resolves.toBeUndefined();
    await expect(abortCheckpoint(AbortSignal.abort(), () => 'simulate (at tick 7 of 9)')).rejects.toThrow('simulate (at tick 7 of 9) was aborted');
  });

  it('lets the event loop turn, so that a timer can abort an inline run that only awaits checkpoints', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 5);
    let ticks = 0;
    const loop = async (): Promise<void> => {
      for (;;) {
        await abortCheckpoint(controller.signal, () => `loop (at tick ${ticks})`);
        ticks++;
      }
    };
    await expect(loop()).rejects.toThrow(/^loop \(at tick \d+\) was aborted$/);
    expect(ticks).toBeGreaterThan(0);
  });
});
