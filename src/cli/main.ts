import { Command, CommanderError } from 'commander';
import { BootError } from '../host/manager/memory-manager.js';
import { InputError } from '../output/input-error.js';
import { OutputError } from '../output/file-set.js';
import { RunFailure } from '../runtime/errors.js';
import { PolicyError } from '../host/policy/policy-error.js';
import { UnitError } from '../model/unit-error.js';
import { printable, ScenarioError } from '../scenario/errors.js';
import { scenarioJsonSchemaText } from '../scenario/schema.js';
import { gridJsonSchemaText } from '../sweep/json-schema.js';
import { MergeError } from '../sweep/merge.js';
import { coloursFor } from './colour.js';
import { compareCommand, type CompareFlags } from './compare-command.js';
import { mergeCommand, type MergeFlags } from './merge-command.js';
import { queryCommand, type QueryFlags } from './query-command.js';
import { SweepResumeError } from '../sweep/progress.js';
import { runCommand, type RunFlags } from './run-command.js';
import { sweepCommand, type SweepFlags } from './sweep-command.js';
import { guardStandardOutput, standardOutputExitCode } from './standard-output.js';
import { UsageError } from './usage-error.js';
import { validateCommand, type ValidateFlags } from './validate-command.js';
import { BALLOONSIM_VERSION } from '../util/version.js';

// For the benchmarks (bench/scaling.ts): they load this module's bundle, as `balloonsim run` does, and
// run scenarios through these, so that what they time is the code the command line runs.
export { simulate } from '../runtime/simulate.js';
export { loadScenarioFile } from '../scenario/load.js';

/** Exit codes (DESIGN.md): success, the run failed, bad input or usage. */
export const EXIT_OK = 0;
export const EXIT_RUN_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

