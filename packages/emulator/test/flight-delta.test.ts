/**
 * Arrow Flight DoPut → Delta table → DuckDB: every Delta column type written from Arrow record
 * batches and read back by the independent reader of test/support/delta-reader.ts, including
 * the Arrow types that are converted on the way (units, widths, encodings, layouts).
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { startEmulator } from '@zerobus/emulator';
import {
  Binary,
  BinaryView,
  Bool,
  DateDay,
  DateMillisecond,
  Dictionary,
  Field,
  FixedSizeBinary,
  FixedSizeList,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  LargeBinary,
  LargeList,
  LargeUtf8,
  List,
  Map_,
  Struct,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint8,
  Uint16,
  Uint32,
  Utf8,
  Utf8View,
  vectorFromArray,
} from 'apache-arrow';
import { ALL_TYPES_COLUMNS, expected, NULLS } from '../../../test/support/all-types.js';
import { expectedDuckDbType, readDeltaLog, readDeltaTable } from '../../../test/support/delta-reader.js';
import { arrowTable, decimalVector, fixedVector } from './support/arrow-data.js';
import { FlightClient } from './support/flight-client.js';

const utf8List = () => new List(new Field('element', new Utf8(), true));

/** Two rows of every type: id 1 with every value of `expected(1n)`, id 2 with nulls only. */
function allTypesTable() {
  return arrowTable(
    {
      id: fixedVector(new Int64(), [1n, 2n]),
      b: fixedVector(new Int8(), [-128, null]),
      s: fixedVector(new Int16(), [32767, null]),
      i: fixedVector(new Int32(), [-2147483648, null]),
      f: fixedVector(new Float32(), [1.5, null]),
      d: fixedVector(new Float64(), [2.25, null]),
      ok: vectorFromArray([true, null], new Bool()),
      name: vectorFromArray(['héllo ✓', null], new Utf8()),
      bin: vectorFromArray([Uint8Array.of(0, 1, 255), null], new Binary()),
      day: fixedVector(new DateDay(), [19_000, null]),
      ts: fixedVector(new TimestampMicrosecond('UTC'), [1_764_000_000_123_456n, null]),
      ntz: fixedVector(new TimestampMicrosecond(), [-1n, null]),
      price: decimalVector(10, 2, [123456n, null]),
      v: vectorFromArray(['{"k":[1,2]}', null], new Utf8()),
      tags: vectorFromArray([['x', 'y'], null], utf8List()),
      attrs: vectorFromArray(
        [new Map([['k', 7]]), null],
        new Map_(
          new Field(
            'entries',
            new Struct<{ key: Utf8; value: Int32 }>([
              new Field('key', new Utf8(), false),
              new Field('value', new Int32(), true),
            ]),
            false,
          ),
        ),
      ),
      loc: vectorFromArray(
        [{ lat: 1.5, lon: -2.5, labels: ['a'] }, null],
        new Struct([
          new Field('lat', new Float64(), true),
          new Field('lon', new Float64(), true),
          new Field('labels', utf8List(), true),
        ]),
      ),
    },
    ['id'],
  );
}

