/**
 * Opens a page in headless Chromium (Debian's `chromium` package, driven by
 * playwright-core) with the network cut off, and reports what a person would
 * see: console errors, uncaught exceptions, requests that tried to leave the
 * page's own file, how much each chart's canvas has drawn, and text that
 * cannot be read (clipped at an edge, or drawn over other text). Used by the
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

/** Text a person cannot read: cut off at an edge, or drawn over other text. */
export interface LayoutFinding {
  kind: 'clipped' | 'overlap' | 'overflow';
  detail: string;
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
  /** Clipped or overlapping text, on the charts' canvases and in the page. */
  layout: LayoutFinding[];
}

/**
 * Runs in the page before its scripts: records every text drawn on a canvas
 * (fillText and strokeText), with its box in the canvas's pixels, as the
 * canvas's context transformed it. Axis ticks, axis titles and point labels
 * of the charts are drawn this way.
 */
const RECORD_CANVAS_TEXT = `(() => {
  const drawn = [];
  window.__balloonsimCanvasText = drawn;
  const record = function (text, x, y) {
    const m = this.measureText(String(text));
    const t = this.getTransform();
    const xs = [x - m.actualBoundingBoxLeft, x + m.actualBoundingBoxRight];
    const ys = [y - m.actualBoundingBoxAscent, y + m.actualBoundingBoxDescent];
    const corners = [];
    for (const cx of xs) for (const cy of ys) corners.push([t.a * cx + t.c * cy + t.e, t.b * cx + t.d * cy + t.f]);
    drawn.push({
      canvas: this.canvas,
      text: String(text),
      left: Math.min(...corners.map((c) => c[0])),
      right: Math.max(...corners.map((c) => c[0])),
      top: Math.min(...corners.map((c) => c[1])),
      bottom: Math.max(...corners.map((c) => c[1])),
    });
  };
  for (const name of ['fillText', 'strokeText']) {
    const original = CanvasRenderingContext2D.prototype[name];
    CanvasRenderingContext2D.prototype[name] = function (text, x, y, maxWidth) {
      try { record.call(this, text, x, y); } catch (e) { /* recording must never break drawing */ }
      return original.call(this, text, x, y, maxWidth);
    };
  }
})()`;

/**
 * Runs in the page after drawing: finds text a person cannot read.
 * - canvas text that reaches past its canvas's edge (a clipped tick label such as ",000,000");
 * - canvas texts drawn over each other on one canvas (tick labels, point labels);
 * - page text drawn over other page text (each text's box clipped to the scrolling boxes around it);
 * - text cut off by a box that hides its overflow, and a page wider than the window (a table that neither fits nor scrolls).
 * Texts overlapping by 1 pixel or less are let go (antialiasing).
 */
