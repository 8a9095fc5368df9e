import type { LivenessResult } from './liveness.js';

/** A crash the run injected or an event caused, as the summary reports it. */
export interface CrashRecord {
  guest: string;
  /** Simulated time of the crash (in free-running mode: the host's clock). */
  timeSeconds: number;
  /** `event`: a scenario event crashed it. */
  how: 'throw' | 'kill-worker' | 'event';
  detail: string;
}

/** What fault injection did in a run, and the liveness verdict. */
export interface FaultSummary {
  /** End of the safety phase. */
  untilSeconds: number;
  settleSeconds: number;
  throwsPlanned: number;
  killsPlanned: number;
  crashes: CrashRecord[];
  /** Free-running mode: message batches held back (each way). */
  delayedBatches: number;
  liveness: LivenessResult;
}
