/**
 * Report pages in headless Chromium, as a person would open them: no console
 * errors, no uncaught exceptions, no request leaving the page (they must work
 * offline), and every chart really drawn. Screenshots are kept in
 * BALLOONSIM_SCREENSHOT_DIR (default: a fresh temporary directory, printed).
 *
 * Needs Debian's chromium (`apt-get install -y chromium`): without it these
 * tests fail, saying so; they never skip.
 */
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareHtml, compareRunOf } from '../../src/output/compare.js';
import { writeRunOutputs } from '../../src/output/run-outputs.js';
import { writeSweepOutputs } from '../../src/output/sweep-outputs.js';
import { TimeSeries } from '../../src/output/time-series.js';
import { simulate } from '../../src/runtime/simulate.js';
import { defaultScenario } from '../../src/scenario/default.js';
import { sweep } from '../../src/sweep/sweep.js';
import { checkPage, chromiumPath, pageProblems } from '../../src/tools/browser.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

const shots = process.env.BALLOONSIM_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'balloonsim-screenshots-'));
mkdirSync(shots, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'balloonsim-pages-'));

/** Width and height of a PNG, from its header. */
function pngSize(path: string): { width: number; height: number } {
  const header = readFileSync(path).subarray(0, 24);
  expect(header.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: header.readUInt32BE(16), height: header.readUInt32BE(20) };
}

async function runInto(dir: string, seed: number) {
  const scenario = defaultScenario({ durationOverrideMs: 8 * 60_000 });
  const series = new TimeSeries(scenario.guests.map((g) => g.name), scenario.frameBytes, scenario.host.memoryBytes / scenario.frameBytes);
  const result = await simulate(scenario, { seed, placement: 'inline', sampleEveryTicks: 1, onSample: (s) => series.add(s) });
  await writeRunOutputs(dir, result, series);
  return { result, series };
}

describe(`report pages in headless Chromium (screenshots in ${shots})`, () => {
  beforeAll(() => {
    // Fails, with what to install, when there is no Chromium: never a silent skip.
    chromiumPath();
  });

  it('report.html of a run draws every chart, offline, without errors', async () => {
    await runInto(join(work, 'run'), 42);
    const screenshot = join(shots, 'report.png');
    const check = await checkPage(join(work, 'run', 'report.html'), { screenshot });
    expect(pageProblems(check, { canvasesMin: 14 })).toEqual([]);
    expect(check.canvases).toHaveLength(2 + 4 + 4 + 4);
    expect(check.headings).toEqual(expect.arrayContaining(['Host memory', 'Memory of each guest', 'Balloon against target', 'Pressure, faults and swap', 'Host free memory and free-memory state']));
    expect(check.headings.filter((h) => /^(web|db|batch|idle)\b/.test(h))).toHaveLength(8);
    // Stacked areas and several series: the memory charts use many colours.
    expect(Math.min(...check.canvases.slice(0, 6).map((c) => c.colours))).toBeGreaterThanOrEqual(4);
    const size = pngSize(screenshot);
    expect(size.width).toBe(1400);
    expect(size.height).toBeGreaterThan(2000);
    expect(statSync(screenshot).size).toBeGreaterThan(50_000);
  });

  it('a comparison and a sweep report draw their plots', async () => {
    const a = await runInto(join(work, 'a'), 1);
    const b = await runInto(join(work, 'b'), 2);
    const page = join(work, 'compare.html');
    writeFileSync(page, compareHtml([compareRunOf('seed 1', 'a', a.result.summary, a.series), compareRunOf('seed 2', 'b', b.result.summary, b.series)]));
    const check = await checkPage(page, { screenshot: join(shots, 'compare.png') });
    expect(pageProblems(check, { canvasesMin: 9 })).toEqual([]);

    const table = await sweep({ base: 'default', durationMs: 120_000, parameters: { 'events[0].setTarget.memory': ['512MiB', '2GiB', '4GiB'] } }, { concurrency: 2 });
    await writeSweepOutputs(join(work, 'sweep'), table);
    const sweepCheck = await checkPage(join(work, 'sweep', 'report.html'), { screenshot: join(shots, 'sweep.png') });
    expect(pageProblems(sweepCheck, { canvasesMin: 6 })).toEqual([]);
  });

  it('a run with a crash, a run of one guest and a run without samples render without errors', async () => {
    const crashing = scenario({
      durationMs: 60_000,
      guests: [guest('a', { workload: [{ kind: 'anon', name: 'anon-0', hotFraction: 1, size: { kind: 'constant', bytes: 24 * MiB } }] }), guest('b')],
      events: [
        { atMs: 10_000, kind: 'setTarget', guest: 'a', target: { bytes: 40 * MiB } },
        { atMs: 30_000, kind: 'crash', guest: 'b' },
      ],
    });
    const cases = [
      { name: 'crash', scenario: crashing, sampleEveryTicks: 1, charts: 2 + 2 + 2 + 4 },
      { name: 'one-guest', scenario: { ...crashing, guests: [crashing.guests[0]!], events: [crashing.events[0]!] }, sampleEveryTicks: 7, charts: 2 + 1 + 1 + 4 },
      { name: 'no-samples', scenario: crashing, sampleEveryTicks: 0, charts: 0 },
    ];
    for (const c of cases) {
      const series = new TimeSeries(c.scenario.guests.map((g) => g.name), c.scenario.frameBytes, c.scenario.host.memoryBytes / c.scenario.frameBytes);
      const result = await simulate(c.scenario, { placement: 'inline', sampleEveryTicks: c.sampleEveryTicks, onSample: (s) => series.add(s) });
      await writeRunOutputs(join(work, c.name), result, series);
      const check = await checkPage(join(work, c.name, 'report.html'), { screenshot: join(shots, `report-${c.name}.png`) });
      expect(pageProblems(check, { canvasesMin: c.charts }), c.name).toEqual([]);
      expect(check.canvases, c.name).toHaveLength(c.charts);
    }
  });

  it('the check catches console errors, exceptions, requests that leave the page and empty charts', async () => {
    const page = join(work, 'broken.html');
    writeFileSync(
      page,
      '<!DOCTYPE html><html><body><canvas width="50" height="50"></canvas><img src="https://example.invalid/x.png">' +
        '<script>console.error("boom"); document.body.setAttribute("data-drawn", "true"); setTimeout(function () { null.x; }, 0);</script></body></html>',
    );
    const check = await checkPage(page);
    const problems = pageProblems(check, { canvasesMin: 2 }).join('\n');
    expect(problems).toMatch(/console error: boom/);
    expect(problems).toMatch(/uncaught exception/);
    expect(problems).toMatch(/example\.invalid/);
    expect(problems).toMatch(/expected at least 2 charts/);
    expect(problems).toMatch(/chart 1 .* drew only 0 pixels/);
  });
});
