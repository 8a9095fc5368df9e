/**
 * balloonsim's library API: load a scenario, run it, stream its samples,
 * write its report; run many scenarios in parallel (sweeps), in shards, and
 * put runs side by side.
 *
 * @example
 * ```ts
 * import { defaultScenario, defineScenario, simulate, sweep } from 'balloonsim';
 * const { summary } = await simulate(defaultScenario(), { seed: 7, placement: 'inline' });
 * const mine = defineScenario({ host: { memory: '8GiB' }, guests: [{ name: 'web', memory: '4GiB' }], duration: '10m' });
 * const { summary: mineSummary } = await simulate(mine, { signal: AbortSignal.timeout(60_000) });
 * const table = await sweep({ base: 'default', durationMs: 120_000, parameters: { seed: [1, 2, 3, 4] } }, { concurrency: 2 });
 * ```
 */

// Running one scenario (after the preflight; cancelled with an AbortSignal).
export { simulate, simulateFree, type SimulateOptions, type SimulateFreeOptions, type PreflightWarningHandler } from './api/simulate.js';
export type { RunResult } from './runtime/simulate.js';
export { simulateStream, type SimulationStream, type StreamOptions } from './api/stream.js';
export type { FreeRunOptions, FreeRunResult } from './runtime/free/free-run-types.js';
export { AbortError } from './runtime/abort.js';
export { preflight, type PreflightIssue, type PreflightOptions, type PreflightReport, type PreflightSeverity } from './preflight/preflight.js';
export { estimateRunMemory, type MemoryEstimate, type EstimatePart } from './preflight/memory-estimate.js';
export { machineMemory, type MachineMemory } from './preflight/machine.js';
export { provenanceOf } from './api/provenance.js';
export type { Provenance } from './runtime/provenance.js';
export { BALLOONSIM_VERSION } from './util/version.js';
export type { DeliveryHook, Direction } from './runtime/free/free-delivery.js';
export type { ConcurrentAuditResult } from './audit/concurrent-auditor.js';
export type { CrashRecord, FaultSummary } from './faults/fault-summary.js';
export type { LivenessMiss, LivenessResult } from './faults/liveness.js';
export type { HostileReport } from './messages/runtime.js';
export { SUMMARY_SCHEMA_VERSION, type GuestSummary, type PolicySummary, type RunSummary, type RunTiming } from './runtime/summary.js';
export type { AdminControl } from './runtime/admin-control.js';
export type { Sample, GuestSample } from './runtime/sample.js';
export type { PlacementKind } from './runtime/placement.js';
export { RunFailure } from './runtime/errors.js';
export { BootError, type AdminTargetOptions, type AdminTargetResult } from './host/manager/memory-manager.js';
export type { HostEvent, HostEventKind } from './host/event-log.js';
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
} from './host/policy/policy.js';
export { PolicyError } from './host/policy/policy-error.js';
export { definePolicy, hostInBytes, type GuestInBytes, type HostInBytes, type PolicyDefinition, type TargetBytes, type TargetsByName } from './api/define-policy.js';
export { createPolicy, hypervFloorBytes, hypervFloorPages, loadPolicyModules, revoke, shareOut, xenSelfballoonFloorBytes } from './api/policy-helpers.js';
export type { ModulePolicyContext, PolicyFactoryContext } from './host/manager/policies/index.js';
export type { RevokeItem, ShareItem } from './host/policy/reclaim.js';
export { FREE_MEMORY_STATES, type FreeMemoryState, type StateTicks } from './host/manager/free-memory-state.js';
export type { GuestFloor, TargetPrediction } from './host/manager/target-guard.js';
export type { PressureFigures } from './messages/runtime.js';
export { VirtioStat } from './messages/virtio-stats.js';

// Scenarios.
export { defineScenario, type DefineScenarioOptions } from './api/define-scenario.js';
export { resolvedScenarioFile, resolvedScenarioYaml } from './scenario/resolved-file.js';
export { defaultScenario, DEFAULT_SCENARIO_YAML } from './scenario/default.js';
export { loadScenarioFile, parseScenarioText, type LoadOptions } from './scenario/load.js';
export { ScenarioError, type ScenarioIssue } from './scenario/errors.js';
export { UnitError } from './model/unit-error.js';
export { parseDuration, parseSize } from './model/units.js';
export { formatBytes, formatBytesApprox, formatDuration } from './api/format.js';
export { scenarioJsonSchema } from './scenario/schema.js';
export type { ScenarioFileInput } from './scenario/schema.js';
export type * from './model/scenario.js';
export type * from './messages/protocol.js';

// Outputs of a run.
export { TimeSeries, defaultSampleEveryTicks, GUEST_FIGURES, type GuestFigure } from './output/time-series.js';
export { writeRunOutputs, RUN_OUTPUT_FILES, type RunOutputOptions } from './output/run-outputs.js';
export { timeSeriesCsv, hostTimeSeriesCsv, parseTimeSeriesCsv, TIMESERIES_CSV_HEADER, HOST_TIMESERIES_CSV_HEADER } from './output/timeseries-csv.js';
export { chooseReportGuests, REPORT_GUESTS_MAX, type ChosenGuest, type ReportOptions } from './output/report-guests.js';
export { queryOutputs, type QueryResult } from './output/query.js';
export { eventsJsonl, parseEventsJsonl } from './output/events-jsonl.js';
export { buildTrace, traceJson, type TraceEvent, type TraceFile } from './output/trace-events.js';
export { runReportHtml, runReportData, type RunReportData } from './output/report-html.js';
export { MetricsAccumulator, METRIC_COLUMNS, type RunMetrics } from './output/run-metrics.js';

// Sweeps, shards and comparisons.
export { sweep, planSweep, toGrid, type PlannedCase, type SweepInput, type SweepOptions } from './sweep/sweep.js';
export { SweepPool } from './sweep/sweep-pool.js';
export { SweepResumeError } from './sweep/progress.js';
export { aggregateSeeds, type SeedGroup } from './sweep/aggregate.js';
export { expandGrid, loadGridFile, gridOfScenarios, type GridBase, type GridSpec, type SweepCase, type SweepGrid } from './sweep/grid.js';
export { parseShard, inShard, formatShard, type Shard } from './sweep/shard.js';
export { mergeSweepTables, MergeError } from './sweep/merge.js';
export { sweepCsv, sweepJson, deterministicTable, SWEEP_TABLE_SCHEMA_VERSION, type SweepRow, type SweepStatus, type SweepTable, type SweepTiming } from './sweep/table.js';
export { writeSweepOutputs } from './sweep/sweep-outputs.js';
export { loadCompareRuns, compareRunOf, sweepRuns, compareTable, compareCsv, compareHtml, type CompareRun, type CompareSeries } from './sweep/compare.js';
export { InputError } from './output/input-error.js';
