/**
 * Append throughput of DeltaTable (Parquet encoding, stats, fsynced data file and commit) for a
 * 10-column table of ~220-byte rows. Slow, so it runs only with DELTA_BENCH=1:
 *   DELTA_BENCH=1 node scripts/run-tests.mjs packages/emulator/test/delta/throughput.test.ts
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { schemaFromUcColumns } from '@zerobus/sdk/schema';
import { readDeltaLog } from '../../../../test/support/delta-reader.js';
import { DeltaTable } from '../../src/tables/delta/delta-table.js';
import { makeBatch, SCHEMA_COLUMNS } from './bench-data.js';

const enabled = process.env.DELTA_BENCH === '1';

for (const [rowsPerAppend, appends] of [
  [100_000, 10],
  [1_000, 500],
] as const) {
  it(`appends ${rowsPerAppend} rows at a time`, { skip: !enabled, timeout: 600_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'delta-bench-'));
    try {
      const table = await DeltaTable.create(dir, schemaFromUcColumns(SCHEMA_COLUMNS));
      await table.append(makeBatch(rowsPerAppend, -rowsPerAppend)); // warm-up, not timed
      let bytes = 0;
      let ms = 0;
      for (let i = 0; i < appends; i++) {
        // Made just before its append and timed alone: holding every batch at once measures the GC.
        const batch = makeBatch(rowsPerAppend, i * rowsPerAppend);
        const start = performance.now();
        bytes += (await table.append(batch)).bytes;
        ms += performance.now() - start;
      }
      const seconds = ms / 1000;
      const rows = rowsPerAppend * appends;
      console.log(
        `${rowsPerAppend} rows/append: ${Math.round(rows / seconds)} rows/s, ` +
          `${(appends / seconds).toFixed(1)} commits/s, ${(bytes / rows).toFixed(1)} bytes/row on disk`,
      );
      assert.equal(readDeltaLog(dir).files.length, appends + 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
