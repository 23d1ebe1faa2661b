/**
 * Client-side validation against the real local server: with a table schema, JSON and proto
 * streams take Dates, bigints, Buffers and decimal text, and DuckDB reads back exactly the
 * converted values; a bad record fails the ingest call itself and the server receives nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEmulator } from '@zerobus/emulator';
import { InvalidRecordError, NonRetriableError, TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { schemaFromUcColumns } from '@zerobus/sdk/schema';
import protobuf from 'protobufjs';
import { readDeltaTable } from '../support/delta-reader.js';
import { CLIENT_ID, CLIENT_SECRET } from '../support/harness.js';

const TABLE = 'main.checks.events';

const COLUMNS = [
  { name: 'id', type_text: 'bigint', nullable: false },
  { name: 'big', type_text: 'bigint' },
  { name: 'day', type_text: 'date' },
  { name: 'ts', type_text: 'timestamp' },
  { name: 'ntz', type_text: 'timestamp_ntz' },
  { name: 'price', type_text: 'decimal(10,2)' },
  { name: 'wide', type_text: 'decimal(38,6)' },
  { name: 'bin', type_text: 'binary' },
  { name: 'v', type_text: 'variant' },
  { name: 'readings', type_text: 'array<struct<temp:double,at:timestamp>>' },
  { name: 'attrs', type_text: 'map<string,int>' },
  { name: 'counts', type_text: 'map<bigint,int>' },
];
const SCHEMA = schemaFromUcColumns(COLUMNS);

// The §7 mapping: DATE int32, TIMESTAMP int64, DECIMAL and VARIANT string, nullable optional.
const Row = protobuf
  .parse(`
    syntax = "proto2";
    message Row {
      required int64 id = 1;
      optional int64 big = 2;
      optional int32 day = 3;
      optional int64 ts = 4;
      optional int64 ntz = 5;
      optional string price = 6;
      optional string wide = 7;
      optional bytes bin = 8;
      optional string v = 9;
      message Reading { optional double temp = 1; optional int64 at = 2; }
      repeated Reading readings = 10;
      map<string, int32> attrs = 11;
      map<int64, int32> counts = 12;
    }`)
  .root.lookupType('Row');

/** A record in the forms users have at hand: Date, bigint, Buffer, numbers and text. */
function record(id: number): Record<string, unknown> {
  return {
    id,
    big: '-9223372036854775808',
    day: new Date('1969-12-31T10:00:00Z'),
    ts: new Date('2024-01-01T00:00:00.123Z'),
    ntz: '2024-01-01T12:00:00.000001',
    price: 1234.5,
    wide: '-12345678901234567890123456789012.123456',
    bin: Buffer.from([0, 1, 255]),
    v: { a: 1n << 64n, b: [true] },
    readings: [{ temp: 1.5, at: new Date(-1) }, { temp: -0.25 }],
    attrs: new Map([['k', 7n]]),
    counts: { '-5': 1, '9223372036854775807': 2 },
  };
}

/** What DuckDB reads back for {@link record}. */
function row(id: number): Record<string, unknown> {
  return {
    id: BigInt(id),
    big: -(2n ** 63n),
    day: -1,
    ts: 1_704_067_200_123_000n,
    ntz: 1_704_110_400_000_001n,
    price: 123_450n,
    wide: -12345678901234567890123456789012123456n,
    bin: new Uint8Array([0, 1, 255]),
    v: '{"a":18446744073709551616,"b":[true]}',
    readings: [
      { temp: 1.5, at: -1000n },
      { temp: -0.25, at: null },
    ],
    attrs: new Map([['k', 7]]),
    counts: new Map([
      [-5n, 1],
      [9223372036854775807n, 2],
    ]),
  };
}

function isBadTemp(e: unknown): boolean {
  assert.ok(e instanceof InvalidRecordError);
  assert.equal(e.recordIndex, 2);
  assert.equal(e.field, 'readings[1].temp');
  assert.equal(e.message, 'record 2: field "readings[1].temp": expected DOUBLE, got string "abc"');
  return true;
}

describe('client-side validation from the table schema', () => {
  it('converts records on JSON and proto streams; DuckDB reads back the exact values', async () => {
    await using emulator = await startEmulator({ commitIntervalMs: 5 });
    await emulator.createDeltaTable(TABLE, COLUMNS);
    const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
    const bad = { ...record(99), readings: [{ temp: 1 }, { temp: 'abc' }] };

    const json = await sdk.createStream(
      CLIENT_ID,
      CLIENT_SECRET,
      new TableProperties(TABLE, undefined, { schema: SCHEMA }),
      {
        recordType: 'json',
      },
    );
    await json.ingestRecordOffset(record(1));
    await json.ingestRecordsOffset([record(2), { id: 3n }]);
    await json.flush();
    const received = emulator.stats.requestsReceived;
    // A batch is all or nothing: the bad third record keeps the two good ones out too.
    assert.throws(() => json.ingestRecordsNowait([record(97), record(98), bad]), isBadTemp);
    await assert.rejects(json.ingestRecordsOffset([record(97), record(98), bad]), isBadTemp);
    assert.throws(() => json.ingestRecordNowait({ id: 4, day: 'yesterday' }), { code: 'INVALID_RECORD' });
    assert.equal(json.lastOffset, 1, 'refused calls take no offset');
    await json.close();

    const proto = await sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE, Row, { schema: SCHEMA }));
    await proto.ingestRecordOffset(record(4));
    assert.throws(() => proto.ingestRecordsNowait([record(97), record(98), bad]), isBadTemp);
    assert.throws(() => proto.ingestRecordNowait({ id: 5, price: '0.001' }), /more than 2 fractional digits/);
    await proto.ingestRecordOffset({ id: 5n });
    await proto.close();
    assert.equal(
      emulator.stats.requestsReceived,
      received + 2,
      'the server received only the proto stream’s two good calls',
    );

    const dir = emulator.catalog.table(TABLE)?.delta.dir as string;
    const { rows } = await readDeltaTable(dir, { orderBy: 'id' });
    const empty = Object.fromEntries(COLUMNS.slice(1).map((c) => [c.name, null]));
    assert.deepEqual(rows, [
      row(1),
      row(2),
      { ...empty, id: 3n },
      row(4),
      // Protobuf cannot tell an empty repeated or map field from an absent one: both are empty.
      { ...empty, id: 5n, readings: [], attrs: new Map(), counts: new Map() },
    ]);
  });

  it('validate: true without a schema fails createStream; validate: false leaves checks to the server', async () => {
    await using emulator = await startEmulator({ commitIntervalMs: 5 });
    await emulator.createDeltaTable(TABLE, COLUMNS);
    const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
    await assert.rejects(
      sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE), { recordType: 'json', validate: true }),
      (e: unknown) =>
        e instanceof NonRetriableError &&
        e.code === 'INVALID_OPTIONS' &&
        /pass \{ schema \} to TableProperties/.test(e.message) &&
        /TableProperties\.fromTable/.test(e.message),
    );
    assert.equal(emulator.stats.callsOpened, 0, 'nothing reached the server');

    const unchecked = await sdk.createStream(
      CLIENT_ID,
      CLIENT_SECRET,
      new TableProperties(TABLE, undefined, { schema: SCHEMA }),
      { recordType: 'json', validate: false },
    );
    const offset = await unchecked.ingestRecordOffset({ id: 1, day: 'yesterday' });
    await assert.rejects(unchecked.waitForOffset(offset), { code: 'INVALID_ARGUMENT' });
    await unchecked.close().catch(() => {});
  });
});
