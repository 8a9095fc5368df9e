import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/balloonsim.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (dist/) as a user would, without a terminal; a run that takes longer than `timeoutMs` (default 120 s) is killed (code -1). */
export function runCli(args: ReadonlyArray<string>, options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {}): CliResult {
  const env = options.env === undefined ? undefined : { ...process.env, ...options.env };
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: options.cwd, timeout: options.timeoutMs ?? 120_000, env });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
