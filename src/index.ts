/**
 * balloonsim's library API: load a scenario, run it, read the summary.
 *
 * @example
 * ```ts
 * import { loadScenarioFile, simulate } from 'balloonsim';
 * const { summary } = await simulate(loadScenarioFile('my.yaml'), { seed: 7 });
 * ```
 */
export { simulate, type RunResult, type SimulateOptions } from './runtime/simulate.js';
export { simulateFree, type FreeRunOptions, type FreeRunResult } from './runtime/free/simulate-free.js';
export type { DeliveryHook, Direction } from './runtime/free/free-delivery.js';
export type { ConcurrentAuditResult } from './audit/concurrent-auditor.js';
export type { CrashRecord, FaultSummary } from './faults/fault-summary.js';
export type { LivenessMiss, LivenessResult } from './faults/liveness.js';
export type { HostileReport } from './messages/runtime.js';
export { SUMMARY_SCHEMA_VERSION, type GuestSummary, type RunSummary, type RunTiming } from './runtime/summary.js';
export type { Sample, GuestSample } from './runtime/sample.js';
export type { PlacementKind } from './runtime/placement.js';
export { RunFailure } from './runtime/errors.js';
export { BootError, type HostEvent } from './host/hypervisor.js';
export type { Policy, PolicyGuestView, PolicyHostView } from './host/policy.js';
export { defaultScenario, DEFAULT_SCENARIO_YAML } from './scenario/default.js';
export { loadScenarioFile, parseScenarioText, type LoadOptions } from './scenario/load.js';
export { ScenarioError, UnitError, type ScenarioIssue } from './scenario/errors.js';
export { formatBytes, formatDuration, parseDuration, parseSize } from './scenario/units.js';
export type * from './scenario/types.js';
export type * from './messages/protocol.js';
