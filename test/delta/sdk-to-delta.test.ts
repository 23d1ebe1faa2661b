import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEmulator } from '@zerobus/emulator';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import protobuf from 'protobufjs';
import { expectedDuckDbType, readDeltaTable } from '../support/delta-reader.js';

/** Every column type of PROTOCOL.md §7, NOT NULL and nullable, nested included. */
const COLUMNS = [
  { name: 'id', type_text: 'bigint', nullable: false },
  { name: 'b', type_text: 'tinyint' },
  { name: 's', type_text: 'smallint' },
  { name: 'i', type_text: 'int' },
  { name: 'f', type_text: 'float' },
  { name: 'd', type_text: 'double' },
  { name: 'ok', type_text: 'boolean' },
  { name: 'name', type_text: 'string' },
  { name: 'bin', type_text: 'binary' },
  { name: 'day', type_text: 'date' },
  { name: 'ts', type_text: 'timestamp' },
  { name: 'ntz', type_text: 'timestamp_ntz' },
  { name: 'price', type_text: 'decimal(10,2)' },
  { name: 'v', type_text: 'variant' },
  { name: 'tags', type_text: 'array<string>' },
  { name: 'attrs', type_text: 'map<string,int>' },
  { name: 'loc', type_text: 'struct<lat:double,lon:double,labels:array<string>>' },
];

const PROTO = `
syntax = "proto2";
message Row {
  required int64 id = 1;
  optional int32 b = 2;
  optional int32 s = 3;
  optional int32 i = 4;
  optional float f = 5;
  optional double d = 6;
  optional bool ok = 7;
  optional string name = 8;
  optional bytes bin = 9;
  optional int32 day = 10;
  optional int64 ts = 11;
  optional int64 ntz = 12;
  optional string price = 13;
  optional string v = 14;
  repeated string tags = 15;
  map<string, int32> attrs = 16;
  message Loc { optional double lat = 1; optional double lon = 2; repeated string labels = 3; }
  optional Loc loc = 17;
}`;

const FULL = {
  b: -128,
  s: 32767,
  i: -2147483648,
  f: 1.5,
  d: 2.25,
  ok: true,
  name: 'héllo ✓',
  day: 19_000,
  ts: 1_764_000_000_123_456n,
  ntz: -1n,
  tags: ['x', 'y'],
  loc: { lat: 1.5, lon: -2.5, labels: ['a'] },
};

/** What DuckDB reads back for FULL with the given id (and the JSON/proto-specific fields). */
function expected(id: bigint): Record<string, unknown> {
  return {
    id,
    ...FULL,
    bin: new Uint8Array([0, 1, 255]),
    price: 123456n, // 1234.56 unscaled
    v: '{"k":[1,2]}',
    attrs: new Map([['k', 7]]),
  };
}

const NULLS = {
  b: null,
  s: null,
  i: null,
  f: null,
  d: null,
  ok: null,
  name: null,
  bin: null,
  day: null,
  ts: null,
  ntz: null,
  price: null,
  v: null,
  tags: null,
  attrs: null,
  loc: null,
};

