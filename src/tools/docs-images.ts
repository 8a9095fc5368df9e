/**
 * `npm run docs:images`: makes the pictures in docs/images/ the way the README
 * says to: it runs the README's commands (through bin/balloonsim.js, in a
 * temporary directory), opens each report in headless Chromium, fails on a
 * console error or an empty chart, and saves the screenshots.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPage, pageProblems } from './browser.js';
import { makeDirectories } from '../output/make-directories.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'balloonsim.js');

/** One picture: the README command that makes the page, the page, and how to shoot it. */
export interface DocsImage {
  /** What the README shows as the command (run from the package root, with `runs/` for the output). */
  command: string;
  /** The CLI arguments, with OUT for the output directory. */
  args: string[];
  page: string;
  image: string;
  fullPage: boolean;
  height: number;
  chartsMin: number;
}

export const DOCS_IMAGES: DocsImage[] = [
  {
    command: 'npx balloonsim run --out runs/default',
    args: ['run', '--quiet', '--out', 'OUT'],
    page: 'report.html',
    image: 'report-default.png',
    fullPage: false,
    height: 1240,
    chartsMin: 14,
  },
  {
    command: 'npx balloonsim run --out runs/default',
    args: ['run', '--quiet', '--out', 'OUT'],
    page: 'report.html',
    image: 'report-default-full.png',
    fullPage: true,
    height: 900,
    chartsMin: 14,
  },
  {
    command: 'npx balloonsim sweep examples/sweeps/idle-target.yaml --out runs/idle-target',
    args: ['sweep', join(ROOT, 'examples', 'sweeps', 'idle-target.yaml'), '--quiet', '--out', 'OUT'],
    page: 'report.html',
    image: 'sweep-idle-target.png',
    fullPage: true,
    height: 900,
    chartsMin: 6,
  },
];

async function main(): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), 'balloonsim-docs-'));
  try {
    const images = join(ROOT, 'docs', 'images');
    makeDirectories(images);
    let failed = 0;
    const outs = new Map<string, string>();
    for (const [i, shot] of DOCS_IMAGES.entries()) {
      let out = outs.get(shot.command);
      if (out === undefined) {
        out = join(work, String(i));
        const dir = out;
        const run = spawnSync(process.execPath, [BIN, ...shot.args.map((arg) => (arg === 'OUT' ? dir : arg))], { cwd: ROOT, encoding: 'utf8' });
        if (run.status !== 0) {
          process.stderr.write(`${shot.command}: exit ${run.status}\n${run.stderr}`);
          failed++;
          continue;
        }
        outs.set(shot.command, out);
      }
      const check = await checkPage(join(out, shot.page), { screenshot: join(images, shot.image), fullPage: shot.fullPage, height: shot.height });
      const problems = pageProblems(check, { canvasesMin: shot.chartsMin });
      for (const problem of problems) process.stderr.write(`${shot.image}: ${problem}\n`);
      if (problems.length > 0) failed++;
      else process.stdout.write(`docs/images/${shot.image}: ${check.canvases.length} charts, from \`${shot.command}\`\n`);
    }
    return failed === 0 ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`docs-images: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
