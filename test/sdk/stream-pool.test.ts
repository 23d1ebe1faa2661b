import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InvalidRecordError,
  NonRetriableError,
  type PoolOffset,
  type StreamConfigurationOptions,
  type StreamPool,
  type StreamPoolOptions,
  TableProperties,
  ZerobusError,
} from '@zerobus/sdk';
import protobuf from 'protobufjs';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  FAST_RECOVERY,
  type Harness,
  jsonPayloads,
  settle,
  TABLE,
  withHarness,
} from '../support/harness.js';

const ids = (h: Harness) => jsonPayloads(h.emulator).map((p) => (p as { i: number }).i);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** Record ids per server stream id, in the order the server stored them. */
function idsByStream(h: Harness): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const record of h.emulator.records(TABLE)) {
    const list = out.get(record.streamId) ?? [];
    list.push((JSON.parse(record.payload as string) as { i: number }).i);
    out.set(record.streamId, list);
  }
  return out;
}

async function withPool(
  body: (h: Harness & { pool: StreamPool }) => Promise<void>,
  streamOptions: StreamConfigurationOptions = {},
  poolOptions: StreamPoolOptions = {},
): Promise<void> {
  await withHarness(async (h) => {
    const pool = await h.sdk.createStreamPool(
      {
        table: TABLE,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        options: { recordType: 'json', ...FAST_RECOVERY, ...streamOptions },
      },
      poolOptions,
    );
    try {
      await body({ ...h, pool });
    } finally {
      h.emulator.faults.reset();
      await pool.close().catch(() => {});
    }
  });
}

