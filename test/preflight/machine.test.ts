/** Unit tests of src/preflight/machine.ts: the machine's memory and BALLOONSIM_MEMORY_LIMIT. */
import { freemem, totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { machineMemory, MEMORY_LIMIT_ENV } from '../../src/preflight/machine.js';
import { UnitError } from '../../src/model/unit-error.js';

describe('machineMemory', () => {
  it('without a limit: at most the physical memory, and what is free no more than that', () => {
    const memory = machineMemory({});
    expect(memory.totalBytes).toBeGreaterThan(0);
    expect(memory.totalBytes).toBeLessThanOrEqual(totalmem());
    expect(memory.availableBytes).toBeLessThanOrEqual(memory.totalBytes);
    expect(['this machine', "the container's memory limit"]).toContain(memory.source);
  });

  it('lowers both figures to BALLOONSIM_MEMORY_LIMIT, and says so', () => {
    const memory = machineMemory({ [MEMORY_LIMIT_ENV]: ' 1MiB ' });
    expect(memory).toEqual({ totalBytes: 2 ** 20, availableBytes: Math.min(freemem(), 2 ** 20), source: 'BALLOONSIM_MEMORY_LIMIT' });
  });

  it('keeps the machine figure when the limit is above it', () => {
    const memory = machineMemory({ [MEMORY_LIMIT_ENV]: '8000TiB' });
    expect(memory.source).not.toBe(MEMORY_LIMIT_ENV);
    expect(memory.totalBytes).toBeLessThanOrEqual(totalmem());
  });

  it('treats an empty or blank limit as unset', () => {
    expect(machineMemory({ [MEMORY_LIMIT_ENV]: '   ' }).source).not.toBe(MEMORY_LIMIT_ENV);
  });

  it('refuses a limit that is not a size, naming the variable', () => {
    expect(() => machineMemory({ [MEMORY_LIMIT_ENV]: 'lots' })).toThrow(UnitError);
    expect(() => machineMemory({ [MEMORY_LIMIT_ENV]: 'lots' })).toThrow(/BALLOONSIM_MEMORY_LIMIT/);
  });

  it('refuses a zero limit with how to fix it', () => {
    let error: unknown;
    try {
      machineMemory({ [MEMORY_LIMIT_ENV]: '0B' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnitError);
    expect((error as Error).message).toBe('BALLOONSIM_MEMORY_LIMIT: "0B" is not a usable memory limit (write a size such as 4GiB, or unset it)');
  });
});

describe('machineMemory of an env it cannot read', () => {
  it('refuses what is not a set of variables, instead of reading BALLOONSIM_MEMORY_LIMIT of null', () => {
    expect(() => machineMemory(null as never)).toThrow(
      new TypeError("machineMemory: env must be the environment's variables by name (process.env, or { BALLOONSIM_MEMORY_LIMIT: '4GiB' }), got null (an empty value)"),
    );
  });

  it('refuses a limit that is not text, instead of failing as "limitText.trim is not a function"', () => {
    expect(() => machineMemory({ [MEMORY_LIMIT_ENV]: 2 ** 30 } as never)).toThrow(
      new TypeError("machineMemory: env.BALLOONSIM_MEMORY_LIMIT must be a size as text, such as '4GiB' (as environment variables are), got 1073741824"),
    );
  });
});