describe('SDK → local server → Delta table → DuckDB', () => {
  it('round-trips every type through JSON and protobuf streams', async () => {
    await using emulator = await startEmulator({ commitIntervalMs: 5 });
    await emulator.createDeltaTable('main.types.all', COLUMNS);
    const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);

    const json = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties('main.types.all'), {
      recordType: 'json',
    });
    await json.ingestRecordsOffset([
      {
        id: 1n,
        ...FULL,
        bin: Buffer.from([0, 1, 255]),
        price: '1234.56',
        v: '{"k":[1,2]}',
        attrs: { k: 7 },
      },
      { id: 9223372036854775807n }, // every nullable column left out
    ]);
    await json.close();

    const Row = protobuf.parse(PROTO).root.lookupType('Row');
    const proto = await sdk.createStream(
      'emulator-client',
      'emulator-secret',
      new TableProperties('main.types.all', Row),
    );
    await proto.ingestRecordOffset({
      id: 2n,
      ...FULL,
      bin: new Uint8Array([0, 1, 255]),
      price: '1234.56',
      v: '{"k":[1,2]}',
      attrs: { k: 7 },
    });
    await proto.ingestRecordOffset({ id: -9223372036854775808n });
    await proto.close();

    const dir = emulator.catalog.table('main.types.all')?.delta.dir as string;
    const { rows, columns, snapshot } = await readDeltaTable(dir, { orderBy: 'id' });
    assert.deepEqual(
      columns.map((c) => c.type),
      snapshot.schema.fields.map((f: { type: unknown }) => expectedDuckDbType(f.type)),
    );
    assert.deepEqual(rows, [
      // Protobuf cannot tell an empty repeated or map field from an absent one: both are empty.
      { id: -9223372036854775808n, ...NULLS, tags: [], attrs: new Map() },
      { ...expected(1n) },
      { ...expected(2n) },
      { id: 9223372036854775807n, ...NULLS },
    ]);
  });

  it('rejects a bad record with INVALID_ARGUMENT naming offset and field; earlier records stay committed', async () => {
    await using emulator = await startEmulator({ commitIntervalMs: 5 });
    await emulator.createDeltaTable('main.s.t', [
      { name: 'id', type_text: 'bigint', nullable: false },
      { name: 'n', type_text: 'int' },
    ]);
    const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
    const stream = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties('main.s.t'), {
      recordType: 'json',
    });
    await stream.ingestRecordOffset({ id: 1, n: 1 });
    await stream.ingestRecordOffset({ id: 2, n: 2 });
    const bad = await stream.ingestRecordOffset({ id: 3, n: 'three' });
    await assert.rejects(stream.waitForOffset(bad), (e: unknown) => {
      const error = e as { code: string; message: string };
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.match(error.message, /offset_id 2/);
      assert.match(error.message, /"n"/);
      return true;
    });
    assert.deepEqual(stream.getUnackedRecords(), ['{"id":3,"n":"three"}']);
    const { rows } = await readDeltaTable(emulator.catalog.table('main.s.t')?.delta.dir as string, { orderBy: 'id' });
    assert.deepEqual(rows, [
      { id: 1n, n: 1 },
      { id: 2n, n: 2 },
    ]);
  });

  it('refuses a descriptor that does not fit the table, naming the column', async () => {
    await using emulator = await startEmulator();
    await emulator.createDeltaTable('main.s.t', [
      { name: 'id', type_text: 'bigint', nullable: false },
      { name: 'n', type_text: 'int' },
    ]);
    const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
    const Wrong = protobuf.parse('syntax = "proto2"; message W { optional string n = 2; }').root.lookupType('W');
    await assert.rejects(
      sdk.createStream('emulator-client', 'emulator-secret', new TableProperties('main.s.t', Wrong)),
      (e: unknown) => {
        const error = e as { code: string; message: string };
        assert.equal(error.code, 'INVALID_ARGUMENT');
        assert.match(error.message, /\bid\b|\bn\b/);
        return true;
      },
    );
  });

  it('group-commits concurrent streams into one table without losing or corrupting anything', async () => {
    await using emulator = await startEmulator({ commitIntervalMs: 10 });
    await emulator.createDeltaTable('main.s.events', [
      { name: 'stream', type_text: 'int', nullable: false },
      { name: 'seq', type_text: 'int', nullable: false },
    ]);
    const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
    const streams = await Promise.all(
      [0, 1, 2, 3].map(() =>
        sdk.createStream('emulator-client', 'emulator-secret', new TableProperties('main.s.events'), {
          recordType: 'json',
        }),
      ),
    );
    await Promise.all(
      streams.map(async (stream, s) => {
        for (let seq = 0; seq < 500; seq++) {
          if (!stream.ingestRecordNowait({ stream: s, seq })) await stream.ready();
        }
        await stream.close();
      }),
    );
    const { rows } = await readDeltaTable(emulator.catalog.table('main.s.events')?.delta.dir as string, {
      orderBy: 'stream, seq',
    });
    assert.equal(rows.length, 2000);
    assert.deepEqual(
      rows.map((r) => `${r.stream}:${r.seq}`),
      [0, 1, 2, 3].flatMap((s) => Array.from({ length: 500 }, (_, seq) => `${s}:${seq}`)),
    );
  });
});
