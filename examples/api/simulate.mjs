// Run the built-in default scenario for 5 simulated minutes, keep its samples,
// and write the files of `balloonsim run --out` (report.html among them).
//
//   node examples/api/simulate.mjs [OUT_DIR]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TimeSeries, defaultScenario, formatBytesApprox as formatBytes, simulate, writeRunOutputs } from 'balloonsim';

const scenario = defaultScenario({ durationOverrideMs: 5 * 60_000 });
const series = new TimeSeries(
  scenario.guests.map((guest) => guest.name),
  scenario.frameBytes,
  scenario.host.memoryBytes / scenario.frameBytes,
);
const result = await simulate(scenario, { seed: 7, placement: 'inline', sampleEveryTicks: 5, onSample: (sample) => series.add(sample) });

for (const guest of result.summary.guests) {
  console.log(`${guest.name}: target ${formatBytes(guest.targetBytes)}, peak balloon ${formatBytes(guest.peakBalloonBytes)}`);
}
console.log(`audit: ${result.summary.audit.checks} checks, ${result.summary.audit.violations} violations`);

const out = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'balloonsim-example-'));
const files = await writeRunOutputs(out, result, series);
console.log(`${series.length} samples; wrote ${files.length} files to ${out}`);
