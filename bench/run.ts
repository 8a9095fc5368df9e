/**
 * `npm run bench`: runs every benchmark in a process of its own (so that
 * peak memory and warm-up belong to one measurement), prints a table against
 * the targets, and writes bench/results.json. Benchmarks report
 * figures; tests never assert timings.
 *
 * Environment: BENCH_ONLY=protocol,dense,memory,boot picks some;
 * BENCH_REPEATS (best of N, default 3 for protocol, 2 for dense).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

type Figures = Record<string, unknown>;

interface Bench {
  name: string;
  file: string;
}

const BENCHES: Bench[] = [
  { name: 'protocol', file: 'protocol.js' },
  { name: 'dense', file: 'dense.js' },
  { name: 'memory', file: 'memory.js' },
  { name: 'boot', file: 'boot.js' },
];

const here = new URL('.', import.meta.url);
const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
const results: Record<string, Figures> = {};
const loadBefore = loadavg();

for (const bench of BENCHES) {
  if (only !== undefined && !only.includes(bench.name)) continue;
  process.stderr.write(`bench: ${bench.name} ...\n`);
  const started = performance.now();
  const run = spawnSync(process.execPath, [fileURLToPath(new URL(bench.file, here))], { encoding: 'utf8', maxBuffer: 1 << 24, env: process.env });
  if (run.status !== 0) {
    process.stderr.write(run.stderr);
    throw new Error(`bench ${bench.name} failed (exit ${run.status})`);
  }
  const line = run.stdout.trim().split('\n').at(-1) ?? '{}';
  results[bench.name] = { ...(JSON.parse(line) as Figures), benchSeconds: (performance.now() - started) / 1000 };
}

const num = (figures: Figures | undefined, key: string): number => Number(figures?.[key] ?? Number.NaN);
const rows: Array<[string, string, string, string]> = [];
const mega = (value: number): string => `${(value / 1e6).toFixed(1)} M/s`;
const check = (ok: boolean): string => (ok ? 'met' : 'NOT met');
const p = results.protocol;
if (p !== undefined) {
  const real = num(p, 'protocolFramesPerSecond');
  rows.push(['raw compare-exchange, one thread', mega(num(p, 'rawCasPerSecond')), '', '']);
  rows.push(['virtio-shaped: 256 frames per sync round trip', mega(num(p, 'virtioShapedFramesPerSecond')), '', '']);
  rows.push(['protocol throughput (frames moved)', mega(real), '>= 0.25 x raw (goal 0.5)', `${num(p, 'ratioToRaw').toFixed(2)} x raw: ${check(num(p, 'ratioToRaw') >= 0.25)}`]);
  rows.push(['', '', '>= 4 x virtio-shaped', `${num(p, 'ratioToVirtio').toFixed(2)} x: ${check(num(p, 'ratioToVirtio') >= 4)}`]);
}
const d = results.dense;
if (d !== undefined) {
  rows.push(['dense-64, inline', `${num(d, 'inlineSimulatedSecondsPerWallSecond').toFixed(0)} x real time`, '', `${num(d, 'inlineWallSeconds').toFixed(2)} s wall`]);
  rows.push([`dense-64, ${num(d, 'workers')} workers`, `${num(d, 'workersSimulatedSecondsPerWallSecond').toFixed(0)} x real time`, '>= 1000 x', `${num(d, 'workersWallSeconds').toFixed(2)} s wall: ${check(num(d, 'workersSimulatedSecondsPerWallSecond') >= 1000)}`]);
  rows.push(['dense-64, workers / inline', `${num(d, 'workersOverInline').toFixed(2)} x`, '>= 1.7 x', check(num(d, 'workersOverInline') >= 1.7)]);
}
const m = results.memory;
if (m !== undefined) {
  rows.push(['memory, 1 TiB host, 256 x 4 GiB guests', `${num(m, 'bytesPerFrame').toFixed(2)} B/frame`, '<= 20 B/frame', `${(num(m, 'peakResidentBytes') / 2 ** 30).toFixed(2)} GiB peak RSS: ${check(num(m, 'bytesPerFrame') <= 20)}`]);
}
const b = results.boot;
if (b !== undefined) {
  rows.push(['boot 1,000 guest actors (1 GiB each)', `${num(b, 'bootSeconds').toFixed(2)} s`, '<= 5 s', check(num(b, 'bootSeconds') <= 5)]);
}

const header: [string, string, string, string] = ['benchmark', 'figure', 'target', 'verdict'];
const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
process.stdout.write(`${[line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`);

const machine = {
  cpus: availableParallelism(),
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryBytes: totalmem(),
  node: process.version,
  loadAverageBefore: loadBefore,
  loadAverageAfter: loadavg(),
  date: new Date().toISOString(),
};
const out = fileURLToPath(new URL('../../bench/results.json', import.meta.url));
writeFileSync(out, `${JSON.stringify({ machine, results }, null, 2)}\n`);
process.stdout.write(`\nwrote ${out}\n`);
