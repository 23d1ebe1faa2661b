/**
 * Arrow schemas against table columns, and Arrow values → rows: the compatibility rules of
 * src/flight/arrow-readers.ts, the schemaless inference, and the messages that name the column,
 * the row and both types. Batches go through the server's own IPC path (FlightData → IPC
 * messages → apache-arrow), except where sliced in-memory data is the point.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { type DeltaType, schemaFromUcColumns, type TableSchema, type UcColumn } from '@zerobus/sdk/schema';
import {
  Bool,
  type Data,
  DateMillisecond,
  Dictionary,
  Field,
  Float16,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  List,
  Map_,
  makeData,
  makeVector,
  Null,
  type RecordBatch,
  Schema,
  Struct,
  type Table,
  TimeMillisecond,
  TimestampMicrosecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { type BatchPlan, decodeBatchRows, inferTableSchema, planBatches, rowJson } from '../src/flight/arrow-rows.js';
import { classifyFlightData, IpcDecoder } from '../src/flight/ipc.js';
import { SchemaMismatch } from '../src/validation/errors.js';
import { arrowTable, decimalVector, fixedVector } from './support/arrow-data.js';
import { FlightClient, tableMessages } from './support/flight-client.js';
import { setup as rawSetup } from './support/raw-client.js';

/** The table's schema and first batch as the server decodes them from FlightData. */
function throughIpc(table: Table): { schema: import('apache-arrow').Schema; batch: RecordBatch } {
  const messages = tableMessages(table);
  const schema = classifyFlightData(messages.schema.header, messages.schema.body);
  assert.equal(schema.kind, 'schema');
  const decoder = new IpcDecoder(schema.ipc);
  for (const d of messages.dictionaries) {
    const dictionary = classifyFlightData(d.header, d.body);
    assert.equal(dictionary.kind, 'dictionary');
    decoder.addDictionary(dictionary.id, dictionary.isDelta, dictionary.ipc);
  }
  const [batch] = messages.batches;
  return { schema: schema.schema, batch: decoder.decode(batch as NonNullable<typeof batch>) };
}

function columns(...list: (UcColumn | [string, string, boolean?])[]): TableSchema {
  return schemaFromUcColumns(
    list.map((c) => (Array.isArray(c) ? { name: c[0], type_text: c[1], nullable: c[2] ?? true } : c)),
  );
}

/** Plans and decodes the table's first batch; returns the rows or the rejection's text. */
function decode(table: TableSchema, arrow: Table): unknown[][] | string {
  const { schema, batch } = throughIpc(arrow);
  const plan = planBatches(schema, table);
  const rows = decodeBatchRows(plan, batch);
  return Array.isArray(rows) ? rows : `row ${rows.row}: ${rows.error.message}`;
}

function refused(table: TableSchema, arrow: Table): string {
  const { schema } = throughIpc(arrow);
  try {
    planBatches(schema, table);
  } catch (error) {
    assert.ok(error instanceof SchemaMismatch, String(error));
    return error.message;
  }
  assert.fail('the schema was accepted');
}

const one = (name: string, vector: import('apache-arrow').Vector) => arrowTable({ [name]: vector });

