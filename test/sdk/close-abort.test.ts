/**
 * `close({ signal })` when the signal aborts before every record is acknowledged: the stream (or
 * pool) ends at once instead of staying `closing`, and what was not acknowledged stays
 * retrievable, in order, for `recreateStream`. Acks are withheld by the local server
 * (`stopAcking`), so nothing is timed: every abort is explicit or already fired.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TableProperties, ZerobusError } from '@zerobus/sdk';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  FAST_RECOVERY,
  type Harness,
  jsonPayloads,
  TABLE,
  withHarness,
} from '../support/harness.js';

const ids = (h: Harness) => jsonPayloads(h.emulator).map((p) => (p as { i: number }).i);
const isCode = (code: string) => (e: unknown) => e instanceof ZerobusError && e.code === code;

describe('close({ signal }) aborted while waiting for acknowledgements', () => {
  it('ends the stream at once: ABORTED, closed, connection cancelled, unacknowledged records kept in order', async () => {
    await withHarness(async (h) => {
      const { emulator, sdk } = h;
      const errors: number[] = [];
      const stream = await h.jsonStream({ ackCallback: { onError: (offset) => void errors.push(offset) } });
      await stream.waitForOffset(await stream.ingestRecordOffset({ i: 0 }));
      emulator.faults.stopAcking();
      stream.ingestRecordNowait({ i: 1 });
      stream.ingestRecordsNowait([{ i: 2 }, { i: 3 }]);
      await stream.ingestRecordOffset({ i: 4 });
      await emulator.waitForRecords(TABLE, 5);
      const waiting = stream.waitForOffset(3);
      const flushing = stream.flush();

      const controller = new AbortController();
      const closing = stream.close({ signal: controller.signal });
      assert.equal(stream.state, 'closing');
      assert.throws(() => stream.ingestRecordNowait({ i: 5 }), isCode('STREAM_CLOSED'));
      const reason = new Error('grace period over');
      controller.abort(reason);

      const aborted = await closing.then(
        () => assert.fail('close resolved with records unacknowledged'),
        (e: unknown) => e,
      );
      assert.ok(isCode('ABORTED')(aborted), `ABORTED, got ${aborted}`);
      assert.equal((aborted as Error).cause, reason, "the signal's reason is the cause");
      assert.equal(stream.state, 'closed');
      // Waits that were not aborted themselves learn that the stream ended without their offsets.
      await assert.rejects(waiting, isCode('STREAM_CLOSED'));
      await assert.rejects(flushing, isCode('STREAM_CLOSED'));
      await assert.rejects(stream.waitForOffset(4), isCode('STREAM_CLOSED'));
      await assert.rejects(stream.flush(), isCode('STREAM_CLOSED'));
      assert.deepEqual(errors, [1, 2, 3], 'onError for each unacknowledged offset');

      assert.deepEqual(stream.getUnackedBatches(), [['{"i":1}'], ['{"i":2}', '{"i":3}'], ['{"i":4}']]);
      assert.deepEqual(stream.getUnackedRecords(), ['{"i":1}', '{"i":2}', '{"i":3}', '{"i":4}']);
      // The call was cancelled, not left open until the server gives up on it.
      await emulator.waitFor((e) => e.streams.length === 0 && e.calls[0]?.status !== undefined);
      assert.equal(emulator.calls[0]?.status?.name, 'CANCELLED');

      // Every later close settles at once, with the same outcome: not everything is durable.
      await assert.rejects(stream.close(), (e: unknown) => e === aborted);
      await assert.rejects(stream.close({ signal: AbortSignal.abort() }), (e: unknown) => e === aborted);
      assert.equal(stream.state, 'closed');

      emulator.faults.resumeAcking();
      const next = await sdk.recreateStream(stream);
      await next.flush();
      assert.equal(next.ackedOffset, 2, 'the three requests, batch structure kept');
      await next.close();
      // At least once: the server stored 1..4 unacknowledged before the abort, so they come again.
      assert.deepEqual(ids(h), [0, 1, 2, 3, 4, 1, 2, 3, 4]);
    });
  });

  it('an already-aborted signal ends a stream with records in flight, and `await using` rethrows its outcome', async () => {
    await withHarness(async ({ emulator, sdk }) => {
      let stream: Awaited<ReturnType<typeof sdk.createStream>> | undefined;
      const disposed = (async () => {
        await using s = await sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE), {
          recordType: 'json',
          ...FAST_RECOVERY,
        });
        stream = s;
        emulator.faults.stopAcking();
        s.ingestRecordNowait({ i: 0 });
        s.ingestRecordNowait({ i: 1 });
        await assert.rejects(s.close({ signal: AbortSignal.abort() }), isCode('ABORTED'));
        assert.equal(s.state, 'closed');
        assert.deepEqual(s.getUnackedRecords(), ['{"i":0}', '{"i":1}']);
      })();
      // Disposal closes again: the stream did not deliver everything, so the block throws that.
      await assert.rejects(disposed, isCode('ABORTED'));
      assert.equal(stream?.state, 'closed');
    });
  });

  it('the signal of a later close() call ends a close already under way', async () => {
    await withHarness(async (h) => {
      // The flush timeout only bounds a failure of this test: the abort must end the close first.
      const stream = await h.jsonStream({ flushTimeoutMs: 5_000 });
      h.emulator.faults.stopAcking();
      stream.ingestRecordNowait({ i: 0 });
      const first = stream.close(); // no signal: would wait for the ack until flushTimeoutMs
      const controller = new AbortController();
      const second = stream.close({ signal: controller.signal });
      assert.equal(stream.state, 'closing');
      controller.abort();
      await assert.rejects(second, isCode('ABORTED'));
      await assert.rejects(first, isCode('ABORTED'));
      assert.equal(stream.state, 'closed');
      assert.deepEqual(stream.getUnackedRecords(), ['{"i":0}']);
    });
  });

  it('a signal that aborts when nothing is unacknowledged does not stop a clean close', async () => {
    await withHarness(async (h) => {
      const stream = await h.jsonStream();
      await stream.waitForOffset(await stream.ingestRecordOffset({ i: 0 }));
      await stream.close({ signal: AbortSignal.abort() });
      assert.equal(stream.state, 'closed');
      assert.deepEqual(stream.getUnackedRecords(), []);
      await stream.close();
    });
  });

  it('StreamPool: ends the pool and its streams, keeps what was not acknowledged, later closes settle', async () => {
    await withHarness(async (h) => {
      const { emulator, sdk } = h;
      const pool = await sdk.createStreamPool(
        {
          table: TABLE,
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          options: { recordType: 'json', ...FAST_RECOVERY },
        },
        { size: 2 },
      );
      try {
        const first = await pool.ingestRecordOffset({ i: 0 });
        await pool.waitForOffset(first);
        emulator.faults.stopAcking();
        const offsets = [];
        for (let i = 1; i <= 4; i++) offsets.push(await pool.ingestRecordOffset({ i }));
        await emulator.waitForRecords(TABLE, 5);
        const waiting = pool.waitForOffset(offsets[3]!);
        const controller = new AbortController();
        const closing = pool.close({ signal: controller.signal });
        assert.equal(pool.state, 'closing');
        controller.abort();
        const aborted = await closing.then(
          () => assert.fail('close resolved with records unacknowledged'),
          (e: unknown) => e,
        );
        assert.ok(isCode('ABORTED')(aborted), `ABORTED, got ${aborted}`);
        assert.equal(pool.state, 'closed');
        assert.deepEqual(
          pool.streams.map((s) => s.state),
          ['closed', 'closed'],
        );
        await assert.rejects(waiting, isCode('STREAM_CLOSED'));
        const unacked = pool.getUnackedRecords().map((r) => JSON.parse(r as string).i as number);
        assert.deepEqual(
          [...unacked].sort((a, b) => a - b),
          [1, 2, 3, 4],
        );
        // Stream after stream, each in its ingest order.
        for (const s of pool.streams) {
          const own = s.getUnackedRecords().map((r) => JSON.parse(r as string).i as number);
          assert.deepEqual(
            own,
            [...own].sort((a, b) => a - b),
          );
        }
        await emulator.waitFor((e) => e.streams.length === 0);
        await assert.rejects(pool.close(), (e: unknown) => e === aborted);
        assert.throws(() => pool.ingestRecordNowait({ i: 5 }), isCode('STREAM_CLOSED'));
      } finally {
        emulator.faults.reset();
        await pool.close().catch(() => {});
      }
    });
  });
});
