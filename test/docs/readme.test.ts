/**
 * The README and docs/: the README stays an overview a person can navigate
 * (small, with contents and the quick start of the design), its sample output
 * is what a real run prints, every link of every page resolves, and the
 * generated reference is what the schemas and the CLI say now.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedSections, REFERENCE_FILE, renderReadme } from '../../src/tools/readme-sections.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const reference = readFileSync(join(ROOT, REFERENCE_FILE), 'utf8');
const PAGES = ['README.md', 'CHANGELOG.md', ...readdirSync(join(ROOT, 'docs')).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`)];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as dashes; repeats get -1, -2, ... */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const counts = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6} (.+)$/.exec(line);
    if (heading === null) continue;
    const base = heading[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const seen = counts.get(base) ?? 0;
    counts.set(base, seen + 1);
    anchors.add(seen === 0 ? base : `${base}-${seen}`);
  }
  return anchors;
}

/** The links of a page outside code: `[text](target)`. */
function linksOf(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
}

describe('README.md', () => {
  it('is an overview of at most about 25 KB, with contents', () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(25 * 1024);
    const contents = readme.slice(readme.indexOf('## Contents'), readme.indexOf('## Quick start'));
    const anchors = anchorsOf(readme);
    const entries = [...contents.matchAll(/\]\(#([^)]+)\)/g)].map((match) => match[1]!);
    expect(entries.length).toBeGreaterThanOrEqual(8);
    for (const entry of entries) expect(anchors, `contents entry #${entry}`).toContain(entry);
    for (const section of ['## Quick start', '## What the default run shows', '## Concepts', '## Benchmarks', '## How close to a real guest', '## License']) expect(readme).toContain(section);
  });

  it('starts with the quick start of the design: two commands, and how long the tests take', () => {
    expect(readme).toContain('```sh\nnpm ci && npx balloonsim run\nnpm test\n```');
    expect(readme).toMatch(/It takes about\s+\d+\s+minutes on a machine with 2 cores/);
  });

  it("shows the default run's output as a real run prints it (wall time aside)", () => {
    const marker = '<!-- sample output of: npx balloonsim run -->\n```\n';
    const from = readme.indexOf(marker);
    expect(from).toBeGreaterThan(0);
    const shown = readme.slice(from + marker.length, readme.indexOf('\n```', from + marker.length) + 1);
    const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'balloonsim.js'), 'run'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' }, timeout: 120_000 });
    expect(run.status).toBe(0);
    const wallAside = (text: string): string => text.replace(/\(\d+(?:\.\d+)? s wall, \w+ on \d+ threads?\)/, '(WALL TIME)');
    expect(wallAside(shown)).toBe(wallAside(run.stdout));
  });
});

describe('the documentation pages', () => {
  it.each(PAGES)('%s: every link resolves (files and headings)', (page) => {
    const text = readFileSync(join(ROOT, page), 'utf8');
    for (const link of linksOf(text)) {
      if (/^(https?:|mailto:)/.test(link)) continue;
      const [file = '', anchor] = link.split('#');
      const target = file === '' ? page : normalize(join(dirname(page), file));
      expect(existsSync(join(ROOT, target)), `${page}: ${link} (no file ${target})`).toBe(true);
      if (anchor !== undefined && target.endsWith('.md')) {
        expect(anchorsOf(readFileSync(join(ROOT, target), 'utf8')), `${page}: ${link} (no heading #${anchor} in ${target})`).toContain(anchor);
      }
    }
  });

  it('the README links into docs/ for the reference, cluster recipes, benchmarks and design notes', () => {
    for (const page of ['docs/reference.md', 'docs/clusters.md', 'docs/benchmarks.md', 'docs/design.md', 'docs/cli.md', 'docs/library.md']) expect(readme).toContain(`](${page}`);
  });
});

describe(`${REFERENCE_FILE}`, () => {
  const sections = generatedSections();

  it('has its generated sections up to date (run `npm run docs` after changing a schema or a --help)', () => {
    expect(renderReadme(reference, sections)).toBe(reference);
  });

  it('documents every key of a scenario file and every command', () => {
    for (const key of ['`memory`', '`maxMemory`', '`deflateOnOom`', '`setTarget`', '`sine`', '`policy`']) expect(sections['scenario-reference']).toContain(key);
    for (const command of ['run', 'validate', 'sweep', 'merge', 'compare', 'query', 'schema']) expect(sections['cli-reference']).toContain(`balloonsim ${command} --help`);
    expect(sections['grid-reference']).toContain('`parameters`');
  });

  it('would notice a stale section', () => {
    const stale = reference.replace('| `memory` | size', '| `memory` | number');
    expect(stale).not.toBe(reference);
    expect(renderReadme(stale, sections)).not.toBe(stale);
  });
});
