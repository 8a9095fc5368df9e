/** Unit tests of src/cli/validate-command.ts: what validate says of a scenario file (in process). */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { validateCommand } from '../../src/cli/validate-command.js';
import { capture } from '../support/capture.js';
import { TINY_SCENARIO_YAML, writeTinyScenario } from '../support/cli-files.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

let dir: string;
let file: string;
beforeAll(() => {
  dir = temporaryDirectory('balloonsim-validate-');
  file = writeTinyScenario(dir);
});

describe('validateCommand', () => {
  it('describes a valid file: guests, boot memory against usable host memory, events, duration, policy, and the memory a run needs', async () => {
    const { value, stdout } = await capture(() => validateCommand(file, { placement: 'inline', mode: 'lockstep' }));
    expect(value).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    // 32 MiB of guests on 64 - 4 = 60 MiB usable: 53 %.
    expect(lines[0]).toBe(`${file}: valid scenario "tiny": 2 guests with 32 MiB of boot memory on a host with 60 MiB usable (53 % committed), 0 events, 3s in ticks of 1s, policy static`);
    expect(lines[1]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: a run needs about .+ of memory \\(inline, without --out\\); .+ has .+$`));
    expect(lines).toHaveLength(2);
  });

  it('says nothing with --quiet, and prints the resolved scenario with --print-resolved', async () => {
    expect((await capture(() => validateCommand(file, { placement: 'inline', mode: 'lockstep', quiet: true }))).stdout).toBe('');
    const resolved = await capture(() => validateCommand(file, { placement: 'inline', mode: 'lockstep', printResolved: true }));
    const [first, second] = resolved.stdout.split('\n');
    expect(first).toBe(`# the scenario ${file} as balloonsim resolved it, every default filled in`);
    expect(second).toMatch(/^# balloonsim \S+, Node v\d+\.\d+\.\d+; run it with: balloonsim run FILE$/);
    expect(resolved.stdout).toContain('name: tiny');
    expect(resolved.stdout).toContain('seed: 4');
  });

  it('through the CLI: a file with a mistake exits 2 with the field and line', async () => {
    const bad = writeTinyScenario(dir, 'bad.yaml', TINY_SCENARIO_YAML.replace('memory: 64MiB', 'memory: 64 potatoes'));
    const { value, stderr } = await capture(() => main(['validate', bad, '--placement', 'inline']));
    expect(value).toBe(2);
    expect(stderr).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: host\\.memory: `));
    expect(stderr).not.toMatch(/\n\s+at /);
    const missing = await capture(() => main(['validate', join(dir, 'none.yaml')]));
    expect(missing.value).toBe(2);
  });
});
