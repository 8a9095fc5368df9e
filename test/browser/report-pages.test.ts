/**
 * Report pages in headless Chromium, as a person would open them: no console
 * errors, no uncaught exceptions, no request leaving the page (they must work
 * offline), every chart really drawn, and every text readable: no tick label
 * or title clipped at a chart's edge, no text drawn over other text, no table
 * wider than the page unless it scrolls. Screenshots are kept in
 * BALLOONSIM_SCREENSHOT_DIR when it is set; otherwise they go to a temporary
 * directory that is removed, with the pages, when this file's tests end.
 *
 * Needs Debian's chromium (`apt-get install -y chromium`): without it these
 * tests fail, saying so; they never skip.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareHtml, compareRunOf } from '../../src/sweep/compare.js';
import { writeRunOutputs } from '../../src/output/run-outputs.js';
import { writeSweepOutputs } from '../../src/sweep/sweep-outputs.js';
import { TimeSeries } from '../../src/output/time-series.js';
import { simulate } from '../../src/runtime/simulate.js';
import { defaultScenario } from '../../src/scenario/default.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { expandGrid, loadGridFile } from '../../src/sweep/grid.js';
import { sweep } from '../../src/sweep/sweep.js';
import { checkPage, chromiumPath, pageProblems } from '../../src/tools/browser.js';
import { guest, MiB, scenario } from '../support/scenarios.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

// A directory the user names is theirs: it is made if missing, and never removed.
const shots = process.env.BALLOONSIM_SCREENSHOT_DIR ?? temporaryDirectory('balloonsim-screenshots-');
const shotsKept = process.env.BALLOONSIM_SCREENSHOT_DIR === undefined ? 'not kept: set BALLOONSIM_SCREENSHOT_DIR to keep them' : `in ${shots}`;
mkdirSync(shots, { recursive: true });
const work = temporaryDirectory('balloonsim-pages-');
const ROOT = new URL('../../', import.meta.url).pathname;

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

describe(`report pages in headless Chromium (screenshots ${shotsKept})`, () => {
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

  it('a report of 64 guests draws those something happened to, and every label fits', async () => {
    const dense = loadScenarioFile(join(ROOT, 'examples/dense-64.yaml'), { durationOverrideMs: 12 * 60_000 });
    const series = new TimeSeries(dense.guests.map((g) => g.name), dense.frameBytes, dense.host.memoryBytes / dense.frameBytes);
    const result = await simulate(dense, { placement: 'inline', sampleEveryTicks: 5, onSample: (s) => series.add(s) });
    await writeRunOutputs(join(work, 'dense'), result, series);
    const check = await checkPage(join(work, 'dense', 'report.html'), { screenshot: join(shots, 'report-dense-64.png') });
    expect(pageProblems(check, { canvasesMin: 2 + 16 + 16 + 4 })).toEqual([]);
    // The ballooned guests (idle-*), each saying why it was chosen; not the first guests of the file, where nothing happened.
    const guestHeadings = check.headings.filter((h) => / — /.test(h));
    expect(guestHeadings).toHaveLength(32);
    expect(guestHeadings.every((h) => /^idle-\d+.* — (largest|large) balloon$/.test(h))).toBe(true);
    // Picked by glob instead.
    await writeRunOutputs(join(work, 'dense-picked'), result, series, { report: { guests: ['web-a-*', 'batch-b-0'] } });
    const picked = await checkPage(join(work, 'dense-picked', 'report.html'));
    expect(pageProblems(picked, { canvasesMin: 2 + 9 + 9 + 4 })).toEqual([]);
    expect(picked.headings.filter((h) => / — picked$/.test(h)).map((h) => h.split(/[: ]/)[0])).toEqual([
      ...['web-a-0', 'web-a-1', 'web-a-2', 'web-a-3', 'web-a-4', 'web-a-5', 'web-a-6', 'web-a-7', 'batch-b-0'],
      ...['web-a-0', 'web-a-1', 'web-a-2', 'web-a-3', 'web-a-4', 'web-a-5', 'web-a-6', 'web-a-7', 'batch-b-0'],
    ]);
  });

  it('a sweep with seeds shows each setting with its interval, refusals, and tables that fit or scroll', async () => {
    const grid = loadGridFile(join(ROOT, 'examples/sweeps/idle-target.yaml'));
    const seeded = expandGrid(
      { name: 'idle-target-seeds', base: 'default', durationMs: 150_000, parameters: { 'events[0].setTarget.memory': ['256MiB', '1GiB', '4GiB'], seed: [1, 2, 3] } },
      { source: grid.source },
    );
    const table = await sweep(seeded, { concurrency: 2 });
    await writeSweepOutputs(join(work, 'sweep-seeds'), table);
    const check = await checkPage(join(work, 'sweep-seeds', 'report.html'), { screenshot: join(shots, 'sweep-seeds.png') });
    expect(pageProblems(check, { canvasesMin: 6 })).toEqual([]);
    expect(check.headings).toEqual(expect.arrayContaining(['Settings', 'Setting by setting', 'Table', 'Cases']));
    const html = readFileSync(join(work, 'sweep-seeds', 'report.html'), 'utf8');
    expect(html).toMatch(/The over-shrink guard refused a target in 3 cases/);
  });

  it('large counts keep every digit on the axis (once clipped to ",000,000")', async () => {
    const a = await runInto(join(work, 'millions-a'), 3);
    const runs = [1, 2, 3].map((i) => {
      const run = compareRunOf(`run ${i}`, 'a', a.result.summary, a.series);
      return { ...run, metrics: { ...run.metrics, majorFaults: i * 12_345_678, swapOutPages: i * 98_765_432 } };
    });
    const page = join(work, 'millions.html');
    writeFileSync(page, compareHtml(runs));
    const check = await checkPage(page, { screenshot: join(shots, 'compare-millions.png') });
    expect(pageProblems(check, { canvasesMin: 9 })).toEqual([]);
  });

  it('the check catches clipped and overlapping text, and a table that neither fits nor scrolls', async () => {
    const page = join(work, 'bad-layout.html');
    writeFileSync(
      page,
      '<!DOCTYPE html><html><body style="margin:0">' +
        '<canvas id="c" width="300" height="100"></canvas>' +
        '<p style="position:absolute; top:200px; left:10px; margin:0">first label</p><p style="position:absolute; top:204px; left:30px; margin:0">second label</p>' +
        '<div style="width:80px; overflow:hidden; white-space:nowrap">a caption much too long for its box</div>' +
        '<table><tr>' + Array.from({ length: 60 }, (_, i) => `<td>column-${i}</td>`).join('') + '</tr></table>' +
        '<script>var x = document.getElementById("c").getContext("2d"); x.font = "12px sans-serif"; x.textAlign = "right";' +
        'x.fillText("12,000,000", 30, 50); x.textAlign = "left"; x.fillText("alpha", 100, 50); x.fillText("beta", 110, 52);' +
        'x.fillRect(0, 0, 300, 100); document.body.setAttribute("data-drawn", "true");</script></body></html>',
    );
    const problems = pageProblems(await checkPage(page), { canvasesMin: 1 }).join('\n');
    expect(problems).toMatch(/clipped: chart 1 .*"12,000,000" reaches past the edge/);
    expect(problems).toMatch(/overlap: chart 1 .*"alpha" and "beta" are drawn over each other/);
    expect(problems).toMatch(/overlap: page text "first label" and "second label" overlap/);
    expect(problems).toMatch(/clipped: the text "a caption much too long for its box" is cut off/);
    expect(problems).toMatch(/overflow: the page is \d+ px wide in a window of 1400 px/);
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
