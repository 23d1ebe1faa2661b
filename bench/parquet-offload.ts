/**
 * Where encoding a commit's data file in a worker thread pays (tables/parquet-workers.ts): for
 * batches of N rows of the durable bench's table (bigint id, 200-character string), the event
 * loop's time per batch encoded inline (Parquet + stats) against the event loop's time to hand
 * the batch to a thread (structured clone) and the round trip until the file is back.
 * Median of `--runs` batches per size.
 *
 *   npx tsx --conditions=@zerobus/source bench/parquet-offload.ts [--runs 15]
 */
import { parseArgs } from 'node:util';
import type { TableSchema } from '@zerobus/sdk/schema';
import { encodeDataFile } from '../packages/emulator/src/tables/delta/data-file.js';
import { parquetSchema } from '../packages/emulator/src/tables/delta/parquet-schema.js';
import { ParquetWorkers } from '../packages/emulator/src/tables/parquet-workers.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const RUNS = Number(values.runs);
const schema: TableSchema = {
  fields: [
    { name: 'id', type: { kind: 'primitive', name: 'long' }, nullable: true },
    { name: 'p', type: { kind: 'primitive', name: 'string' }, nullable: true },
  ],
};
const layout = { schema, parquetSchema: parquetSchema(schema) };
const batchOf = (n: number) => ({
  columns: [
    Array.from({ length: n }, (_, i) => BigInt(i)),
    Array.from({ length: n }, (_, i) => `r${i}:`.padEnd(200, 'x')),
  ],
  rowCount: n,
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const pool = new ParquetWorkers({ threads: 1, minRows: 0 });
await pool.encode(layout, batchOf(10)); // start the thread
console.log('| rows | inline (loop) ms | offload (loop) ms | offload round trip ms |\n|---:|---:|---:|---:|');
for (const n of [16, 128, 512, 2048, 8192, 32768, 100_000]) {
  const batch = batchOf(n);
  const inline: number[] = [];
  const loop: number[] = [];
  const trip: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    let t = performance.now();
    encodeDataFile(layout, batch);
    inline.push(performance.now() - t);
    t = performance.now();
    const done = pool.encode(layout, batch);
    loop.push(performance.now() - t);
    await done;
    trip.push(performance.now() - t);
  }
  const f = (x: number) => x.toFixed(3);
  console.log(`| ${n} | ${f(median(inline))} | ${f(median(loop))} | ${f(median(trip))} |`);
}
await pool.close();
