import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WireRecordType } from '@zerobus/sdk/wire';
import { Int64, Utf8, vectorFromArray } from 'apache-arrow';
import { DELTA_BACKLOG_BYTES } from '../src/grpc/call-session.js';
import { arrowTable, fixedVector } from './support/arrow-data.js';
import { FlightClient, tableMessages } from './support/flight-client.js';
import { setup } from './support/raw-client.js';

const TABLE = 'main.default.events';
/** One request: a batch of 256 JSON records of about 1 KB, 256 KiB in all. */
const BATCH = Array.from({ length: 256 }, (_, i) => JSON.stringify({ id: i, p: 'x'.repeat(1000) }));
const BATCH_BYTES = BATCH.reduce((sum, r) => sum + r.length, 0);

describe('a stream into a Delta table whose commits lag', () => {
  it(`is not read past ${DELTA_BACKLOG_BYTES / 1024 / 1024} MiB waiting for a commit; reading resumes once it lands`, async (t) => {
    // Commits wait 1.5 s: everything sent before then is backlog.
    const { emulator, client } = await setup(t, { commitIntervalMs: 1_500, commitMaxRecords: 1_000_000 });
    await emulator.createDeltaTable(TABLE, [
      { name: 'id', type_text: 'bigint' },
      { name: 'p', type_text: 'string' },
    ]);
    const stream = client.open(TABLE);
    stream.create(TABLE, WireRecordType.JSON);
    await stream.created();
    const requests = 40; // 10 MiB, well over the bound
    for (let offset = 0; offset < requests; offset++) stream.jsonBatch(offset, ...BATCH);
    const bound = Math.ceil(DELTA_BACKLOG_BYTES / BATCH_BYTES);
    await emulator.waitFor((e) => (e.streams[0]?.nextOffsetId ?? 0) >= bound);
    await new Promise((resolve) => setTimeout(resolve, 500)); // time to read more, were it reading
    const accepted = emulator.streams[0]?.nextOffsetId ?? 0;
    assert.equal(emulator.stats.acksSent, 0, 'no commit has landed yet');
    assert.ok(
      accepted >= bound && accepted <= bound + 1,
      `${accepted} requests read while the commit waits (bound ${bound})`,
    );

    await stream.ackedUpTo(requests - 1); // commits land, reading resumes, everything is acknowledged
    stream.call.end();
    assert.equal((await stream.status).code, 0);
    assert.equal(emulator.stats.recordsStored, requests * BATCH.length);
  });

  it('Arrow Flight: is not read past the bound either', async (t) => {
    const { emulator } = await setup(t, { commitIntervalMs: 1_500, commitMaxRecords: 1_000_000 });
    await emulator.createDeltaTable(TABLE, [
      { name: 'id', type_text: 'bigint' },
      { name: 'p', type_text: 'string' },
    ]);
    const client = new FlightClient(emulator);
    t.after(() => client.close());
    const ids = Array.from({ length: 256 }, (_, i) => BigInt(i));
    const batch = arrowTable({
      id: fixedVector(new Int64(), ids),
      p: vectorFromArray(
        ids.map(() => 'x'.repeat(1000)),
        new Utf8(),
      ),
    });
    const put = client.open(TABLE);
    put.schema(batch);
    await put.ready();
    const batchBytes = tableMessages(batch).batches[0]?.body.length ?? 0;
    const requests = 40;
    for (let offset = 0; offset < requests; offset++) put.batches(batch, offset);
    const bound = Math.ceil(DELTA_BACKLOG_BYTES / batchBytes);
    await emulator.waitFor((e) => (e.streams[0]?.nextOffsetId ?? 0) >= bound);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const accepted = emulator.streams[0]?.nextOffsetId ?? 0;
    assert.equal(emulator.stats.flightAcksSent, 0, 'no commit has landed yet');
    assert.ok(
      accepted >= bound && accepted <= bound + 1,
      `${accepted} batches read while the commit waits (bound ${bound})`,
    );
    await put.waitFor((ack) => ack.ackUpToOffset === requests - 1);
    put.end();
    assert.equal((await put.status).code, 0);
    assert.equal(emulator.stats.flightRows, requests * ids.length);
  });
});
