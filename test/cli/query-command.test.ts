/** Unit tests of src/cli/query-command.ts: `query` printing rows as a table, CSV or JSON (in process). */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { queryCommand } from '../../src/cli/query-command.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { writeParquet } from '../../src/output/parquet.js';
import { capture } from '../support/capture.js';
import { temporaryDirectory } from '../support/temporary-directory.js';

let dir: string;
const SQL = "SELECT guest, balloon_bytes, 2.5 AS x, 'a,\"b' AS t, NULL AS n, [1, 2] AS l FROM timeseries ORDER BY guest";
beforeAll(async () => {
  dir = temporaryDirectory('balloonsim-query-command-');
  const guests = ['web', 'db'];
  await writeParquet([
    {
      path: join(dir, 'timeseries.parquet'),
      table: {
        rows: 2,
        columns: [
          { name: 'guest', type: 'VARCHAR', value: (r) => guests[r]! },
          { name: 'balloon_bytes', type: 'BIGINT', value: (r) => (r === 0 ? 2 ** 53 + 2 : 4096) },
        ],
      },
    },
  ]);
});

describe('queryCommand', () => {
  it('prints a table with a row count', async () => {
    const { value, stdout } = await capture(() => queryCommand(dir, 'SELECT guest, balloon_bytes FROM timeseries ORDER BY guest', {}));
    expect(value).toBe(0);
    expect(stdout).toBe(['guest     balloon_bytes', '-----  ----------------', 'db                 4096', 'web    9007199254740994', '(2 rows)', ''].join('\n'));
  });

  it('--csv quotes cells as CSV does, writes big integers exactly, NULL as empty and lists as JSON', async () => {
    const { stdout } = await capture(() => queryCommand(dir, SQL, { csv: true }));
    expect(stdout).toBe(['guest,balloon_bytes,x,t,n,l', 'db,4096,2.5,"a,""b",,"[1,2]"', 'web,9007199254740994,2.5,"a,""b",,"[1,2]"', ''].join('\n'));
  });

  it('--json writes objects, big integers that a number cannot hold as text', async () => {
    const { stdout } = await capture(() => queryCommand(dir, SQL, { json: true }));
    expect(JSON.parse(stdout)).toEqual([
      { guest: 'db', balloon_bytes: 4096, x: 2.5, t: 'a,"b', n: null, l: [1, 2] },
      { guest: 'web', balloon_bytes: '9007199254740994', x: 2.5, t: 'a,"b', n: null, l: [1, 2] },
    ]);
  });

  it('refuses --json with --csv', async () => {
    await expect(queryCommand(dir, SQL, { json: true, csv: true })).rejects.toThrow(new UsageError('give --json or --csv, not both'));
  });

  it('through the CLI: SQL DuckDB refuses exits 2 with the tables at hand', async () => {
    const { value, stderr } = await capture(() => main(['query', dir, 'SELEC nonsense']));
    expect(value).toBe(2);
    expect(stderr).toMatch(/^balloonsim: query: .*\n {2}tables here: timeseries \(one row per guest per sample\)\n$/);
  });
});
