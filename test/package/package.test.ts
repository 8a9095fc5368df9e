/**
 * The package as users get it: `npm pack`'s tarball holds what they need and
 * nothing else (no dist/tools, no source map that points at a missing src/),
 * its type declarations type-check in a consumer project with the strictest
 * compiler options, and its code runs from there. Run after `npm run build`
 * (as `npm test` does).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../support/temporary-directory.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; version: string };
const work = temporaryDirectory('balloonsim-package-');
const consumer = join(work, 'consumer');
let files: string[] = [];

/** The strictest settings a consumer may have: the published .d.ts must type-check under them, with skipLibCheck off. */
const STRICTEST = {
  target: 'ES2022',
  lib: ['ES2023'],
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  types: ['node'],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  noPropertyAccessFromIndexSignature: true,
  noImplicitReturns: true,
  noFallthroughCasesInSwitch: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  skipLibCheck: false,
  noEmit: true,
};

/** A consumer's program: the API a user writes against, including a policy of their own. */
const PROGRAM = `import {
  AbortError,
  BALLOONSIM_VERSION,
  definePolicy,
  defineScenario,
  formatBytesApprox,
  preflight,
  resolvedScenarioYaml,
  ScenarioError,
  simulate,
  simulateStream,
  type ModulePolicyContext,
  type Policy,
  type PolicyHostView,
  type RunSummary,
  type SweepOptions,
} from 'balloonsim';

const scenario = defineScenario({
  name: 'consumer',
  duration: '30s',
  host: { memory: '2GiB', policy: { kind: 'mom', period: '10s' } },
  guests: [{ name: 'web', memory: '512MiB', workload: [{ kind: 'anon', size: '128MiB' }] }, { name: 'batch', count: 2, memory: '256MiB', driver: 'xen' }],
  events: [{ at: '10s', setTarget: { guest: 'web', memory: '384MiB' } }],
});

class HalfPolicy implements Policy {
  readonly name = 'half';
  readonly periodMs = 5000;
  decide(view: PolicyHostView): ReadonlyMap<number, number> {
    return new Map(view.guests.filter((g) => g.alive).map((g) => [g.index, Math.floor(g.maxPages / 2)]));
  }
}

export function createPolicy(context: ModulePolicyContext): Policy {
  void context.random.next();
  return new HalfPolicy();
}

export const headroom: Policy = definePolicy({
  name: 'headroom',
  period: '10s',
  decide(host) {
    const targets: Record<string, number | string> = {};
    for (const guest of host.guests) if (guest.alive && guest.usedBytes !== null) targets[guest.name] = Math.max(guest.floorBytes, guest.usedBytes * 1.25);
    const web = host.guest('web');
    if (web !== undefined && host.timeMs > 60_000) targets[web.name] = '384MiB';
    return targets;
  },
});

export async function main(): Promise<RunSummary> {
  const report = preflight(scenario, { placement: 'inline' });
  for (const issue of report.issues) console.log(issue.severity, issue.path, issue.message);
  const options: SweepOptions = { concurrency: 1 };
  void options;
  const stream = simulateStream(scenario, { placement: 'inline', sampleEveryTicks: 10 });
  for await (const sample of stream) if (sample.timeMs >= 10_000) break;
  await stream.result.catch((error: unknown) => {
    if (!(error instanceof AbortError)) throw error;
  });
  try {
    defineScenario({ host: { memory: '1Gb' }, guests: [] });
  } catch (error) {
    if (error instanceof ScenarioError) console.log(error.issues.map((issue) => issue.path));
  }
  const { summary } = await simulate(scenario, { placement: 'inline', policy: new HalfPolicy(), signal: AbortSignal.timeout(60_000) });
  console.log(BALLOONSIM_VERSION, formatBytesApprox(summary.host.freeBytes), resolvedScenarioYaml(scenario).length > 0);
  return summary;
}
`;

/** The same, as plain JavaScript, run from the consumer's folder. */
const RUN = `import { defineScenario, simulate } from 'balloonsim';
const scenario = defineScenario({ duration: '20s', host: { memory: '1GiB' }, guests: [{ name: 'a', memory: '256MiB', workload: [{ kind: 'anon', size: '64MiB' }] }] });
const { summary } = await simulate(scenario, { placement: 'workers', workers: 1 });
console.log(JSON.stringify({ ticks: summary.ticks, violations: summary.audit.violations, version: summary.provenance.version }));
`;

beforeAll(() => {
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' });
  const [entry] = JSON.parse(packed) as Array<{ filename: string; files: Array<{ path: string }> }>;
  files = entry!.files.map((file) => file.path);
  const target = join(consumer, 'node_modules', 'balloonsim');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', join(work, entry!.filename), '-C', target, '--strip-components=1']);
  // The package's dependencies and @types/node, from this checkout (no network): what npm install would put beside it.
  for (const dependency of [...Object.keys(manifest.dependencies), '@types/node']) {
    const link = join(consumer, 'node_modules', dependency);
    mkdirSync(dirname(link), { recursive: true }); // a scoped package (@duckdb/node-api) needs its scope's folder
    symlinkSync(join(ROOT, 'node_modules', dependency), link, 'dir');
  }
  writeFileSync(join(consumer, 'package.json'), '{ "name": "consumer", "private": true, "type": "module" }\n');
  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({ compilerOptions: STRICTEST, include: ['index.ts'] }, null, 2));
  writeFileSync(join(consumer, 'index.ts'), PROGRAM);
  writeFileSync(join(consumer, 'run.mjs'), RUN);
}, 120_000);

describe("npm pack's tarball", () => {
  it('holds what users need: the code, its types, the CLI, report assets, schemas, examples, README, LICENSE, CHANGELOG', () => {
    for (const path of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'bin/balloonsim.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'dist/bundle/cli.js', 'dist/bundle/cli.cjs', 'dist/bundle/cli.cjs.cache', 'dist/bundle/worker-entry.js', 'dist/bundle/worker-entry.cjs', 'dist/bundle/worker-entry.cjs.cache', 'dist/util/bundle-loader.js', 'dist/runtime/worker-entry.js', 'dist/sweep/sweep-worker.js', 'dist/sweep/sweep-thread.cjs', 'assets/report/run-report.js', 'schema/scenario.schema.json', 'examples/mom.yaml']) {
      expect(files).toContain(path);
    }
  });

  it('holds nothing users do not need: no dist/tools (it imports the dev dependency playwright-core), no tests, no sources', () => {
    expect(files.filter((path) => path.startsWith('dist/tools/'))).toEqual([]);
    expect(files.filter((path) => /^(src|test|bench|scripts|\.ci)\//.test(path))).toEqual([]);
  });

  it('ships source maps that carry their sources, not ones that point at a missing src/', () => {
    const maps = files.filter((path) => path.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    for (const path of maps) {
      const map = JSON.parse(readFileSync(join(consumer, 'node_modules', 'balloonsim', path), 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
      expect(map.sourcesContent?.length, path).toBe(map.sources.length);
      expect(map.sourcesContent!.every((text) => typeof text === 'string' && text.length > 0), path).toBe(true);
    }
  });

  it('type-checks in a consumer project with the strictest compiler options (skipLibCheck off)', () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', consumer], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
    // The declarations it checked are the tarball's.
    expect(readdirSync(join(consumer, 'node_modules', 'balloonsim', 'dist'))).toContain('index.d.ts');
  });

  it('runs from the consumer project, workers and all', () => {
    const result = spawnSync(process.execPath, ['run.mjs'], { cwd: consumer, encoding: 'utf8', timeout: 60_000 });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ ticks: 20, violations: 0, version: manifest.version });
  });
});
