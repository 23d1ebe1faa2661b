import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ZerobusError } from '@zerobus/sdk';
import { jsonPayloads, settle, TABLE, withHarness } from '../support/harness.js';

const ids = (payloads: unknown[]) => payloads.map((p) => (p as { i: number }).i);

describe('stream events', () => {
  it('fire in order across a dropped connection and a close signal', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream();
      const events: unknown[][] = [];
      stream.on('ack', (offset) => events.push(['ack', offset]));
      stream.on('recovering', ({ error, attempt }) =>
        events.push(['recovering', attempt, error instanceof ZerobusError && error.retriable]),
      );
      stream.on('recovered', ({ streamId, attempts, replayed }) =>
        events.push(['recovered', attempts, replayed, streamId === stream.streamId]),
      );
      stream.on('closeSignal', ({ durationMs }) => events.push(['closeSignal', durationMs, stream.state]));

      // Three records queued in one tick go out as one request, acknowledged through offset 2.
      for (let i = 0; i < 3; i++) stream.ingestRecordNowait({ i });
      await stream.flush();
      emulator.faults.stopAcking();
      stream.ingestRecordNowait({ i: 3 });
      stream.ingestRecordsNowait([{ i: 4 }, { i: 5 }]);
      await emulator.waitForRecords(TABLE, 6);
      emulator.faults.dropConnections();
      emulator.faults.resumeAcking();
      await stream.flush();
      emulator.faults.sendCloseSignal(5_000);
      await emulator.waitFor((e) => e.calls.length === 3 && e.streams.length === 1);
      await stream.ingestRecordOffset({ i: 6 });
      await stream.flush();
      await stream.close();

      // The server may acknowledge two requests that arrive together with one ack or two: only
      // the last of consecutive acks is compared.
      const collapsed = events.filter((e, i) => !(e[0] === 'ack' && events[i + 1]?.[0] === 'ack'));
      assert.deepEqual(collapsed, [
        ['ack', 2],
        ['recovering', 1, true],
        ['recovered', 1, 2, true], // offsets 3 and 4 (a batch is one request) were replayed
        ['ack', 4],
        ['closeSignal', 5_000, 'paused'],
        ['ack', 5],
      ]);
      assert.equal(stream.stats().reconnects, 2, 'the recovery and the rotation');
      assert.deepEqual(ids(jsonPayloads(emulator)), [0, 1, 2, 3, 4, 5, 3, 4, 5, 6]);
    });
  });

  it("emit 'error' with the failure only to a listener; without one nothing crashes", async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const quiet = await jsonStream();
      const heard = await jsonStream();
      const errors: ZerobusError[] = [];
      heard.once('error', (error) => errors.push(error));
      emulator.faults.stopAcking();
      quiet.ingestRecordNowait({ i: 0 });
      heard.ingestRecordNowait({ i: 1 });
      await emulator.waitForRecords(TABLE, 2);
      const quietFlush = quiet.flush();
      const heardFlush = heard.flush();
      emulator.faults.failActiveStreams('PERMISSION_DENIED', 'revoked');
      await assert.rejects(quietFlush, { code: 'PERMISSION_DENIED' });
      await assert.rejects(heardFlush, (e: unknown) => e === errors[0]);
      assert.equal(errors.length, 1);
      assert.equal(errors[0]?.code, 'PERMISSION_DENIED');
      assert.equal(quiet.state, 'failed');
      assert.equal(quiet.listenerCount('error'), 0);
    });
  });

  it('log a throwing or rejecting listener and keep the stream and the other listeners going', async () => {
    await withHarness(async ({ jsonStream, logs }) => {
      const stream = await jsonStream();
      const seen: number[] = [];
      stream.on('ack', () => {
        throw new Error('listener bug');
      });
      stream.on('ack', async () => {
        throw new Error('async listener bug');
      });
      stream.on('ack', (offset) => seen.push(offset));
      const offset = await stream.ingestRecordOffset({ i: 0 });
      assert.equal(await stream.waitForOffset(offset), 0);
      await stream.ingestRecordOffset({ i: 1 });
      await stream.flush();
      await settle(0);
      assert.deepEqual(seen, [0, 1]);
      const threw = logs.filter((l) => l.message === 'stream event listener threw').map((l) => l.fields);
      assert.deepEqual(
        threw.map((f) => JSON.stringify(f)).sort(),
        [
          { event: 'ack', error: 'async listener bug' },
          { event: 'ack', error: 'async listener bug' },
          { event: 'ack', error: 'listener bug' },
          { event: 'ack', error: 'listener bug' },
        ].map((f) => JSON.stringify(f)),
        'each listener failure once per ack',
      );
      assert.equal(stream.state, 'open');
    });
  });

  it('keep ackCallback working next to listeners', async () => {
    await withHarness(async ({ jsonStream }) => {
      const order: string[] = [];
      const stream = await jsonStream({ ackCallback: { onAck: (offset) => void order.push(`callback ${offset}`) } });
      stream.on('ack', (offset) => order.push(`event ${offset}`));
      await stream.waitForOffset(await stream.ingestRecordOffset({ i: 0 }));
      assert.deepEqual(order, ['callback 0', 'event 0']);
    });
  });
});

