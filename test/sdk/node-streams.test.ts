import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { InvalidRecordError, ZerobusError } from '@zerobus/sdk';
import { jsonPayloads, settle, TABLE, withHarness } from '../support/harness.js';

const ids = (payloads: unknown[]) => payloads.map((p) => (p as { i: number }).i);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Yields {i} for 0..n-1 and counts how many the consumer pulled. */
function counted(n: number) {
  const state = { pulled: 0, finished: false };
  async function* records() {
    try {
      for (let i = 0; i < n; i++) {
        state.pulled++;
        yield { i };
      }
    } finally {
      state.finished = true;
    }
  }
  return { state, records };
}

describe('stream.writable()', () => {
  it('pipeline(Readable.from(records), stream.writable()) lands every record in order, flushed', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ maxInflightRecords: 16 });
      await pipeline(Readable.from(range(500).map((i) => ({ i }))), stream.writable());
      assert.equal(stream.ackedOffset, 499, 'finishing flushed: every record is acknowledged');
      assert.equal(stream.state, 'open', 'the stream stays open by default');
      assert.deepEqual(ids(jsonPayloads(emulator)), range(500));
      await pipeline(Readable.from([{ i: 500 }]), stream.writable({ close: true }));
      assert.equal(stream.state, 'closed', '{ close: true } closes it');
    });
  });

  it('holds writes while the window is full, and the source with them', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ maxInflightRecords: 4 });
      emulator.faults.stopAcking();
      const writable = stream.writable({ highWaterMark: 2 });
      const accepted = range(10).map((i) => writable.write({ i }));
      await emulator.waitForRecords(TABLE, 4);
      await settle(30);
      assert.equal(stream.lastOffset, 3, 'only a window of records was taken');
      assert.equal(emulator.records(TABLE).length, 4);
      assert.deepEqual(accepted, [true, false, false, false, false, false, false, false, false, false]);
      assert.ok(writable.writableLength >= 6, `${writable.writableLength} records buffered`);
      assert.equal(writable.writableNeedDrain, true);
      emulator.faults.resumeAcking();
      await new Promise((resolve) => writable.end(resolve));
      assert.deepEqual(ids(jsonPayloads(emulator)), range(10));

      // Through pipeline: a lazy source of 1,000 is read only as far as the buffers allow.
      emulator.clearRecords();
      emulator.faults.stopAcking();
      const { state, records } = counted(1_000);
      const done = pipeline(Readable.from(records()), stream.writable());
      await emulator.waitForRecords(TABLE, 4);
      await settle(30);
      assert.ok(state.pulled < 100, `the source was paused after ${state.pulled} records`);
      emulator.faults.resumeAcking();
      await done;
      assert.equal(state.pulled, 1_000);
      assert.deepEqual(ids(jsonPayloads(emulator)), range(1_000));
    });
  });

  it('errors the pipeline on a bad record; the records before it are acknowledged', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const records: unknown[] = [{ i: 0 }, { i: 1 }, { i: 2 }, 42, { i: 4 }];
      const stream = await jsonStream();
      await assert.rejects(pipeline(Readable.from(records), stream.writable()), (e: unknown) => {
        assert.ok(e instanceof InvalidRecordError);
        assert.equal(e.recordIndex, 3, 'its position among the records written');
        assert.match(e.message, /^record 3: a JSON stream takes objects or JSON strings, got number 42/);
        return true;
      });
      assert.equal(stream.state, 'open', 'a bad record does not fail the stream');
      await stream.flush();
      assert.equal(stream.ackedOffset, 2);

      // With { close: true } the stream is closed, and so flushed, before the pipeline rejects.
      const owned = await jsonStream({}, 'main.default.owned');
      await assert.rejects(pipeline(Readable.from(records), owned.writable({ close: true })), InvalidRecordError);
      assert.equal(owned.state, 'closed');
      assert.deepEqual(ids(jsonPayloads(emulator, 'main.default.owned')), [0, 1, 2]);
      assert.deepEqual(ids(jsonPayloads(emulator)), [0, 1, 2]);
    });
  });

  it('errors at once when the stream fails, even with no write pending', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream();
      const source = new Readable({ objectMode: true, read() {} });
      source.push({ i: 0 });
      const done = pipeline(source, stream.writable());
      await emulator.waitForRecords(TABLE, 1);
      emulator.faults.failActiveStreams('PERMISSION_DENIED', 'revoked');
      await assert.rejects(done, (e: unknown) => e instanceof ZerobusError && e.code === 'PERMISSION_DENIED');
      assert.equal(source.destroyed, true, 'the source was torn down');
      assert.equal(stream.listenerCount('error'), 0, 'the writable removed its listener');
    });
  });

  it('refuses to be made on a closed stream', async () => {
    await withHarness(async ({ jsonStream }) => {
      const stream = await jsonStream();
      await stream.close();
      assert.throws(() => stream.writable(), { code: 'STREAM_CLOSED' });
    });
  });
});

