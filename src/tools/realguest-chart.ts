/**
 * Side-by-side charts of a real run and its simulation, as a self-contained
 * SVG (no browser needed): one panel per figure, the real guest in one
 * colour and balloonsim in another, over the same seconds.
 */
import type { RealRow, SimRow } from './realguest-runs.js';

interface Panel {
  title: string;
  unit: string;
  real: Array<[number, number]>;
  sim: Array<[number, number]>;
}

const WIDTH = 360;
const HEIGHT = 200;
const MARGIN = { left: 52, right: 12, top: 26, bottom: 28 };
const COLUMNS = 3;
const REAL_COLOUR = '#1f77b4';
const SIM_COLOUR = '#d62728';

/** Per-second rate of a running total. */
function rate(points: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 1; i < points.length; i++) {
    const [t, v] = points[i]!;
    const [t0, v0] = points[i - 1]!;
    if (Number.isFinite(v) && Number.isFinite(v0) && t > t0) out.push([t, (v - v0) / (t - t0)]);
  }
  return out;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

function panelSvg(panel: Panel, x0: number, y0: number, tMax: number): string {
  const values = [...panel.real, ...panel.sim].map(([, v]) => v).filter((v) => Number.isFinite(v));
  const yMax = niceMax(Math.max(0, ...values));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const px = (t: number): number => x0 + MARGIN.left + (t / tMax) * plotW;
  const py = (v: number): number => y0 + MARGIN.top + plotH - (Math.max(0, v) / yMax) * plotH;
  const path = (points: Array<[number, number]>): string =>
    points
      .filter(([, v]) => Number.isFinite(v))
      .map(([t, v], i) => `${i === 0 ? 'M' : 'L'}${px(t).toFixed(1)},${py(v).toFixed(1)}`)
      .join('');
  const parts: string[] = [];
  parts.push(`<text x="${x0 + MARGIN.left}" y="${y0 + 16}" font-size="13" font-weight="bold">${escape(panel.title)} (${escape(panel.unit)})</text>`);
  parts.push(`<rect x="${x0 + MARGIN.left}" y="${y0 + MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#ccc"/>`);
  for (const fraction of [0, 0.5, 1]) {
    const v = yMax * fraction;
    parts.push(`<text x="${x0 + MARGIN.left - 4}" y="${py(v) + 4}" font-size="10" text-anchor="end">${Number(v.toPrecision(3))}</text>`);
  }
  for (let t = 0; t <= tMax; t += tMax > 60 ? 30 : 20) parts.push(`<text x="${px(t)}" y="${y0 + HEIGHT - 10}" font-size="10" text-anchor="middle">${t}s</text>`);
  parts.push(`<path d="${path(panel.real)}" fill="none" stroke="${REAL_COLOUR}" stroke-width="1.6"/>`);
  parts.push(`<path d="${path(panel.sim)}" fill="none" stroke="${SIM_COLOUR}" stroke-width="1.6" stroke-dasharray="5,3"/>`);
  return parts.join('\n');
}

/** The SVG of one run: balloon (actual size), free memory, cache, anonymous memory, swap-in and major faults a second. */
export function realGuestChartSvg(title: string, real: RealRow[], sim: SimRow[]): string {
  const kib = (column: string): Array<[number, number]> => real.map((row) => [row.t, row.values[column]! / 1024]);
  const col = (column: string): Array<[number, number]> => real.map((row) => [row.t, row.values[column]!]);
  const panels: Panel[] = [
    { title: 'balloon: actual size', unit: 'MiB', real: col('actual_mib'), sim: sim.map((s) => [s.t, s.actualMiB]) },
    { title: 'free memory', unit: 'MiB', real: kib('MemFree'), sim: sim.map((s) => [s.t, s.freeMiB]) },
    { title: 'page cache', unit: 'MiB', real: kib('Cached'), sim: sim.map((s) => [s.t, s.cacheMiB]) },
    { title: 'anonymous memory', unit: 'MiB', real: kib('AnonPages'), sim: sim.map((s) => [s.t, s.anonMiB]) },
    { title: 'swap-in', unit: 'pages/s', real: rate(col('pswpin')), sim: rate(sim.map((s) => [s.t, s.swapIn])) },
    {
      title: real.some((row) => Number.isFinite(row.values.refault_file)) ? 'file refaults' : 'major faults',
      unit: '/s',
      real: real.some((row) => Number.isFinite(row.values.refault_file)) ? rate(col('refault_file')) : rate(col('pgmajfault')),
      sim: real.some((row) => Number.isFinite(row.values.refault_file)) ? rate(sim.map((s) => [s.t, s.refaults])) : rate(sim.map((s) => [s.t, s.majorFaults])),
    },
  ];
  const tMax = Math.max(real[real.length - 1]?.t ?? 0, sim[sim.length - 1]?.t ?? 0);
  const rows = Math.ceil(panels.length / COLUMNS);
  const width = COLUMNS * WIDTH;
  const height = rows * HEIGHT + 40;
  const body = panels.map((panel, i) => panelSvg(panel, (i % COLUMNS) * WIDTH, 40 + Math.floor(i / COLUMNS) * HEIGHT, tMax)).join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${escape(title)}</text>`,
    `<line x1="${width - 330}" y1="17" x2="${width - 300}" y2="17" stroke="${REAL_COLOUR}" stroke-width="2"/><text x="${width - 295}" y="21" font-size="12">real Linux guest</text>`,
    `<line x1="${width - 180}" y1="17" x2="${width - 150}" y2="17" stroke="${SIM_COLOUR}" stroke-width="2" stroke-dasharray="5,3"/><text x="${width - 145}" y="21" font-size="12">balloonsim</text>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}
