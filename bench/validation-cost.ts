/**
 * Per-record cost of client-side validation (option `validate`) on a 10-column record, JSON and
 * proto, in ns/record (best of 5 rounds of 200,000 after a warm-up); not a test.
 *
 *   npx tsx bench/validation-cost.ts
 */
import protobuf from 'protobufjs';
import { createRecordEncoder } from '../packages/sdk/src/records/encoder.js';
import { recordCheck } from '../packages/sdk/src/records/schema-check.js';
import { withSchemaCheck } from '../packages/sdk/src/records/schema-encoder.js';
import { schemaFromUcColumns } from '../packages/sdk/src/schema.js';

const schema = schemaFromUcColumns([
  { name: 'id', type_text: 'bigint', nullable: false },
  { name: 'device', type_text: 'string' },
  { name: 'temp', type_text: 'double' },
  { name: 'ok', type_text: 'boolean' },
  { name: 'n', type_text: 'int' },
  { name: 'day', type_text: 'date' },
  { name: 'ts', type_text: 'timestamp' },
  { name: 'price', type_text: 'decimal(10,2)' },
  { name: 'tags', type_text: 'array<string>' },
  { name: 'attrs', type_text: 'map<string,int>' },
]);
const Row = protobuf
  .parse(`syntax = "proto2"; message Row { required int64 id = 1; optional string device = 2;
  optional double temp = 3; optional bool ok = 4; optional int32 n = 5; optional int32 day = 6; optional int64 ts = 7;
  optional string price = 8; repeated string tags = 9; map<string, int32> attrs = 10; }`)
  .root.lookupType('Row');

const N = 200_000;
const at = new Date('2024-05-01T12:00:00.123Z');
// Already in wire form: the check converts nothing (pure checking cost).
const wire = Array.from({ length: N }, (_, i) => ({
  id: i,
  device: `dev-${i % 100}`,
  temp: 20.5 + (i % 7),
  ok: i % 2 === 0,
  n: i % 1000,
  day: 19_844,
  ts: 1_714_564_800_123_000,
  price: '12.34',
  tags: ['a', 'b'],
  attrs: { k: i % 5 },
}));
// User forms: Date, Date, number decimal, bigint id: the check converts three fields (copy of the record).
const user = Array.from({ length: N }, (_, i) => ({
  id: BigInt(i),
  device: `dev-${i % 100}`,
  temp: 20.5 + (i % 7),
  ok: i % 2 === 0,
  n: i % 1000,
  day: at,
  ts: at,
  price: 12.34,
  tags: ['a', 'b'],
  attrs: { k: i % 5 },
}));

function time(label: string, fn: (r: object, i: number) => unknown, records: object[]): number {
  for (let k = 0; k < 3; k++) for (let i = 0; i < records.length; i++) fn(records[i]!, i); // warm up
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < records.length; i++) fn(records[i]!, i);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / records.length);
  }
  console.log(`${label.padEnd(52)} ${best.toFixed(0).padStart(5)} ns/record`);
  return best;
}

for (const mode of ['json', 'proto'] as const) {
  const plain = createRecordEncoder(mode, mode === 'proto' ? Row : undefined);
  const checked = withSchemaCheck(plain, schema, undefined);
  const check = recordCheck(schema, mode);
  console.log(`-- ${mode}`);
  time('check only, record already in wire form', (r) => check(r), wire);
  time('check only, Date/Date/number decimal/bigint to convert', (r) => check(r), user);
  const a = time('encode, no validation (wire-form record)', (r, i) => plain.encode(r, i), wire);
  const b = time('encode with validation (wire-form record)', (r, i) => checked.encode(r, i), wire);
  time('encode with validation (user-form record)', (r, i) => checked.encode(r, i), user);
  console.log(`${'validation overhead on wire-form records'.padEnd(52)} ${(b - a).toFixed(0).padStart(5)} ns/record`);
}