describe('stream.stats()', () => {
  it('counts records, requests and bytes, ingested, acknowledged and in flight', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream();
      const empty = stream.stats();
      assert.equal(empty.recordsIngested, 0);
      assert.deepEqual(empty.ackLatencyMs, { count: 0, p50: 0, p90: 0, p99: 0, max: 0 });
      emulator.faults.stopAcking();
      stream.ingestRecordNowait({ i: 0 }); // '{"i":0}': 7 bytes
      stream.ingestRecordsNowait([{ i: 1 }, { i: 2 }, { i: 3 }]); // one request, three records
      await stream.ingestRecordOffset({ i: 4 });
      await emulator.waitForRecords(TABLE, 5);
      const { ackLatencyMs: before, ...inFlight } = stream.stats();
      assert.deepEqual(inFlight, {
        recordsIngested: 5,
        requestsIngested: 3,
        bytesIngested: 35,
        recordsAcked: 0,
        requestsAcked: 0,
        bytesAcked: 0,
        inflightRequests: 3,
        inflightRecords: 5,
        inflightBytes: 35,
        reconnects: 0,
      });
      assert.equal(before.count, 0);
      emulator.faults.resumeAcking();
      await stream.flush();
      const { ackLatencyMs: latency, ...acked } = stream.stats();
      assert.deepEqual(acked, {
        recordsIngested: 5,
        requestsIngested: 3,
        bytesIngested: 35,
        recordsAcked: 5,
        requestsAcked: 3,
        bytesAcked: 35,
        inflightRequests: 0,
        inflightRecords: 0,
        inflightBytes: 0,
        reconnects: 0,
      });
      assert.equal(latency.count, 3, 'one sample per request');
      assert.ok(latency.p50 >= 0 && latency.p50 <= latency.p90 && latency.p90 <= latency.p99);
      assert.equal(latency.p99, latency.max);
    });
  });

  it('measures ack latency from the first send, across a replay', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream();
      emulator.faults.stopAcking();
      stream.ingestRecordNowait({ i: 0 });
      await emulator.waitForRecords(TABLE, 1);
      await settle(60);
      emulator.faults.dropConnections();
      emulator.faults.resumeAcking();
      await stream.flush();
      const stats = stream.stats();
      assert.equal(stats.reconnects, 1);
      assert.equal(stats.requestsAcked, 1);
      // At least the 60 ms waited before the drop (timers may fire up to 1 ms early).
      assert.ok(stats.ackLatencyMs.max >= 55, `latency ${stats.ackLatencyMs.max} ms`);
    });
  });

  it('keeps the counts of a failed stream', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream();
      await stream.waitForOffset(await stream.ingestRecordOffset({ i: 0 }));
      emulator.faults.stopAcking();
      stream.ingestRecordNowait({ i: 1 });
      await emulator.waitForRecords(TABLE, 2);
      emulator.faults.failActiveStreams('INVALID_ARGUMENT', 'bad');
      await assert.rejects(stream.flush());
      const stats = stream.stats();
      assert.equal(stats.recordsIngested, 2);
      assert.equal(stats.recordsAcked, 1);
      assert.equal(stats.inflightRecords, 1, 'still retrievable with getUnackedRecords()');
    });
  });
});
