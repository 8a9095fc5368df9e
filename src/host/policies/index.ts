import type { PolicySpec } from '../../scenario/types.js';
import { assertNever } from '../../util/assert-never.js';
import type { Policy } from '../policy.js';
import { RotatePolicy } from './rotate-policy.js';
import { StaticPolicy } from './static-policy.js';

/** The policy a scenario asks for. */
export function createPolicy(spec: PolicySpec): Policy {
  switch (spec.kind) {
    case 'static':
      return new StaticPolicy(spec.periodMs);
    case 'rotate':
      return new RotatePolicy(spec.periodMs, spec.lowPercentOfMax ?? 50, spec.groups ?? 4);
    default:
      return assertNever(spec.kind, 'createPolicy');
  }
}
