/**
 * Checks on a scenario's text before the YAML parser sees it: it must be
 * text (not binary, which would otherwise be echoed back in messages), and it
 * must not nest deeper than any scenario needs (the parser is recursive and
 * would run out of stack).
 */
import type { ScenarioIssue } from './errors.js';
import { NESTING_MAX } from './limits.js';

/** Line and column (1-based) of an offset in `text`. */
function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Control characters that never belong in YAML or JSON text (tab, line feed and carriage return do). */
// eslint-disable-next-line no-control-regex
const BINARY_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd\ufffe\uffff]/;

/** Bytes that are not valid UTF-8, as an issue at their position; null when the bytes are UTF-8 text. */
export function checkUtf8(bytes: Uint8Array): ScenarioIssue | null {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return null;
  } catch {
    // Find the first bad byte for the position: decode growing prefixes would be slow; walk the UTF-8 structure instead.
    let i = 0;
    let line = 1;
    let lineStart = 0;
    while (i < bytes.length) {
      const byte = bytes[i]!;
      const length = byte < 0x80 ? 1 : byte >= 0xc2 && byte <= 0xdf ? 2 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xf0 && byte <= 0xf4 ? 4 : 0;
      let ok = length > 0 && i + length <= bytes.length;
      for (let k = 1; ok && k < length; k++) ok = (bytes[i + k]! & 0xc0) === 0x80;
      if (!ok) {
        return {
          path: '',
          message: `the file is not text: byte ${i} (0x${byte.toString(16).padStart(2, '0')}) is not UTF-8`,
          hint: 'a scenario is a YAML or JSON text file in UTF-8; check that this is the file you meant',
          line,
          column: i - lineStart + 1,
        };
      }
      if (byte === 10) {
        line++;
        lineStart = i + 1;
      }
      i += length;
    }
    return { path: '', message: 'the file is not UTF-8 text', hint: 'a scenario is a YAML or JSON text file in UTF-8' };
  }
}

/** A control character or a replacement character, as an issue; null when the text has none. */
export function checkCharacters(text: string): ScenarioIssue | null {
  const found = BINARY_CHARACTER.exec(text);
  if (found === null) return null;
  const code = found[0].charCodeAt(0);
  return {
    path: '',
    message: `the file is not text: it holds the character U+${code.toString(16).toUpperCase().padStart(4, '0')}${code === 0 ? ' (a zero byte)' : ''}`,
    hint: 'a scenario is a YAML or JSON text file; check that this is the file you meant',
    ...positionOf(text, found.index),
  };
}

/**
 * How deeply the text nests, measured the way a reader sees it: block
 * indentation levels (a line indented further than the one above opens a
 * level; a `- ` item indicator opens one too) plus open `[` and `{` of flow
 * collections, outside quotes and comments. Returns the offset where the
 * depth first passes `limit`, or -1.
 */
export function nestingOverflow(text: string, limit: number): number {
  const indents: number[] = [];
  let flow = 0;
  let quote: '"' | "'" | null = null;
  let i = 0;
  const length = text.length;
  while (i < length) {
    // Start of a line: block indentation, unless inside a flow collection or a quoted scalar.
    if (quote === null && flow === 0) {
      let column = 0;
      while (i + column < length && text[i + column] === ' ') column++;
      const first = text[i + column];
      if (first !== undefined && first !== '\n' && first !== '\r' && first !== '#') {
        while (indents.length > 0 && indents[indents.length - 1]! >= column) indents.pop();
        indents.push(column);
        // `- - - x`: each item indicator on the line opens one more level.
        let at = i + column;
        while (text[at] === '-' && (text[at + 1] === ' ' || text[at + 1] === '\t')) {
          at += 2;
          while (text[at] === ' ') at++;
          const itemColumn = at - i;
          indents.push(itemColumn);
          if (indents.length > limit) return at;
        }
        if (indents.length > limit) return i + column;
      }
    }
    // The rest of the line.
    for (; i < length && text[i] !== '\n'; i++) {
      const char = text[i];
      if (quote === '"') {
        if (char === '\\') i++;
        else if (char === '"') quote = null;
      } else if (quote === "'") {
        if (char === "'") {
          if (text[i + 1] === "'") i++;
          else quote = null;
        }
      } else if (char === '"' || char === "'") {
        const before = i === 0 ? ' ' : text[i - 1];
        // A quote opens a quoted scalar where a value can start, not inside a plain word (`it's`).
        if (before === ' ' || before === '\t' || before === '[' || before === '{' || before === ',' || before === ':' || before === '-' || before === '\n') quote = char;
      } else if (char === '#') {
        const before = i === 0 ? ' ' : text[i - 1];
        if (before === ' ' || before === '\t') {
          while (i < length && text[i] !== '\n') i++;
          break;
        }
      } else if (char === '[' || char === '{') {
        flow++;
        if (indents.length + flow > limit) return i;
      } else if ((char === ']' || char === '}') && flow > 0) {
        flow--;
      }
    }
    i++; // the line feed
  }
  return -1;
}

/** An issue when the text nests deeper than NESTING_MAX; null otherwise. */
export function checkNesting(text: string): ScenarioIssue | null {
  const offset = nestingOverflow(text, NESTING_MAX);
  if (offset < 0) return null;
  return {
    path: '',
    message: `the document nests more than ${NESTING_MAX} levels deep`,
    hint: 'a scenario needs a handful of levels; check the brackets and the indentation here',
    ...positionOf(text, offset),
  };
}
