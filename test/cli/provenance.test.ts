/**
 * Provenance: --version, and every output of a run saying which balloonsim
 * and Node made it, with which seed, from which scenario (resolved, every
 * default filled in), so that the run can be told apart and made again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { parseEventsJsonl } from '../../src/output/events-jsonl.js';
import type { RunSummary } from '../../src/runtime/summary.js';
import { temporaryDirectory } from '../support/temporary-directory.js';
import { runCli } from './run-cli.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const MOM = join(ROOT, 'examples', 'mom.yaml');

/** The summary less what may differ between two runs of the same scenario made from different files. */
function deterministic(summary: RunSummary): unknown {
  return { ...summary, timing: null, provenance: { ...summary.provenance, source: null } };
}

describe('provenance', () => {
  it('--version prints the version of package.json', () => {
    for (const flag of ['--version', '-V']) {
      const run = runCli([flag]);
      expect(run.code).toBe(0);
      expect(run.stdout.trim()).toBe(VERSION);
    }
  });

  it('every output of run --out says which balloonsim, Node, seed and resolved scenario made it', () => {
    const out = temporaryDirectory('balloonsim-provenance-');
    const run = runCli(['run', MOM, '--duration', '2m', '--seed', '7', '--placement', 'inline', '--quiet', '--out', out]);
    expect(run.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;
    const provenance = summary.provenance!;
    expect(provenance).toMatchObject({ tool: 'balloonsim', version: VERSION, node: process.version, seed: 7, source: MOM });
    expect(provenance.scenario).toMatchObject({ name: 'mom', seed: 7, duration: '2m', host: { policy: { kind: 'mom', minChange: 0.0025 } } });

    const events = readFileSync(join(out, 'events.jsonl'), 'utf8');
    const first = JSON.parse(events.split('\n')[0]!) as { kind: string; detail: string; provenance: unknown };
    expect(first.kind).toBe('provenance');
    expect(first.detail).toBe(`balloonsim ${VERSION}, Node ${process.version}, seed 7, scenario ${MOM}`);
    expect(first.provenance).toEqual(provenance);
    expect(parseEventsJsonl(events).some((event) => (event.kind as string) === 'provenance')).toBe(false);

    const trace = JSON.parse(readFileSync(join(out, 'trace.json'), 'utf8')) as { otherData: Record<string, unknown> };
    expect(trace.otherData).toMatchObject({ version: VERSION, node: process.version, seed: 7, provenance });

    const report = readFileSync(join(out, 'report.html'), 'utf8');
    expect(report).toContain(`<meta name="generator" content="balloonsim ${VERSION}">`);
    expect(report).toContain(`Made by balloonsim ${VERSION}, Node ${process.version}, seed 7, scenario ${MOM}.`);
    expect(report).toContain('minChange: 0.0025');
  });

  it("the summary's resolved scenario, and validate --print-resolved, run the very same run again", () => {
    const dir = temporaryDirectory('balloonsim-again-');
    const original = runCli(['run', MOM, '--duration', '3m', '--seed', '5', '--placement', 'inline', '--json']);
    expect(original.code).toBe(0);
    const summary = JSON.parse(original.stdout) as RunSummary;
    const fromSummary = join(dir, 'from-summary.yaml');
    writeFileSync(fromSummary, stringify(summary.provenance!.scenario));
    const again = runCli(['run', fromSummary, '--placement', 'inline', '--json']);
    expect(again.code).toBe(0);
    expect(deterministic(JSON.parse(again.stdout) as RunSummary)).toEqual(deterministic(summary));

    const printed = runCli(['validate', MOM, '--duration', '3m', '--print-resolved']);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(new RegExp(`^# the scenario ${MOM} as balloonsim resolved it, every default filled in\\n# balloonsim ${VERSION.replaceAll('.', '\\.')}, Node`));
    const file = parseYaml(printed.stdout) as Record<string, unknown>;
    expect(file).toEqual({ ...summary.provenance!.scenario, seed: 11 });
    const fromPrinted = join(dir, 'printed.yaml');
    writeFileSync(fromPrinted, printed.stdout);
    const third = runCli(['run', fromPrinted, '--seed', '5', '--placement', 'inline', '--json']);
    expect(deterministic(JSON.parse(third.stdout) as RunSummary)).toEqual(deterministic(summary));
  });
});
