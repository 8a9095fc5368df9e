import { describe, expect, it } from 'vitest';
import { StaticPolicy } from '../../../../src/host/manager/policies/static-policy.js';
import { asObject, guestView, hostView } from './views.js';

describe('static policy', () => {
  it('never moves a target', () => {
    const policy = new StaticPolicy(1000);
    expect(asObject(policy.decide(hostView([guestView(0), guestView(1, { targetPages: 10 })])))).toEqual({});
  });
});
