/**
 * A separate process appending to a Delta table, for the concurrency tests:
 *   append-worker.ts <dir> <first id> <appends> <rows per append> [maintenance]
 * Each append holds ids first..first+rows-1, then the next range. Prints "done" at the end.
 * Background upkeep (checkpoints, compaction) only with a fifth argument `maintenance`.
 */

import { DeltaTable } from '../../src/tables/delta/delta-table.js';

const [dir, first, appends, rows, maintenance] = process.argv.slice(2);
const table = await DeltaTable.open(dir as string, { maintenance: maintenance === 'maintenance' });
let id = Number(first);
for (let k = 0; k < Number(appends); k++) {
  const ids = Array.from({ length: Number(rows) }, () => id++);
  await table.append({
    rowCount: ids.length,
    columns: [ids.map(BigInt), ids.map((i) => `process ${process.pid} row ${i}`)],
  });
}
await table.settle();
console.log('done');
