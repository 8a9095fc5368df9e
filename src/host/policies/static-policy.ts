import type { Policy, PolicyHostView } from '../policy.js';

/** Targets come from scenario events alone; the policy itself never moves them. */
export class StaticPolicy implements Policy {
  readonly name = 'static';

  constructor(readonly periodMs: number) {}

  decide(_view: PolicyHostView): ReadonlyMap<number, number> {
    return new Map();
  }
}
