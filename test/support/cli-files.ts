/** Small scenario and grid files for in-process CLI tests: runs of a few ticks, inline. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Two 16 MiB guests on a 64 MiB host for 3 s. */
export const TINY_SCENARIO_YAML = `name: tiny
seed: 4
duration: 3s
tick: 1s
host:
  memory: 64MiB
  reserved: 4MiB
guests:
  - name: web
    memory: 16MiB
    workload:
      - { kind: anon, size: 4MiB, hot: 100% }
  - name: batch
    memory: 16MiB
`;

export function writeTinyScenario(dir: string, name = 'tiny.yaml', text = TINY_SCENARIO_YAML): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A grid of the tiny scenario over two seeds. */
export function writeTinyGrid(dir: string, seeds: number[] = [1, 2]): string {
  writeTinyScenario(dir);
  const path = join(dir, 'grid.yaml');
  writeFileSync(path, `name: tiny-grid\nbase: tiny.yaml\nparameters:\n  seed: [${seeds.join(', ')}]\n`);
  return path;
}
