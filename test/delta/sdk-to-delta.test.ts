import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEmulator } from '@zerobus/emulator';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import protobuf from 'protobufjs';
import { ALL_TYPES_COLUMNS as COLUMNS, expected, FULL, NULLS } from '../support/all-types.js';
import { expectedDuckDbType, readDeltaTable } from '../support/delta-reader.js';

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
    const cases = [
      // A NOT NULL column the descriptor lacks.
      ['message W { optional int32 n = 2; }', /column "id"/],
      // A field whose type cannot hold the column's.
      [
        'message W { required int64 id = 1; optional string n = 2; }',
        /column "n": expected a field of type int32.*got string field "n"/,
      ],
    ] as const;
    for (const [text, message] of cases) {
      const W = protobuf.parse(`syntax = "proto2"; ${text}`).root.lookupType('W');
      await assert.rejects(
        sdk.createStream('emulator-client', 'emulator-secret', new TableProperties('main.s.t', W)),
        (e: unknown) => {
          const error = e as { code: string; message: string };
          assert.equal(error.code, 'INVALID_ARGUMENT');
          assert.match(error.message, /descriptor does not match table main\.s\.t/);
          assert.match(error.message, message);
          return true;
        },
      );
    }
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
