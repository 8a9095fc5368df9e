/** The scenario loader: file format, units, errors and the resolved `Scenario`. */
export type {
  BackingMode,
  DriverProfileName,
  DriverSpec,
  GuestSpec,
  HostSpec,
  InflateMode,
  PolicyKind,
  PolicySpec,
  Scenario,
  ScenarioEvent,
  SizeCurve,
  TargetSize,
  WorkloadComponent,
  WorkloadKind,
} from './types.js';
export { ScenarioError, UnitError, formatPath, type PathSegment, type ScenarioIssue } from './errors.js';
export {
  DURATION_UNITS_TEXT,
  SIZE_UNITS_TEXT,
  formatBytes,
  formatBytesApprox,
  formatDuration,
  parseDuration,
  parsePercent,
  parseSize,
  parseSizeOrPercent,
} from './units.js';
export { loadScenarioFile, parseScenarioText, type LoadOptions } from './load.js';
export { resolveScenario, type ResolveOptions } from './resolve.js';
export { DEFAULT_SCENARIO_SOURCE, DEFAULT_SCENARIO_YAML, defaultScenario } from './default.js';
export { scenarioFileSchema, type ScenarioFile, type ScenarioFileInput } from './schema.js';
export { defaultKernelBytes } from './resolve-guests.js';
export * as scenarioLimits from './limits.js';
