import { describe, expect, it } from 'vitest';
import { PolicyError } from '../../../src/host/policy/policy-error.js';

describe('PolicyError', () => {
  it('is an Error with its own name and a stable code for errors that cross a thread', () => {
    const error = new PolicyError('policy p: decide returned a list');
    expect(error).toBeInstanceOf(Error);
    expect([error.name, error.code, error.message]).toEqual(['PolicyError', 'POLICY_INVALID', 'policy p: decide returned a list']);
  });
});
