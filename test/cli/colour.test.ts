/** Unit tests of src/cli/colour.ts: colours only where the conventions allow them. */
import { describe, expect, it } from 'vitest';
import { colourEnabled, coloursFor, stripColour } from '../../src/cli/colour.js';

const tty = { isTTY: true };
const pipe = { isTTY: false };

describe('colourEnabled', () => {
  it('colours a terminal, not a pipe, nor a dumb terminal', () => {
    expect(colourEnabled(tty, {})).toBe(true);
    expect(colourEnabled(pipe, {})).toBe(false);
    expect(colourEnabled({}, {})).toBe(false);
    expect(colourEnabled(tty, { TERM: 'dumb' })).toBe(false);
  });

  it('FORCE_COLOR turns colours on, unless 0, false or empty; NO_COLOR wins over it', () => {
    expect(colourEnabled(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourEnabled(pipe, { FORCE_COLOR: '0' })).toBe(false);
    expect(colourEnabled(pipe, { FORCE_COLOR: 'false' })).toBe(false);
    expect(colourEnabled(pipe, { FORCE_COLOR: '' })).toBe(false);
    expect(colourEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled(pipe, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
    // An empty NO_COLOR does not count (no-color.org).
    expect(colourEnabled(tty, { NO_COLOR: '' })).toBe(true);
  });
});

describe('coloursFor and stripColour', () => {
  it('wraps text in SGR codes when on, and leaves it alone when off', () => {
    const on = coloursFor(tty, {});
    expect(on.enabled).toBe(true);
    expect(on.red('x')).toBe('\x1b[31mx\x1b[39m');
    expect(on.bold('x')).toBe('\x1b[1mx\x1b[22m');
    expect(on.dim('x')).toBe('\x1b[2mx\x1b[22m');
    expect(on.green('x')).toBe('\x1b[32mx\x1b[39m');
    expect(on.yellow('x')).toBe('\x1b[33mx\x1b[39m');
    expect(on.cyan('x')).toBe('\x1b[36mx\x1b[39m');
    const off = coloursFor(pipe, {});
    expect(off.enabled).toBe(false);
    expect(off.red('x')).toBe('x');
  });

  it('stripColour gives back the plain text', () => {
    const on = coloursFor(tty, {});
    expect(stripColour(`${on.bold(on.red('a'))} b ${on.cyan('c')}`)).toBe('a b c');
    expect(stripColour('\x1b[1;31mz\x1b[0m')).toBe('z');
  });
});
