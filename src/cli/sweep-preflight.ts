/**
 * What `sweep` says before it starts, from every case's own preflight: the
 * cases that cannot run (they would fail only when the sweep reached them),
 * and whether the cases it runs at once fit in memory together. Each case's
 * preflight checks the case alone; `--concurrency` cases at once need their
 * memory added up, and a sweep that does not fit would swap or be killed by
 * the system hours in.
 */
import { formatBytesApprox } from '../model/units.js';
import { printable } from '../scenario/errors.js';
import type { PreflightReport } from '../preflight/preflight.js';
import type { PlannedCase } from '../sweep/sweep.js';
import { casePreflight } from '../sweep/sweep-task.js';
import { coloursFor } from './colour.js';

/** Cases listed by name in the notice of cases that cannot run, at most. */
const UNRUNNABLE_SHOWN = 5;

/** How many cases fit in `budgetBytes` at once, at most `concurrency`, at least 1: the largest ones added up. */
export function concurrencyThatFits(caseBytes: ReadonlyArray<number>, concurrency: number, budgetBytes: number): number {
  const largest = [...caseBytes].sort((a, b) => b - a);
  let total = 0;
  let fits = 0;
  const most = Math.min(concurrency, largest.length);
  while (fits < most && total + largest[fits]! <= budgetBytes) total += largest[fits++]!;
  return fits === most ? concurrency : Math.max(1, fits);
}

/** Warnings listed, at most (each with the cases it is about). */
const WARNINGS_SHOWN = 5;
/** Cases named under one warning, at most. */
const CASES_NAMED = 4;

/**
 * The warnings of the cases that run, as `run` prints a scenario's (a run
 * of more than a million ticks, a table that looks wrong, ...): one line per
 * distinct warning, with the cases it is about, since a grid's cases often
 * share one.
 */
function warningLines(runnable: ReadonlyArray<{ sweepCase: PlannedCase['case']; report: PreflightReport }>, total: number, prefix: string): string[] {
  const byText = new Map<string, Array<PlannedCase['case']>>();
  for (const { sweepCase, report } of runnable) {
    for (const issue of report.issues) {
      if (issue.severity !== 'warning') continue;
      const text = `${issue.path === '' ? '' : `${issue.path}: `}${issue.message}${issue.hint === undefined ? '' : ` (${issue.hint})`}`;
      const about = byText.get(text);
      if (about === undefined) byText.set(text, [sweepCase]);
      else if (about[about.length - 1] !== sweepCase) about.push(sweepCase);
    }
  }
  if (byText.size === 0) return [];
  const warned = new Set([...byText.values()].flat()).size;
  const lines = [`${prefix} ${warned} of ${total} cases have warnings (they run):`];
  for (const [text, about] of [...byText].slice(0, WARNINGS_SHOWN)) {
    const named = about.slice(0, CASES_NAMED).map((c) => `${c.index} (${c.label})`).join(', ');
    const more = about.length > CASES_NAMED ? ` and ${about.length - CASES_NAMED} more` : '';
    lines.push(`  case${about.length === 1 ? '' : 's'} ${named}${more}: ${text}`);
  }
  if (byText.size > WARNINGS_SHOWN) lines.push(`  and ${byText.size - WARNINGS_SHOWN} more warnings`);
  return lines;
}

/**
 * Checks the cases still to run: prints (to stderr, unless `quiet`) the ones
 * that cannot run and the warnings of the others, and returns how many
 * cases to run at once: `concurrency`, or fewer when the largest ones would
 * not fit together in the memory that is free and the user did not set
 * `--concurrency` (set, it is kept and a warning says what would fit).
 */
export function checkSweepCases(
  cases: ReadonlyArray<PlannedCase>,
  options: { sampleEvery: number | undefined; concurrency: number; concurrencyGiven: boolean; quiet: boolean },
): number {
  const toRun = cases.filter((c) => !c.finished).map((c) => ({ sweepCase: c.case, report: casePreflight(c.case.scenario, options.sampleEvery) }));
  const errorsOf = (report: PreflightReport) => report.issues.filter((issue) => issue.severity === 'error');
  const bad = toRun.filter(({ report }) => errorsOf(report).length > 0);
  const prefix = coloursFor(process.stderr).yellow('balloonsim:');
  const lines: string[] = [];
  if (bad.length > 0) {
    lines.push(`${prefix} ${bad.length} of ${cases.length} cases cannot run and will fail at once (the others run; fix the grid to run these too):`);
    for (const { sweepCase, report } of bad.slice(0, UNRUNNABLE_SHOWN)) {
      const first = errorsOf(report)[0]!;
      lines.push(`  case ${sweepCase.index} (${sweepCase.label}): ${first.path === '' ? '' : `${first.path}: `}${first.message}${first.hint === undefined ? '' : ` (${first.hint})`}`);
    }
    if (bad.length > UNRUNNABLE_SHOWN) lines.push(`  and ${bad.length - UNRUNNABLE_SHOWN} more`);
  }
  const runnable = toRun.filter(({ report }) => errorsOf(report).length === 0);
  lines.push(...warningLines(runnable, cases.length, prefix));
  let concurrency = options.concurrency;
  if (runnable.length > 1 && concurrency > 1) {
    const machine = runnable[0]!.report.machine;
    const bytes = runnable.map(({ report }) => report.estimate.totalBytes);
    const fits = concurrencyThatFits(bytes, concurrency, machine.availableBytes);
    if (fits < Math.min(concurrency, runnable.length)) {
      const need = [...bytes].sort((a, b) => b - a).slice(0, Math.min(concurrency, bytes.length)).reduce((sum, b) => sum + b, 0);
      const what = `the ${Math.min(concurrency, bytes.length)} largest cases at once need about ${formatBytesApprox(need)}, more than is free (${formatBytesApprox(machine.availableBytes)} of ${formatBytesApprox(machine.totalBytes)})`;
      if (options.concurrencyGiven) lines.push(`${prefix} --concurrency ${concurrency}: ${what}; they may swap or be killed (--concurrency ${fits} fits)`);
      else {
        lines.push(`${prefix} running ${fits} case${fits === 1 ? '' : 's'} at once, not ${concurrency}: ${what} (--concurrency sets it)`);
        concurrency = fits;
      }
    }
  }
  if (!options.quiet && lines.length > 0) process.stderr.write(`${lines.map(printable).join('\n')}\n`);
  return concurrency;
}
