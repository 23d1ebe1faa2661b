import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEmulator } from '@zerobus/emulator';
import { type ArrowStream, InvalidRecordError, TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { makeVector, RecordBatch, Table, tableFromArrays, Utf8, vectorFromArray } from 'apache-arrow';
import { ALL_TYPES_COLUMNS } from '../support/all-types.js';
import { readDeltaTable } from '../support/delta-reader.js';
import { CLIENT_ID, CLIENT_SECRET } from '../support/harness.js';
import { batchOf, ids } from './arrow-env.js';

const TABLE = 'main.arrow.all';

async function setup(columns = ALL_TYPES_COLUMNS, emulatorOptions = {}) {
  const emulator = await startEmulator({ commitIntervalMs: 5, ...emulatorOptions });
  await emulator.createDeltaTable(TABLE, columns);
  const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
  const access = {
    unityCatalogEndpoint: emulator.unityCatalogEndpoint,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
  };
  const table = await TableProperties.fromTable(TABLE, { ...access, recordType: 'json' });
  const open = (options = {}) =>
    sdk.createArrowStream({ table, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, options });
  const rows = async () => (await readDeltaTable(emulator.catalog.table(TABLE)!.delta.dir, { orderBy: 'id' })).rows;
  return { emulator, sdk, open, rows, [Symbol.asyncDispose]: () => emulator.close() };
}

describe('Arrow streams (Flight DoPut) into Delta', () => {
  it('ingests every column type from plain objects with the schema derived from the table', async () => {
    await using env = await setup();
    const stream = await env.open();
    const offset = await stream.ingestBatchOffset([
      {
        id: 1n,
        b: -128,
        s: 32767,
        i: -2147483648,
        f: 1.5,
        d: 2.25,
        ok: true,
        name: 'héllo ✓',
        bin: new Uint8Array([0, 1, 255]),
        day: new Date('2022-01-08T00:00:00Z'),
        ts: new Date('2025-11-24T16:00:00.123Z'),
        ntz: 1.5, // epoch milliseconds: 1,500 µs
        price: '1234.56',
        v: '{"k":[1,2]}',
        tags: ['x', 'y'],
        attrs: new Map([['k', 7]]),
        loc: { lat: 1.5, lon: -2.5, labels: ['a'] },
      },
      { id: 2n },
    ]);
    assert.equal(offset, 0);
    assert.throws(
      () => stream.ingestBatchNowait([{ id: 3n, price: 1.234 }]),
      (e: unknown) =>
        e instanceof InvalidRecordError && e.field === 'price' && /more than 2 fractional digits/.test(e.message),
    );
    await stream.close();
    const [full, empty] = await env.rows();
    assert.deepEqual(full, {
      id: 1n,
      b: -128,
      s: 32767,
      i: -2147483648,
      f: 1.5,
      d: 2.25,
      ok: true,
      name: 'héllo ✓',
      bin: new Uint8Array([0, 1, 255]),
      day: 19_000,
      ts: 1_764_000_000_123_000n,
      ntz: 1_500n,
      price: 123_456n, // decimal(10,2), unscaled
      v: '{"k":[1,2]}',
      tags: ['x', 'y'],
      attrs: new Map([['k', 7]]),
      loc: { lat: 1.5, lon: -2.5, labels: ['a'] },
    });
    assert.equal((empty as { id: bigint }).id, 2n);
  });

  const SIMPLE = [
    { name: 'id', type_text: 'bigint', nullable: false },
    { name: 'name', type_text: 'string' },
  ];

  it('gives each batch of a Table its own offset; waitForOffset, flush and close', async () => {
    await using env = await setup(SIMPLE);
    const stream = await env.open();
    // A Table of three batches: three offsets, the call returns the last.
    const table = new Table([batchOf(0, 10), batchOf(10, 15), batchOf(15, 40)]);
    assert.equal(await stream.ingestBatchOffset(table), 2);
    assert.equal(stream.ingestBatchNowait(batchOf(40, 50)), true);
    assert.equal(stream.lastOffset, 3);
    assert.equal(await stream.waitForOffset(2), 2);
    await stream.flush();
    assert.equal(stream.ackedOffset, 3);
    assert.equal(await stream.ingestBatchOffset([]), null, 'no rows, no offset');
    await stream.close();
    assert.equal(stream.state, 'closed');
    assert.deepEqual(
      (await env.rows()).map((r) => (r as { id: bigint }).id),
      ids(0, 50),
    );
    assert.equal(env.emulator.stats.flightBatches, 4);
  });

  it('after a partial acknowledgement re-sends only the rows not yet durable: every row once', async () => {
    await using env = await setup(SIMPLE);
    const stream = await env.open({ recoveryBackoffMs: 10 });
    // The server commits the first 25 rows of the call (inside the second batch), acks them, and fails the call.
    env.emulator.faults.failFlightAfterRows(25);
    await stream.ingestBatchOffset(new Table([batchOf(0, 20), batchOf(20, 30), batchOf(30, 45)]));
    await stream.flush();
    await stream.close();
    assert.deepEqual(
      (await env.rows()).map((r) => (r as { id: bigint }).id),
      ids(0, 45),
      'no row lost, none written twice',
    );
    assert.equal(env.emulator.stats.flightCalls, 2);
  });

  it('recovers from a dropped connection without losing a batch', async () => {
    await using env = await setup(SIMPLE);
    const stream = await env.open({ recoveryBackoffMs: 10 });
    await stream.ingestBatchOffset(batchOf(0, 10));
    await stream.flush();
    env.emulator.faults.stopAcking();
    await stream.ingestBatchOffset(batchOf(10, 20));
    await env.emulator.waitFor(() => env.emulator.stats.flightBatches >= 2);
    env.emulator.faults.dropConnections();
    env.emulator.faults.resumeAcking();
    await stream.ingestBatchOffset(batchOf(20, 30));
    await stream.close();
    const got = (await env.rows()).map((r) => (r as { id: bigint }).id);
    // Batch 10..20 may be committed twice (sent, not acknowledged, sent again): at least once each.
    assert.deepEqual([...new Set(got)], ids(0, 30));
  });

  it('refuses a batch that does not fit the stream schema, naming the field, before sending it', async () => {
    await using env = await setup(SIMPLE);
    const stream = await env.open();
    const wrong = new Table({ id: makeVector(Int32Array.from([1])), name: vectorFromArray(['x'], new Utf8()) })
      .batches[0]!;
    assert.throws(
      () => stream.ingestBatchNowait(wrong),
      (e: unknown) =>
        e instanceof InvalidRecordError && e.field === 'id' && /Int32.*Int64|Int64.*Int32/.test(e.message),
    );
    assert.throws(
      () => stream.ingestBatchNowait([{ id: 1n, extra: 2 }]),
      (e: unknown) => e instanceof InvalidRecordError && e.field === 'extra',
    );
    assert.throws(() => stream.ingestBatchNowait('rows' as never), InvalidRecordError);
    assert.equal(stream.lastOffset, -1, 'nothing was queued');
    await stream.close();
  });

  it("fails creation with the server's reason when the schema does not fit the table", async () => {
    await using env = await setup(SIMPLE);
    const schema = tableFromArrays({ id: BigInt64Array.from([1n]), name: Int32Array.from([1]) }).schema;
    await assert.rejects(
      env.sdk.createArrowStream({ table: TABLE, schema, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }),
      (e: unknown) => (e as { code: string }).code === 'INVALID_ARGUMENT' && /name/.test((e as Error).message),
    );
  });

  it('keeps unacknowledged batches, sliced to what is not durable, after a non-retriable failure', async () => {
    await using env = await setup(SIMPLE);
    const stream: ArrowStream = await env.open();
    env.emulator.faults.failFlightAfterRows(5, { status: 'PERMISSION_DENIED' });
    await assert.rejects(
      stream.ingestBatchOffset(batchOf(0, 12)).then((o) => stream.waitForOffset(o!)),
      {
        code: 'PERMISSION_DENIED',
      },
    );
    assert.equal(stream.state, 'failed');
    const left = stream.getUnackedBatches();
    assert.equal(left.length, 1);
    assert.ok(left[0] instanceof RecordBatch);
    assert.deepEqual(Array.from(left[0]!.getChild('id')!.toArray() as BigInt64Array), ids(5, 12));
    await assert.rejects(stream.close(), { code: 'PERMISSION_DENIED' });
  });
});
