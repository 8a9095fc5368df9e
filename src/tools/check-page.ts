/**
 * `node dist/tools/check-page.js PAGE.html [SCREENSHOT.png] [--charts N]`:
 * opens a report page in headless Chromium, prints what it found, saves a
 * screenshot, and exits 1 on console errors, uncaught exceptions, requests
 * that leave the page, or charts that drew nothing.
 */
import { resolve } from 'node:path';
import { checkPage, pageProblems } from './browser.js';

async function main(args: string[]): Promise<number> {
  const chartsAt = args.indexOf('--charts');
  const canvasesMin = chartsAt >= 0 ? Number(args[chartsAt + 1]) : 1;
  const files = args.filter((arg, i) => !arg.startsWith('--') && (chartsAt < 0 || i !== chartsAt + 1));
  const [page, screenshot] = files;
  if (page === undefined || !Number.isSafeInteger(canvasesMin)) {
    process.stderr.write('usage: node dist/tools/check-page.js PAGE.html [SCREENSHOT.png] [--charts N]\n');
    return 2;
  }
  const check = await checkPage(resolve(page), screenshot !== undefined ? { screenshot: resolve(screenshot) } : {});
  const problems = pageProblems(check, { canvasesMin });
  process.stdout.write(
    `${page}: "${check.title}", ${check.canvases.length} charts (${check.canvases.map((c) => c.inkPixels).join(', ')} pixels drawn), ` +
      `${check.consoleErrors.length} console errors${screenshot !== undefined ? `; screenshot ${screenshot}` : ''}\n`,
  );
  for (const problem of problems) process.stderr.write(`problem: ${problem}\n`);
  return problems.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`check-page: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
