/** Unit test of src/util/assert-never.ts: an unhandled case fails loudly, saying where and what. */
import { describe, expect, it } from 'vitest';
import { assertNever } from '../../src/util/assert-never.js';

describe('assertNever', () => {
  it('throws with where it was called and the value it did not handle', () => {
    expect(() => assertNever({ type: 'mystery' } as never, 'handleMessage')).toThrow(new Error('handleMessage: unhandled case {"type":"mystery"}'));
    expect(() => assertNever('x' as never, 'kind')).toThrow('kind: unhandled case "x"');
  });
});