describe('Arrow schema against the table', () => {
  it('widens signed integers, and unsigned ones into strictly wider columns', () => {
    const table = columns(['b', 'tinyint'], ['s', 'smallint'], ['i', 'int'], ['l', 'bigint'], ['l2', 'bigint']);
    const arrow = arrowTable({
      b: fixedVector(new Int8(), [-128]),
      s: fixedVector(new Uint8(), [255]),
      i: fixedVector(new Uint16(), [65535]),
      l: fixedVector(new Int64(), [-(2n ** 63n)]),
      l2: fixedVector(new Uint32(), [4294967295]),
    });
    assert.deepEqual(decode(table, arrow), [[-128, 255, 65535, -(2n ** 63n), 4294967295n]]);
    assert.deepEqual(decode(columns(['l', 'bigint']), one('l', fixedVector(new Int16(), [-7]))), [[-7n]]);
  });

  it('never narrows, whatever the values, and names the column and both types', () => {
    assert.equal(
      refused(columns(['n', 'int']), one('n', fixedVector(new Int64(), [1n]))),
      'column "n": Arrow type Int64 cannot be written to a column of type integer (integers are widened, never narrowed)',
    );
    assert.match(refused(columns(['n', 'tinyint']), one('n', fixedVector(new Uint8(), [1]))), /Uint8 .* byte/);
    assert.match(refused(columns(['n', 'bigint']), one('n', fixedVector(new Uint64(), [1n]))), /Uint64 .* long/);
    assert.match(refused(columns(['n', 'float']), one('n', fixedVector(new Float64(), [1]))), /Float64 .* float/);
    assert.match(refused(columns(['n', 'double']), one('n', fixedVector(new Float16(), [0]))), /Float16 .* double/);
    assert.match(refused(columns(['n', 'int']), one('n', vectorFromArray(['1'], new Utf8()))), /Utf8 .* integer/);
    assert.match(
      refused(columns(['n', 'string']), one('n', fixedVector(new TimeMillisecond(), [1]))),
      /Time32\(ms\) .* string/,
    );
    assert.deepEqual(decode(columns(['d', 'double']), one('d', fixedVector(new Float32(), [0.5]))), [[0.5]]);
  });

  it('every Arrow field must be a column; every NOT NULL column must be a field; names appear once', () => {
    const table = columns(['id', 'bigint', false], ['n', 'int']);
    assert.equal(
      refused(table, arrowTable({ id: fixedVector(new Int64(), [1n]), extra: fixedVector(new Int32(), [1]) })),
      'column "extra": Arrow field is not a column of the table (expected one of: id, n)',
    );
    assert.equal(
      refused(table, one('n', fixedVector(new Int32(), [1]))),
      'column "id": NOT NULL (long), but missing from the Arrow schema',
    );
    // A nullable column may be left out: it is null.
    assert.deepEqual(decode(table, one('id', fixedVector(new Int64(), [5n]))), [[5n, null]]);
    const id = new Field('id', new Int64());
    const twice = new Schema([id, id]);
    assert.throws(() => planBatches(twice, table), new SchemaMismatch('id', 'the Arrow schema has this field twice'));
  });

  it('checks NOT NULL columns on the values, naming the row and the column', () => {
    const table = columns(['id', 'bigint', false]);
    assert.equal(
      decode(table, one('id', fixedVector(new Int64(), [1n, null]))),
      'row 1: field "id": expected long (NOT NULL), got null',
    );
    // An Arrow field of type Null fits any nullable column, but no NOT NULL one.
    assert.deepEqual(decode(columns(['x', 'string']), one('x', vectorFromArray([null, null], new Null()))), [
      [null],
      [null],
    ]);
    assert.equal(
      refused(columns(['x', 'string', false]), one('x', vectorFromArray([null], new Null()))),
      'column "x": NOT NULL column cannot take an Arrow field of type Null',
    );
  });

  it('timestamps: a time zone means timestamp, none means timestamp_ntz; units become microseconds exactly', () => {
    const zoned = columns(['t', 'timestamp']);
    const ntz = columns(['t', 'timestamp_ntz']);
    assert.match(
      refused(zoned, one('t', fixedVector(new TimestampMicrosecond(), [0n]))),
      /^column "t": Arrow type Timestamp\(us\) cannot be written to a column of type timestamp \(no time zone/,
    );
    assert.match(
      refused(ntz, one('t', fixedVector(new TimestampMicrosecond('UTC'), [0n]))),
      /Arrow type Timestamp\(us, tz=UTC\) cannot be written to a column of type timestamp_ntz \(a time zone/,
    );
    assert.deepEqual(decode(ntz, one('t', fixedVector(new TimestampNanosecond(), [-3_000n, 7_000n]))), [[-3n], [7n]]);
    assert.equal(
      decode(ntz, one('t', fixedVector(new TimestampNanosecond(), [1_000n, 1_001n]))),
      'row 1: field "t": expected timestamp_ntz (microsecond precision), got 1001 ns, which is not a whole number of microseconds (values are not truncated)',
    );
    assert.match(
      decode(zoned, one('t', fixedVector(new TimestampSecond('UTC'), [2n ** 62n]))) as string,
      /^row 0: field "t": expected timestamp, got 4611686018427387904 s, which is beyond the 64-bit microsecond range/,
    );
  });

  it('Date64 values must be whole days', () => {
    const table = columns(['d', 'date']);
    assert.deepEqual(decode(table, one('d', fixedVector(new DateMillisecond(), [0n, -86_400_000n]))), [[0], [-1]]);
    assert.match(
      decode(table, one('d', fixedVector(new DateMillisecond(), [1n]))) as string,
      /^row 0: field "d": expected date, got Date64 1 ms, which is not a whole number of days/,
    );
  });

  it('decimals: same scale, precision at most the column’s, values within the column’s digits', () => {
    const table = columns(['p', 'decimal(10,2)']);
    assert.deepEqual(decode(table, one('p', decimalVector(4, 2, [-5n, 9999n]))), [[-5n], [9999n]]);
    assert.match(refused(table, one('p', decimalVector(10, 3, [1n]))), /Decimal128\(10, 3\) .* decimal\(10,2\)/);
    assert.match(refused(table, one('p', decimalVector(12, 2, [1n]))), /the precision at most/);
    assert.equal(
      decode(columns(['p', 'decimal(3,0)']), one('p', decimalVector(3, 0, [999n, -1000n]))),
      'row 1: field "p": expected decimal(3,0), got an unscaled value of more than 3 digits (-1000)',
    );
  });

  it('variant columns take Utf8 JSON text, checked', () => {
    const table = columns(['v', 'variant']);
    assert.deepEqual(decode(table, one('v', vectorFromArray(['{"a":1}', 'null'], new Utf8()))), [
      ['{"a":1}'],
      ['null'],
    ]);
    assert.equal(
      decode(table, one('v', vectorFromArray(['[1', '2'], new Utf8()))),
      'row 0: field "v": expected variant (JSON text), got string "[1", which is not valid JSON',
    );
  });

  it('structs, lists and maps recursively, with element, value and field nullability on the values', () => {
    const loc = columns(['loc', 'struct<lat:double not null,lon:double,tags:array<string>>']);
    const struct = (fields: Field[], values: unknown[]) => one('loc', vectorFromArray(values, new Struct(fields)));
    // A nullable struct field may be left out; a NOT NULL one may not; unknown ones are refused.
    assert.deepEqual(decode(loc, struct([new Field('lat', new Float64())], [{ lat: 1 }, null])), [
      [{ lat: 1, lon: null, tags: null }],
      [null],
    ]);
    assert.equal(
      refused(loc, struct([new Field('lon', new Float64())], [{ lon: 1 }])),
      'column "loc.lat": NOT NULL (double), but missing from the Arrow struct',
    );
    assert.equal(
      refused(loc, struct([new Field('lat', new Float64()), new Field('alt', new Float64())], [{ lat: 1, alt: 2 }])),
      'column "loc.alt": Arrow field is not a field of loc (expected one of: lat, lon, tags)',
    );
    assert.equal(
      decode(loc, struct([new Field('lat', new Float64())], [{ lat: null }])),
      'row 0: field "loc.lat": expected double (NOT NULL), got null',
    );
    assert.match(
      refused(loc, struct([new Field('lat', new Float64()), new Field('tags', new Utf8())], [{ lat: 1, tags: 'x' }])),
      /^column "loc.tags": Arrow type Utf8 cannot be written to a column of type array<string>/,
    );

    // containsNull / valueContainsNull false are checked per element.
    const strict: TableSchema = {
      fields: [
        {
          name: 'a',
          type: { kind: 'array', elementType: { kind: 'primitive', name: 'integer' }, containsNull: false },
          nullable: true,
        },
        {
          name: 'm',
          type: {
            kind: 'map',
            keyType: { kind: 'primitive', name: 'string' },
            valueType: { kind: 'primitive', name: 'long' },
            valueContainsNull: false,
          } satisfies DeltaType,
          nullable: true,
        },
      ],
    };
    const mapType = new Map_(
      new Field(
        'entries',
        new Struct<{ key: Utf8; value: Int64 }>([new Field('key', new Utf8(), false), new Field('value', new Int64())]),
        false,
      ),
    );
    const table = (a: unknown[], m: unknown[]) =>
      arrowTable({
        a: vectorFromArray(a, new List(new Field('element', new Int32()))),
        m: vectorFromArray(m, mapType),
      });
    assert.deepEqual(decode(strict, table([[1, 2], []], [new Map([['k', 1n]]), new Map()])), [
      [[1, 2], new Map([['k', 1n]])],
      [[], new Map()],
    ]);
    assert.equal(
      decode(strict, table([[1, null]], [null])),
      'row 0: field "a[1]": expected integer (the array holds no nulls), got null',
    );
    assert.equal(
      decode(strict, table([null], [new Map([['k', null]])])),
      'row 0: field "m["k"]": expected long (the map holds no null values), got null',
    );

    // Map keys are unique (apache-arrow's builder cannot make duplicates: build the buffers).
    const entries = makeData({
      type: (mapType.children[0] as Field<Struct>).type,
      length: 2,
      nullCount: 0,
      children: [
        vectorFromArray(['k', 'k'], new Utf8()).data[0] as Data,
        fixedVector(new Int64(), [1n, 2n]).data[0] as Data,
      ],
    });
    const duplicates = makeVector(
      makeData({ type: mapType, length: 1, nullCount: 0, valueOffsets: Int32Array.of(0, 2), child: entries }),
    );
    assert.equal(
      decode(columns(['m', 'map<string,bigint>']), one('m', duplicates)),
      'row 0: field "m["k"]": duplicate map key',
    );
  });

  it('decodes dictionary-encoded fields; their value type must fit the column', () => {
    const dict = vectorFromArray(['x', 'y', 'x', null], new Dictionary(new Utf8(), new Int16()));
    assert.deepEqual(decode(columns(['c', 'string']), one('c', dict)), [['x'], ['y'], ['x'], [null]]);
    assert.equal(
      refused(columns(['c', 'int']), one('c', dict)),
      'column "c": Arrow type Utf8 cannot be written to a column of type integer',
    );
  });

  it('reads sliced in-memory data (offsets into bitmaps, values and children) exactly', () => {
    const table = arrowTable({
      id: fixedVector(new Int64(), [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n]),
      ok: vectorFromArray([true, false, null, true, true, false, true, false, true, null], new Bool()),
      tags: vectorFromArray(
        [['a'], [], null, ['b', 'c'], ['d'], null, [], ['e'], ['f', null], ['g']],
        new List(new Field('element', new Utf8())),
      ),
    }).slice(3, 9);
    const schema = columns(['id', 'bigint'], ['ok', 'boolean'], ['tags', 'array<string>']);
    const plan = planBatches(table.schema, schema);
    const batch = table.batches[0] as RecordBatch;
    assert.deepEqual(decodeBatchRows(plan, batch), [
      [3n, true, ['b', 'c']],
      [4n, true, ['d']],
      [5n, false, null],
      [6n, true, []],
      [7n, false, ['e']],
      [8n, true, ['f', null]],
    ]);
  });
});

describe('schemaless tables', () => {
  it('infer their columns from the Arrow schema', () => {
    const arrow = arrowTable(
      {
        b: fixedVector(new Int8(), [1]),
        u: fixedVector(new Uint16(), [1]),
        f: fixedVector(new Float32(), [1]),
        t: fixedVector(new TimestampNanosecond('UTC'), [1000n]),
        n: fixedVector(new TimestampSecond(), [1n]),
        p: decimalVector(9, 3, [1n]),
        s: vectorFromArray([{ x: 'a' }], new Struct([new Field('x', new Utf8(), false)])),
        z: vectorFromArray([null], new Null()),
      },
      ['b'],
    );
    const { schema } = throughIpc(arrow);
    const inferred = inferTableSchema(schema);
    assert.deepEqual(
      inferred.fields.map((f) => [f.name, f.nullable, f.type]),
      [
        ['b', false, { kind: 'primitive', name: 'byte' }],
        ['u', true, { kind: 'primitive', name: 'integer' }],
        ['f', true, { kind: 'primitive', name: 'float' }],
        ['t', true, { kind: 'primitive', name: 'timestamp' }],
        ['n', true, { kind: 'primitive', name: 'timestamp_ntz' }],
        ['p', true, { kind: 'decimal', precision: 9, scale: 3 }],
        [
          's',
          true,
          { kind: 'struct', fields: [{ name: 'x', nullable: false, type: { kind: 'primitive', name: 'string' } }] },
        ],
        ['z', true, { kind: 'primitive', name: 'string' }],
      ],
    );
    const plan: BatchPlan = planBatches(schema, inferred);
    const { batch } = throughIpc(arrow);
    const rows = decodeBatchRows(plan, batch);
    assert.ok(Array.isArray(rows));
    assert.equal(
      rowJson(rows[0] as unknown[], inferred),
      '{"b":1,"u":1,"f":1,"t":1,"n":1000000,"p":"0.001","s":{"x":"a"},"z":null}',
    );
  });

  it('refuse Arrow types without a Delta column type', () => {
    for (const [vector, label] of [
      [fixedVector(new Uint64(), [1n]), 'Uint64'],
      [fixedVector(new TimeMillisecond(), [1]), 'Time32(ms)'],
      [fixedVector(new Float16(), [0]), 'Float16'],
    ] as const) {
      const { schema } = throughIpc(one('x', vector));
      assert.throws(
        () => inferTableSchema(schema),
        new SchemaMismatch('x', `Arrow type ${label} has no Delta column type`),
      );
    }
  });
});

describe('schema refusals on the wire', () => {
  it('end the call with INVALID_ARGUMENT naming the table, the column and both types', async (t) => {
    const { emulator } = await rawSetup(t, { commitIntervalMs: 5 });
    await emulator.createDeltaTable('main.s.t', [
      { name: 'id', type_text: 'bigint', nullable: false },
      { name: 'n', type_text: 'int' },
    ]);
    const client = new FlightClient(emulator);
    t.after(() => client.close());
    const put = client.open('main.s.t');
    put.schema(arrowTable({ id: fixedVector(new Int64(), [1n]), n: vectorFromArray(['1'], new Utf8()) }));
    const result = await put.status;
    assert.equal(result.code, status.INVALID_ARGUMENT);
    assert.equal(
      result.details,
      'Arrow schema does not fit table main.s.t: column "n": Arrow type Utf8 cannot be written to a column of type integer',
    );
    assert.deepEqual(put.acks, [], 'no ready signal');

    const schemaless = client.open('main.default.x');
    schemaless.schema(one('t', fixedVector(new TimeMillisecond(), [1])));
    const refusedInferred = await schemaless.status;
    assert.equal(refusedInferred.code, status.INVALID_ARGUMENT);
    assert.equal(
      refusedInferred.details,
      'Arrow schema cannot make the columns of schemaless table main.default.x: column "t": Arrow type Time32(ms) has no Delta column type',
    );
  });

  it('a row that does not fit ends the call naming the offset, the row and the field', async (t) => {
    const { emulator } = await rawSetup(t, { commitIntervalMs: 5 });
    await emulator.createDeltaTable('main.s.v', [{ name: 'v', type_text: 'variant' }]);
    const client = new FlightClient(emulator);
    t.after(() => client.close());
    const put = client.open('main.s.v');
    const good = one('v', vectorFromArray(['1'], new Utf8()));
    put.schema(good);
    put.batches(good, 0);
    put.batches(one('v', vectorFromArray(['2', '{'], new Utf8())), 1);
    const result = await put.status;
    assert.equal(result.code, status.INVALID_ARGUMENT);
    assert.equal(
      result.details,
      'invalid record at offset_id 1 (row 1 of the batch): field "v": expected variant (JSON text), got string "{", which is not valid JSON',
    );
    assert.deepEqual(put.ackPairs().at(-1), [0, 1]);
  });
});
