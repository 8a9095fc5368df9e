// A sweep in code: the default scenario with four targets for the idle guest,
// two cases at a time; then the same sweep in two shards, merged, which gives
// the same table.
//
//   node examples/api/sweep.mjs
import { deterministicTable, formatBytesApprox as formatBytes, mergeSweepTables, sweep } from 'balloonsim';

const grid = {
  name: 'idle-target',
  base: 'default',
  durationMs: 4 * 60_000,
  parameters: { 'events[0].setTarget.memory': ['512MiB', '1GiB', '2GiB', '4GiB'] },
};

const table = await sweep(grid, { concurrency: 2 });
for (const row of table.rows) {
  console.log(`${row.label}: ${row.status}, saved ${formatBytes(row.metrics.savedBytesMean)} on average, balloons ${formatBytes(row.metrics.balloonBytesMean)}`);
}

const shards = await Promise.all([sweep(grid, { concurrency: 1, shard: '1/2' }), sweep(grid, { concurrency: 1, shard: '2/2' })]);
const merged = mergeSweepTables(shards);
const same = JSON.stringify(deterministicTable(merged)) === JSON.stringify(deterministicTable(table));
console.log(`shards 1/2 and 2/2 merged ${same ? 'equal' : 'DIFFER FROM'} the whole sweep`);
process.exitCode = same ? 0 : 1;
