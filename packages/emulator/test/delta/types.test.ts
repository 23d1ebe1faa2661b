/**
 * Every column type written with DeltaTable and read back by an independent reader (our own log
 * replay + DuckDB's read_parquet): DuckDB's types match the Delta schema, every value comes back
 * as written, and each file's stats hold.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DeltaType, parseTypeText, schemaFromUcColumns, type TableSchema } from '@zerobus/sdk/schema';
import { expectedDuckDbType, query, readDeltaTable } from '../../../../test/support/delta-reader.js';
import { DeltaTable } from '../../src/tables/delta/delta-table.js';
import {
  asRead,
  checkStats,
  MAX_DAY,
  MAX_MICROS,
  MIN_DAY,
  MIN_MICROS,
  randomValue,
  seeded,
  toBatch,
  withTempDir,
} from './support.js';

const fromText = schemaFromUcColumns([
  { name: 'id', type_text: 'int', nullable: false },
  { name: 'b', type_text: 'tinyint', nullable: true },
  { name: 's', type_text: 'smallint', nullable: true },
  { name: 'i', type_text: 'int', nullable: true },
  { name: 'l', type_text: 'bigint', nullable: true },
  { name: 'f', type_text: 'float', nullable: true },
  { name: 'd', type_text: 'double', nullable: true },
  { name: 'bool', type_text: 'boolean', nullable: true },
  { name: 'str', type_text: 'string', nullable: true },
  { name: 'str_nn', type_text: 'varchar(100)', nullable: false },
  { name: 'bin', type_text: 'binary', nullable: true },
  { name: 'dt', type_text: 'date', nullable: true },
  { name: 'ts', type_text: 'timestamp', nullable: true },
  { name: 'ntz', type_text: 'timestamp_ntz', nullable: true },
  { name: 'v', type_text: 'variant', nullable: true },
  { name: 'dec', type_text: 'decimal(38,10)', nullable: true },
  { name: 'dec9', type_text: 'decimal(9,2)', nullable: true },
  { name: 'dec18', type_text: 'decimal(18,4)', nullable: true },
  { name: 'arr', type_text: 'array<int>', nullable: true },
  { name: 'nested_arr', type_text: 'array<array<bigint>>', nullable: true },
  { name: 'm', type_text: 'map<string,bigint>', nullable: true },
  { name: 'm_struct', type_text: 'map<int,struct<x:double,y:string>>', nullable: true },
  {
    name: 'st',
    type_text:
      'struct<a:int,`b c`:string not null,inner:struct<d:date,e:array<decimal(38,10)>,t:timestamp>,v:variant,m:map<string,array<timestamp_ntz>>>',
    nullable: true,
  },
  { name: 'arr_st', type_text: 'array<struct<k:string,n:smallint not null,vs:array<variant>>>', nullable: true },
  { name: 'weird name!', type_text: 'int', nullable: true },
]);

// Type text cannot say containsNull/valueContainsNull false; build those columns as types.
const strict: DeltaType = {
  kind: 'struct',
  fields: [
    {
      name: 'arr_nn',
      type: { kind: 'array', elementType: parseTypeText('string'), containsNull: false },
      nullable: false,
    },
    {
      name: 'map_nn',
      type: {
        kind: 'map',
        keyType: parseTypeText('bigint'),
        valueType: parseTypeText('date'),
        valueContainsNull: false,
      },
      nullable: true,
    },
  ],
};
const schema: TableSchema = { fields: [...fromText.fields, ...(strict.kind === 'struct' ? strict.fields : [])] };

const NINES_38 = 10n ** 38n - 1n;

/** Edge values by hand: extremes, empties, unicode, and nulls at every level. */
const handRows: Record<string, unknown>[] = [
  {
    id: 1,
    b: 127,
    s: 32767,
    i: 2147483647,
    l: 9223372036854775807n,
    f: 3.4028234663852886e38,
    d: Number.MAX_VALUE,
    bool: true,
    str: 'héllo wörld 🌍 日本語 \u0000 end',
    str_nn: '\u{10FFFF}'.repeat(40),
    bin: Uint8Array.from({ length: 256 }, (_, k) => k),
    dt: MAX_DAY,
    // The last millisecond of 9999 (a later microsecond would round the max past 9999).
    ts: MAX_MICROS - 999n,
    ntz: MAX_MICROS - 999n,
    v: '{"a":[1,2,{"b":null}],"s":"ü"}',
    dec: NINES_38,
    dec9: 999_999_999n,
    dec18: 999_999_999_999_999_999n,
    arr: [1, null, 3],
    nested_arr: [[1n, null], null, [], [9223372036854775807n]],
    m: new Map<string, bigint | null>([
      ['a', 1n],
      ['', null],
      ['🌍', -5n],
    ]),
    m_struct: new Map([
      [1, { x: 1.5, y: 'one' }],
      [2, null],
      [3, { x: null, y: null }],
    ]),
    st: {
      a: 1,
      'b c': 'required',
      inner: { d: 0, e: [NINES_38, null, -NINES_38], t: 0n },
      v: 'null',
      m: new Map([
        ['k', [0n, null, -1n]],
        ['n', null],
      ]),
    },
    arr_st: [{ k: 'x', n: -32768, vs: ['1', null, '"s"'] }, null, { k: null, n: 0, vs: null }],
    'weird name!': 7,
    arr_nn: ['a', '', 'ß'],
    map_nn: new Map([[1n, MIN_DAY]]),
  },
  {
    id: 2,
    b: -128,
    s: -32768,
    i: -2147483648,
    l: -9223372036854775808n,
    f: -0.1, // not a float32: read back rounded
    d: -Number.MAX_VALUE,
    bool: false,
    str: '',
    str_nn: '',
    bin: new Uint8Array(0),
    dt: MIN_DAY,
    ts: MIN_MICROS,
    ntz: -1n,
    v: '[]',
    dec: -NINES_38,
    dec9: -1n,
    dec18: 0n,
    arr: [],
    nested_arr: [],
    m: new Map(),
    m_struct: new Map(),
    st: { a: null, 'b c': '', inner: null, v: null, m: null },
    arr_st: [],
    'weird name!': null,
    arr_nn: [],
    map_nn: new Map(),
  },
  {
    id: 3,
    str_nn: 'nulls everywhere else',
    arr_nn: [],
    // every nullable column left null
  },
  {
    id: 4,
    str_nn: 'nested nulls',
    arr: [null],
    nested_arr: [null, [null]],
    m: new Map([['only', null]]),
    st: { a: null, 'b c': 'x', inner: { d: null, e: [], t: null }, v: null, m: new Map() },
    arr_st: [null, null],
    arr_nn: ['x'],
    f: Number.MIN_VALUE, // below float32's range: rounds to 0
  },
];

