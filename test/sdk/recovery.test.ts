import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { NonRetriableError, TableProperties, ZerobusError } from '@zerobus/sdk';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  FAST_RECOVERY,
  jsonPayloads,
  settle,
  TABLE,
  withHarness,
} from '../support/harness.js';

const ids = (payloads: unknown[]) => payloads.map((p) => (p as { i: number }).i);

describe('recovery, rotation and failure', () => {
  it('keeps logical offsets across a reconnect and replays unacknowledged requests in order', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream();
      for (let i = 0; i < 5; i++) await stream.ingestRecordOffset({ i });
      await stream.waitForOffset(4);
      const firstStreamId = stream.streamId;
      emulator.faults.stopAcking();
      for (let i = 5; i < 10; i++) stream.ingestRecordNowait({ i });
      await emulator.waitForRecords(TABLE, 10);
      emulator.faults.dropConnections();
      emulator.faults.resumeAcking();
      for (let i = 10; i < 15; i++) assert.equal(await stream.ingestRecordOffset({ i }), i);
      assert.equal(await stream.waitForOffset(14), 14);
      await stream.close();
      assert.notEqual(stream.streamId, firstStreamId, 'a new server stream after the reconnect');
      assert.equal(emulator.calls.length, 2);
      assert.equal(emulator.tokenRequests.length, 2, 'a fresh token on every connect');
      const seen = ids(jsonPayloads(emulator));
      // At least once: 5..9 were stored but not acknowledged before the drop, so they come again.
      assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    });
  });

  it('recovers from a retriable status (UNAVAILABLE) without surfacing an error', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream();
      await stream.ingestRecordOffset({ i: 0 });
      await stream.waitForOffset(0);
      emulator.faults.failActiveStreams('UNAVAILABLE', 'maintenance');
      await stream.ingestRecordOffset({ i: 1 });
      await stream.flush();
      await stream.close();
      assert.deepEqual(ids(jsonPayloads(emulator)), [0, 1]);
    });
  });

  it('reconnects when acknowledgements stop for serverLackOfAckTimeoutMs', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ serverLackOfAckTimeoutMs: 150 });
      emulator.faults.stopAcking();
      stream.ingestRecordNowait({ i: 0 });
      await emulator.waitFor((e) => e.calls.length === 2 && e.streams.length === 1);
      emulator.faults.resumeAcking();
      await stream.flush();
      await stream.close();
      assert.deepEqual(ids(jsonPayloads(emulator)), [0, 0]);
    });
  });

  it('fails after recoveryRetries attempts in one outage, keeping everything retrievable', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ recoveryRetries: 2 });
      emulator.faults.stopAcking();
      stream.ingestRecordNowait({ i: 0 });
      stream.ingestRecordsNowait([{ i: 1 }, { i: 2 }]);
      await emulator.waitForRecords(TABLE, 3);
      // Every new call fails right after creation: the budget must still run out.
      emulator.faults.failAfterRequests(0, 'UNAVAILABLE', 'again', { times: 10 });
      const pending = stream.waitForOffset(1);
      emulator.faults.failActiveStreams('UNAVAILABLE');
      await assert.rejects(pending, (e: unknown) => e instanceof ZerobusError && e.code === 'RECOVERY_FAILED');
      assert.equal(stream.state, 'failed');
      assert.equal(emulator.calls.length, 3, 'the first call and two recovery attempts');
      assert.deepEqual(stream.getUnackedBatches(), [['{"i":0}'], ['{"i":1}', '{"i":2}']]);
      await assert.rejects(stream.close(), { code: 'RECOVERY_FAILED' });
    });
  });

  it('fails at once on a non-retriable status: waits reject, onError fires per offset, records retrievable', async () => {
    const errors: [number, string][] = [];
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({
        ackCallback: { onError: (offset, message) => void errors.push([offset, message]) },
      });
      await stream.ingestRecordOffset({ i: 0 });
      await stream.waitForOffset(0);
      emulator.faults.stopAcking();
      stream.ingestRecordNowait({ i: 1 });
      stream.ingestRecordsNowait([{ i: 2 }, { i: 3 }]);
      const flushing = stream.flush();
      const ack = await stream.ingestRecord({ i: 4 });
      await emulator.waitForRecords(TABLE, 5);
      emulator.faults.failActiveStreams('PERMISSION_DENIED', 'grant revoked');
      await assert.rejects(flushing, (e: unknown) => e instanceof NonRetriableError && e.code === 'PERMISSION_DENIED');
      await assert.rejects(ack.promise, { code: 'PERMISSION_DENIED' });
      assert.equal(ack.isDone(), true);
      assert.equal(stream.state, 'failed');
      assert.equal(emulator.calls.length, 1, 'no reconnect after a non-retriable status');
      assert.deepEqual(stream.getUnackedRecords(), ['{"i":1}', '{"i":2}', '{"i":3}', '{"i":4}']);
      assert.deepEqual(
        errors.map(([offset]) => offset),
        [1, 2, 3],
      );
      assert.match(errors[0]?.[1] ?? '', /PERMISSION_DENIED: grant revoked/);
      assert.throws(() => stream.ingestRecordNowait({ i: 5 }), { code: 'STREAM_FAILED' });
      await assert.rejects(stream.close(), { code: 'PERMISSION_DENIED' });
    });
  });

  it('recreateStream re-sends the unacknowledged batches of a failed stream, in order', async () => {
    await withHarness(async ({ emulator, sdk, jsonStream }) => {
      const stream = await jsonStream({ recovery: false });
      await stream.ingestRecordOffset({ i: 0 });
      await stream.waitForOffset(0);
      emulator.faults.stopAcking();
      stream.ingestRecordsNowait([{ i: 1 }, { i: 2 }]);
      stream.ingestRecordNowait({ i: 3 });
      await emulator.waitForRecords(TABLE, 4);
      emulator.faults.failActiveStreams('UNAVAILABLE');
      await assert.rejects(stream.flush(), { code: 'UNAVAILABLE' });
      emulator.faults.resumeAcking();
      emulator.clearRecords();
      const next = await sdk.recreateStream(stream);
      assert.equal(next.lastOffset, 1, 'the batch and the single record took offsets 0 and 1');
      await next.close();
      assert.deepEqual(ids(jsonPayloads(emulator)), [1, 2, 3]);
      assert.deepEqual(
        emulator.records(TABLE).map((r) => [r.offsetId, r.batchIndex]),
        [
          [0, 0],
          [0, 1],
          [1, 0],
        ],
      );
    });
  });

  it('calls after a failure reject with STREAM_FAILED keeping its retriable flag; recreateStream ignores the spent signal', async () => {
    await withHarness(async ({ emulator, sdk, jsonStream }) => {
      // A signal bounds the creation only: recreateStream must not reuse it once it has fired.
      const creation = new AbortController();
      const stream = await sdk.createStream({
        table: TABLE,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        options: { recordType: 'json', recovery: false },
        signal: creation.signal,
      });
      creation.abort();
      emulator.faults.stopAcking();
      stream.ingestRecordNowait({ i: 0 });
      await emulator.waitForRecords(TABLE, 1);
      emulator.faults.failActiveStreams('UNAVAILABLE');
      await assert.rejects(stream.waitForOffset(0), { code: 'UNAVAILABLE' });
      // Began after the failure: the code says so, `retriable` and `cause` say what failed.
      const isRetriableStreamFailure = (e: unknown) =>
        e instanceof ZerobusError &&
        !(e instanceof NonRetriableError) &&
        e.code === 'STREAM_FAILED' &&
        e.retriable &&
        (e.cause as ZerobusError).code === 'UNAVAILABLE';
      await assert.rejects(stream.flush(), isRetriableStreamFailure);
      // ready() is not async: it must still reject, never throw where it is called.
      const ready = stream.ready();
      assert.ok(ready instanceof Promise);
      await assert.rejects(ready, isRetriableStreamFailure);
      assert.throws(() => stream.ingestRecordNowait({ i: 1 }), isRetriableStreamFailure);
      emulator.faults.resumeAcking();
      const next = await sdk.recreateStream(stream);
      await next.close();
      assert.deepEqual(ids(jsonPayloads(emulator)), [0, 0], 'sent once before the failure, once again after it');

      const denied = await jsonStream({ recovery: false });
      const failed = once(denied, 'error');
      emulator.faults.failActiveStreams('PERMISSION_DENIED');
      await failed;
      await assert.rejects(
        denied.flush(),
        (e: unknown) => e instanceof NonRetriableError && e.code === 'STREAM_FAILED' && !e.retriable,
      );
    });
  });

  it('with recovery off, the first retriable failure fails the stream', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ recovery: false });
      emulator.faults.stopAcking();
      stream.ingestRecordNowait({ i: 0 });
      await emulator.waitForRecords(TABLE, 1);
      emulator.faults.dropConnections();
      await assert.rejects(stream.flush(), (e: unknown) => e instanceof ZerobusError && e.retriable);
      assert.equal(stream.state, 'failed');
      assert.deepEqual(stream.getUnackedRecords(), ['{"i":0}']);
    });
  });

  it('rotates to a new call on a close signal without losing or reordering records', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ recoveryBackoffMs: 60_000 });
      for (let i = 0; i < 3; i++) stream.ingestRecordNowait({ i });
      await stream.flush();
      emulator.faults.sendCloseSignal(5_000);
      await emulator.waitFor((e) => e.calls.length === 2 && e.streams.length === 1);
      for (let i = 3; i < 6; i++) assert.equal(await stream.ingestRecordOffset({ i }), i);
      await stream.flush();
      await stream.close();
      // No backoff was waited (60 s would time the test out) and nothing was sent twice.
      assert.deepEqual(ids(jsonPayloads(emulator)), [0, 1, 2, 3, 4, 5]);
    });
  });

  it('ignores a close signal with recovery off until the server ends the call', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ recovery: false });
      emulator.faults.sendCloseSignal(50);
      await stream.ingestRecordOffset({ i: 0 });
      await stream.waitForOffset(0);
      assert.equal(stream.state, 'open');
      await emulator.waitFor((e) => e.streams.length === 0);
      await assert.rejects(
        stream
          .flush()
          .then(() => stream.ingestRecordOffset({ i: 1 }))
          .then((o) => stream.waitForOffset(o)),
      );
      assert.equal(stream.state, 'failed');
    });
  });

  it('a flush timeout fails the stream and leaves the unacknowledged records retrievable', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ flushTimeoutMs: 100 });
      emulator.faults.stopAcking();
      stream.ingestRecordNowait({ i: 0 });
      stream.ingestRecordNowait({ i: 1 });
      await assert.rejects(stream.flush(), (e: unknown) => e instanceof ZerobusError && e.code === 'TIMEOUT');
      assert.equal(stream.state, 'failed');
      assert.deepEqual(stream.getUnackedRecords(), ['{"i":0}', '{"i":1}']);
    });
  });

  it('close() whose flush times out reports it and keeps the records retrievable', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ flushTimeoutMs: 100 });
      emulator.faults.stopAcking();
      stream.ingestRecordNowait({ i: 0 });
      await assert.rejects(stream.close(), { code: 'TIMEOUT' });
      assert.deepEqual(stream.getUnackedRecords(), ['{"i":0}']);
    });
  });

  it('asks a custom headers provider again on every connect and adds x-zerobus-sdk', async () => {
    await withHarness(async ({ emulator, sdk }) => {
      let asked = 0;
      const stream = await sdk.createStream({
        table: new TableProperties(TABLE),
        options: { recordType: 'json', ...FAST_RECOVERY },
        headersProvider: {
          async getHeaders() {
            asked++;
            return {
              authorization: `Bearer ${emulator.issueToken(TABLE)}`,
              'X-Databricks-Zerobus-Table-Name': TABLE,
              'x-custom': `call-${asked}`,
            };
          },
        },
      });
      await stream.ingestRecordOffset({ i: 0 });
      await stream.waitForOffset(0);
      emulator.faults.dropConnections();
      await stream.ingestRecordOffset({ i: 1 });
      await stream.close();
      assert.equal(asked, 2);
      assert.deepEqual(
        emulator.calls.map((c) => c.headers['x-custom']),
        ['call-1', 'call-2'],
      );
      assert.match(emulator.calls[0]?.headers['x-zerobus-sdk'] ?? '', /^zerobus-sdk-ts\//);
    }, {});
  });

  it('a synchronous headers provider works too', async () => {
    await withHarness(async ({ emulator, sdk }) => {
      const stream = await sdk.createStream({
        table: TABLE,
        options: { recordType: 'json' },
        headersProvider: {
          getHeaders: () => ({
            authorization: `Bearer ${emulator.issueToken(TABLE)}`,
            'x-databricks-zerobus-table-name': TABLE,
          }),
        },
      });
      await stream.ingestRecordOffset({ i: 0 });
      await stream.close();
      assert.equal(emulator.records(TABLE).length, 1);
    });
  });

  it('gives up stream creation with the credentials error when the token endpoint says 401', async () => {
    await withHarness(async ({ sdk, emulator, logs }) => {
      await assert.rejects(
        sdk.createStream(CLIENT_ID, 'wrong-secret-value', new TableProperties(TABLE), {
          recordType: 'json',
          ...FAST_RECOVERY,
        }),
        (e: unknown) => {
          assert.ok(e instanceof NonRetriableError);
          assert.equal(e.code, 'AUTH_FAILED');
          assert.match(e.message, /HTTP 401/);
          assert.doesNotMatch(e.message, /wrong-secret-value/);
          return true;
        },
      );
      assert.equal(emulator.tokenRequests.length, 1, 'a 401 is not retried');
      assert.doesNotMatch(JSON.stringify(logs), /wrong-secret-value/);
    });
  });

  it('retries stream creation while the token endpoint answers 5xx', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      emulator.faults.tokenEndpointFailures(2, 503);
      const stream = await jsonStream();
      assert.equal(emulator.tokenRequests.length, 3);
      await stream.close();
    });
  });

  it('never logs tokens or secrets', async () => {
    await withHarness(async ({ emulator, jsonStream, logs }) => {
      const stream = await jsonStream();
      await stream.ingestRecordOffset({ i: 0 });
      emulator.faults.dropConnections();
      await stream.ingestRecordOffset({ i: 1 });
      await stream.close();
      const tokens = emulator.calls.map((c) => (c.headers.authorization ?? '').replace('Bearer ', ''));
      const text = JSON.stringify(logs);
      assert.ok(logs.length > 0, 'the reconnect was logged');
      for (const secret of [CLIENT_SECRET, ...tokens]) assert.equal(text.includes(secret), false);
    });
  });
  it('bounds each connection attempt by recoveryTimeoutMs', async () => {
    await withHarness(async ({ sdk }) => {
      await assert.rejects(
        sdk.createStream({
          table: TABLE,
          options: { recordType: 'json', recovery: false, recoveryTimeoutMs: 50 },
          headersProvider: { getHeaders: () => new Promise<Record<string, string>>(() => {}) },
        }),
        (e: unknown) => e instanceof ZerobusError && e.code === 'TIMEOUT' && /50 ms/.test(e.message),
      );
    });
  });

  it('after a close signal waits at most streamPausedMaxWaitTimeMs for acks, then replays on a new call', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ streamPausedMaxWaitTimeMs: 50 });
      emulator.faults.stopAcking();
      stream.ingestRecordNowait({ i: 0 });
      await emulator.waitForRecords(TABLE, 1);
      // The server announces a long goodbye; the stream must not wait for all of it.
      emulator.faults.sendCloseSignal(60_000);
      await emulator.waitFor((e) => e.calls.length === 2 && e.streams.length >= 1);
      emulator.faults.resumeAcking();
      await stream.flush();
      await stream.close();
      assert.deepEqual(ids(jsonPayloads(emulator)), [0, 0], 'the unacknowledged record was replayed');
    });
  });

  for (const [mode, state, what] of [
    ['paused', 'failed', 'fails while paused by a close signal'],
    ['backoff', 'closed', 'is closed (signal aborted) during a recovery backoff'],
    ['arrow-backoff', 'closed', '(Arrow) is closed (signal aborted) during a recovery backoff'],
  ] as const) {
    it(`a stream that ${what} leaves nothing keeping the process alive`, async () => {
      const probe = fileURLToPath(new URL('../support/ended-stream-probe.ts', import.meta.url));
      // The probe's pause and backoff last 10 minutes: anything left behind would outlive this limit.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--conditions=@zerobus/source', '--import', 'tsx', probe, mode],
        { env: { ...process.env, ZEROBUS_LOG: 'silent' }, timeout: 60_000 },
      );
      assert.equal(stdout, `${state}\n`);
    });
  }

  it('a close() while a rotation is connecting leaves the stream closed', async () => {
    await withHarness(async ({ emulator, sdk }) => {
      let asked = 0;
      let release: () => void = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const stream = await sdk.createStream({
        table: TABLE,
        options: { recordType: 'json', ...FAST_RECOVERY },
        headersProvider: {
          async getHeaders() {
            if (++asked > 1) await released; // the rotation's headers come after the close
            return { authorization: `Bearer ${emulator.issueToken(TABLE)}`, 'x-databricks-zerobus-table-name': TABLE };
          },
        },
      });
      await stream.waitForOffset(await stream.ingestRecordOffset({ i: 0 }));
      emulator.faults.sendCloseSignal(5_000);
      await emulator.waitFor(() => asked === 2);
      await stream.close();
      release();
      await settle(50);
      // Before the fix the abandoned call threw on the shut-down channel (an unhandled
      // rejection) and recovery took the closed stream back to 'recovering'.
      assert.equal(stream.state, 'closed');
      assert.equal(emulator.calls.length, 1);
    });
  });
});
