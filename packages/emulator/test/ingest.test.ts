import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WireRecordType } from '@zerobus/sdk/wire';
import { fetchToken, ROW_DESCRIPTOR, setup } from './support/raw-client.js';

const TABLE = 'main.default.events';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('EphemeralStream ingestion', () => {
  it('sends response headers as soon as a call opens, before any message', async (t) => {
    const { client } = await setup(t);
    const stream = client.open(TABLE);
    const headers = await stream.headers; // nothing was written on the call yet
    assert.ok(headers);
    assert.equal(stream.responses.length, 0);
    stream.call.cancel();
  });

  it('creates a JSON stream, stores records and batches in order and acks cumulatively', async (t) => {
    const { emulator, client } = await setup(t);
    const stream = client.open(TABLE);
    await stream.headers;
    stream.create(TABLE, WireRecordType.JSON);
    const streamId = await stream.created();
    assert.match(streamId, UUID);

    stream.json(0, '{"n":0}');
    stream.jsonBatch(1, '{"n":1}', '{"n":2}', '{"n":3}');
    stream.json(2, '{"n":4}');
    await stream.ackedUpTo(2);

    const acks = stream.acks();
    assert.equal(acks.at(-1), 2);
    assert.deepEqual(
      acks,
      [...acks].sort((a, b) => a - b),
      'acks never go backwards',
    );
    const records = emulator.records(TABLE);
    assert.deepEqual(
      records.map((r) => [r.offsetId, r.batchIndex, r.payload]),
      [
        [0, 0, '{"n":0}'],
        [1, 0, '{"n":1}'],
        [1, 1, '{"n":2}'],
        [1, 2, '{"n":3}'],
        [2, 0, '{"n":4}'],
      ],
    );
    for (const record of records) {
      assert.equal(record.tableName, TABLE);
      assert.equal(record.streamId, streamId);
      assert.equal(record.recordType, 'json');
    }
    const [info] = emulator.streams;
    assert.equal(info?.streamId, streamId);
    assert.equal(info?.tableName, TABLE);
    assert.equal(info?.headers['x-databricks-zerobus-table-name'], TABLE);
    assert.equal(info?.headers['x-zerobus-sdk'], 'emulator-tests/0');
    assert.equal(info?.nextOffsetId, 3);
    assert.equal(info?.ackedUpTo, 2);
    assert.equal(emulator.stats.requestsReceived, 3);
    assert.equal(emulator.stats.recordsStored, 5);
  });

  it('coalesces acks: one ack covers every request stored before it', async (t) => {
    const { emulator, client } = await setup(t);
    const stream = client.open(TABLE);
    stream.create(TABLE);
    await stream.created();
    emulator.faults.stopAcking();
    for (let i = 0; i < 5; i++) stream.json(i, `{"i":${i}}`);
    await emulator.waitForRecords(TABLE, 5);
    assert.deepEqual(stream.acks(), []);
    emulator.faults.resumeAcking();
    await stream.ackedUpTo(4);
    assert.deepEqual(stream.acks(), [4]);
    assert.equal(emulator.stats.acksSent, 1);
  });

  it('acknowledges a request stored on its own at once, not a turn of the event loop later', async (t) => {
    const { emulator, client } = await setup(t);
    const stream = client.open(TABLE);
    stream.create(TABLE);
    await stream.created();
    stream.json(0, '{"i":0}');
    // waitFor settles in a microtask after the request is stored: before any setImmediate runs.
    await emulator.waitForRecords(TABLE, 1);
    assert.equal(emulator.stats.acksSent, 1, 'the ack was written when the request was stored');
    await stream.ackedUpTo(0);
    assert.deepEqual(stream.acks(), [0]);
  });

  it('delays acks by ackDelayMs', async (t) => {
    const { client } = await setup(t, { ackDelayMs: 40 });
    const stream = client.open(TABLE);
    stream.create(TABLE);
    await stream.created();
    const sent = performance.now();
    stream.json(0, '{}');
    await stream.ackedUpTo(0);
    assert.ok(performance.now() - sent >= 35, 'ack came after the configured delay');
  });

  it('creates a proto stream and stores record bytes as copies', async (t) => {
    const { emulator, client } = await setup(t);
    const stream = client.open(TABLE);
    stream.create(TABLE, WireRecordType.PROTO, ROW_DESCRIPTOR);
    await stream.created();
    stream.proto(0, new Uint8Array([0x08, 0x01]));
    stream.proto(1, new Uint8Array([0x08, 0x02]), new Uint8Array(0), new Uint8Array([0x12, 0x01, 0x41]));
    await stream.ackedUpTo(1);
    const records = emulator.records(TABLE);
    assert.deepEqual(
      records.map((r) => [r.offsetId, r.batchIndex, r.recordType, r.payload]),
      [
        [0, 0, 'proto', new Uint8Array([0x08, 0x01])],
        [1, 0, 'proto', new Uint8Array([0x08, 0x02])],
        [1, 1, 'proto', new Uint8Array(0)],
        [1, 2, 'proto', new Uint8Array([0x12, 0x01, 0x41])],
      ],
    );
  });

  it('accepts an empty batch as a request that takes an offset and stores nothing', async (t) => {
    const { emulator, client } = await setup(t);
    const stream = client.open(TABLE);
    stream.create(TABLE);
    await stream.created();
    stream.jsonBatch(0);
    stream.json(1, '{"after":"empty"}');
    await stream.ackedUpTo(1);
    assert.deepEqual(
      emulator.records(TABLE).map((r) => [r.offsetId, r.payload]),
      [[1, '{"after":"empty"}']],
    );
  });

  it('restarts wire offsets at 0 on every call and keeps both calls records', async (t) => {
    const { emulator, client } = await setup(t);
    for (const n of [1, 2]) {
      const stream = client.open(TABLE);
      stream.create(TABLE);
      await stream.created();
      stream.json(0, `{"call":${n}}`);
      await stream.ackedUpTo(0);
      stream.call.end();
      assert.equal((await stream.status).code, 0);
    }
    assert.deepEqual(
      emulator.records(TABLE).map((r) => r.payload),
      ['{"call":1}', '{"call":2}'],
    );
    assert.equal(emulator.calls.length, 2);
    assert.deepEqual(
      emulator.calls.map((c) => c.status?.name),
      ['OK', 'OK'],
    );
  });

  it('ends a half-closed call with OK once everything is acked', async (t) => {
    const { emulator, client } = await setup(t);
    const stream = client.open(TABLE);
    stream.create(TABLE);
    await stream.created();
    emulator.faults.stopAcking();
    stream.json(0, '{}');
    stream.json(1, '{}');
    stream.call.end();
    await emulator.waitFor((e) => e.streams[0]?.halfClosed === true);
    emulator.faults.resumeAcking();
    const status = await stream.status;
    assert.equal(status.code, 0);
    assert.deepEqual(stream.acks(), [1]);
  });

  it('accepts a token obtained from the OAuth endpoint', async (t) => {
    const { emulator, client } = await setup(t);
    const response = await fetchToken(emulator, TABLE);
    const { access_token } = (await response.json()) as { access_token: string };
    const stream = client.open(TABLE, { token: access_token });
    stream.create(TABLE);
    await stream.created();
    stream.json(0, '{"ok":true}');
    await stream.ackedUpTo(0);
    assert.equal(emulator.calls[0]?.headers.authorization, `Bearer ${access_token}`);
  });
});
