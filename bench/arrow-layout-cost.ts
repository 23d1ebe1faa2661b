/**
 * Cost of the emulator's Arrow layout check (packages/emulator/src/flight/batch-layout.ts) next
 * to what a DoPut batch costs anyway: apache-arrow reading the IPC message, then the rows being
 * converted for the table. A 10,000-row batch of id BIGINT, name STRING (1 in 10 null), reading
 * DOUBLE, tags ARRAY<INT>; µs per batch, best of 7 rounds of 200 batches after a warm-up; not a
 * test.
 *
 *   npx tsx --conditions=@zerobus/source bench/arrow-layout-cost.ts
 */
import { splitIpcStream } from '@zerobus/sdk/wire';
import {
  Field,
  Int32,
  List,
  Message,
  makeVector,
  type Schema,
  Table,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { decodeBatchRows, inferTableSchema, planBatches } from '../packages/emulator/src/flight/arrow-rows.js';
import { type BatchHeader, checkBatchLayout } from '../packages/emulator/src/flight/batch-layout.js';
import { IpcDecoder } from '../packages/emulator/src/flight/ipc.js';

const ROWS = 10_000;
const names = vectorFromArray(
  Array.from({ length: ROWS }, (_, i) => (i % 10 === 0 ? null : `device-${i % 997}-${'x'.repeat(i % 20)}`)),
  new Utf8(),
);
const tags = vectorFromArray(
  Array.from({ length: ROWS }, (_, i) => Array.from({ length: i % 4 }, (_, k) => i + k)),
  new List(new Field('item', new Int32(), true)),
);
const full = new Table({
  id: makeVector(BigInt64Array.from({ length: ROWS }, (_, i) => BigInt(i) * 1_000_003n)),
  name: names,
  reading: makeVector(Float64Array.from({ length: ROWS }, (_, i) => i / 7)),
  tags,
});
const [schemaIpc, batchIpc] = splitIpcStream(tableToIPC(full, 'stream'));
if (!schemaIpc || !batchIpc) throw new Error('no IPC messages');
const schema = Message.decode(schemaIpc.header).header() as Schema;
const header = Message.decode(batchIpc.header).header() as unknown as BatchHeader;
const decoder = new IpcDecoder(schemaIpc);
const plan = planBatches(schema, inferTableSchema(schema));

function best(label: string, fn: () => void): number {
  for (let i = 0; i < 50; i++) fn();
  let min = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 7; round++) {
    const started = performance.now();
    for (let i = 0; i < 200; i++) fn();
    min = Math.min(min, ((performance.now() - started) * 1000) / 200);
  }
  console.log(
    `${label.padEnd(44)} ${min.toFixed(1).padStart(8)} µs/batch  ${((min * 1000) / ROWS).toFixed(1).padStart(6)} ns/row`,
  );
  return min;
}

console.log(`${ROWS} rows, ${batchIpc.body.length} body bytes, columns ${schema.fields.map((f) => f.name).join(', ')}`);
const check = best('layout check alone', () => checkBatchLayout(schema.fields, header, batchIpc.body, () => undefined));
const read = best('IpcDecoder.decode (check + apache-arrow read)', () => decoder.decode(batchIpc));
const rows = best('decode + rows for the table (the DoPut path)', () =>
  decodeBatchRows(plan, decoder.decode(batchIpc)),
);
console.log(
  `the check is ${((100 * check) / read).toFixed(1)}% of decode, ${((100 * check) / rows).toFixed(1)}% of decode + rows`,
);
