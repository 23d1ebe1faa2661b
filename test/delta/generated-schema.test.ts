/**
 * Issue 7 end to end, every type: the table's columns from Unity Catalog become the schema and
 * (for protobuf) a generated descriptor — no .proto, no protoc — records in the forms users have
 * (Date, bigint, Buffer, numbers for decimals, Maps, objects for VARIANT) are converted by the SDK,
 * and DuckDB reads back exactly the input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEmulator } from '@zerobus/emulator';
import { InvalidRecordError, TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { ALL_TYPES_COLUMNS, NULLS } from '../support/all-types.js';
import { readDeltaTable } from '../support/delta-reader.js';
import { CLIENT_ID, CLIENT_SECRET } from '../support/harness.js';

const TABLE = 'main.types.all';

/** Every column of ALL_TYPES_COLUMNS, in the JavaScript forms the generated interface allows. */
function record(id: number): Record<string, unknown> {
  return {
    id: BigInt(id),
    b: -128,
    s: 32767,
    i: id,
    f: 1.5,
    d: 2.25,
    ok: true,
    name: 'héllo ✓',
    bin: Buffer.from([0, 1, 255]),
    day: new Date('2022-01-08T00:00:00Z'), // day 19,000
    ts: new Date('2025-11-24T16:00:00.123Z'),
    ntz: -1n,
    price: 1234.5,
    v: { k: [1, 2] },
    tags: ['x', 'y'],
    attrs: new Map([['k', 7]]),
    loc: { lat: 1.5, lon: -2.5, labels: ['a'] },
  };
}

/** What DuckDB reads back for {@link record}. */
function row(id: number): Record<string, unknown> {
  return {
    ...record(id),
    id: BigInt(id),
    bin: new Uint8Array([0, 1, 255]),
    day: 19_000,
    ts: 1_764_000_000_123_000n,
    price: 123_450n, // decimal(10,2) unscaled
    v: '{"k":[1,2]}',
  };
}

describe('generate from the table, ingest, read back (every type)', () => {
  for (const recordType of ['proto', 'json'] as const) {
    it(`${recordType}: TableProperties.fromTable converts and checks records; DuckDB reads the input back`, async () => {
      await using emulator = await startEmulator({ commitIntervalMs: 5 });
      await emulator.createDeltaTable(TABLE, ALL_TYPES_COLUMNS);
      const access = {
        unityCatalogEndpoint: emulator.unityCatalogEndpoint,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
      };
      const table = await TableProperties.fromTable(TABLE, { ...access, recordType });
      assert.equal(table.schema?.fields.length, ALL_TYPES_COLUMNS.length);
      assert.equal(table.descriptor instanceof Uint8Array, recordType === 'proto');

      const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
      const stream = await sdk.createStream(CLIENT_ID, CLIENT_SECRET, table, { recordType });
      await stream.ingestRecordsOffset([record(1), record(2)]);
      await stream.ingestRecordOffset({ id: 3n }); // every nullable column left out
      // Checked before it is sent: the call fails, and names the record and the field.
      assert.throws(
        () => stream.ingestRecordNowait({ ...record(4), loc: { lat: 'north' } }),
        (e: unknown) => e instanceof InvalidRecordError && e.field === 'loc.lat' && /expected DOUBLE/.test(e.message),
      );
      await stream.close();

      const { rows } = await readDeltaTable(emulator.catalog.table(TABLE)!.delta.dir, { orderBy: 'id' });
      // Protobuf cannot tell an empty repeated or map field from an absent one: both read back empty.
      const empty = recordType === 'proto' ? { tags: [], attrs: new Map() } : {};
      assert.deepEqual(rows, [row(1), row(2), { id: 3n, ...NULLS, ...empty }]);
    });
  }
});