describe('stream.ingestAll()', () => {
  it('ingests an async generator with back-pressure and resolves with the last offset once queued', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ maxInflightRecords: 3 });
      emulator.faults.stopAcking();
      const { state, records } = counted(50);
      const done = stream.ingestAll(records());
      await emulator.waitForRecords(TABLE, 3);
      await settle(30);
      assert.equal(state.pulled, 3, 'the next record is pulled only once there is room');
      emulator.faults.resumeAcking();
      const last = await done;
      assert.equal(last, 49);
      assert.equal(await stream.waitForOffset(last), 49);
      assert.deepEqual(ids(jsonPayloads(emulator)), range(50));
    });
  });

  it('takes arrays and other iterables; nothing to ingest resolves null', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ maxInflightRecords: 2 });
      assert.equal(await stream.ingestAll([]), null);
      assert.equal(await stream.ingestAll(range(5).map((i) => ({ i }))), 4);
      assert.equal(await stream.ingestAll(new Set([{ i: 5 }, { i: 6 }])), 6);
      await stream.flush();
      assert.deepEqual(ids(jsonPayloads(emulator)), range(7));
      await assert.rejects(stream.ingestAll('{"i":7}' as unknown as Iterable<unknown>), { code: 'INVALID_RECORD' });
      await assert.rejects(stream.ingestAll(42 as unknown as Iterable<unknown>), { code: 'INVALID_RECORD' });
    });
  });

  it('stops on abort, between records or while waiting for room, and closes the source', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ maxInflightRecords: 2 });
      emulator.faults.stopAcking();
      const controller = new AbortController();
      const { state, records } = counted(100);
      const done = stream.ingestAll(records(), { signal: controller.signal });
      await emulator.waitForRecords(TABLE, 2);
      controller.abort(new Error('enough'));
      await assert.rejects(done, (e: unknown) => e instanceof ZerobusError && e.code === 'ABORTED');
      assert.equal(stream.lastOffset, 1, 'two records were taken');
      assert.equal(state.finished, true, "the generator's finally ran");
      assert.equal(stream.state, 'open');
      await assert.rejects(stream.ingestAll([{ i: 9 }], { signal: controller.signal }), { code: 'ABORTED' });
      assert.equal(stream.lastOffset, 1, 'an aborted signal takes nothing');
      emulator.faults.resumeAcking();
      await stream.flush();
    });
  });

  it('rejects on a bad record naming its index in the source; the records before it stay', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream();
      async function* source() {
        yield* [{ i: 0 }, { i: 1 }, { i: 2 }];
        yield 'not json';
        yield { i: 4 };
      }
      await assert.rejects(stream.ingestAll(source()), (e: unknown) => {
        assert.ok(e instanceof InvalidRecordError);
        assert.equal(e.recordIndex, 3);
        assert.match(e.message, /^record 3 is not valid JSON/);
        return true;
      });
      assert.equal(stream.lastOffset, 2);
      await stream.flush();
      assert.deepEqual(ids(jsonPayloads(emulator)), [0, 1, 2]);
    });
  });

  it('rejects with the failure when the stream fails meanwhile', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ maxInflightRecords: 1 });
      emulator.faults.stopAcking();
      const done = stream.ingestAll(counted(10).records());
      await emulator.waitForRecords(TABLE, 1);
      emulator.faults.failActiveStreams('UNAUTHENTICATED', 'expired');
      await assert.rejects(done, { code: 'UNAUTHENTICATED' });
    });
  });
});