function rowsWithRandom(count: number, seed: number): Record<string, unknown>[] {
  const rand = seeded(seed);
  const rows = handRows.map((r) => ({ ...r }));
  for (let k = 0; k < count; k++) {
    const row: Record<string, unknown> = {};
    for (const field of schema.fields) row[field.name] = randomValue(field.type, field.nullable, rand);
    row.id = 100 + k;
    rows.push(row);
  }
  return rows;
}

describe('Delta types', () => {
  it('writes every type so that DuckDB reads back the declared types and the same values', async () => {
    await withTempDir(async (dir) => {
      const table = await DeltaTable.create(dir, schema);
      const rows = rowsWithRandom(400, 42);
      const result = await table.append(toBatch(schema, rows));
      assert.equal(result.version, 1);
      assert.equal(result.rows, rows.length);
      assert.match(result.file, /^part-00000-[0-9a-f-]{36}-c000\.snappy\.parquet$/);

      const read = await readDeltaTable(dir, { orderBy: 'id' });
      // DuckDB's types are what the log's schema says.
      const logFields = read.snapshot.schema.fields;
      assert.deepEqual(
        read.columns,
        logFields.map((f) => ({ name: f.name, type: expectedDuckDbType(f.type) })),
      );
      // The variant columns are strings on disk and variants again for the table.
      assert.equal(logFields.find((f) => f.name === 'v')?.type, 'string');
      assert.deepEqual((await DeltaTable.open(dir)).schema, schema);

      assert.equal(read.rows.length, rows.length);
      rows.forEach((row, k) => {
        const got = read.rows[k] as Record<string, unknown>;
        for (const field of schema.fields) {
          const expected = asRead(field.type, row[field.name] ?? null);
          assert.deepStrictEqual(got[field.name], expected, `row id ${row.id}, column ${field.name}`);
        }
      });

      const file = read.snapshot.files[0];
      assert.ok(file?.stats);
      checkStats(schema, rows, file.stats);
    });
  });

  it('writes exact stats for longs, decimals, dates, timestamps and truncated strings', async () => {
    await withTempDir(async (dir) => {
      const table = await DeltaTable.create(dir, schema);
      await table.append(toBatch(schema, handRows));
      const stats = (await readDeltaTable(dir)).snapshot.files[0]?.stats;
      const min = stats?.minValues as Record<string, unknown>;
      const max = stats?.maxValues as Record<string, unknown>;
      assert.equal(min.l, -9223372036854775808n);
      assert.equal(max.l, 9223372036854775807n);
      assert.equal(min.dec, '-9999999999999999999999999999.9999999999');
      assert.equal(max.dec, '9999999999999999999999999999.9999999999');
      assert.equal(min.dec9, -0.01);
      assert.equal(max.dec9, 9999999.99);
      assert.equal(min.dt, '0001-01-01');
      assert.equal(max.dt, '9999-12-31');
      assert.equal(min.ts, '0001-01-01T00:00:00.000Z');
      assert.equal(max.ts, '9999-12-31T23:59:59.999Z');
      assert.equal(min.ntz, '1969-12-31T23:59:59.999'); // -1 µs rounds down
      assert.equal(max.ntz, '9999-12-31T23:59:59.999');
      assert.equal(max.f, 3.4028234663852886e38);
      assert.equal(min.f, Math.fround(-0.1));
      assert.equal(min.str, '');
      assert.equal(max.str, 'héllo wörld 🌍 日本語 \u0000 end');
      // 40 × U+10FFFF: no shorter string bounds it from above, so the whole string is kept.
      assert.equal(max.str_nn, '\u{10FFFF}'.repeat(40));
      assert.deepEqual(min.st, { a: 1, 'b c': '', inner: { d: '1970-01-01', t: '1970-01-01T00:00:00.000Z' } });
      assert.deepEqual(stats?.nullCount?.st, {
        a: 3,
        'b c': 1,
        inner: { d: 3, e: 2, t: 3 },
        v: 3,
        m: 2,
      });
      for (const column of ['bool', 'bin', 'v', 'arr', 'm', 'arr_st', 'arr_nn', 'map_nn']) {
        assert.equal(min[column], undefined, column);
        assert.equal(typeof stats?.nullCount?.[column], 'number', column);
      }
    });
  });

  it('leaves min/max out for a float column holding NaN or Infinity', async () => {
    await withTempDir(async (dir) => {
      const s = schemaFromUcColumns([
        { name: 'f', type_text: 'float', nullable: true },
        { name: 'd', type_text: 'double', nullable: true },
      ]);
      const table = await DeltaTable.create(dir, s);
      const rows = [
        { f: Number.NaN, d: 1 },
        { f: 1, d: Number.NEGATIVE_INFINITY },
        { f: null, d: 2 },
      ];
      await table.append(toBatch(s, rows));
      const read = await readDeltaTable(dir);
      assert.ok(Number.isNaN(read.rows[0]?.f));
      assert.equal(read.rows[1]?.d, Number.NEGATIVE_INFINITY);
      const stats = read.snapshot.files[0]?.stats;
      assert.deepEqual(stats?.minValues, {});
      assert.deepEqual(stats?.nullCount, { f: 1, d: 0 });
    });
  });

  it('writes Parquet with the physical layout Spark uses', async () => {
    await withTempDir(async (dir) => {
      const table = await DeltaTable.create(dir, schema);
      const { file } = await table.append(toBatch(schema, handRows));
      const meta = await query(
        `SELECT name, type, converted_type, logical_type, type_length FROM parquet_schema('${dir}/${file}')`,
      );
      const byName = new Map(meta.map((m) => [m.name, m]));
      assert.equal(byName.get('b')?.converted_type, 'INT_8');
      assert.equal(byName.get('s')?.converted_type, 'INT_16');
      assert.equal(byName.get('dec9')?.type, 'INT32');
      assert.equal(byName.get('dec18')?.type, 'INT64');
      assert.equal(byName.get('dec')?.type, 'FIXED_LEN_BYTE_ARRAY');
      assert.equal(byName.get('ntz')?.converted_type, null);
      assert.equal(byName.get('ts')?.converted_type, 'TIMESTAMP_MICROS');
    });
  });
});
