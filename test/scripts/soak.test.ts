/**
 * `npm run soak` (scripts/soak.mjs, docs/soak.md) for a few seconds: it runs
 * examples/soak.yaml again and again, reports at intervals what moved, the
 * violations and resident memory, ends clean, and refuses bad flags with exit
 * code 2. The compiled code runs (`npm test` builds first). The times it prints
 * are not checked: a run in progress ends after the soak's duration, later on a
 * loaded machine (10 s of an 8 s soak at a load average of 30).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function soak(...args: string[]): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, ['--expose-gc', 'scripts/soak.mjs', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
}

describe('npm run soak', () => {
  it('runs examples/soak.yaml again and again, reports at intervals, and ends clean', () => {
    const child = soak('--duration', '8s', '--every', '3s', '--workers', '3');
    const out = String(child.stdout);
    expect(child.status, `${out}\n${String(child.stderr)}`).toBe(0);
    expect(out).toMatch(/^soak: soak \(12 guests, 120 s simulated per run\) again and again for 8s, seed 21, a report every 3s\n/);
    expect(out).toMatch(/\nsoak: \d+m\d\ds: \d+ runs, [\d.e+]+ frames moved \([\d.]+ M\/s\), \d+ messages, violations 0, attacks accepted 0, /);
    expect(out).toMatch(/resident \d+ MiB now \(heap \d+ MiB\), /);
    expect(out).toMatch(/\nsoak: \d+ runs in \d+m\d\ds: \d+ rounds, \d+ batches, [1-9]\d* frames moved, /);
    expect(out).toMatch(/\nsoak: clean: 0 violations\n$/);
  });

  it('refuses a bad flag with what was wrong and exit code 2', () => {
    const child = soak('--every', '10ms');
    expect(child.status).toBe(2);
    expect(String(child.stderr)).toMatch(/^soak: --every must be at least 1s, got 10ms\nusage: npm run soak -- /);
  });
});