const FIND_LAYOUT_PROBLEMS = `(() => {
  const findings = [];
  const SLACK = 1;
  const cut = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > SLACK && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > SLACK;
  const canvases = Array.from(document.querySelectorAll('canvas'));
  const drawn = (window.__balloonsimCanvasText || []).filter((t) => t.canvas.isConnected && t.text.trim() !== '');
  // Only what is on the canvas now: uPlot redraws, so keep each canvas's last drawing of each text at a place.
  const byCanvas = new Map();
  for (const t of drawn) {
    const list = byCanvas.get(t.canvas) || new Map();
    byCanvas.set(t.canvas, list);
    list.set(t.text + '@' + Math.round(t.left) + ',' + Math.round(t.top), t);
  }
  for (const [canvas, list] of byCanvas) {
    const name = 'chart ' + (canvases.indexOf(canvas) + 1) + ' (' + (canvas.closest('.panel')?.querySelector('h3')?.textContent || 'untitled') + ')';
    const texts = Array.from(list.values());
    for (const t of texts) {
      if (t.left < -SLACK || t.top < -SLACK || t.right > canvas.width + SLACK || t.bottom > canvas.height + SLACK) {
        findings.push({ kind: 'clipped', detail: name + ': "' + t.text + '" reaches past the edge of the chart (' + [t.left, t.top, t.right, t.bottom].map(Math.round).join(', ') + ' in ' + canvas.width + 'x' + canvas.height + ')' });
      }
    }
    for (let i = 0; i < texts.length; i++) {
      for (let j = i + 1; j < texts.length; j++) {
        if (cut(texts[i], texts[j])) findings.push({ kind: 'overlap', detail: name + ': "' + texts[i].text + '" and "' + texts[j].text + '" are drawn over each other' });
      }
    }
  }
  // Page text: the box of each run of text, clipped by the scrolling or hiding boxes around it.
  const boxes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
    if (node.textContent.trim() === '') continue;
    const element = node.parentElement;
    if (element === null || element.closest('script, style')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of Array.from(range.getClientRects())) {
      if (rect.width < 1 || rect.height < 1) continue;
      let box = { left: rect.left, top: rect.top, right: rect.right, bottom: rect.bottom };
      for (let up = element; up !== null && box !== null; up = up.parentElement) {
        const style = getComputedStyle(up);
        if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
        const r = up.getBoundingClientRect();
        box = { left: Math.max(box.left, r.left), top: Math.max(box.top, r.top), right: Math.min(box.right, r.right), bottom: Math.min(box.bottom, r.bottom) };
        if (box.right - box.left < 1 || box.bottom - box.top < 1) box = null;
      }
      if (box !== null) boxes.push({ ...box, text: node.textContent.trim().slice(0, 60), element });
    }
    if (element.scrollWidth > element.clientWidth + SLACK) {
      const style = getComputedStyle(element);
      if ((style.overflowX === 'hidden' || style.overflowX === 'clip') && style.display !== 'inline') {
        findings.push({ kind: 'clipped', detail: 'the text "' + node.textContent.trim().slice(0, 60) + '" is cut off by its box (' + element.tagName.toLowerCase() + ')' });
      }
    }
  }
  boxes.sort((a, b) => a.top - b.top);
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length && boxes[j].top < boxes[i].bottom; j++) {
      if (boxes[i].element === boxes[j].element) continue;
      if (cut(boxes[i], boxes[j])) findings.push({ kind: 'overlap', detail: 'page text "' + boxes[i].text + '" and "' + boxes[j].text + '" overlap' });
    }
  }
  const page = document.documentElement;
  if (page.scrollWidth > window.innerWidth + SLACK) {
    const wide = Array.from(document.querySelectorAll('body *')).filter((e) => e.getBoundingClientRect().right > window.innerWidth + SLACK && !e.closest('.wide, .events')).slice(0, 3).map((e) => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : ''));
    findings.push({ kind: 'overflow', detail: 'the page is ' + page.scrollWidth + ' px wide in a window of ' + window.innerWidth + ' px (' + wide.join(', ') + ' neither fit nor scroll)' });
  }
  return findings;
})()`;

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
    await page.addInitScript(RECORD_CANVAS_TEXT);
    await page.route('**/*', async (route) => {
      const url = route.request().url();
      if (url === own) return route.continue();
      outsideRequests.push(url);
      return route.abort();
    });
    await page.goto(own, { waitUntil: 'load' });
    await page.waitForFunction("document.body.getAttribute('data-drawn') === 'true'", undefined, { timeout: 15_000 }).catch(() => undefined);
    const inspected = (await page.evaluate(INSPECT_PAGE)) as Omit<PageCheck, 'consoleErrors' | 'pageErrors' | 'outsideRequests' | 'layout'>;
    const layout = (await page.evaluate(FIND_LAYOUT_PROBLEMS)) as LayoutFinding[];
    if (options.screenshot !== undefined) await page.screenshot({ path: options.screenshot, fullPage: options.fullPage ?? true });
    return { ...inspected, layout, consoleErrors, pageErrors, outsideRequests };
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
  for (const finding of check.layout) problems.push(`${finding.kind}: ${finding.detail}`);
  return problems;
}
