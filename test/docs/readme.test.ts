/** The README's generated sections (scenario, grid and CLI references) are what the schemas and the CLI say now. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedSections, renderReadme } from '../../src/tools/readme-sections.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const readme = readFileSync(`${ROOT}README.md`, 'utf8');

describe('README.md', () => {
  const sections = generatedSections();

  it('has its generated sections up to date (run `npm run docs` after changing a schema or a --help)', () => {
    expect(renderReadme(readme, sections)).toBe(readme);
  });

  it('documents every key of a scenario file and every command', () => {
    for (const key of ['`memory`', '`maxMemory`', '`deflateOnOom`', '`setTarget`', '`sine`', '`policy`']) expect(sections['scenario-reference']).toContain(key);
    for (const command of ['run', 'validate', 'sweep', 'merge', 'compare', 'schema']) expect(sections['cli-reference']).toContain(`balloonsim ${command} --help`);
    expect(sections['grid-reference']).toContain('`parameters`');
  });

  it('would notice a stale section', () => {
    const stale = readme.replace('| `memory` | size', '| `memory` | number');
    expect(stale).not.toBe(readme);
    expect(renderReadme(stale, sections)).not.toBe(stale);
  });

  it('starts with the quick start of the design: two commands', () => {
    expect(readme).toContain('```sh\nnpm ci && npx balloonsim run\nnpm test\n```');
  });

  it('shows pictures that exist', () => {
    for (const [, path] of readme.matchAll(/\]\((docs\/images\/[^)]+\.png)\)/g)) expect(() => readFileSync(`${ROOT}${path}`)).not.toThrow();
  });
});
