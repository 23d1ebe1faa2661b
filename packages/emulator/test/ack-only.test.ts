import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WireRecordType } from '@zerobus/sdk/wire';
import { ROW_DESCRIPTOR, setup } from './support/raw-client.js';

const TABLE = 'main.default.bench';

describe('ack-only mode (storeRecords: false)', () => {
  it('is off by default: storeRecords is left unset (in-memory tables keep their records)', async (t) => {
    const { emulator } = await setup(t);
    assert.equal(emulator.options.storeRecords, undefined);
  });

  it('acks requests cumulatively, counts their records and keeps none', async (t) => {
    const { emulator, client } = await setup(t, { storeRecords: false });
    const stream = client.open(TABLE);
    stream.create(TABLE, WireRecordType.JSON);
    await stream.created();
    stream.json(0, '{"n":0}');
    stream.jsonBatch(1, '{"n":1}', '{"n":2}', '{"n":3}');
    stream.json(2, '{"n":4}');
    await stream.ackedUpTo(2);

    assert.deepEqual(emulator.records(TABLE), []);
    assert.ok(emulator.tables.includes(TABLE), 'the table is still opened');
    assert.equal(emulator.stats.requestsReceived, 3);
    assert.equal(emulator.stats.recordsStored, 5);
    assert.equal(emulator.streams[0]?.nextOffsetId, 3);
    assert.equal(emulator.streams[0]?.ackedUpTo, 2);
  });

  it('still ends the call on an out-of-order offset, after acking what came before', async (t) => {
    const { client } = await setup(t, { storeRecords: false });
    const stream = client.open(TABLE);
    stream.create(TABLE);
    await stream.created();
    stream.json(0, '{}');
    stream.json(2, '{}');
    const status = await stream.status;
    assert.equal(status.code, 3); // INVALID_ARGUMENT
    assert.match(status.details, /offset_id out of order: expected 1, got 2/);
    assert.deepEqual(stream.acks(), [0]);
  });

  it('still ends the call when a request carries the wrong record type', async (t) => {
    const { client } = await setup(t, { storeRecords: false });
    const stream = client.open(TABLE);
    stream.create(TABLE, WireRecordType.PROTO, ROW_DESCRIPTOR);
    await stream.created();
    stream.json(0, '{}');
    const status = await stream.status;
    assert.equal(status.code, 3);
    assert.match(status.details, /carries json records but stream .* was created for proto records/);
  });

  it('does not parse payloads: bytes that are not JSON are acked too', async (t) => {
    const { emulator, client } = await setup(t, { storeRecords: false });
    const stream = client.open(TABLE);
    stream.create(TABLE);
    await stream.created();
    stream.json(0, 'not json');
    await stream.ackedUpTo(0);
    assert.equal(emulator.stats.recordsStored, 1);
    assert.equal(emulator.calls[0]?.status, undefined, 'the call is still open');
  });
});
