/**
 * A separate process appending to a Delta table, for the concurrency tests:
 *   append-worker.ts <dir> <first id> <appends> <rows per append>
 * Each append holds ids first..first+rows-1, then the next range. Prints "done" at the end.
 */

import { DeltaTable } from '../../src/tables/delta/delta-table.js';

const [dir, first, appends, rows] = process.argv.slice(2);
const table = await DeltaTable.open(dir as string);
let id = Number(first);
for (let k = 0; k < Number(appends); k++) {
  const ids = Array.from({ length: Number(rows) }, () => id++);
  await table.append({
    rowCount: ids.length,
    columns: [ids.map(BigInt), ids.map((i) => `process ${process.pid} row ${i}`)],
  });
}
console.log('done');
