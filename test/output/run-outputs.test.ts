/** Unit tests of src/output/run-outputs.ts: the files of `run --out`, from a 5-tick inline run. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseEventsJsonl } from '../../src/output/events-jsonl.js';
import { RUN_OUTPUT_FILES, writeRunOutputs } from '../../src/output/run-outputs.js';
import { hostTimeSeriesCsv, timeSeriesCsv } from '../../src/output/timeseries-csv.js';
import { temporaryDirectory } from '../support/temporary-directory.js';
import { runTiny } from '../support/tiny-run.js';

let dir: string;
let run: Awaited<ReturnType<typeof runTiny>>;
beforeAll(async () => {
  dir = temporaryDirectory('balloonsim-run-outputs-');
  run = await runTiny();
});

describe('writeRunOutputs', () => {
  it('writes every file, summary.json last in the list, and returns their paths', async () => {
    const out = join(dir, 'a', 'b');
    const paths = await writeRunOutputs(out, run.result, run.series);
    expect(paths).toEqual(RUN_OUTPUT_FILES.map((name) => join(out, name)));
    expect(paths[paths.length - 1]).toBe(join(out, 'summary.json'));
    expect(readdirSync(out).sort()).toEqual([...RUN_OUTPUT_FILES].sort());
  });

  it('writes the summary, the series and the events as the run has them', async () => {
    const out = join(dir, 'c');
    await writeRunOutputs(out, run.result, run.series);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(run.result.summary)));
    expect(readFileSync(join(out, 'timeseries.csv'), 'utf8')).toBe(timeSeriesCsv(run.series));
    expect(readFileSync(join(out, 'host-timeseries.csv'), 'utf8')).toBe(hostTimeSeriesCsv(run.series));
    expect(parseEventsJsonl(readFileSync(join(out, 'events.jsonl'), 'utf8'))).toEqual(run.result.events);
    // 5 ticks, a sample each, two guests.
    expect(readFileSync(join(out, 'timeseries.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(1 + 5 * 2);
    expect(readFileSync(join(out, 'report.html'), 'utf8').startsWith('<!DOCTYPE html>')).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'trace.json'), 'utf8'))).toBeTypeOf('object');
  });

  it('replaces files of the same name and removes temporaries a killed run left', async () => {
    const out = join(dir, 'd');
    await writeRunOutputs(out, run.result, run.series);
    writeFileSync(join(out, 'summary.json'), 'old');
    writeFileSync(join(out, `.trace.json.tmp-${2 ** 22 + 1}-0-1`), 'partial');
    await writeRunOutputs(out, run.result, run.series);
    expect(readFileSync(join(out, 'summary.json'), 'utf8')).not.toBe('old');
    expect(readdirSync(out).some((name) => name.includes('.tmp-'))).toBe(false);
  });

  it('refuses an empty directory name', async () => {
    await expect(writeRunOutputs('', run.result, run.series)).rejects.toThrow(new TypeError('writeRunOutputs: dir must be a non-empty path'));
  });
});
