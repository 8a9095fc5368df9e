/**
 * Unit tests of src/output/run-outputs.ts when writing fails half way (a full
 * disk, here a Parquet writer that says so): the files of the run before
 * stay as they were, all of them, and nothing half written is left.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { RUN_OUTPUT_FILES, writeRunOutputs } from '../../src/output/run-outputs.js';
import { OutputError } from '../../src/output/file-set.js';
import { temporaryDirectory } from '../support/temporary-directory.js';
import { runTiny } from '../support/tiny-run.js';

vi.mock('../../src/output/parquet.js', () => ({
  writeParquet: async () => {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  },
}));

describe('writeRunOutputs when the disk fills up', () => {
  it('leaves every file of the run before as it was, and says so', async () => {
    const { result, series } = await runTiny();
    const out = temporaryDirectory('balloonsim-run-outputs-failure-');
    for (const name of RUN_OUTPUT_FILES) writeFileSync(join(out, name), `old ${name}`);
    // Before, the CSV files and events.jsonl were replaced by this run's before the Parquet writer failed: two runs mixed.
    await expect(writeRunOutputs(out, result, series)).rejects.toThrow(
      new OutputError(`cannot write the outputs into ${out}: the disk is full; the files there are those of before`),
    );
    for (const name of RUN_OUTPUT_FILES) expect(readFileSync(join(out, name), 'utf8')).toBe(`old ${name}`);
    expect(readdirSync(out).sort()).toEqual([...RUN_OUTPUT_FILES].sort());
  });
});
