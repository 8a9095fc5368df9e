/**
 * The inflate batch: frames and unbacked pages sealed into `release`
 * messages; the views of one step's releases stay intact until the next step.
 */
import { describe, expect, it } from 'vitest';
import { NONE, ReleaseBatch, UNBACKED } from '../../src/guest/release-batch.js';

function fill(batch: ReleaseBatch, first: number, count: number): void {
  for (let i = 0; i < count; i++) batch.add(first + i);
}

describe('ReleaseBatch', () => {
  it('seals frames and unbacked pages into one release, and is empty after', () => {
    const batch = new ReleaseBatch(256);
    batch.newStep();
    batch.begin(false);
    batch.add(7);
    batch.add(UNBACKED);
    batch.add(9);
    batch.add(UNBACKED);
    batch.add(UNBACKED);
    expect([batch.backed, batch.unbacked, batch.pages]).toEqual([2, 3, 5]);
    const release = batch.seal(42);
    expect(release).toEqual({ type: 'release', id: 42, frames: Int32Array.of(7, 9), unbackedPages: 3 });
    expect('largeFrames' in release).toBe(false);
    expect(batch.pages).toBe(0);
  });

  it('marks a batch of 2 MiB pages with the count of its frames', () => {
    const batch = new ReleaseBatch(512);
    batch.newStep();
    batch.begin(true);
    fill(batch, 1000, 1024);
    const release = batch.seal(1);
    expect(release.largeFrames).toBe(1024);
    expect(release.frames.length).toBe(1024);
    // The next batch of single pages is not marked.
    batch.begin(false);
    batch.add(5);
    expect(batch.seal(2).largeFrames).toBeUndefined();
  });

  it('does not count entries itself: the driver does (a 2 MiB page is one entry)', () => {
    const batch = new ReleaseBatch(16);
    batch.begin(true);
    fill(batch, 0, 512);
    expect(batch.entries).toBe(0);
    batch.entries += 1;
    batch.begin(false);
    expect(batch.entries).toBe(0);
  });

  it('refuses a page that could not be taken (NONE), naming the driver', () => {
    const batch = new ReleaseBatch(16);
    batch.begin(false);
    expect(() => batch.add(NONE)).toThrow(/^BalloonDriver: a page for the batch could not be taken/);
    expect(() => batch.add(-1)).toThrow(/could not be taken/);
    expect(batch.pages).toBe(0);
  });

  it('keeps every release of one step intact, however many (its arena grows), and reuses the room from the next step', () => {
    const batch = new ReleaseBatch(4096);
    batch.newStep();
    const sent = [];
    // Ten full messages in one step: more than the arena's first size (4 messages).
    for (let m = 0; m < 10; m++) {
      batch.begin(false);
      fill(batch, m * 10_000, 4096);
      sent.push(batch.seal(m));
    }
    sent.forEach((release, m) => {
      expect(release.frames.length).toBe(4096);
      expect(release.frames[0]).toBe(m * 10_000);
      expect(release.frames[4095]).toBe(m * 10_000 + 4095);
    });
    batch.newStep();
    batch.begin(false);
    fill(batch, 99, 3);
    expect(Array.from(batch.seal(11).frames)).toEqual([99, 100, 101]);
  });

  it('holds at least a message of frames even when the batch size is small', () => {
    const batch = new ReleaseBatch(1);
    batch.newStep();
    batch.begin(true);
    fill(batch, 0, 4096);
    expect(batch.seal(1).frames.length).toBe(4096);
  });
});
