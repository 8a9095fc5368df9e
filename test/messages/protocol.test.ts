/** Unit tests of src/messages/protocol.ts: frames in runs of (first frame, count). */
import { describe, expect, it } from 'vitest';
import { framesInRuns, framesOfRuns } from '../../src/messages/protocol.js';

describe('runs of frames', () => {
  const runs = Int32Array.of(10, 3, 100, 0, 7, 2);

  it('counts the frames of every run', () => {
    expect(framesInRuns(runs)).toBe(5);
    expect(framesInRuns(new Int32Array(0))).toBe(0);
  });

  it('lists them one by one, run after run, in order', () => {
    expect([...framesOfRuns(runs)]).toEqual([10, 11, 12, 7, 8]);
    expect(framesOfRuns(new Int32Array(0))).toHaveLength(0);
  });
});
