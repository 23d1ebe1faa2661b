import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { fetchToken, type RawClient, setup } from './support/raw-client.js';

const TABLE = 'main.default.events';

async function createdStream(client: RawClient) {
  const stream = client.open(TABLE);
  stream.create(TABLE);
  await stream.created();
  return stream;
}

describe('fault hooks', () => {
  it('failNextCall ends the next call right after its headers, once per arming', async (t) => {
    const { emulator, client } = await setup(t);
    emulator.faults.failNextCall('UNAVAILABLE', 'try later');
    const failed = client.open(TABLE);
    await failed.headers;
    const result = await failed.status;
    assert.equal(result.code, status.UNAVAILABLE);
    assert.equal(result.details, 'try later');
    await createdStream(client);
  });

  it('failNextCreates fails the next n create_stream requests', async (t) => {
    const { emulator, client } = await setup(t);
    emulator.faults.failNextCreates(2, status.INTERNAL);
    for (let i = 0; i < 2; i++) {
      const stream = client.open(TABLE);
      stream.create(TABLE);
      assert.equal((await stream.status).code, status.INTERNAL);
    }
    await createdStream(client);
    assert.equal(emulator.stats.streamsCreated, 1);
  });

  it('failActiveStreams ends every open call with the status', async (t) => {
    const { emulator, client } = await setup(t);
    const a = await createdStream(client);
    const b = await createdStream(client);
    assert.equal(emulator.streams.length, 2);
    assert.equal(emulator.faults.failActiveStreams('RESOURCE_EXHAUSTED', 'slow down'), 2);
    for (const stream of [a, b]) {
      const result = await stream.status;
      assert.equal(result.code, status.RESOURCE_EXHAUSTED);
      assert.equal(result.details, 'slow down');
    }
    assert.equal(emulator.streams.length, 0);
  });

  it('failAfterRequests fails the stream after n stored requests, leaving them unacked', async (t) => {
    const { emulator, client } = await setup(t);
    const stream = await createdStream(client);
    emulator.faults.stopAcking(); // keep every ack back so the outcome does not depend on timing
    emulator.faults.failAfterRequests(2, 'UNAVAILABLE');
    for (let i = 0; i < 4; i++) stream.json(i, `{"i":${i}}`);
    const result = await stream.status;
    assert.equal(result.code, status.UNAVAILABLE);
    assert.deepEqual(
      emulator.records(TABLE).map((r) => r.offsetId),
      [0, 1],
    );
    assert.deepEqual(stream.acks(), []);
  });

  it('failAfterRequests with ackFirst acknowledges the stored requests before failing', async (t) => {
    const { emulator, client } = await setup(t);
    emulator.faults.failAfterRequests(2, 'INTERNAL', 'boom', { ackFirst: true });
    const stream = await createdStream(client);
    stream.json(0, '{}');
    stream.json(1, '{}');
    const result = await stream.status;
    assert.equal(result.code, status.INTERNAL);
    assert.equal(result.details, 'boom');
    assert.equal(stream.acks().at(-1), 1);
  });

  it('failAfterRequests(0) fails the next stream right after it is created', async (t) => {
    const { emulator, client } = await setup(t);
    emulator.faults.failAfterRequests(0, 'UNAVAILABLE');
    const stream = client.open(TABLE);
    stream.create(TABLE);
    await stream.created();
    assert.equal((await stream.status).code, status.UNAVAILABLE);
  });

  it('stopAcking withholds acks but stores records; resumeAcking sends the cumulative ack', async (t) => {
    const { emulator, client } = await setup(t);
    const stream = await createdStream(client);
    emulator.faults.stopAcking();
    assert.equal(emulator.faults.ackingStopped, true);
    stream.json(0, '{}');
    stream.jsonBatch(1, '{}', '{}');
    await emulator.waitForRecords(TABLE, 3);
    assert.deepEqual(stream.acks(), []);
    emulator.faults.resumeAcking();
    await stream.ackedUpTo(1);
    assert.deepEqual(stream.acks(), [1]);
  });

  it('dropConnections resets the TCP connections: clients see UNAVAILABLE and can reconnect', async (t) => {
    const { emulator, client } = await setup(t);
    const stream = await createdStream(client);
    stream.json(0, '{}');
    await stream.ackedUpTo(0);
    assert.equal(emulator.faults.dropConnections(), 1);
    assert.equal(emulator.streams.length, 0);
    const result = await stream.status;
    assert.equal(result.code, status.UNAVAILABLE, result.details);
    assert.equal(emulator.calls[0]?.status?.name, 'UNAVAILABLE');

    const again = await createdStream(client);
    again.json(0, '{"after":"reconnect"}');
    await again.ackedUpTo(0);
    assert.equal(emulator.records(TABLE).length, 2);
  });

  it('sendCloseSignal announces the close, keeps acking, then ends the call after the duration', async (t) => {
    const { emulator, client } = await setup(t);
    const stream = await createdStream(client);
    assert.equal(emulator.faults.sendCloseSignal(30), 1);
    const signal = await stream.waitFor((r) => r.kind === 'closeStreamSignal');
    assert.deepEqual(signal, { kind: 'closeStreamSignal', durationMs: 30 });
    assert.equal(emulator.streams[0]?.closeSignalSent, true);
    stream.json(0, '{}');
    await stream.ackedUpTo(0);
    const result = await stream.status;
    assert.equal(result.code, status.CANCELLED);
    assert.match(result.details, /close_stream_signal/);
  });

  it('sendCloseSignal lets a client that half-closes in time finish with OK', async (t) => {
    const { emulator, client } = await setup(t);
    const stream = await createdStream(client);
    stream.json(0, '{}');
    await stream.ackedUpTo(0);
    emulator.faults.sendCloseSignal(10_000, { endStatus: 'UNAVAILABLE' });
    await stream.waitFor((r) => r.kind === 'closeStreamSignal');
    stream.call.end();
    assert.equal((await stream.status).code, status.OK);
  });

  it('tokenEndpointFailures makes the next n token requests fail with the status', async (t) => {
    const { emulator } = await setup(t);
    emulator.faults.tokenEndpointFailures(2, 503);
    for (const expected of [503, 503, 200]) {
      const response = await fetchToken(emulator, TABLE);
      assert.equal(response.status, expected);
      await response.body?.cancel();
    }
    assert.deepEqual(
      emulator.tokenRequests.map((r) => r.status),
      [503, 503, 200],
    );
  });

  it('reset disarms pending faults and resumes acking', async (t) => {
    const { emulator, client } = await setup(t);
    emulator.faults.failNextCall('INTERNAL');
    emulator.faults.failNextCreates(1, 'INTERNAL');
    emulator.faults.failAfterRequests(1, 'INTERNAL');
    emulator.faults.tokenEndpointFailures(1);
    emulator.faults.stopAcking();
    emulator.faults.reset();
    const stream = await createdStream(client);
    stream.json(0, '{}');
    stream.json(1, '{}');
    await stream.ackedUpTo(1);
    const response = await fetchToken(emulator, TABLE);
    assert.equal(response.status, 200);
    await response.body?.cancel();
  });

  it('rejects unknown statuses and bad counts', async (t) => {
    const { emulator } = await setup(t);
    assert.throws(() => emulator.faults.failNextCall(99), RangeError);
    assert.throws(() => emulator.faults.failNextCall('NOPE' as 'OK'), RangeError);
    assert.throws(() => emulator.faults.failNextCreates(-1, 'INTERNAL'), RangeError);
    assert.throws(() => emulator.faults.tokenEndpointFailures(1, 200), RangeError);
  });
});