const EXIT_CODES_TEXT = 'Exit codes: 0 success, 1 the run failed (an invariant broke, a worker died) or its output could not be written (a full disk), 2 bad input or usage.';

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('balloonsim')
    .description('Simulate VM memory ballooning and memory overcommit on one host.')
    .version(BALLOONSIM_VERSION, '-V, --version', "print balloonsim's version")
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => process.stdout.write(text), writeErr: (text) => process.stderr.write(text) })
    .addHelpText(
      'after',
      `
Examples:
  balloonsim run                                   the built-in default scenario
  balloonsim run my.yaml --out runs/my             ...with report.html, timeseries.csv, trace.json
  balloonsim sweep grid.yaml --concurrency 2 --out runs/grid
  balloonsim compare runs/a runs/b --out runs/a-vs-b

Run \`balloonsim COMMAND --help\` for a command's options and examples.
${EXIT_CODES_TEXT}`,
    );

  const run = program
    .command('run')
    .description('Run a scenario file, or the built-in default scenario when none is given.')
    .argument('[scenario]', 'scenario file (YAML or JSON)')
    .option('--seed <n>', 'root seed (overrides the scenario\'s)');
  withRunShapeOptions(run)
    .option('--audit-every <ticks>', 'full audit every this many ticks (0: only at the end; default scales with size)')
    .option('--out <dir>', 'write summary.json, the time series and events (CSV and Parquet), trace.json and report.html into this directory')
    .option('--sample-every <ticks>', 'with --out: a sample every this many ticks (default: every tick up to 2000 samples)')
    .option('--report-guests <names>', 'with --out: the guests report.html draws, by name or glob (web,batch-*); default: those with OOM kills, stalls, swap, faults or the largest balloons')
    .option('--json', 'print the JSON summary on stdout and nothing else')
    .option('--quiet', 'print nothing but errors (and the JSON summary with --json)')
    .addHelpText(
      'after',
      `
Examples:
  balloonsim run                                  the built-in default scenario
  balloonsim run --out /tmp/r                     ...and its report: open /tmp/r/report.html
  balloonsim run examples/mom.yaml --seed 7
  balloonsim run my.yaml --placement workers --workers 4 --json > summary.json
  balloonsim run my.yaml --duration 10m --placement inline --out runs/short
  balloonsim run examples/esx-idle-tax.yaml --set host.policy.tau=0
  balloonsim run examples/mom.yaml --set 'host.policy={kind: proportional}' --json

Files of --out: summary.json (as --json), timeseries.csv and .parquet (per guest
per sample), host-timeseries.csv and .parquet (the host, per sample), events.jsonl
and .parquet (the host's event log), trace.json (open it in ui.perfetto.dev),
report.html (charts; one offline file). Query them with balloonsim query DIR "SQL";
docs/outputs.md describes every column.
A progress bar shows on stderr when it is a terminal and the run takes over a second.
  balloonsim run examples/stress-1000.yaml --guests-per-worker 250
  balloonsim run examples/free-faults.yaml --mode free

Exit codes: 0 success, 1 the run failed (an invariant broke, a worker died) or its output could not be written (a full disk), 2 bad input or usage.`,
    )
    .action(async (file: string | undefined, flags: RunFlags) => setExit(await runCommand(file, flags)));

  const validate = program
    .command('validate')
    .description('Check a scenario file and print what it describes.')
    .argument('<file>', 'scenario file (YAML or JSON)');
  withRunShapeOptions(validate)
    .option('--print-resolved', 'print the scenario as resolved, every default filled in, as YAML on stdout (a file run takes)')
    .option('--quiet', 'print nothing but the problems (the exit code says whether the file is valid)')
    .addHelpText(
      'after',
      `
validate runs the same checks as run before it starts (the preflight): the limits of the
frame table and of a guest, whether the guests can boot, the memory the run will need
against this machine's (BALLOONSIM_MEMORY_LIMIT=8GiB lowers it), events that would never
fire. Errors exit 2; warnings and notes (overcommit) are printed on stderr.

Examples:
  balloonsim validate examples/mom.yaml
  balloonsim validate examples/stress-1000.yaml --guests-per-worker 250
  balloonsim validate examples/mom.yaml --print-resolved > mom-full.yaml

Exit codes: 0 valid, 2 invalid (each problem printed with its place in the file).`,
    )
    .action(async (file: string, flags: ValidateFlags) => setExit(await validateCommand(file, flags)));

  program
    .command('sweep')
    .description('Run every case of a sweep grid (a base scenario and parameters to vary) in parallel, or one shard of it.')
    .argument('<grid>', 'grid file (YAML or JSON): base, duration, parameters')
    .option('--shard <i/n>', 'run only shard i of n (cases i-1, i-1+n, i-1+2n, ...); join shards with merge')
    .option('--concurrency <n>', 'cases run at once, one per thread (default: the machine\'s available parallelism)')
    .option('--out <dir>', 'write sweep.json (for merge and compare), sweep.csv, sweep.parquet and report.html into this directory; a sweep interrupted there resumes')
    .option('--case-outputs', 'with --out: also write each case\'s run files into DIR/case-NNNN')
    .option('--dry-run', 'list the cases (and, with --out, which are finished) without running them')
    .option('--restart', 'with --out: run every case again, discarding the finished ones kept there')
    .option('--sample-every <ticks>', 'sample interval of each case for time averages (default: as run --out)')
    .option('--json', 'print the sweep table (sweep.json) on stdout and nothing else')
    .option('--quiet', 'print nothing but errors (and the table with --json)')
    .addHelpText(
      'after',
      `
A grid file:
  name: host-memory
  base: default               # the built-in scenario, or scenario files (a list) relative to the grid
  duration: 10m               # optional: every case runs this long
  parameters:                 # every combination is a case; the last varies fastest
    host.memory: [10GiB, 12GiB, 14GiB, 16GiB]
    seed: [1, 2]
    # guests[name=idle].memory: [2GiB, 4GiB]     list items by name or by index
    # events[0].setTarget.memory: [512MiB, 1GiB]

Examples:
  balloonsim sweep examples/sweeps/host-memory.yaml --concurrency 2 --out runs/host-memory
  balloonsim sweep grid.yaml --shard 1/2 --out runs/shard-1     # on one machine
  balloonsim sweep grid.yaml --shard 2/2 --out runs/shard-2     # on another
  balloonsim merge runs/shard-1 runs/shard-2 --out runs/grid
  balloonsim sweep grid.yaml --dry-run                           # list the cases

A case's status: ok, warning (a target looks like a unit mistake), refused (the
over-shrink guard refused a target the case sets), failed. A grid that varies
seed gets each setting's mean over its seeds with a 95 % interval
(sweep-aggregate.csv and .parquet). With --out, each finished case is kept in
DIR/rows/ at once: run the same command again after an interruption and only
the unfinished cases run.

Exit codes: 0 every case ran (ok, warning or refused), 1 a case failed (its row says why), 2 bad input or usage.`,
    )
    .action(async (file: string, flags: SweepFlags) => setExit(await sweepCommand(file, flags)));

  program
    .command('merge')
    .description('Join the tables of a sweep\'s shards into the table of the whole sweep (identical to an unsharded run).')
    .argument('<shards...>', 'shard directories (from sweep --out) or their sweep.json files')
    .option('--out <dir>', 'write the merged sweep.json, sweep.csv and report.html into this directory')
    .option('--allow-missing', 'merge even if some cases are missing (default: every case must be there)')
    .option('--json', 'print the merged table on stdout and nothing else')
    .option('--quiet', 'print nothing but errors (and the table with --json)')
    .addHelpText(
      'after',
      `
Examples:
  balloonsim merge runs/shard-1 runs/shard-2 --out runs/grid
  balloonsim merge results/*/sweep.json --json > sweep.json

Shards must come from the same grid (the same files, same balloonsim): merge checks
the grid's fingerprint, refuses a case given twice, and names missing shards.
Exit codes: 0 merged, 1 a merged case had failed, 2 bad input (different grids, repeated or missing cases).`,
    )
    .action(async (paths: string[], flags: MergeFlags) => setExit(await mergeCommand(paths, flags)));

  program
    .command('compare')
    .description('Put two or more runs side by side: memory saved against major faults, stall and OOM kills, as a table and a plot.')
    .argument('<runs...>', 'run directories (from run --out), summary.json files, or sweeps (their directory or sweep.json: each case is a run)')
    .option('--out <dir>', 'write compare.html (plots), compare.csv and compare.json into this directory')
    .option('--title <text>', 'title of compare.html')
    .option('--json', 'print the runs\' metrics as JSON on stdout and nothing else')
    .option('--quiet', 'print nothing but errors (and the JSON with --json)')
    .addHelpText(
      'after',
      `
Examples:
  balloonsim run a.yaml --out runs/a && balloonsim run b.yaml --out runs/b
  balloonsim compare runs/a runs/b --out runs/a-vs-b      # open runs/a-vs-b/compare.html
  balloonsim compare runs/host-memory                     # the cases of a sweep

Exit codes: 0 success, 2 bad input (a path that is not a run or a sweep, fewer than two runs).`,
    )
    .action(async (paths: string[], flags: CompareFlags) => setExit(await compareCommand(paths, flags)));

  program
    .command('query')
    .description('Run SQL (DuckDB) over the Parquet files of a run or a sweep.')
    .argument('<dir>', 'a directory written by run --out, sweep --out or merge --out')
    .argument('<sql>', 'the query; tables: timeseries, host_timeseries, events, summary, sweep, sweep_aggregate, case_timeseries, ...')
    .option('--json', 'print the rows as a JSON array of objects')
    .option('--csv', 'print the rows as CSV')
    .addHelpText(
      'after',
      `
Examples:
  balloonsim query runs/my "SELECT guest, max(balloon_bytes) / 2^30 AS balloon_gib FROM timeseries GROUP BY guest"
  balloonsim query runs/my "SELECT time_s, host_free_bytes FROM host_timeseries WHERE host_state <> 'high'"
  balloonsim query runs/grid "SELECT label, status, savedBytesMean FROM sweep ORDER BY savedBytesMean DESC" --csv

Each Parquet file of the directory is a table named after it (- becomes _);
case_timeseries and the like join the case-NNNN/ directories of sweep --case-outputs.
docs/outputs.md describes every column, and reading them from pandas and polars.
Exit codes: 0 success, 2 bad input (no such directory, SQL that DuckDB refuses).`,
    )
    .action(async (dir: string, sql: string, flags: QueryFlags) => setExit(await queryCommand(dir, sql, flags)));

  program
    .command('schema')
    .description('Print the JSON Schema of scenario files (or of grid files), for editors and validators.')
    .argument('[kind]', 'scenario or grid', 'scenario')
    .addHelpText(
      'after',
      `
Examples:
  balloonsim schema > scenario.schema.json
  balloonsim schema grid > grid.schema.json

The same schemas ship in the package as schema/scenario.schema.json and schema/grid.schema.json;
point a scenario file at one with "$schema" (JSON) or "# yaml-language-server: $schema=..." (YAML).`,
    )
    .action(async (kind: string) => {
      if (kind !== 'scenario' && kind !== 'grid') throw new UsageError(`schema takes scenario or grid, got "${kind}"`);
      process.stdout.write(kind === 'scenario' ? scenarioJsonSchemaText() : gridJsonSchemaText());
      setExit(EXIT_OK);
    });

  return program;
}

