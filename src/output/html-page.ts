/**
 * One self-contained HTML page: the uPlot charting library, its stylesheet,
 * balloonsim's page scripts and the data, all inlined, so that the page works
 * offline and can be mailed or archived as one file. Nothing is fetched when
 * the page opens.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { stringify } from 'yaml';
import type { Provenance } from '../runtime/provenance.js';

/** The page scripts under assets/report/ (beside src/ and dist/). */
const ASSETS = new URL('../../assets/report/', import.meta.url);

/** Which page script draws the page. */
export type PageKind = 'run-report' | 'compare-report';

const cache = new Map<string, string>();

function readOnce(key: string, read: () => string): string {
  let text = cache.get(key);
  if (text === undefined) {
    text = read();
    cache.set(key, text);
  }
  return text;
}

function asset(name: string): string {
  return readOnce(`asset:${name}`, () => {
    try {
      return readFileSync(new URL(name, ASSETS), 'utf8');
    } catch (error) {
      throw new Error(`the report asset ${name} is missing from ${ASSETS.pathname} (${error instanceof Error ? error.message : String(error)}); reinstall balloonsim`);
    }
  });
}

function uplotFile(name: string): string {
  return readOnce(`uplot:${name}`, () => {
    const require = createRequire(import.meta.url);
    return readFileSync(require.resolve(`uplot/dist/${name}`), 'utf8');
  });
}

/** Text that may sit inside a <script> element: no `</script` can end it early. */
function scriptSafe(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** JSON that may sit inside a <script type="application/json"> element. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Who made the page, from what: versions and seed in a line, the resolved scenario folded under it. */
function provenanceFooter(provenance: Provenance): string {
  const line = `${provenance.tool} ${provenance.version}, Node ${provenance.node}, seed ${provenance.seed}, scenario ${provenance.source}`;
  const yaml = stringify(provenance.scenario, { lineWidth: 0, flowCollectionPadding: true });
  return `<footer class="provenance"><p>Made by ${escapeHtml(line)}.</p><details><summary>The resolved scenario (every default filled in; save it as a .yaml file and run it again)</summary><pre>${escapeHtml(yaml)}</pre></details></footer>`;
}

/**
 * A complete page: `data` is embedded as JSON and drawn by the page script
 * `kind` (with the shared chart helpers and uPlot).
 */
export function htmlPage(options: { title: string; kind: PageKind; data: unknown; provenance?: Provenance | undefined }): string {
  const { title, kind, data, provenance } = options;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="balloonsim${provenance !== undefined ? ` ${escapeHtml(provenance.version)}` : ''}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>\n${uplotFile('uPlot.min.css')}\n</style>`,
    `<style>\n${asset('report.css')}\n</style>`,
    '</head>',
    '<body>',
    `<main id="app"><h1>${escapeHtml(title)}</h1><p class="note" id="loading">Drawing the charts needs JavaScript.</p></main>`,
    ...(provenance !== undefined ? [provenanceFooter(provenance)] : []),
    `<script type="application/json" id="balloonsim-data">${jsonForScript(data)}</script>`,
    `<script>\n${scriptSafe(uplotFile('uPlot.iife.min.js'))}\n</script>`,
    `<script>\n${scriptSafe(asset('charts.js'))}\n</script>`,
    `<script>\n${scriptSafe(asset(`${kind}.js`))}\n</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
