import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/balloonsim.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (dist/) as a user would, without a terminal. */
export function runCli(args: ReadonlyArray<string>, options: { cwd?: string; env?: Record<string, string | undefined> } = {}): CliResult {
  const env = options.env === undefined ? undefined : { ...process.env, ...options.env };
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: options.cwd, timeout: 120_000, env });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