/** The options that shape a run, which run and validate share (validate checks a file as run would run it). */
function withRunShapeOptions(command: Command): Command {
  return command
    .option('--placement <where>', 'where guest actors run: inline or workers', 'workers')
    .option('--workers <n>', 'worker threads for --placement workers (default: the machine\'s available parallelism)')
    .option('--guests-per-worker <n>', 'instead of --workers: as many workers as it takes to host N guests each')
    .option('--mode <mode>', 'lockstep (reproducible ticks) or free (no barrier: guests and host race; a concurrent auditor checks)', 'lockstep')
    .option('--duration <d>', 'simulated time, e.g. 90s, 30m, 2h (overrides the scenario\'s)')
    .option('--set <path=value>', 'change a scenario setting, checked as if written in the file (repeatable), e.g. --set host.policy.tau=0', collect);
}

/** Commander's way to take a repeatable option. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Runs the CLI and returns the exit code; never throws for a user's mistake. */
export async function main(argv: ReadonlyArray<string>): Promise<number> {
  guardStandardOutput();
  let code = EXIT_OK;
  const program = buildProgram((value) => {
    code = value;
  });
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT_BAD_INPUT;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return Math.max(code, standardOutputExitCode() ?? EXIT_OK);
  } catch (error) {
    return reportError(error);
  }
}

/** Prints an error the way its kind deserves and returns the exit code. */
export function reportError(error: unknown): number {
  const prefix = coloursFor(process.stderr).red('balloonsim:');
  if (error instanceof CommanderError) {
    // Commander has already printed its message; help and version are not errors.
    return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT_OK : EXIT_BAD_INPUT;
  }
  if (error instanceof ScenarioError) {
    process.stderr.write(`${error.format()}\n`);
    return EXIT_BAD_INPUT;
  }
  if (
    error instanceof UsageError ||
    error instanceof BootError ||
    error instanceof PolicyError ||
    error instanceof UnitError ||
    error instanceof InputError ||
    error instanceof MergeError ||
    error instanceof SweepResumeError
  ) {
    process.stderr.write(`${prefix} ${printable(error.message)}\n`);
    return EXIT_BAD_INPUT;
  }
  if (error instanceof OutputError) {
    process.stderr.write(`${prefix} ${printable(error.message)}\n`);
    return EXIT_RUN_FAILED;
  }
  if (error instanceof RunFailure) {
    process.stderr.write(`${prefix} the run failed (${error.code}): ${error.message}\n`);
    return EXIT_RUN_FAILED;
  }
  process.stderr.write(`${prefix} internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT_RUN_FAILED;
}
