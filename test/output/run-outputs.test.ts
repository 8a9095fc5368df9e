/** Unit tests of src/output/run-outputs.ts: the files of `run --out`, from a 5-tick inline run. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseEventsJsonl } from '../../src/output/events-jsonl.js';
import { RUN_OUTPUT_FILES, writeRunOutputs } from '../../src/output/run-outputs.js';
import { hostTimeSeriesCsv, timeSeriesCsv } from '../../src/output/timeseries-csv.js';
import { TimeSeries } from '../../src/output/time-series.js';
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

  it("refuses a series that is not the run's, and a result or series that is missing, before writing anything", async () => {
    // A series of another frame size was written without a word, every byte column scaled by the ratio of the frame sizes.
    const out = join(dir, 'e');
    const other = new TimeSeries(run.series.guestNames, run.series.frameBytes * 512, run.series.hostFrames);
    await expect(writeRunOutputs(out, run.result, other)).rejects.toThrow(/^writeRunOutputs: the series counts frames of 2097152 bytes, the run's are 4096 bytes/);
    const renamed = new TimeSeries(['x', ...run.series.guestNames.slice(1)], run.series.frameBytes, run.series.hostFrames);
    await expect(writeRunOutputs(out, run.result, renamed)).rejects.toThrow(/^writeRunOutputs: the series is of other guests than the run/);
    await expect(writeRunOutputs(out, run.result, undefined as never)).rejects.toThrow(/^writeRunOutputs: series must be a TimeSeries/);
    await expect(writeRunOutputs(out, null as never, run.series)).rejects.toThrow(/^writeRunOutputs: result must be what simulate\(\) resolved to/);
    await expect(writeRunOutputs(out, { summary: run.result.summary } as never, run.series)).rejects.toThrow(/^writeRunOutputs: result: events must be the run's event log, a list .*got nothing$/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a provenance that is not one under its own name, before writing anything (eventsJsonl refused it midway)', async () => {
    const out = join(dir, 'g');
    const result = { ...run.result, summary: { ...run.result.summary, provenance: 5 } };
    await expect(writeRunOutputs(out, result as never, run.series)).rejects.toThrow(
      new TypeError("writeRunOutputs: result.summary: provenance must be a run's provenance (result.summary.provenance, or provenanceOf(scenario, seed)) or left out, got 5"),
    );
    expect(existsSync(out)).toBe(false);
  });

  it('refuses options it cannot use before writing anything: a misspelt key was ignored, null failed reading report of null', async () => {
    const out = join(dir, 'f');
    await expect(writeRunOutputs(out, run.result, run.series, null as never)).rejects.toThrow(new TypeError('writeRunOutputs: options must be an object ({ report }, each optional), got null (an empty value)'));
    await expect(writeRunOutputs(out, run.result, run.series, { reprot: {} } as never)).rejects.toThrow(/^writeRunOutputs: unknown option "reprot" \(did you mean "report"\?/);
    await expect(writeRunOutputs(out, run.result, run.series, { report: { guests: 'a' } } as never)).rejects.toThrow(/^writeRunOutputs: report: guests must be a list of guest names or globs/);
    expect(existsSync(out)).toBe(false);
  });
});
