/**
 * `npm run bench:side` (scripts/side-by-side.mjs): builds another commit in a
 * temporary worktree, runs balloonsim there and here in turn (in alternating
 * order), prints each round's CPU and wall time and ratio, the ratio of the
 * means and the rounds' median and range, and removes the
 * worktree, with the cost of a page fault on the machine before and after
 * the rounds; bad arguments exit 2 saying what was wrong. The figures are not
 * checked (a shared machine), only that they are there and make sense.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function side(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['scripts/side-by-side.mjs', ...args], { cwd: root, encoding: 'utf8', timeout: 240_000 });
}

function worktrees(): string {
  return spawnSync('git', ['worktree', 'list'], { cwd: root, encoding: 'utf8' }).stdout;
}

describe('npm run bench:side', () => {
  it('compares a command with another commit round by round, then removes its worktree', () => {
    const child = side('HEAD', '--rounds', '2', '--', '--version');
    expect(child.status, `${child.stdout}\n${child.stderr}`).toBe(0);
    const short = spawnSync('git', ['rev-parse', '--short=7', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
    const rounds = child.stdout.match(/^round \d .+$/gm) ?? [];
    expect(rounds).toHaveLength(2);
    // The order alternates: the other commit first in odd rounds, this checkout first in even ones.
    const firsts = [short, 'this checkout'];
    rounds.forEach((line, i) =>
      expect(line).toMatch(new RegExp(`^round ${i + 1} \\(${firsts[i]} first\\): ${short} [\\d.]+ s CPU [\\d.]+ s wall \\| this checkout [\\d.]+ s CPU [\\d.]+ s wall \\| ratio [\\d.]+$`)),
    );
    const mean = /^mean of 2: \S+ ([\d.]+) s CPU \([\d.]+ s wall\), this checkout ([\d.]+) s CPU \([\d.]+ s wall\): ([\d.]+) of \S+'s CPU time \(rounds' ratios: median ([\d.]+), ([\d.]+) to ([\d.]+)\)$/m.exec(child.stdout);
    expect(mean, child.stdout).not.toBeNull();
    const [before, now, ratio] = [Number(mean![1]), Number(mean![2]), Number(mean![3])];
    const [median, low, high] = [Number(mean![4]), Number(mean![5]), Number(mean![6])];
    expect(low).toBeLessThanOrEqual(median);
    expect(median).toBeLessThanOrEqual(high);
    expect(before).toBeGreaterThan(0);
    expect(now).toBeGreaterThan(0);
    // The means are printed to 0.01 s, a tenth of a --version run: the ratio agrees with them within that.
    expect(Math.abs(ratio - now / before)).toBeLessThan(0.2 * (now / before));
    // The machine's page-fault cost frames the series, before and after it.
    const touches = [...child.stdout.matchAll(/^first touch of memory (before|after) the rounds: ([\d.]+) us a page$/gm)];
    expect(touches.map((m) => m[1]), child.stdout).toEqual(['before', 'after']);
    for (const m of touches) expect(Number(m[2])).toBeGreaterThan(0);
    const built = /building \S+ in (\S+) \.\.\./.exec(child.stderr);
    expect(built, child.stderr).not.toBeNull();
    expect(existsSync(built![1]!)).toBe(false);
    expect(worktrees()).not.toContain(built![1]!);
  }, 240_000);

  it('refuses a missing or unknown commit and bad rounds with exit code 2, building nothing', () => {
    const before = worktrees();
    const none = side();
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/^side-by-side: say which commit to compare with\nusage: npm run bench:side -- COMMIT/);
    const unknown = side('no-such-commit-here');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('"no-such-commit-here" is no commit of this repository');
    const rounds = side('HEAD', '--rounds', '0');
    expect(rounds.status).toBe(2);
    expect(rounds.stderr).toContain('--rounds must be a whole number from 1 to 100, got 0');
    const flag = side('HEAD', '--fast');
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain('unknown argument "--fast"');
    expect(worktrees()).toBe(before);
  });
});
