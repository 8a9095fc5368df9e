/** Unit tests of src/tools/browser.ts that need no browser: finding Chromium and judging a page check (test/browser/ opens real pages). */
import { describe, expect, it } from 'vitest';
import { chromiumPath, pageProblems, type PageCheck } from '../../src/tools/browser.js';

function check(overrides: Partial<PageCheck> = {}): PageCheck {
  return { title: 't', consoleErrors: [], pageErrors: [], outsideRequests: [], canvases: [{ width: 600, height: 300, inkPixels: 5000, colours: 4 }], headings: [], drawn: true, layout: [], ...overrides };
}

describe('chromiumPath', () => {
  it('takes BALLOONSIM_CHROMIUM when it exists', () => {
    expect(chromiumPath({ BALLOONSIM_CHROMIUM: process.execPath })).toBe(process.execPath);
  });
  it('says how to get Chromium when there is none', () => {
    expect(() => chromiumPath({ BALLOONSIM_CHROMIUM: '/nowhere/chromium' })).toThrow(
      'headless Chromium is needed to check report pages, and there is none at /nowhere/chromium. Install it with `apt-get install -y chromium` (Debian), or set BALLOONSIM_CHROMIUM to a Chromium binary.',
    );
  });
});

describe('pageProblems', () => {
  it('finds nothing in a good page', () => {
    expect(pageProblems(check(), { canvasesMin: 1 })).toEqual([]);
  });
  it('lists every problem, one line each', () => {
    const bad = check({
      consoleErrors: ['boom'],
      pageErrors: ['TypeError: x'],
      outsideRequests: ['https://cdn.example/uplot.js'],
      drawn: false,
      canvases: [{ width: 600, height: 300, inkPixels: 499, colours: 1 }],
      layout: [{ kind: 'overlap', detail: 'legend over axis' }],
    });
    expect(pageProblems(bad, { canvasesMin: 2 })).toEqual([
      'console error: boom',
      'uncaught exception: TypeError: x',
      'the page asked for https://cdn.example/uplot.js, but it must work offline',
      'the page script did not finish drawing (body[data-drawn] is not set)',
      'expected at least 2 charts, found 1',
      'chart 1 (600x300) drew only 499 pixels',
      'overlap: legend over axis',
    ]);
  });
});
