/**
 * The check of the preflight's options, made before anything is estimated:
 * a misspelt key, an unknown placement or mode, and a worker count of 0, -1
 * or 1.5 were taken for their defaults (or gave an estimate of NaN bytes),
 * so the preflight answered about a run the caller had not asked for.
 */
import { checkPlacementOptions } from '../runtime/placement.js';
import { checkOptionalChoice, checkOptionalCount, checkOptionsObject, isAmount, isPositive } from '../util/option-checks.js';
import { describeValue } from '../util/suggest.js';
import type { MachineMemory } from './machine.js';

/** How the run will be made (the `run` flags that change what it needs). */
export interface PreflightOptions {
  placement?: 'inline' | 'workers';
  mode?: 'lockstep' | 'free';
  /** Worker threads (run's --workers); default the machine's parallelism, at most one per guest. */
  workers?: number;
  guestsPerWorker?: number;
  /** Samples the run keeps in memory (run --out, a stream); 0 or absent: none. */
  samples?: number;
  /** The flag that sets the sample interval, for messages (default `--sample-every`). */
  samplesFlag?: string;
  /** The machine's memory; default: read from this machine (`machineMemory`). */
  machine?: MachineMemory;
  /** V8's heap limit in bytes; default: this process's. */
  heapLimitBytes?: number;
  /** The duration was shortened on purpose (run --duration): events it cuts off are a note, not a warning. */
  durationOverridden?: boolean;
  /** Whether fixes may name `run`'s flags (`--set`, `--duration`); default true. A sweep's cases and the library's runs have none: their fixes name the scenario's fields. */
  runFlags?: boolean;
}

const PREFLIGHT_OPTION_KEYS: ReadonlyArray<keyof PreflightOptions> = [
  'placement', 'mode', 'workers', 'guestsPerWorker', 'samples', 'samplesFlag', 'machine', 'heapLimitBytes', 'durationOverridden', 'runFlags',
];
const MODES: ReadonlyArray<NonNullable<PreflightOptions['mode']>> = ['lockstep', 'free'];

/** The machine's memory as machineMemory() gives it. */
function checkMachine(machine: unknown, what: string): void {
  if (machine === undefined) return;
  const hint = 'as machineMemory() gives it, or leave it out to read this machine';
  if (machine === null || typeof machine !== 'object') throw new TypeError(`${what}: machine must be { totalBytes, availableBytes, source } (${hint}), got ${describeValue(machine)}`);
  const given = machine as Record<string, unknown>;
  if (!isPositive(given['totalBytes'])) throw new RangeError(`${what}: machine.totalBytes must be a positive number of bytes (${hint}), got ${describeValue(given['totalBytes'])}`);
  const available = given['availableBytes'];
  if (!isAmount(available)) {
    throw new RangeError(`${what}: machine.availableBytes must be a number of bytes of at least 0 (${hint}), got ${describeValue(available)}`);
  }
  if (typeof given['source'] !== 'string' || given['source'] === '') throw new TypeError(`${what}: machine.source must say where the figures come from (${hint}), got ${describeValue(given['source'])}`);
}

/** Throws a TypeError or RangeError naming `what` and the option unless `options` are options the preflight can use. */
export function checkPreflightOptions(options: unknown, what: string): asserts options is PreflightOptions {
  checkOptionsObject(options, PREFLIGHT_OPTION_KEYS, what);
  const given = options as Record<string, unknown>;
  checkPlacementOptions(given, what);
  checkOptionalChoice(given['mode'], 'mode', MODES, what);
  checkOptionalCount(given['samples'], 'samples', what, 0);
  const flag = given['samplesFlag'];
  if (flag !== undefined && (typeof flag !== 'string' || flag === '')) throw new TypeError(`${what}: samplesFlag must be the name of the flag that sets the sample interval (such as --sample-every), got ${describeValue(flag)}`);
  checkMachine(given['machine'], what);
  const heap = given['heapLimitBytes'];
  if (heap !== undefined && !isPositive(heap)) throw new RangeError(`${what}: heapLimitBytes must be a positive number of bytes (V8's heap limit; leave it out for this process's), got ${describeValue(heap)}`);
  for (const key of ['durationOverridden', 'runFlags']) {
    const flag = given[key];
    if (flag !== undefined && typeof flag !== 'boolean') throw new TypeError(`${what}: ${key} must be true or false, got ${describeValue(flag)}`);
  }
}
