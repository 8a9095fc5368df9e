/**
 * Maps a path inside the scenario (`guests[0].memory`) back to a line and column
 * of the YAML or JSON text, through the document's node ranges.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { PathSegment } from './errors.js';
import type { Locator } from './raw-issue.js';

function resolveAlias(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' || typeof key === 'number' ? String(key) : undefined;
}

function startOf(node: unknown): number | undefined {
  const range = (node as Partial<Node> | null | undefined)?.range;
  return range === undefined || range === null ? undefined : range[0];
}

/**
 * A locator for a parsed document: it follows the path as far as the document
 * goes (a missing key points at the mapping that lacks it) and returns the start
 * of the value, or of the key itself when `target` is `key`.
 */
export function makeLocator(doc: Document, lineCounter: LineCounter): Locator {
  return (path: readonly PathSegment[], target: 'key' | 'value') => {
    let node: unknown = doc.contents;
    let offset = startOf(node);
    for (let i = 0; i < path.length; i++) {
      node = resolveAlias(doc, node);
      const segment = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((item) => keyText(item.key) === String(segment));
        if (pair === undefined) break;
        const keyStart = startOf(pair.key);
        const valueStart = startOf(pair.value);
        if (last && target === 'key') {
          offset = keyStart ?? offset;
          break;
        }
        offset = valueStart ?? keyStart ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item: unknown = node.items[segment];
        if (item === undefined) break;
        offset = startOf(item) ?? offset;
        node = item;
      } else {
        break;
      }
    }
    if (offset === undefined) return undefined;
    const position = lineCounter.linePos(offset);
    return { line: position.line, column: position.col };
  };
}