describe('StreamPool', () => {
  it('spreads records evenly over its streams and delivers each exactly once, in order per stream', async () => {
    await withPool(async (h) => {
      const { emulator, pool } = h;
      assert.equal(pool.size, 4);
      assert.equal(emulator.streams.length, 4, 'the streams were opened together');
      for (let i = 0; i < 400; i++) assert.equal(pool.ingestRecordNowait({ i }), true);
      assert.equal(pool.pendingRequests, 400);
      await pool.flush();
      assert.deepEqual(sorted(ids(h)), range(400));
      const byStream = idsByStream(h);
      assert.deepEqual(new Set(byStream.keys()), new Set(pool.streams.map((s) => s.streamId)));
      for (const [, list] of byStream) {
        assert.equal(list.length, 100, 'equal loads take turns');
        assert.deepEqual(list, sorted(list), 'each stream keeps its records in order');
      }
      await pool.close();
      assert.equal(pool.state, 'closed');
      assert.deepEqual(
        pool.streams.map((s) => s.state),
        ['closed', 'closed', 'closed', 'closed'],
      );
      await emulator.waitFor((e) => e.streams.length === 0);
      assert.equal(emulator.calls.length, 4);
      assert.deepEqual(pool.getUnackedRecords(), []);
      assert.throws(() => pool.ingestRecordNowait({ i: 0 }), { code: 'STREAM_CLOSED' });
      await assert.rejects(pool.ingestRecordOffset({ i: 0 }), { code: 'STREAM_CLOSED' });
      await pool.close(); // again: nothing to do
    });
  });

  it('carries protobuf records and batches, each exactly once', async () => {
    const Row = protobuf.parse('syntax = "proto2"; message Row { required int64 i = 1; }').root.lookupType('Row');
    await withHarness(async ({ emulator, sdk }) => {
      const table = 'main.default.rows';
      const pool = await sdk.createStreamPool(
        CLIENT_ID,
        CLIENT_SECRET,
        new TableProperties(table, Row),
        {},
        undefined,
        {
          size: 3,
        },
      );
      const offsets: PoolOffset[] = [];
      for (let i = 0; i < 30; i += 3) {
        const offset = await pool.ingestRecordsOffset([{ i }, { i: i + 1 }, Row.encode({ i: i + 2 }).finish()]);
        assert.ok(offset);
        offsets.push(offset);
      }
      for (let i = 30; i < 60; i++) pool.ingestRecordNowait({ i });
      assert.equal(await pool.ingestRecordsOffset([]), null, 'an empty batch takes no offset');
      for (const offset of offsets) assert.equal(await pool.waitForOffset(offset), offset);
      await pool.close();
      const got = emulator
        .records(table)
        .map((r) => Row.toObject(Row.decode(r.payload as Uint8Array), { longs: Number }).i as number);
      assert.deepEqual(sorted(got), range(60));
      assert.equal(new Set(emulator.records(table).map((r) => r.streamId)).size, 3);
      assert.ok(emulator.calls.every((c) => c.recordType === 'proto'));
    });
  });

  it('pool offsets name the stream and its offset, and waitForOffset waits for that stream', async () => {
    await withPool(async (h) => {
      const { emulator, pool } = h;
      emulator.faults.stopAcking();
      const offsets: PoolOffset[] = [];
      for (let i = 0; i < 6; i++) offsets.push(await pool.ingestRecordOffset({ i }));
      assert.deepEqual(
        offsets.map((o) => [o.stream, o.generation, o.offset]),
        [
          [0, 0, 0],
          [1, 0, 0],
          [2, 0, 0],
          [3, 0, 0],
          [0, 0, 1],
          [1, 0, 1],
        ],
      );
      const last = offsets[5] as PoolOffset;
      assert.equal(String(last), '1.0:1');
      assert.deepEqual(JSON.parse(JSON.stringify(last)), { stream: 1, generation: 0, offset: 1 });
      let done = false;
      const waiting = pool.waitForOffset(last).then((o) => {
        done = true;
        return o;
      });
      await emulator.waitForRecords(TABLE, 6);
      await settle();
      assert.equal(done, false, 'not acknowledged yet');
      await assert.rejects(pool.waitForOffset(last, { timeoutMs: 20 }), { code: 'TIMEOUT' });
      emulator.faults.resumeAcking();
      assert.equal(await waiting, last);
      await assert.rejects(pool.waitForOffset({ stream: 0, offset: 0 } as unknown as PoolOffset), {
        code: 'INVALID_STATE',
      });
    });
  });

  it('flush waits for every stream', async () => {
    await withPool(
      async (h) => {
        const { emulator, pool } = h;
        emulator.faults.stopAcking();
        for (let i = 0; i < 9; i++) pool.ingestRecordNowait({ i });
        let flushed = false;
        const flushing = pool.flush().then(() => {
          flushed = true;
        });
        await emulator.waitForRecords(TABLE, 9);
        await settle();
        assert.equal(flushed, false);
        emulator.faults.resumeAcking();
        await flushing;
        assert.equal(pool.pendingRequests, 0);
        assert.deepEqual(sorted(ids(h)), range(9));
      },
      {},
      { size: 3 },
    );
  });

  it('back-pressure: false and ready() once every stream is full, QUEUE_FULL past twice the windows', async () => {
    await withPool(
      async (h) => {
        const { emulator, pool } = h;
        emulator.faults.stopAcking();
        const taken = range(4).map((i) => pool.ingestRecordNowait({ i }));
        assert.deepEqual(taken, [true, true, true, false], 'false only once no stream has room');
        assert.deepEqual(
          pool.streams.map((s) => s.pendingRequests),
          [2, 2],
        );
        let ready = false;
        const readying = pool.ready().then(() => {
          ready = true;
        });
        const order: string[] = [];
        const waitingA = pool.ingestRecordOffset({ i: 100 }).then((o) => order.push(`a@${o}`));
        const waitingB = pool.ingestRecordOffset({ i: 101 }).then((o) => order.push(`b@${o}`));
        // Ignoring false: each stream still takes up to twice its window, then refuses.
        for (let i = 4; i < 8; i++) assert.equal(pool.ingestRecordNowait({ i }), false);
        assert.throws(
          () => pool.ingestRecordNowait({ i: 8 }),
          (e: unknown) => e instanceof ZerobusError && e.code === 'QUEUE_FULL',
        );
        await settle();
        assert.equal(ready, false);
        assert.deepEqual(order, []);
        emulator.faults.resumeAcking();
        await readying;
        await Promise.all([waitingA, waitingB]);
        assert.match(order.join(' '), /^a@\d\.0:\d b@\d\.0:\d$/, 'waiting callers are served in call order');
        await pool.flush();
        assert.deepEqual(sorted(ids(h)), [...range(8), 100, 101]);
      },
      { maxInflightRecords: 2 },
      { size: 2 },
    );
  });

  it('stats() adds up the counters of the streams', async () => {
    await withPool(async ({ pool }) => {
      for (let i = 0; i < 40; i++) pool.ingestRecordNowait({ i });
      await pool.ingestRecordsOffset([{ i: 40 }, { i: 41 }, { i: 42 }]);
      await pool.flush();
      const stats = pool.stats();
      assert.equal(stats.streams.length, 4);
      assert.equal(stats.replacements, 0);
      assert.equal(stats.recordsIngested, 43);
      assert.equal(stats.requestsIngested, 41);
      assert.equal(stats.recordsAcked, 43);
      assert.equal(stats.requestsAcked, 41);
      assert.equal(stats.inflightRecords, 0);
      const sum = (pick: (s: (typeof stats.streams)[number]) => number) =>
        stats.streams.reduce((total, s) => total + pick(s), 0);
      assert.equal(
        stats.bytesIngested,
        sum((s) => s.bytesIngested),
      );
      assert.equal(stats.bytesAcked, stats.bytesIngested);
      assert.ok(stats.bytesIngested >= 43 * '{"i":0}'.length);
      assert.equal(
        stats.ackLatencyMs.count,
        sum((s) => s.ackLatencyMs.count),
      );
      assert.equal(stats.ackLatencyMs.max, Math.max(...stats.streams.map((s) => s.ackLatencyMs.max)));
      assert.ok(stats.ackLatencyMs.p50 <= stats.ackLatencyMs.max);
    });
  });

  it('callers waiting for room are served by the replacement of a failed stream', async () => {
    await withPool(
      async (h) => {
        const { emulator, pool } = h;
        emulator.faults.stopAcking();
        const first = await pool.ingestRecordOffset({ i: 0 });
        const second = pool.ingestRecordOffset({ i: 1 });
        await emulator.waitForRecords(TABLE, 1);
        emulator.faults.failActiveStreams('UNAVAILABLE', 'node drained');
        await emulator.waitFor((e) => e.calls.length === 2 && e.streams.length === 1);
        emulator.faults.resumeAcking();
        const offset = await second;
        assert.deepEqual([offset.stream, offset.generation, offset.offset], [0, 1, 1], 'after the replayed record');
        assert.equal(await pool.waitForOffset(first), first);
        await pool.close();
        assert.deepEqual(sorted(ids(h)), [0, 0, 1]);
      },
      { recovery: false, maxInflightRecords: 1 },
      { size: 1 },
    );
  });

  it('a stream whose connection fails recovers by itself; nothing is lost, the others are untouched', async () => {
    await withPool(
      async (h) => {
        const { emulator, pool } = h;
        for (let i = 0; i < 30; i++) pool.ingestRecordNowait({ i });
        await pool.flush();
        const streams = pool.streams;
        const before = streams.map((s) => s.streamId);
        emulator.faults.failAfterRequests(1, 'UNAVAILABLE', 'connection reset');
        const hit = await pool.ingestRecordOffset({ i: 30 });
        await pool.waitForOffset(hit);
        for (let i = 31; i < 61; i++) pool.ingestRecordNowait({ i });
        await pool.close();
        assert.equal(emulator.calls.length, 4, 'one reconnect');
        const after = pool.streams.map((s) => s.streamId);
        assert.deepEqual(
          before.map((id, k) => id === after[k]),
          range(3).map((k) => k !== hit.stream),
        );
        assert.ok(
          pool.streams.every((stream, k) => stream === streams[k]),
          'the same stream objects: the failed one reconnected by itself',
        );
        // At least once: record 30 was stored before the call failed, and replayed.
        assert.deepEqual(sorted(ids(h)), [...range(31), 30, ...range(30, 31)]);
      },
      {},
      { size: 3 },
    );
  });

  it('when every connection drops at once, every stream recovers', async () => {
    await withPool(async (h) => {
      const { emulator, pool } = h;
      const first = await pool.ingestRecordsOffset(range(8).map((i) => ({ i })));
      await pool.waitForOffset(first as PoolOffset);
      emulator.faults.dropConnections();
      for (let i = 8; i < 40; i++) await pool.ingestRecordOffset({ i });
      await pool.flush();
      assert.equal(emulator.calls.length, 8);
      assert.deepEqual(
        [...new Set(ids(h))].sort((a, b) => a - b),
        range(40),
      );
      assert.equal(pool.state, 'open');
    });
  });

  it('replaces a stream that fails for good with a retriable error, re-sending its records (recreateStream)', async () => {
    await withPool(
      async (h) => {
        const { emulator, pool } = h;
        for (let i = 0; i < 6; i++) pool.ingestRecordNowait({ i });
        await pool.flush();
        const original = pool.streams;
        emulator.faults.failAfterRequests(1, 'UNAVAILABLE', 'node going away');
        const hit = await pool.ingestRecordOffset({ i: 6 });
        assert.equal(hit.generation, 0);
        await pool.flush(); // follows the record onto the replacement
        await pool.waitForOffset(hit);
        assert.equal(original[hit.stream]?.state, 'failed');
        assert.notEqual(pool.streams[hit.stream], original[hit.stream]);
        assert.equal(pool.state, 'open');
        const later: PoolOffset[] = [];
        for (let i = 7; i < 13; i++) later.push(await pool.ingestRecordOffset({ i }));
        assert.ok(later.some((o) => o.stream === hit.stream && o.generation === 1));
        await pool.close();
        assert.equal(emulator.calls.length, 4, 'three streams and one replacement');
        const stats = pool.stats();
        assert.equal(stats.replacements, 1);
        assert.equal(stats.recordsIngested, 13, 'the replayed record counts once');
        assert.equal(stats.recordsAcked, 13);
        assert.equal(stats.inflightRequests, 0);
        // The failed call had stored record 6 without acknowledging it: it is sent again.
        assert.deepEqual(sorted(ids(h)), [...range(7), 6, ...range(6, 7)]);
      },
      { recovery: false },
      { size: 3 },
    );
  });

  it('fails the pool when replacements keep failing without progress (maxStreamReplacements)', async () => {
    await withPool(
      async (h) => {
        const { emulator, pool } = h;
        emulator.faults.failAfterRequests(1, 'UNAVAILABLE', 'bad node', { times: 10 });
        const hit = await pool.ingestRecordOffset({ i: 0 });
        await assert.rejects(
          pool.waitForOffset(hit),
          (e: unknown) =>
            e instanceof ZerobusError && e.code === 'RECOVERY_FAILED' && /3 times in a row/.test(e.message),
        );
        assert.equal(pool.state, 'failed');
        assert.equal(emulator.calls.length, 4, 'two streams, then two replacements');
        assert.deepEqual(pool.getUnackedRecords(), ['{"i":0}']);
        await assert.rejects(pool.close(), { code: 'RECOVERY_FAILED' });
      },
      { recovery: false },
      { size: 2, maxStreamReplacements: 2 },
    );
  });

  it('a non-retriable failure (a record the server rejects) fails the whole pool; the other streams deliver and close', async () => {
    await withPool(
      async (h) => {
        const { emulator, pool } = h;
        emulator.faults.stopAcking();
        pool.ingestRecordNowait({ i: 1 });
        pool.ingestRecordNowait({ i: 2 });
        await emulator.waitForRecords(TABLE, 2);
        // The server refuses the next record it stores: on the third stream, the least loaded.
        emulator.faults.failAfterRequests(1, 'INVALID_ARGUMENT', 'record 0: field "x" is not a column');
        const bad = await pool.ingestRecordOffset({ x: 1 });
        assert.equal(bad.stream, 2);
        const failed = pool.waitForOffset(bad);
        await emulator.waitFor((e) => e.streams.length === 2);
        // Failed, with its other streams still delivering (acks stopped): a flush now settles
        // only once they have ended, so what was not acknowledged can be read right after it.
        for (let turn = 0; pool.state !== 'failed' && turn < 1_000; turn++) await settle(1);
        assert.equal(pool.state, 'failed');
        const unackedAfterFlush = pool.flush().then(
          () => assert.fail('flush resolved on a failed pool'),
          (e: unknown) => {
            assert.equal((e as ZerobusError).code, 'STREAM_FAILED');
            return pool.getUnackedRecords();
          },
        );
        emulator.faults.resumeAcking();
        assert.deepEqual(await unackedAfterFlush, ['{"x":1}']);
        await assert.rejects(failed, (e: unknown) => e instanceof NonRetriableError && e.code === 'INVALID_ARGUMENT');
        assert.equal(pool.state, 'failed');
        assert.deepEqual(
          pool.streams.map((s) => s.state),
          ['closed', 'closed', 'failed'],
        );
        assert.equal(emulator.calls.length, 3, 'no replacement for a non-retriable failure');
        assert.deepEqual(pool.getUnackedRecords(), ['{"x":1}']);
        assert.deepEqual(pool.getUnackedBatches(), [['{"x":1}']]);
        assert.deepEqual(sorted(ids(h).filter((i) => i !== undefined)), [1, 2], 'the others delivered theirs');
        assert.throws(
          () => pool.ingestRecordNowait({ i: 3 }),
          (e: unknown) => e instanceof ZerobusError && e.code === 'STREAM_FAILED' && /INVALID_ARGUMENT/.test(e.message),
        );
        await assert.rejects(pool.ready(), { code: 'STREAM_FAILED' });
        await assert.rejects(pool.flush(), { code: 'STREAM_FAILED' });
        await assert.rejects(pool.close(), { code: 'INVALID_ARGUMENT' });
      },
      {},
      { size: 3 },
    );
  });

  it('refuses a bad record synchronously and takes nothing of it', async () => {
    await withPool(async (h) => {
      const { pool } = h;
      assert.throws(() => pool.ingestRecordNowait(42), InvalidRecordError);
      assert.throws(
        () => pool.ingestRecordsNowait([{ i: 0 }, { i: Number.NaN }]),
        (e: unknown) => e instanceof InvalidRecordError && e.recordIndex === 1 && e.field === 'i',
      );
      await assert.rejects(pool.ingestRecordOffset('{"broken":'), InvalidRecordError);
      assert.equal(pool.pendingRequests, 0);
      assert.deepEqual(
        pool.streams.map((s) => s.lastOffset),
        [-1, -1, -1, -1],
      );
      await pool.waitForOffset(await pool.ingestRecordOffset({ i: 1 }));
      assert.equal(pool.state, 'open');
      assert.deepEqual(ids(h), [1]);
    });
  });

  it('honours AbortSignal on waitForOffset, ingestRecordOffset, ready, flush and close', async () => {
    await withPool(
      async (h) => {
        const { emulator, pool } = h;
        emulator.faults.stopAcking();
        const offset = await pool.ingestRecordOffset({ i: 0 });
        assert.equal(pool.ingestRecordNowait({ i: 1 }), false);
        const controller = new AbortController();
        const signal = controller.signal;
        const waits = [
          pool.waitForOffset(offset, { signal }),
          pool.ingestRecordOffset({ i: 2 }, { signal }),
          pool.ready({ signal }),
          pool.flush({ signal }),
        ];
        controller.abort(new Error('user gave up'));
        for (const wait of waits) {
          await assert.rejects(wait, (e: unknown) => e instanceof ZerobusError && e.code === 'ABORTED');
        }
        assert.equal(pool.state, 'open', 'an aborted wait does not fail the pool');
        // Aborting close's wait ends the pool at once, what was not acknowledged kept.
        await assert.rejects(pool.close({ signal: AbortSignal.abort() }), { code: 'ABORTED' });
        assert.equal(pool.state, 'closed');
        emulator.faults.resumeAcking();
        await assert.rejects(pool.close(), { code: 'ABORTED' });
        assert.deepEqual(
          pool
            .getUnackedRecords()
            .map((r) => JSON.parse(r as string).i)
            .sort(),
          [0, 1],
        );
      },
      { maxInflightRecords: 1 },
      { size: 2 },
    );
  });

  it('getUnackedRecords needs a failed or closed pool', async () => {
    await withPool(async ({ pool }) => {
      assert.throws(() => pool.getUnackedRecords(), { code: 'INVALID_STATE' });
    });
  });

  it('opening: a stream that cannot be created closes the others and rejects', async () => {
    await withHarness(async ({ emulator, sdk }) => {
      emulator.faults.failNextCreates(1, 'PERMISSION_DENIED', 'no grant');
      await assert.rejects(
        sdk.createStreamPool({
          table: TABLE,
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          options: { recordType: 'json' },
        }),
        (e: unknown) => e instanceof NonRetriableError && e.code === 'PERMISSION_DENIED',
      );
      await emulator.waitFor((e) => e.streams.length === 0);
      await assert.rejects(
        sdk.createStreamPool(CLIENT_ID, 'wrong-secret', new TableProperties(TABLE), { recordType: 'json' }),
        { code: 'AUTH_FAILED' },
      );
      assert.equal(emulator.streams.length, 0);
      const calls = emulator.calls.length;
      await assert.rejects(
        sdk.createStreamPool({
          table: TABLE,
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          options: { recordType: 'json' },
          signal: AbortSignal.abort(),
        }),
        { code: 'ABORTED' },
      );
      assert.equal(emulator.calls.length, calls, 'an aborted signal opens nothing');
    });
  });

  it('validates its options', async () => {
    await withHarness(async ({ sdk }) => {
      const params = {
        table: TABLE,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        options: { recordType: 'json' },
      } as const;
      await assert.rejects(sdk.createStreamPool(params, { size: 0 }), { code: 'INVALID_OPTIONS' });
      await assert.rejects(
        sdk.createStreamPool(params, { streams: 2 } as unknown as StreamPoolOptions),
        /unknown stream pool option/,
      );
      await assert.rejects(sdk.createStreamPool(params, { maxStreamReplacements: -1 }), { code: 'INVALID_OPTIONS' });
      await assert.rejects(
        sdk.createStreamPool({ ...params, options: { recordType: 'json', ackCallback: { onAck() {} } } }),
        /no ackCallback/,
      );
      await assert.rejects(sdk.createStreamPool({ ...params, options: { maxInflightRecords: 0 } }), {
        code: 'INVALID_OPTIONS',
      });
    });
  });

  it('closes with await using', async () => {
    await withHarness(async ({ emulator, sdk }) => {
      {
        await using pool = await sdk.createStreamPool(
          { table: TABLE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, options: { recordType: 'json' } },
          { size: 2 },
        );
        pool.ingestRecordNowait({ i: 0 });
      }
      await emulator.waitFor((e) => e.streams.length === 0);
      assert.equal(emulator.records(TABLE).length, 1);
    });
  });
});
