/**
 * Terminal colours that respect the conventions: none when NO_COLOR is set
 * (https://no-color.org), none when the stream is not a terminal or TERM is
 * `dumb`, forced on by FORCE_COLOR (but NO_COLOR wins).
 */

export interface Colours {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Whether to colour what goes to `stream`. */
export function colourEnabled(stream: { isTTY?: boolean }, env: Env = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

function sgr(open: number, close: number): (text: string) => string {
  return (text) => `\x1b[${open}m${text}\x1b[${close}m`;
}

const plain = (text: string): string => text;

/** Colour functions for `stream`: identity functions when colours are off. */
export function coloursFor(stream: { isTTY?: boolean }, env: Env = process.env): Colours {
  const on = colourEnabled(stream, env);
  return {
    enabled: on,
    bold: on ? sgr(1, 22) : plain,
    dim: on ? sgr(2, 22) : plain,
    red: on ? sgr(31, 39) : plain,
    green: on ? sgr(32, 39) : plain,
    yellow: on ? sgr(33, 39) : plain,
    cyan: on ? sgr(36, 39) : plain,
  };
}

/** Text without colour codes (for measuring widths). */
export function stripColour(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}
