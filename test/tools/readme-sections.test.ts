/** Unit tests of src/tools/readme-sections.ts: the generated sections of docs/reference.md (test/docs/readme.test.ts checks the file is up to date). */
import { describe, expect, it } from 'vitest';
import { gridReference, REFERENCE_FILE, renderReadme, scenarioReference } from '../../src/tools/readme-sections.js';

const marked = (name: string, body: string) => `<!-- BEGIN GENERATED: ${name} (npm run docs) -->${body}<!-- END GENERATED: ${name} -->`;

describe('renderReadme', () => {
  it('replaces what is between each section\'s markers, and leaves the rest', () => {
    const current = `# Title\n\n${marked('a', '\nold a\n')}\n\nprose\n\n${marked('b', '')}\n`;
    expect(renderReadme(current, { a: 'new a', b: 'new b' })).toBe(`# Title\n\n${marked('a', '\n\nnew a\n\n')}\n\nprose\n\n${marked('b', '\n\nnew b\n\n')}\n`);
  });

  it('gives the same text when run again (the sections are up to date)', () => {
    const once = renderReadme(marked('a', 'x'), { a: 'y' });
    expect(renderReadme(once, { a: 'y' })).toBe(once);
  });

  it('refuses a file whose markers are missing or out of order, naming the section', () => {
    expect(() => renderReadme('no markers', { cli: 'x' })).toThrow(`${REFERENCE_FILE} lacks the markers of the generated section cli: <!-- BEGIN GENERATED: cli (npm run docs) --> ... <!-- END GENERATED: cli -->`);
    expect(() => renderReadme('<!-- END GENERATED: cli --><!-- BEGIN GENERATED: cli (npm run docs) -->', { cli: 'x' })).toThrow(/lacks the markers of the generated section cli/);
  });
});

describe('scenarioReference and gridReference', () => {
  // generatedSections() also runs the CLI eight times for its help texts: test/docs/readme.test.ts covers that.
  it('are generated from the published schemas', () => {
    expect(scenarioReference().startsWith('Generated from `schema/scenario.schema.json`')).toBe(true);
    expect(gridReference().startsWith('Generated from `schema/grid.schema.json` by `npm run docs`.')).toBe(true);
    for (const key of ['base', 'parameters', 'duration']) expect(gridReference()).toContain(key);
  });
});
