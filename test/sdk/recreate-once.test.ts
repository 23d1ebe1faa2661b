/**
 * recreateStream moves a failed stream's unacknowledged records to a new stream exactly once
 * (PROTOCOL.md §12): a second call, after the first or racing it, sends nothing and says which
 * stream holds them; a pool replacing its failed stream obeys the same rule. Counted in the
 * table the local server writes.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { NonRetriableError, type ZerobusStream } from '@zerobus/sdk';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  FAST_RECOVERY,
  type Harness,
  jsonPayloads,
  TABLE,
  withHarness,
} from '../support/harness.js';

const ids = (h: Pick<Harness, 'emulator'>) =>
  jsonPayloads(h.emulator)
    .map((p) => (p as { i: number }).i)
    .sort((a, b) => a - b);
const FIVE = [0, 1, 2, 3, 4];

const isInvalidState = (pattern: RegExp) => (e: unknown) =>
  e instanceof NonRetriableError && e.code === 'INVALID_STATE' && pattern.test(e.message);

/** A stream (recovery off) that failed with records 0..4 stored but not acknowledged; the table is emptied after. */
async function failedStream({ emulator, jsonStream }: Harness): Promise<ZerobusStream> {
  const stream = await jsonStream({ recovery: false });
  emulator.faults.stopAcking();
  for (const i of FIVE) stream.ingestRecordNowait({ i });
  await emulator.waitForRecords(TABLE, 5);
  emulator.faults.failActiveStreams('UNAVAILABLE');
  await assert.rejects(stream.flush(), { code: 'UNAVAILABLE' });
  emulator.faults.resumeAcking();
  emulator.clearRecords();
  return stream;
}

describe('recreateStream moves the records once', () => {
  it('a second call rejects with INVALID_STATE naming the stream made, and sends nothing', async () => {
    await withHarness(async (h) => {
      const stream = await failedStream(h);
      const next = await h.sdk.recreateStream(stream);
      await assert.rejects(
        h.sdk.recreateStream(stream),
        isInvalidState(new RegExp(`already recreated as stream ${next.streamId}`)),
      );
      await next.close();
      assert.deepEqual(ids(h), FIVE, 'each record once');
      assert.equal(h.emulator.calls.length, 2, 'the second call opened no stream');
    });
  });

  it('two calls racing make one stream and one copy', async () => {
    await withHarness(async (h) => {
      const stream = await failedStream(h);
      const outcomes = await Promise.allSettled([h.sdk.recreateStream(stream), h.sdk.recreateStream(stream)]);
      const made = outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value);
      const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason);
      assert.equal(made.length, 1);
      assert.equal(refused.length, 1);
      assert.ok(isInvalidState(/being recreated already/)(refused[0]), String(refused[0]));
      await made[0]?.close();
      assert.deepEqual(ids(h), FIVE);
    });
  });

  it('a recreation that could not create its stream moves nothing: the records can be recreated again', async () => {
    await withHarness(async (h) => {
      const stream = await failedStream(h);
      h.emulator.faults.failNextCreates(1, 'PERMISSION_DENIED', 'not yet granted');
      await assert.rejects(h.sdk.recreateStream(stream), { code: 'PERMISSION_DENIED' });
      const next = await h.sdk.recreateStream(stream);
      await next.close();
      assert.deepEqual(ids(h), FIVE);
    });
  });

  it("a pool replacing its failed stream and the user's recreateStream of it send one copy", async () => {
    await withHarness(async (h) => {
      const { emulator, sdk } = h;
      const pool = await sdk.createStreamPool(
        {
          table: TABLE,
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          options: { recordType: 'json', ...FAST_RECOVERY, recovery: false },
        },
        { size: 1 },
      );
      const [member] = pool.streams;
      assert.ok(member);
      emulator.faults.stopAcking();
      for (const i of FIVE) pool.ingestRecordNowait({ i });
      await emulator.waitForRecords(TABLE, 5);
      const failed = once(member, 'error');
      emulator.faults.failActiveStreams('UNAVAILABLE');
      await failed;
      // The pool replaces the stream by itself; the user recreating it as well must not re-send.
      const mine = sdk.recreateStream(member).then(
        (stream) => stream,
        () => undefined,
      );
      emulator.faults.resumeAcking();
      const user = await mine;
      await user?.close();
      await pool.close().catch(() => {});
      const seen = ids(h);
      // Each record was stored once before the failure (not acknowledged), and once more after it.
      assert.deepEqual(seen, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    });
  });
});