describe('Arrow Flight → Delta table → DuckDB', () => {
  it('round-trips every Delta type', async () => {
    await using emulator = await startEmulator({ commitIntervalMs: 5, storeRecords: true });
    await emulator.createDeltaTable('main.types.all', ALL_TYPES_COLUMNS);
    const client = new FlightClient(emulator);
    try {
      const put = client.open('main.types.all');
      const result = await put.putAll(allTypesTable());
      assert.equal(result.code, status.OK, result.details);
      assert.deepEqual(put.ackPairs().at(-1), [0, 2]);
    } finally {
      client.close();
    }
    const dir = emulator.catalog.table('main.types.all')?.delta.dir as string;
    const { rows, columns, snapshot } = await readDeltaTable(dir, { orderBy: 'id' });
    assert.deepEqual(
      columns.map((c) => c.type),
      snapshot.schema.fields.map((f: { type: unknown }) => expectedDuckDbType(f.type)),
    );
    assert.deepEqual(rows, [expected(1n), { id: 2n, ...NULLS }]);
    // records() shows the same rows, exactly and as JSON-stream records.
    const records = emulator.records('main.types.all');
    assert.equal(records[0]?.recordType, 'arrow');
    assert.equal(records[0]?.row?.price, 123456n);
    assert.deepEqual(JSON.parse(records[0]?.payload as string).price, '1234.56');
    assert.deepEqual(JSON.parse(records[0]?.payload as string).bin, 'AAH/');
  });

  it('converts units, widths, encodings and layouts on the way', async () => {
    await using emulator = await startEmulator({ commitIntervalMs: 5 });
    await emulator.createDeltaTable('main.s.conv', [
      { name: 'id', type_text: 'int', nullable: false },
      { name: 'ts_s', type_text: 'timestamp' },
      { name: 'ts_ms', type_text: 'timestamp' },
      { name: 'ts_ns', type_text: 'timestamp' },
      { name: 'ntz_ns', type_text: 'timestamp_ntz' },
      { name: 'd64', type_text: 'date' },
      { name: 'wide', type_text: 'bigint' },
      { name: 'u8', type_text: 'smallint' },
      { name: 'u16', type_text: 'int' },
      { name: 'u32', type_text: 'bigint' },
      { name: 'f2d', type_text: 'double' },
      { name: 'large', type_text: 'string' },
      { name: 'dict', type_text: 'string' },
      { name: 'lbin', type_text: 'binary' },
      { name: 'fbin', type_text: 'binary' },
      { name: 'dec', type_text: 'decimal(10,2)' },
      { name: 'dec256', type_text: 'decimal(38,0)' },
      { name: 'llist', type_text: 'array<bigint>' },
      { name: 'flist', type_text: 'array<int>' },
      { name: 'sview', type_text: 'string' },
      { name: 'bview', type_text: 'binary' },
    ]);
    const table = arrowTable(
      {
        id: fixedVector(new Int32(), [1, 2]),
        ts_s: fixedVector(new TimestampSecond('Europe/Paris'), [1_700_000_000n, null]),
        ts_ms: fixedVector(new TimestampMillisecond('+01:00'), [-1n, 1_700_000_000_123n]),
        ts_ns: fixedVector(new TimestampNanosecond('UTC'), [1_700_000_000_123_456_000n, -1_000n]),
        ntz_ns: fixedVector(new TimestampNanosecond(), [5_000n, null]),
        d64: fixedVector(new DateMillisecond(), [86_400_000n * 19_000n, -86_400_000n]),
        wide: fixedVector(new Int8(), [-5, 127]),
        u8: fixedVector(new Uint8(), [255, 0]),
        u16: fixedVector(new Uint16(), [65535, 1]),
        u32: fixedVector(new Uint32(), [4294967295, 2]),
        f2d: fixedVector(new Float32(), [0.1, Number.NaN]),
        large: vectorFromArray(['big', null], new LargeUtf8()),
        dict: vectorFromArray(['red', 'red'], new Dictionary(new Utf8(), new Int32())),
        lbin: vectorFromArray([Uint8Array.of(9), null], new LargeBinary()),
        fbin: vectorFromArray([Uint8Array.of(1, 2), Uint8Array.of(3, 4)], new FixedSizeBinary(2)),
        dec: decimalVector(5, 2, [-99999n, 1n]),
        dec256: decimalVector(38, 0, [10n ** 37n, -(10n ** 37n)], 256),
        llist: vectorFromArray([[1n, null], []], new LargeList(new Field('element', new Int64(), true))),
        flist: vectorFromArray([[1, 2], null], new FixedSizeList(2, new Field('element', new Int32(), true))),
        sview: vectorFromArray(['inline', 'longer than the twelve inline bytes'], new Utf8View()),
        bview: vectorFromArray([new Uint8Array(20).fill(7), null], new BinaryView()),
      },
      ['id'],
    );
    const client = new FlightClient(emulator);
    try {
      const result = await client.open('main.s.conv').putAll(table);
      assert.equal(result.code, status.OK, result.details);
    } finally {
      client.close();
    }
    const { rows } = await readDeltaTable(emulator.catalog.table('main.s.conv')?.delta.dir as string, {
      orderBy: 'id',
    });
    assert.deepEqual(rows, [
      {
        id: 1,
        ts_s: 1_700_000_000_000_000n,
        ts_ms: -1_000n,
        ts_ns: 1_700_000_000_123_456n,
        ntz_ns: 5n,
        d64: 19_000,
        wide: -5n,
        u8: 255,
        u16: 65535,
        u32: 4294967295n,
        f2d: Math.fround(0.1),
        large: 'big',
        dict: 'red',
        lbin: Uint8Array.of(9),
        fbin: Uint8Array.of(1, 2),
        dec: -99999n,
        dec256: 10n ** 37n,
        llist: [1n, null],
        flist: [1, 2],
        sview: 'inline',
        bview: new Uint8Array(20).fill(7),
      },
      {
        id: 2,
        ts_s: null,
        ts_ms: 1_700_000_000_123_000n,
        ts_ns: -1n,
        ntz_ns: null,
        d64: -1,
        wide: 127n,
        u8: 0,
        u16: 1,
        u32: 2n,
        f2d: Number.NaN,
        large: null,
        dict: 'red',
        lbin: null,
        fbin: Uint8Array.of(3, 4),
        dec: 1n,
        dec256: -(10n ** 37n),
        llist: [],
        flist: null,
        sview: 'longer than the twelve inline bytes',
        bview: null,
      },
    ]);
  });

  it('acknowledges a batch only once its commit is in the Delta log', async () => {
    await using emulator = await startEmulator({ commitIntervalMs: 40 });
    await emulator.createDeltaTable('main.s.t', [{ name: 'id', type_text: 'bigint', nullable: false }]);
    const dir = emulator.catalog.table('main.s.t')?.delta.dir as string;
    const client = new FlightClient(emulator);
    try {
      const put = client.open('main.s.t');
      const committedAtAck: [number, number][] = [];
      put.call.on('data', () => {
        // Runs when the PutResult arrives: count what the log holds at that moment.
        const ack = put.acks.at(-1);
        if (!ack || ack.ackUpToOffset < 0) return;
        const rows = readDeltaLog(dir).files.reduce((n, f) => n + (f.stats?.numRecords ?? 0), 0);
        committedAtAck.push([ack.ackUpToRecords, rows]);
      });
      const batch = (from: number) => arrowTable({ id: fixedVector(new Int64(), [BigInt(from), BigInt(from + 1)]) });
      put.schema(batch(0));
      await put.ready();
      put.batches(batch(0), 0);
      put.batches(batch(2), 1);
      await put.ackedUpTo(1);
      put.batches(batch(4), 2);
      put.end();
      assert.equal((await put.status).code, status.OK);
      assert.ok(committedAtAck.length >= 2, JSON.stringify(committedAtAck));
      for (const [acked, committed] of committedAtAck)
        assert.ok(committed >= acked, `${acked} acked, ${committed} in the log`);
      assert.deepEqual(put.ackPairs().at(-1), [2, 6]);
    } finally {
      client.close();
    }
  });
});
