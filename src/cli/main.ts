import { Command, CommanderError } from 'commander';
import { BootError } from '../host/hypervisor.js';
import { RunFailure } from '../runtime/errors.js';
import { ScenarioError } from '../scenario/errors.js';
import { runCommand, type RunFlags } from './run-command.js';
import { UsageError } from './usage-error.js';
import { validateCommand } from './validate-command.js';

/** Exit codes (DESIGN.md): success, the run failed, bad input or usage. */
export const EXIT_OK = 0;
export const EXIT_RUN_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('balloonsim')
    .description('Simulate VM memory ballooning and memory overcommit on one host.')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => process.stdout.write(text), writeErr: (text) => process.stderr.write(text) });

  program
    .command('run')
    .description('Run a scenario file, or the built-in default scenario when none is given.')
    .argument('[scenario]', 'scenario file (YAML or JSON)')
    .option('--seed <n>', 'root seed (overrides the scenario\'s)')
    .option('--placement <where>', 'where guest actors run: inline or workers', 'workers')
    .option('--workers <n>', 'worker threads for --placement workers (default: the machine\'s available parallelism)')
    .option('--guests-per-worker <n>', 'instead of --workers: as many workers as it takes to host N guests each')
    .option('--mode <mode>', 'lockstep (reproducible ticks) or free (no barrier: guests and host race; a concurrent auditor checks)', 'lockstep')
    .option('--duration <d>', 'simulated time, e.g. 90s, 30m, 2h (overrides the scenario\'s)')
    .option('--audit-every <ticks>', 'full audit every this many ticks (0: only at the end; default scales with size)')
    .option('--json', 'print the JSON summary on stdout and nothing else')
    .option('--quiet', 'print nothing but errors (and the JSON summary with --json)')
    .addHelpText(
      'after',
      `
Examples:
  balloonsim run                                  the built-in default scenario
  balloonsim run examples/pressure.yaml --seed 7
  balloonsim run my.yaml --placement workers --workers 4 --json > summary.json
  balloonsim run my.yaml --duration 10m --placement inline
  balloonsim run examples/stress-1000.yaml --guests-per-worker 250
  balloonsim run examples/faults.yaml --mode free

Exit codes: 0 success, 1 the run failed (an invariant broke, a worker died), 2 bad input or usage.`,
    )
    .action(async (file: string | undefined, flags: RunFlags) => setExit(await runCommand(file, flags)));

  program
    .command('validate')
    .description('Check a scenario file and print what it describes.')
    .argument('<file>', 'scenario file (YAML or JSON)')
    .addHelpText('after', '\nExample:\n  balloonsim validate examples/pressure.yaml\n\nExit codes: 0 valid, 2 invalid (each problem printed with its place in the file).')
    .action(async (file: string) => setExit(await validateCommand(file)));

  return program;
}

/** Runs the CLI and returns the exit code; never throws for a user's mistake. */
export async function main(argv: ReadonlyArray<string>): Promise<number> {
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
    return code;
  } catch (error) {
    return reportError(error);
  }
}

/** Prints an error the way its kind deserves and returns the exit code. */
export function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message; help and version are not errors.
    return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT_OK : EXIT_BAD_INPUT;
  }
  if (error instanceof ScenarioError) {
    process.stderr.write(`${error.format()}\n`);
    return EXIT_BAD_INPUT;
  }
  if (error instanceof UsageError || error instanceof BootError) {
    process.stderr.write(`balloonsim: ${error.message}\n`);
    return EXIT_BAD_INPUT;
  }
  if (error instanceof RunFailure) {
    process.stderr.write(`balloonsim: the run failed (${error.code}): ${error.message}\n`);
    return EXIT_RUN_FAILED;
  }
  process.stderr.write(`balloonsim: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT_RUN_FAILED;
}
