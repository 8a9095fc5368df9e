import type { Policy, PolicyHostView } from '../../policy/policy.js';

/** Targets come from scenario events alone; the policy itself never moves them (host reclaim still may). */
export class StaticPolicy implements Policy {
  readonly name = 'static';
  readonly parameters = {};

  constructor(readonly periodMs: number) {}

  decide(_view: PolicyHostView): ReadonlyMap<number, number> {
    return new Map();
  }
}
