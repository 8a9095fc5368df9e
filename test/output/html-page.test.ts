/** Unit tests of src/output/html-page.ts: one self-contained page, with its data embedded safely. */
import { describe, expect, it } from 'vitest';
import { escapeHtml, htmlPage, jsonForScript } from '../../src/output/html-page.js';
import type { Provenance } from '../../src/runtime/provenance.js';

function embeddedData(page: string): unknown {
  const found = /<script type="application\/json" id="balloonsim-data">(.*?)<\/script>/s.exec(page);
  if (found === null) throw new Error('no data element');
  return JSON.parse(found[1]!);
}

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and attributes', () => {
    expect(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;');
    expect(escapeHtml('plain')).toBe('plain');
  });
});

describe('jsonForScript', () => {
  it('is JSON that cannot close its script element, and reads back to the same value', () => {
    const value = { label: '</script><script>alert(1)</script>', line: 'a\u2028b\u2029c', n: 1 };
    const text = jsonForScript(value);
    expect(text).not.toContain('<');
    expect(text).not.toContain('\u2028');
    expect(text).toContain('\\u003c/script>');
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('htmlPage', () => {
  it('is a complete page with the title escaped, the data embedded, uPlot and the page script inlined, nothing fetched', () => {
    const data = { kind: 'compare', runs: [{ label: '<b>x</b>' }] };
    const page = htmlPage({ title: 'A & B', kind: 'compare-report', data });
    expect(page.startsWith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">')).toBe(true);
    expect(page).toContain('<title>A &amp; B</title>');
    expect(page).toContain('<h1>A &amp; B</h1>');
    expect(page).toContain('<meta name="generator" content="balloonsim">');
    expect(embeddedData(page)).toEqual(data);
    expect(page).toContain('uPlot');
    expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    expect(page).not.toContain('<footer');
    expect(page.endsWith('</body>\n</html>\n')).toBe(true);
  });

  it('has exactly one closing tag per script element (page scripts cannot break out)', () => {
    const page = htmlPage({ title: 't', kind: 'run-report', data: { x: '</script>' } });
    const opened = page.match(/<script[\s>]/g)!.length;
    expect(page.match(/<\/script>/g)!.length).toBe(opened);
  });

  it('with a provenance, names the version in the generator and adds a footer with the resolved scenario as YAML', () => {
    const provenance: Provenance = { tool: 'balloonsim', version: '1.2.3', node: 'v20.20.0', seed: 7, source: 'a<b>.yaml', scenario: { name: 'x', seed: 7 } };
    const page = htmlPage({ title: 't', kind: 'run-report', data: {}, provenance });
    expect(page).toContain('<meta name="generator" content="balloonsim 1.2.3">');
    expect(page).toContain('<footer class="provenance"><p>Made by balloonsim 1.2.3, Node v20.20.0, seed 7, scenario a&lt;b&gt;.yaml.</p>');
    expect(page).toContain('<pre>name: x\nseed: 7\n</pre>');
  });
});
