/**
 * The message limit (options.maxMessageBytes, PROTOCOL.md §13): a request or FlightData over it
 * ends the call with INVALID_ARGUMENT naming its offset, never RESOURCE_EXHAUSTED (which clients
 * retry forever), whatever its size; the requests before it are acknowledged, nothing of it is
 * stored. Raw clients on loopback, so the status is the server's own.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import { encodeBatchMetadata } from '@zerobus/sdk/wire';
import { Int64, type Table, Utf8, vectorFromArray } from 'apache-arrow';
import { arrowTable, fixedVector } from './support/arrow-data.js';
import { FlightClient, tableMessages } from './support/flight-client.js';
import { RawClient } from './support/raw-client.js';

const TABLE = 'main.default.events';
const DELTA = 'main.s.t';

async function setup(
  t: { after(fn: () => unknown): void },
  options: Parameters<typeof startEmulator>[0] = {},
): Promise<Emulator> {
  const emulator = await startEmulator({ commitIntervalMs: 5, autoCreateTables: true, storeRecords: true, ...options });
  await emulator.createDeltaTable(DELTA, [
    { name: 'id', type_text: 'bigint', nullable: false },
    { name: 'name', type_text: 'string' },
  ]);
  t.after(() => emulator.close());
  return emulator;
}

function rows(from: number, names: readonly string[]): Table {
  const ids = names.map((_, k) => BigInt(from + k));
  return arrowTable({ id: fixedVector(new Int64(), ids), name: vectorFromArray(names, new Utf8()) }, ['id']);
}

describe('requests over the message limit', () => {
  it('a 65 MiB request (beyond any grpc-js bound the server had) is INVALID_ARGUMENT naming its offset', async (t) => {
    const emulator = await setup(t);
    const client = new RawClient(emulator);
    t.after(() => client.close());
    const call = client.open(TABLE);
    call.create(TABLE);
    await call.created();
    call.json(0, '{"small":1}');
    await call.ackedUpTo(0);
    call.json(1, `{"big":"${'x'.repeat(65 * 1024 * 1024)}"}`);
    const ended = await call.status;
    assert.equal(ended.code, status.INVALID_ARGUMENT, ended.details);
    assert.match(ended.details, /offset_id 1 is \d+ bytes, over the server's message limit of 4194304 bytes/);
    assert.deepEqual(call.acks(), [0]);
    assert.equal(emulator.records(TABLE).length, 1);
  });

  it('a request under maxMessageBytes is stored, a batch over it refused', async (t) => {
    const emulator = await setup(t, { maxMessageBytes: 300 });
    const client = new RawClient(emulator);
    t.after(() => client.close());
    const call = client.open(TABLE);
    call.create(TABLE);
    await call.created();
    // An ingest_record of offset 0 and a JSON record of n bytes takes n + 6 bytes on the wire.
    call.json(0, `{"a":"${'x'.repeat(294 - 10)}"}`);
    await call.ackedUpTo(0);
    call.jsonBatch(1, `{"a":"${'y'.repeat(200)}"}`, `{"a":"${'z'.repeat(200)}"}`);
    const ended = await call.status;
    assert.equal(ended.code, status.INVALID_ARGUMENT);
    assert.match(ended.details, /offset_id 1 is \d+ bytes, over the server's message limit of 300 bytes/);
    assert.equal(emulator.records(TABLE).length, 1);
  });

  it('a Flight record batch over the limit ends DoPut with INVALID_ARGUMENT naming the batch offset', async (t) => {
    const emulator = await setup(t, { maxMessageBytes: 4096 });
    const client = new FlightClient(emulator);
    t.after(() => client.close());
    const put = client.open(DELTA);
    const small = rows(0, ['a', 'b']);
    put.schema(small);
    await put.ready();
    put.batches(small, 0);
    await put.ackedUpTo(0);
    const [big] = tableMessages(rows(2, ['x'.repeat(5000)])).batches;
    assert.ok(big);
    put.message(big, { appMetadata: encodeBatchMetadata(1) });
    const ended = await put.status;
    assert.equal(ended.code, status.INVALID_ARGUMENT, ended.details);
    assert.match(ended.details, /record batch at offset_id 1 is \d+ bytes, over the server's message limit of 4096/);
    assert.deepEqual(put.ackPairs(), [[0, 2]]);
    assert.deepEqual(
      emulator.records(DELTA).map((r) => r.row?.id),
      [0n, 1n],
    );
  });

  it('an oversized FlightData without offset metadata names the offset the call expected', async (t) => {
    const emulator = await setup(t, { maxMessageBytes: 4096 });
    const client = new FlightClient(emulator);
    t.after(() => client.close());
    const put = client.open(DELTA);
    const small = rows(0, ['a']);
    put.schema(small);
    await put.ready();
    put.batches(small, 0);
    const [big] = tableMessages(rows(1, ['x'.repeat(5000)])).batches;
    assert.ok(big);
    put.message(big);
    const ended = await put.status;
    assert.equal(ended.code, status.INVALID_ARGUMENT);
    assert.match(ended.details, /FlightData at offset_id 1 \(the next expected\) is \d+ bytes, over/);
  });
});
