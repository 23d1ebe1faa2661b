/**
 * Integers stay exact on every path from a JSON record to the Delta table: BIGINT beyond 2^53
 * (2^60, the int64 extremes) as numbers and as text, inside STRUCT / ARRAY / MAP, TIMESTAMP
 * microseconds beyond 2^53 and DECIMAL digits beyond a double's, read back with DuckDB; the
 * emulator's in-memory records keep the text as sent. 2^63 is refused, not wrapped or rounded.
 * A property test writes random int64s through every nesting and reads them back.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEmulator } from '@zerobus/emulator';
import { NonRetriableError, TableProperties, ZerobusSdk } from '@zerobus/sdk';
import fc from 'fast-check';
import { readDeltaTable } from '../support/delta-reader.js';
import { CLIENT_ID, CLIENT_SECRET } from '../support/harness.js';

const COLUMNS = [
  { name: 'k', type_text: 'int', nullable: false },
  { name: 'id', type_text: 'bigint' },
  { name: 's', type_text: 'struct<x:bigint>' },
  { name: 'a', type_text: 'array<bigint>' },
  { name: 'm', type_text: 'map<string,bigint>' },
  { name: 'mk', type_text: 'map<bigint,int>' },
  { name: 'ts', type_text: 'timestamp' },
  { name: 'd', type_text: 'decimal(38,0)' },
  { name: 'd2', type_text: 'decimal(20,2)' },
];

async function setup(table: string) {
  const emulator = await startEmulator({ commitIntervalMs: 5, storeRecords: true });
  await emulator.createDeltaTable(table, COLUMNS);
  const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
  const open = () =>
    sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(table), { recordType: 'json', recovery: false });
  const read = async () =>
    (await readDeltaTable(`${emulator.dataDir}/${table.replaceAll('.', '/')}`, { orderBy: 'k' })).rows;
  return { emulator, open, read };
}

const P60 = 1152921504606846976n; // 2^60
const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;

describe('integers beyond 2^53 in JSON records', () => {
  it('are stored exactly, as numbers or text, at the top level and nested', async () => {
    const table = 'main.exact.ints';
    const { emulator, open, read } = await setup(table);
    await using _ = emulator;
    const records = [
      `{"k":0,"id":${P60}}`,
      `{"k":1,"id":${MIN}}`,
      `{"k":2,"id":${MAX}}`,
      `{"k":3,"id":"${P60}"}`,
      `{"k":4,"id":${P60}.0}`,
      `{"k":5,"id":1.152921504606846976e18}`,
      `{"k":6,"s":{"x":${P60 + 1n}},"a":[${MAX},${MIN},${P60}],"m":{"big":${-P60 - 1n}},"mk":{"${MAX}":1}}`,
      `{"k":7,"ts":${2n ** 53n + 1n}}`,
      `{"k":8,"d":12345678901234567890123456789012345678,"d2":123456789012345678.91}`,
      `{"k":9,"d":"-99999999999999999999999999999999999999","d2":"-0.01"}`,
    ];
    const stream = await open();
    for (const record of records) await stream.ingestRecordOffset(record);
    await stream.close();
    assert.deepEqual(
      emulator.records(table).map((r) => r.payload),
      records,
      'the in-memory records are the text as sent',
    );
    const rows = await read();
    assert.deepEqual(
      rows.map((r) => r.id),
      [P60, MIN, MAX, P60, P60, P60, null, null, null, null],
    );
    assert.deepEqual(rows[6]?.s, { x: P60 + 1n });
    assert.deepEqual(rows[6]?.a, [MAX, MIN, P60]);
    assert.deepEqual(rows[6]?.m, new Map([['big', -P60 - 1n]]));
    assert.deepEqual(rows[6]?.mk, new Map([[MAX, 1]]));
    assert.equal(rows[7]?.ts, 2n ** 53n + 1n);
    assert.equal(rows[8]?.d, 12345678901234567890123456789012345678n);
    assert.equal(rows[8]?.d2, 12345678901234567891n);
    assert.equal(rows[9]?.d, -99999999999999999999999999999999999999n);
    assert.equal(rows[9]?.d2, -1n);
  });

  it('2^63 and -2^63-1 are refused with INVALID_ARGUMENT naming the field, never stored', async () => {
    const table = 'main.exact.range';
    const { emulator, open, read } = await setup(table);
    await using _ = emulator;
    for (const [record, field] of [
      [`{"k":0,"id":${2n ** 63n}}`, 'id'],
      [`{"k":0,"a":[1,${MIN - 1n}]}`, 'a'],
      [`{"k":0,"s":{"x":"${2n ** 63n}"}}`, 's'],
    ] as const) {
      const stream = await open();
      await assert.rejects(
        stream.ingestRecordOffset(record).then((o) => stream.waitForOffset(o)),
        (e: unknown) => {
          assert.ok(e instanceof NonRetriableError, String(e));
          assert.equal(e.code, 'INVALID_ARGUMENT');
          assert.match(e.message, new RegExp(`offset_id 0.*${field}.*long`));
          return true;
        },
      );
    }
    assert.deepEqual(await read(), []);
  });

  it('random int64s survive every nesting (property, seeded)', async () => {
    const table = 'main.exact.prop';
    const { emulator, open, read } = await setup(table);
    await using _ = emulator;
    const int64 = fc.bigInt({ min: MIN, max: MAX });
    const batches = fc.sample(fc.array(int64, { minLength: 1, maxLength: 40 }), { seed: 20261207, numRuns: 5 });
    const expected: bigint[] = [];
    const stream = await open();
    let k = 0;
    for (const values of batches) {
      const records = values.map((v) => {
        expected.push(v);
        const text = k % 2 === 0 ? `${v}` : `"${v}"`;
        return `{"k":${k++},"id":${text},"s":{"x":${v}},"a":[${v}],"m":{"v":${v}},"mk":{"${v}":0}}`;
      });
      await stream.ingestRecordsOffset(records);
    }
    await stream.close();
    const rows = await read();
    assert.equal(rows.length, expected.length);
    rows.forEach((row, i) => {
      const v = expected[i] as bigint;
      assert.deepEqual(
        [row.id, row.s, row.a, row.m, row.mk],
        [v, { x: v }, [v], new Map([['v', v]]), new Map([[v, 0]])],
      );
    });
  });
});
