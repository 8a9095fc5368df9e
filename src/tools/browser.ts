/**
 * Opens a page in headless Chromium (Debian's `chromium` package, driven by
 * playwright-core) with the network cut off, and reports what a person would
 * see: console errors, uncaught exceptions, requests that tried to leave the
 * page's own file, and how much each chart's canvas has drawn. Used by the
 * report tests and by `npm run docs:images`.
 *
 * A development tool: playwright-core is a dev dependency.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Where Debian installs Chromium; BALLOONSIM_CHROMIUM overrides it. */
export const CHROMIUM_DEFAULT_PATH = '/usr/bin/chromium';

/** The flags Chromium needs here: as root, without a GPU, and with no traffic of its own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface CanvasInk {
  width: number;
  height: number;
  /** Pixels that are neither transparent nor white: what the chart drew. */
  inkPixels: number;
  /** Distinct colours among a sample of drawn pixels. */
  colours: number;
}

export interface PageCheck {
  title: string;
  consoleErrors: string[];
  pageErrors: string[];
  /** Requests for anything but the page's own file (all refused). */
  outsideRequests: string[];
  canvases: CanvasInk[];
  /** Text of every h2 and h3, in order. */
  headings: string[];
  /** The page script sets body[data-drawn] when it has finished. */
  drawn: boolean;
}

/**
 * Runs in the page (as text: this package's TypeScript has no DOM types):
 * counts the pixels each canvas has drawn, and lists headings.
 */
const INSPECT_PAGE = `(() => {
  const canvases = Array.from(document.querySelectorAll('canvas')).map((canvas) => {
    const context = canvas.getContext('2d');
    if (context === null || canvas.width === 0 || canvas.height === 0) return { width: canvas.width, height: canvas.height, inkPixels: 0, colours: 0 };
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let ink = 0;
    const seen = new Set();
    for (let i = 0; i < pixels.length; i += 4) {
      const r = pixels[i], g = pixels[i + 1], b = pixels[i + 2], a = pixels[i + 3];
      if (a > 0 && !(r > 245 && g > 245 && b > 245)) {
        ink++;
        if (ink % 7 === 0 && seen.size < 64) seen.add((r << 16) | (g << 8) | b);
      }
    }
    return { width: canvas.width, height: canvas.height, inkPixels: ink, colours: seen.size };
  });
  return {
    title: document.title,
    canvases,
    headings: Array.from(document.querySelectorAll('h2, h3')).map((h) => h.textContent || ''),
    drawn: document.body.getAttribute('data-drawn') === 'true',
  };
})()`;

/** The Chromium binary to use, or an error that says how to get one. */
export function chromiumPath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const path = env.BALLOONSIM_CHROMIUM ?? CHROMIUM_DEFAULT_PATH;
  if (!existsSync(path)) {
    throw new Error(
      `headless Chromium is needed to check report pages, and there is none at ${path}. ` +
        'Install it with `apt-get install -y chromium` (Debian), or set BALLOONSIM_CHROMIUM to a Chromium binary.',
    );
  }
  return path;
}

/**
 * Opens `file` (an HTML file on disk) and checks it; with `screenshot`, saves
 * a PNG there (of the whole page, or of the first screen with `fullPage: false`).
 */
export async function checkPage(file: string, options: { screenshot?: string; width?: number; height?: number; fullPage?: boolean } = {}): Promise<PageCheck> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
  try {
    const context = await browser.newContext({ viewport: { width: options.width ?? 1400, height: options.height ?? 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    const outsideRequests: string[] = [];
    const own = pathToFileURL(file).href;
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.route('**/*', async (route) => {
      const url = route.request().url();
      if (url === own) return route.continue();
      outsideRequests.push(url);
      return route.abort();
    });
    await page.goto(own, { waitUntil: 'load' });
    await page.waitForFunction("document.body.getAttribute('data-drawn') === 'true'", undefined, { timeout: 15_000 }).catch(() => undefined);
    const inspected = (await page.evaluate(INSPECT_PAGE)) as Omit<PageCheck, 'consoleErrors' | 'pageErrors' | 'outsideRequests'>;
    if (options.screenshot !== undefined) await page.screenshot({ path: options.screenshot, fullPage: options.fullPage ?? true });
    return { ...inspected, consoleErrors, pageErrors, outsideRequests };
  } finally {
    await browser.close();
  }
}

/** Problems that should fail a check of a report page (empty when the page is good). */
export function pageProblems(check: PageCheck, expect: { canvasesMin: number }): string[] {
  const problems: string[] = [];
  for (const error of check.consoleErrors) problems.push(`console error: ${error}`);
  for (const error of check.pageErrors) problems.push(`uncaught exception: ${error}`);
  for (const url of check.outsideRequests) problems.push(`the page asked for ${url}, but it must work offline`);
  if (!check.drawn) problems.push('the page script did not finish drawing (body[data-drawn] is not set)');
  if (check.canvases.length < expect.canvasesMin) problems.push(`expected at least ${expect.canvasesMin} charts, found ${check.canvases.length}`);
  check.canvases.forEach((canvas, index) => {
    if (canvas.inkPixels < 500) problems.push(`chart ${index + 1} (${canvas.width}x${canvas.height}) drew only ${canvas.inkPixels} pixels`);
  });
  return problems;
}
