/**
 * How much memory this machine can give a run: the physical memory, or a
 * container's limit when it is lower, and what is free at the moment. The
 * preflight compares its estimate of a run with these figures.
 */
import { freemem, totalmem } from 'node:os';
import { UnitError } from '../model/unit-error.js';
import { parseSize } from '../model/units.js';
import { describeValue } from '../util/suggest.js';

/** The environment variable that caps the memory balloonsim assumes it may use (`4GiB`). */
export const MEMORY_LIMIT_ENV = 'BALLOONSIM_MEMORY_LIMIT';

export interface MachineMemory {
  /** The most a run can ever use: physical memory, a cgroup limit, or BALLOONSIM_MEMORY_LIMIT, whichever is least. */
  totalBytes: number;
  /** Memory free now (MemAvailable on Linux), capped by `totalBytes`. */
  availableBytes: number;
  /** Where `totalBytes` comes from, for messages: `this machine`, `the container's limit`, `BALLOONSIM_MEMORY_LIMIT`. */
  source: string;
}

/**
 * Reads the machine's memory. A cgroup limit (`process.constrainedMemory`)
 * below physical memory wins; `BALLOONSIM_MEMORY_LIMIT` (a size with a unit)
 * lowers both figures further, for shared machines and for tests.
 *
 * @throws UnitError when BALLOONSIM_MEMORY_LIMIT is set but is not a size
 */
export function machineMemory(env: Readonly<Record<string, string | undefined>> = process.env): MachineMemory {
  // null failed reading BALLOONSIM_MEMORY_LIMIT of null, a number there as "limitText.trim is not a function".
  if (env === null || typeof env !== 'object') throw new TypeError(`machineMemory: env must be the environment's variables by name (process.env, or { ${MEMORY_LIMIT_ENV}: '4GiB' }), got ${describeValue(env)}`);
  const limitGiven: unknown = env[MEMORY_LIMIT_ENV];
  if (limitGiven !== undefined && typeof limitGiven !== 'string') throw new TypeError(`machineMemory: env.${MEMORY_LIMIT_ENV} must be a size as text, such as '4GiB' (as environment variables are), got ${describeValue(limitGiven)}`);
  let totalBytes = totalmem();
  let source = 'this machine';
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : undefined;
  if (typeof constrained === 'number' && constrained > 0 && constrained < totalBytes) {
    totalBytes = constrained;
    source = "the container's memory limit";
  }
  let availableBytes = Math.min(freemem(), totalBytes);
  const limitText = env[MEMORY_LIMIT_ENV];
  if (limitText !== undefined && limitText.trim() !== '') {
    const limit = parseSize(limitText.trim(), MEMORY_LIMIT_ENV);
    if (limit <= 0) throw new UnitError(MEMORY_LIMIT_ENV, `${JSON.stringify(limitText)} is not a usable memory limit`, 'write a size such as 4GiB, or unset it');
    if (limit < totalBytes) {
      totalBytes = limit;
      source = MEMORY_LIMIT_ENV;
    }
    availableBytes = Math.min(availableBytes, limit);
  }
  return { totalBytes, availableBytes, source };
}
