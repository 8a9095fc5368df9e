/**
 * `npm run validate:realguest`: runs the scenarios of the measured real-guest
 * runs (validation/realguest/), prints per run each figure's real and
 * simulated value, the error and the tolerance, writes side-by-side charts to
 * docs/images/realguest-RUN.svg, and exits 1 if a figure leaves its tolerance.
 *
 * Usage: node dist/tools/validate-realguest.js [--markdown] [--no-charts]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulate } from '../runtime/simulate.js';
import type { Sample } from '../runtime/sample.js';
import { loadScenarioFile } from '../scenario/load.js';
import { realGuestChartSvg } from './realguest-chart.js';
import { REAL_RUNS, describeTolerance, readRealRun, realGuestDir, simRows, withinTolerance, type RealRow, type SimRow } from './realguest-runs.js';
import { makeDirectories } from '../output/make-directories.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** One compared figure. */
export interface FigureResult {
  run: string;
  figure: string;
  unit: string;
  real: number;
  sim: number;
  tolerance: string;
  ok: boolean;
}

export interface RunResult {
  name: string;
  setup: string;
  real: RealRow[];
  sim: SimRow[];
  figures: FigureResult[];
}

/** Runs every real-guest scenario (inline, one sample a tick) and compares the figures. */
export async function validateRealGuest(root = ROOT): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (const run of REAL_RUNS) {
    const real = readRealRun(root, run.name);
    const scenario = loadScenarioFile(join(realGuestDir(root), `${run.name}.yaml`));
    const samples: Sample[] = [];
    await simulate(scenario, { placement: 'inline', sampleEveryTicks: 1, auditEveryTicks: 10, onSample: (sample) => samples.push(sample) });
    const sim = simRows(samples);
    const figures = run.figures.map((figure) => {
      const realValue = figure.real(real);
      const simValue = figure.sim(sim);
      return { run: run.name, figure: figure.name, unit: figure.unit, real: realValue, sim: simValue, tolerance: describeTolerance(figure.tolerance, figure.unit), ok: withinTolerance(realValue, simValue, figure.tolerance) };
    });
    results.push({ name: run.name, setup: run.setup, real, sim, figures });
  }
  return results;
}

function show(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return String(Number(value.toPrecision(3)));
}

function error(real: number, sim: number): string {
  if (!Number.isFinite(real) || !Number.isFinite(sim)) return '';
  if (real === 0) return sim === 0 ? '0' : `${show(sim - real)}`;
  const relative = ((sim - real) / Math.abs(real)) * 100;
  return `${relative >= 0 ? '+' : ''}${relative.toFixed(0)} %`;
}

/** The results as a Markdown table (the README's). */
export function resultsMarkdown(results: RunResult[]): string {
  const lines = ['| run | figure | real | balloonsim | error | tolerance | |', '|---|---|---:|---:|---:|---|---|'];
  for (const run of results) {
    for (const f of run.figures) {
      lines.push(`| ${run.name} | ${f.figure} (${f.unit}) | ${show(f.real)} | ${show(f.sim)} | ${error(f.real, f.sim)} | ${f.tolerance} | ${f.ok ? 'ok' : '**out**'} |`);
    }
  }
  return lines.join('\n');
}

async function main(): Promise<number> {
  const markdown = process.argv.includes('--markdown');
  const charts = !process.argv.includes('--no-charts');
  const results = await validateRealGuest();
  if (markdown) console.log(resultsMarkdown(results));
  else {
    for (const run of results) {
      console.log(`${run.name}: ${run.setup}`);
      for (const f of run.figures) {
        console.log(`  ${f.ok ? 'ok  ' : 'OUT '} ${f.figure.padEnd(36)} real ${show(f.real).padStart(10)}  sim ${show(f.sim).padStart(10)}  ${error(f.real, f.sim).padStart(7)}  (${f.tolerance}) ${f.unit}`);
      }
    }
  }
  if (charts) {
    const dir = join(ROOT, 'docs', 'images');
    makeDirectories(dir);
    for (const run of results) writeFileSync(join(dir, `realguest-${run.name}.svg`), realGuestChartSvg(`${run.name}: ${run.setup}`, run.real, run.sim));
    console.error(`charts written to docs/images/realguest-*.svg`);
  }
  const out = results.flatMap((run) => run.figures).filter((f) => !f.ok);
  if (out.length > 0) {
    console.error(`${out.length} figure(s) outside their tolerance: ${out.map((f) => `${f.run} ${f.figure}`).join('; ')}`);
    return 1;
  }
  console.error('every figure within its tolerance');
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.stack : String(error));
      process.exit(1);
    },
  );
}
