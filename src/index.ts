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
export { SUMMARY_SCHEMA_VERSION, type GuestSummary, type PolicySummary, type RunSummary, type RunTiming } from './runtime/summary.js';
export type { AdminControl } from './runtime/admin-control.js';
export type { Sample, GuestSample } from './runtime/sample.js';
export type { PlacementKind } from './runtime/placement.js';
export { RunFailure } from './runtime/errors.js';
export { BootError, type AdminTargetOptions, type AdminTargetResult, type HostEvent, type HostEventKind } from './host/hypervisor.js';
export {
  VIRTIO_STAT_TAGS,
  type ActiveSampleView,
  type GuestStats,
  type Policy,
  type PolicyGuestView,
  type PolicyHostView,
  type PolicyParameter,
  type PressureReport,
  type PsiFigures,
  type VirtioStatTag,
} from './host/policy.js';
export { PolicyError } from './host/policy-error.js';
export { createPolicy, loadPolicyModules, type ModulePolicyContext, type PolicyFactoryContext } from './host/policies/index.js';
export { revoke, shareOut, type RevokeItem, type ShareItem } from './host/reclaim.js';
export type { FreeMemoryState, StateTicks } from './host/free-memory-state.js';
export type { GuestFloor, TargetPrediction } from './host/target-guard.js';
export type { GuestSignalsHeard } from './host/guest-reports.js';
export type { PressureFigures } from './messages/runtime.js';
export { VirtioStat } from './balloon/virtio-stats.js';
export { hypervFloorBytes, hypervFloorPages, xenSelfballoonFloorBytes } from './balloon/floors.js';
export { defaultScenario, DEFAULT_SCENARIO_YAML } from './scenario/default.js';
export { loadScenarioFile, parseScenarioText, type LoadOptions } from './scenario/load.js';
export { ScenarioError, UnitError, type ScenarioIssue } from './scenario/errors.js';
export { formatBytes, formatDuration, parseDuration, parseSize } from './scenario/units.js';
export type * from './scenario/types.js';
export type * from './messages/protocol.js';
