import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ZerobusError } from '@zerobus/sdk';
import { jsonPayloads, TABLE, withHarness } from '../support/harness.js';

describe('in-flight window and back-pressure', () => {
  it('never has more than maxInflightRecords requests on the wire', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ maxInflightRecords: 3 });
      emulator.faults.stopAcking();
      for (let i = 0; i < 5; i++) stream.ingestRecordNowait({ i });
      await emulator.waitForRecords(TABLE, 3);
      // Let any wrongly sent request arrive before looking.
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(emulator.records(TABLE).length, 3);
      emulator.faults.resumeAcking();
      await stream.flush();
      assert.deepEqual(
        jsonPayloads(emulator).map((p) => (p as { i: number }).i),
        [0, 1, 2, 3, 4],
      );
    });
  });

  it('nowait returns false once the window is full, ready() resolves when it drains, QUEUE_FULL past twice the window', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ maxInflightRecords: 2 });
      emulator.faults.stopAcking();
      assert.equal(stream.ingestRecordNowait({ i: 0 }), true);
      assert.equal(stream.ingestRecordNowait({ i: 1 }), false);
      assert.equal(stream.ingestRecordsNowait([{ i: 2 }, { i: 3 }]), false);
      assert.equal(stream.ingestRecordNowait({ i: 4 }), false);
      assert.throws(
        () => stream.ingestRecordNowait({ i: 5 }),
        (e: unknown) => e instanceof ZerobusError && e.code === 'QUEUE_FULL' && e.retriable,
      );
      assert.equal(stream.lastOffset, 3, 'the refused record took no offset');
      let ready = false;
      const waiting = stream.ready().then(() => {
        ready = true;
      });
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(ready, false);
      emulator.faults.resumeAcking();
      await waiting;
      await stream.flush();
      assert.equal(emulator.records(TABLE).length, 5);
    });
  });

  it('bounds unacknowledged payload bytes (maxInflightBytes) as well as requests', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ maxInflightBytes: 100 });
      emulator.faults.stopAcking();
      const record = (i: number) => ({ i, p: 'x'.repeat(30) }); // {"i":0,"p":"x…"}: 44 bytes each
      assert.equal(stream.ingestRecordNowait(record(0)), true, '44 of 100 bytes');
      assert.equal(stream.ingestRecordNowait(record(1)), true, '88 of 100 bytes');
      assert.equal(stream.ingestRecordNowait(record(2)), false, '132 bytes: the bound is reached');
      assert.equal(stream.ingestRecordNowait(record(3)), false, '176 bytes');
      assert.equal(stream.ingestRecordNowait(record(4)), false, '220 bytes: past twice the bound');
      assert.throws(
        () => stream.ingestRecordNowait(record(5)),
        (e: unknown) => e instanceof ZerobusError && e.code === 'QUEUE_FULL' && /220 bytes/.test(e.message),
      );
      assert.equal(stream.lastOffset, 4, 'the refused record took no offset');
      emulator.faults.resumeAcking();
      await stream.ready();
      await stream.flush();
      assert.equal(emulator.records(TABLE).length, 5);
    });
  });

  it('takes a record larger than maxInflightBytes when the window is empty', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ maxInflightBytes: 10 });
      assert.equal(await stream.ingestRecordOffset({ p: 'x'.repeat(1000) }), 0);
      assert.equal(await stream.ingestRecordOffset({ p: 'y'.repeat(1000) }), 1);
      await stream.flush();
      assert.equal(emulator.records(TABLE).length, 2);
    });
  });

  it('callers waiting on the byte bound get room one by one, in call order', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ maxInflightBytes: 50 });
      emulator.faults.stopAcking();
      await stream.ingestRecordOffset({ p: 'x'.repeat(60) });
      const order: number[] = [];
      const waiting = [80, 5, 5, 70, 5].map((size, i) =>
        stream.ingestRecordOffset({ i, p: 'x'.repeat(size) }).then((offset) => order.push(offset)),
      );
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(order, []);
      emulator.faults.resumeAcking();
      await Promise.all(waiting);
      assert.deepEqual(order, [1, 2, 3, 4, 5]);
      await stream.flush();
      assert.deepEqual(
        jsonPayloads(emulator).map((p) => (p as { i?: number }).i),
        [undefined, 0, 1, 2, 3, 4],
      );
    });
  });

  it('ingestRecordOffset waits for room, in call order', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ maxInflightRecords: 1 });
      emulator.faults.stopAcking();
      assert.equal(await stream.ingestRecordOffset({ i: 0 }), 0);
      const order: number[] = [];
      const second = stream.ingestRecordOffset({ i: 1 }).then((o) => order.push(o));
      const third = stream.ingestRecordOffset({ i: 2 }).then((o) => order.push(o));
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(order, [], 'both wait while the only slot is taken');
      emulator.faults.resumeAcking();
      await Promise.all([second, third]);
      assert.deepEqual(order, [1, 2]);
      await stream.flush();
    });
  });

  it('ingestRecordOffset with room takes its offset at the call, so close() right after it waits for it', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream();
      const first = stream.ingestRecordOffset({ i: 0 });
      stream.ingestRecordNowait({ i: 1 }); // made after it: the next offset
      const third = stream.ingestRecordsOffset([{ i: 2 }, { i: 3 }]);
      const closing = stream.close(); // not awaited in between: every record above is issued
      assert.deepEqual(await Promise.all([first, third]), [0, 2]);
      await closing;
      assert.equal(stream.ackedOffset, 2, 'close waited for all three offsets');
      assert.deepEqual(
        jsonPayloads(emulator).map((p) => (p as { i: number }).i),
        [0, 1, 2, 3],
      );
    });
  });

  it('a caller waiting for room gets the failure when the stream fails', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ maxInflightRecords: 1 });
      emulator.faults.stopAcking();
      await stream.ingestRecordOffset({ i: 0 });
      const waiting = stream.ingestRecordOffset({ i: 1 });
      await emulator.waitForRecords(TABLE, 1);
      emulator.faults.failActiveStreams('INVALID_ARGUMENT', 'bad');
      await assert.rejects(waiting, { code: 'INVALID_ARGUMENT' });
      assert.deepEqual(stream.getUnackedRecords(), ['{"i":0}']);
    });
  });

  it('honours AbortSignal on waitForOffset, ingestRecordOffset, ready and flush', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ maxInflightRecords: 1 });
      emulator.faults.stopAcking();
      const offset = await stream.ingestRecordOffset({ i: 0 });
      const controller = new AbortController();
      const waits = [
        stream.waitForOffset(offset, { signal: controller.signal }),
        stream.ingestRecordOffset({ i: 1 }, { signal: controller.signal }),
        stream.ready({ signal: controller.signal }),
        stream.flush({ signal: controller.signal }),
      ];
      controller.abort(new Error('user gave up'));
      for (const wait of waits)
        await assert.rejects(wait, (e: unknown) => e instanceof ZerobusError && e.code === 'ABORTED');
      assert.equal(stream.state, 'open', 'an aborted wait does not fail the stream');
      assert.equal(stream.lastOffset, 0, 'the aborted ingest took no offset');
      await assert.rejects(stream.waitForOffset(offset, { timeoutMs: 20 }), { code: 'TIMEOUT' });
      emulator.faults.resumeAcking();
      await stream.flush();
    });
  });

  it('does not open a stream for a signal that is aborted already', async () => {
    await withHarness(async ({ emulator, sdk }) => {
      const before = emulator.stats.streamsCreated;
      await assert.rejects(
        sdk.createStream({
          table: TABLE,
          clientId: 'emulator-client',
          clientSecret: 'emulator-secret',
          options: { recordType: 'json' },
          signal: AbortSignal.abort(),
        }),
        { code: 'ABORTED' },
      );
      assert.equal(emulator.stats.streamsCreated, before);
    });
  });

  it('waitForOffset rejects offsets not yet issued and resolves acknowledged ones at once', async () => {
    await withHarness(async ({ jsonStream }) => {
      const stream = await jsonStream();
      await assert.rejects(stream.waitForOffset(0), { code: 'INVALID_STATE' });
      await assert.rejects(stream.waitForOffset(-1), { code: 'INVALID_STATE' });
      await stream.ingestRecordOffset({ i: 0 });
      await stream.waitForOffset(0);
      assert.equal(await stream.waitForOffset(0), 0);
    });
  });

  it('flush waits only for offsets issued before it', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream({ maxInflightRecords: 1 });
      emulator.faults.stopAcking();
      stream.ingestRecordNowait({ i: 0 });
      await emulator.waitForRecords(TABLE, 1);
      // Offset 1 is queued behind the full window: it can only be acknowledged after offset 0.
      const flushed = stream.flush().then(() => stream.ackedOffset);
      stream.ingestRecordNowait({ i: 1 });
      emulator.faults.resumeAcking();
      assert.equal(await flushed, 0, 'the flush settled on the ack of offset 0, without waiting for 1');
      await stream.flush();
      assert.equal(stream.ackedOffset, 1);
    });
  });
  it('is pushed back by a server that limits unacknowledged requests (maxInflightRequests)', async () => {
    await withHarness(
      async ({ emulator, jsonStream }) => {
        const stream = await jsonStream();
        emulator.faults.stopAcking();
        // Awaited one by one, so each record is its own request (queued records would be
        // coalesced into one batch request, and the server's limit counts requests).
        for (let i = 0; i < 5; i++) await stream.ingestRecordOffset({ i });
        await emulator.waitForRecords(TABLE, 2);
        await new Promise((r) => setTimeout(r, 30));
        assert.equal(emulator.records(TABLE).length, 2, 'the server stopped reading at its limit');
        emulator.faults.resumeAcking();
        await stream.flush();
        assert.deepEqual(
          jsonPayloads(emulator).map((p) => (p as { i: number }).i),
          [0, 1, 2, 3, 4],
        );
      },
      { maxInflightRequests: 2 },
    );
  });
});
