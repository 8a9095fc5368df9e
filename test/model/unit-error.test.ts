/** Unit tests of src/model/unit-error.ts: what a unit error says, and what it keeps for callers. */
import { describe, expect, it } from 'vitest';
import { UnitError } from '../../src/model/unit-error.js';

describe('UnitError', () => {
  it('says where, what and how to fix it, and keeps each part', () => {
    const error = new UnitError('guests[0].memory', 'not a size', 'write it as 2GiB');
    expect(error).toBeInstanceOf(Error);
    expect([error.name, error.code, error.message]).toEqual(['UnitError', 'UNIT_INVALID', 'guests[0].memory: not a size (write it as 2GiB)']);
    expect([error.where, error.reason, error.hint]).toEqual(['guests[0].memory', 'not a size', 'write it as 2GiB']);
  });

  it('leaves out the place and the hint it was not given', () => {
    const error = new UnitError('', 'a negative size');
    expect(error.message).toBe('a negative size');
    expect(error.hint).toBeUndefined();
  });
});
