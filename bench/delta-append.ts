/**
 * Append throughput of the local server's Delta writer (`DeltaTable.append`: Parquet encoding,
 * statistics, fsynced data file and commit) for a 10-column table of ~220-byte rows, with large
 * and small appends.
 *
 *   npx tsx --conditions=@zerobus/source bench/delta-append.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { schemaFromUcColumns } from '@zerobus/sdk/schema';
import { DeltaTable } from '../packages/emulator/src/tables/delta/delta-table.js';
import { makeBatch, SCHEMA_COLUMNS } from './delta-data.js';

for (const [rowsPerAppend, appends] of [
  [100_000, 10],
  [1_000, 500],
] as const) {
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
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
