/** Unit test of src/sweep/sweep-worker.ts: the function piscina calls in a sweep thread runs one case (here called inline). */
import { describe, expect, it } from 'vitest';
import runCase from '../../src/sweep/sweep-worker.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

describe('the sweep worker entry', () => {
  it('runs the task it is given and answers with its row', async () => {
    const s = scenario({ name: 'one', seed: 9, durationMs: 2000, guests: [guest('g', { memoryBytes: 16 * MiB, maxMemoryBytes: 16 * MiB })] });
    const { row } = await runCase({ case: 4, label: 'x', base: 'one', parameters: {}, scenario: s });
    expect(row).toMatchObject({ case: 4, label: 'x', base: 'one', status: 'ok' });
    expect(row.metrics).toMatchObject({ scenario: 'one', seed: 9, simulatedSeconds: 2 });
  });
});
