/** A reusable list of frame runs (first, count): consecutive frames join one run. */
import { describe, expect, it } from 'vitest';
import { RunList } from '../../src/host/frame-runs.js';

describe('RunList', () => {
  it('joins frames that follow the last run, starts a new run otherwise, and counts frames', () => {
    const list = new RunList();
    list.add(10, 3);
    list.add(13, 2);
    list.add(20, 1);
    list.add(19, 1);
    expect(Array.from(list.toRuns())).toEqual([10, 5, 20, 1, 19, 1]);
    expect(list.runs).toBe(3);
    expect(list.frames).toBe(7);
  });

  it('ignores empty and negative counts', () => {
    const list = new RunList();
    list.add(5, 0);
    list.add(6, -2);
    expect(list.runs).toBe(0);
    expect(list.frames).toBe(0);
    expect(list.toRuns()).toEqual(new Int32Array(0));
  });

  it('grows past its first capacity without losing runs', () => {
    const list = new RunList(1);
    for (let i = 0; i < 100; i++) list.add(i * 10, 1);
    expect(list.runs).toBe(100);
    expect(list.toRuns()[198]).toBe(990);
    expect(list.frames).toBe(100);
  });

  it('hands out copies that later changes do not touch, and a view that they may', () => {
    const list = new RunList();
    list.add(1, 1);
    const copy = list.toRuns();
    const view = list.view();
    list.clear();
    list.add(50, 2);
    expect(Array.from(copy)).toEqual([1, 1]);
    expect(Array.from(view)).toEqual([50, 2]);
    expect(list.frames).toBe(2);
  });

  it('appends another list run by run, joining at the seam', () => {
    const a = new RunList();
    a.add(0, 4);
    const b = new RunList();
    b.add(4, 2);
    b.add(100, 1);
    a.append(b);
    expect(Array.from(a.toRuns())).toEqual([0, 6, 100, 1]);
    expect(a.frames).toBe(7);
  });
});
