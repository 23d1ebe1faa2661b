/**
 * Payload slabs are reused once their records are acknowledged (payload-slab.ts): every byte the
 * server gets must still be what was ingested — through acks in random chunks and replays after
 * failures — and bytes handed to the user (getUnackedRecords) or moved to another stream
 * (recreateStream) must never be overwritten by later records.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Emulator } from '@zerobus/emulator';
import { TableProperties, type ZerobusStream } from '@zerobus/sdk';
import protobuf from 'protobufjs';
import { slabCounters } from '../../packages/sdk/src/records/payload-slab.js';
import { seededRandom } from '../support/chaos-proxy.js';
import { CLIENT_ID, CLIENT_SECRET, FAST_RECOVERY, TABLE, withHarness } from '../support/harness.js';

const Row = protobuf
  .parse('syntax = "proto2"; message Row { required int64 id = 1; optional string pad = 2; }')
  .root.lookupType('Row');

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';

/** Long runs of the alphabet at steps 1..7, which paddings are cut from. */
const RUNS = Array.from({ length: 7 }, (_, step) => {
  let run = '';
  for (let i = 0; i < 150_000; i++) run += ALPHABET[(i * (step + 1)) % ALPHABET.length];
  return run;
});

/** `length` characters that differ from record to record. */
function padding(random: () => number, length: number): string {
  const run = RUNS[Math.floor(random() * RUNS.length)] as string;
  const start = Math.floor(random() * ALPHABET.length);
  return run.slice(start, start + length);
}

const PAD_10K = padding(seededRandom(7), 10_000);
/** The in-flight byte window of the seeded runs: a few slabs. */
const WINDOW = 4 << 20;

/** Ingests without waiting, awaiting ready() when the window is full. */
async function push(stream: ZerobusStream, record: unknown): Promise<void> {
  if (!stream.ingestRecordNowait(record)) await stream.ready();
}

/** The id of the last JSON record the server got. */
function lastId(emulator: Emulator): number | undefined {
  const payload = emulator.records(TABLE).at(-1)?.payload;
  return payload === undefined ? undefined : (JSON.parse(payload as string) as { id: number }).id;
}

/** Each stored record's id, checking that every call got its records in order, with no gap. */
function idsByCall(emulator: Emulator, parse: (payload: string | Uint8Array) => number): number[] {
  const ids: number[] = [];
  const lastOfCall = new Map<string, number>();
  for (const record of emulator.records(TABLE)) {
    const id = parse(record.payload as string | Uint8Array);
    const last = lastOfCall.get(record.streamId);
    if (last !== undefined) assert.equal(id, last + 1, `call ${record.streamId}: ${id} after ${last}`);
    lastOfCall.set(record.streamId, id);
    ids.push(id);
  }
  return ids;
}

describe('payload slab reuse', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: every byte the server gets is what was ingested, through chunked acks and replays`, async () => {
      await withHarness(async ({ emulator, jsonStream }) => {
        const random = seededRandom(seed);
        // A window of a few slabs: slabs come free, and are reused, all the time.
        const stream = await jsonStream({ maxInflightBytes: WINDOW, recoveryRetries: 20 });
        const expected: string[] = [];
        const total = 8_000;
        // Before each forced failure, acks stop until the window is full and half a window more
        // is queued (ingestRecordNowait takes records up to twice the window): several slabs'
        // worth of records are unacknowledged when the connection goes, and are replayed.
        const failures = [0.3, 0.6, 0.85].map((at) => Math.floor(total * at));
        let acking = true;
        let failing = false;
        let overfilling = false;
        const setAcking = (on: boolean) => {
          if (on)
            emulator.faults.resumeAcking(); // one cumulative ack for everything received so far
          else emulator.faults.stopAcking();
          acking = on;
        };
        while (expected.length < total) {
          if (!failing && failures.length > 0 && expected.length >= (failures[0] as number)) {
            failures.shift();
            failing = true;
            setAcking(false);
          } else if (!failing && !overfilling && random() < (acking ? 0.03 : 0.05)) {
            setAcking(!acking); // acks come in chunks of random size
          }
          const batch = random() < 0.2 ? 1 + Math.floor(random() * 6) : 0;
          const texts: string[] = [];
          for (let n = 0; n < Math.max(1, batch); n++) {
            // Mostly up to 12 KB; now and then past 128 KiB, which gets a buffer of its own.
            const size = random() < 0.01 ? 140_000 : Math.floor(random() * random() * 12_000);
            texts.push(JSON.stringify({ id: expected.length + n, pad: padding(random, size) }));
          }
          // Half as JSON text, half as objects: both go through the slab.
          const records = texts.map((text) => (random() < 0.5 ? text : JSON.parse(text)));
          const room = batch ? stream.ingestRecordsNowait(records) : stream.ingestRecordNowait(records[0]);
          expected.push(...texts);
          if (overfilling && stream.stats().inflightBytes >= WINDOW * 1.5) {
            // Half a window more than was sent: new records are carved while the sent ones wait.
            overfilling = false;
            if (random() < 0.5) emulator.faults.dropConnections();
            else emulator.faults.failActiveStreams('UNAVAILABLE', 'injected by the payload reuse test');
          } else if (room || overfilling) continue;
          if (failing) {
            failing = false;
            overfilling = true;
            // The window is written out, unacknowledged: the server has the last record.
            const last = expected.length - 1;
            await emulator.waitFor((e) => lastId(e) === last, { timeoutMs: 60_000 });
            continue;
          }
          if (!acking) setAcking(true);
          await stream.ready();
        }
        emulator.faults.resumeAcking();
        await stream.flush();
        await stream.close();
        assert.ok(stream.stats().reconnects >= 3, `${stream.stats().reconnects} reconnects`);
        const stored = emulator.records(TABLE);
        for (const record of stored) {
          const text = record.payload as string;
          const id = (JSON.parse(text) as { id: number }).id;
          if (text !== expected[id]) assert.fail(`record ${id}: the server got other bytes than were ingested`);
        }
        const ids = idsByCall(emulator, (payload) => (JSON.parse(payload as string) as { id: number }).id);
        assert.equal(new Set(ids).size, expected.length, 'every record reached the server');
      });
    });
  }

  it('a record whose toJSON() ingests another record into the same stream gets the offset after it', async () => {
    // The stream takes a record's offset once the record is encoded: the record ingested from
    // inside toJSON() is queued first, so it comes first, and each offset is acknowledged.
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream();
      let inner: Promise<number> | undefined;
      const outer = {
        toJSON: () => {
          inner = stream.ingestRecordOffset({ id: 'inner' });
          return { id: 'outer' };
        },
      };
      try {
        for (const ingest of ['nowait', 'offset'] as const) {
          const outerOffset = ingest === 'offset' ? await stream.ingestRecordOffset(outer) : undefined;
          if (ingest === 'nowait') stream.ingestRecordNowait(outer);
          const innerOffset = await inner!;
          const base = ingest === 'nowait' ? 0 : 2;
          assert.equal(innerOffset, base);
          assert.equal(outerOffset ?? stream.lastOffset, base + 1);
          // The outer record's offset is acknowledged too (with the offset taken before encoding,
          // both requests carried offset 0 and offset 1 was never acknowledged).
          await stream.flush({ signal: AbortSignal.timeout(10_000) });
        }
      } finally {
        // A stream with an offset that is never acknowledged would hold the harness's close().
        await stream.close({ signal: AbortSignal.timeout(10_000) });
      }
      const ids = emulator.records(TABLE).map((r) => (JSON.parse(r.payload as string) as { id: string }).id);
      assert.deepEqual(ids, ['inner', 'outer', 'inner', 'outer']);
    });
  });

  it('bytes from getUnackedRecords() stay intact while later records reuse the slabs', async () => {
    await withHarness(async ({ emulator, sdk }) => {
      const options = { ...FAST_RECOVERY, maxInflightBytes: 1 << 20 };
      const table = new TableProperties(TABLE, Row);
      const failed = await sdk.createStream(CLIENT_ID, CLIENT_SECRET, table, options);
      for (let id = 0; id < 100; id++) await push(failed, { id, pad: PAD_10K });
      await failed.flush(); // acknowledged: their slab space is free again
      emulator.faults.stopAcking();
      for (let id = 100; id < 150; id++) await push(failed, { id, pad: PAD_10K.slice(id) });
      await assert.rejects(failed.close({ signal: AbortSignal.abort() }));
      emulator.faults.resumeAcking();
      const unacked = failed.getUnackedRecords() as Uint8Array[];
      const snapshot = unacked.map((bytes) => Buffer.from(bytes)); // copies
      assert.equal(unacked.length, 50);

      const next = await sdk.createStream(CLIENT_ID, CLIENT_SECRET, table, options);
      for (const bytes of unacked) await next.ingestRecordOffset(bytes); // the user re-sends them as bytes
      for (let id = 1_000; id < 4_000; id++) await push(next, { id, pad: PAD_10K.slice(id & 0xff) });
      await next.flush();
      await next.close();

      for (let i = 0; i < unacked.length; i++) assert.deepEqual(unacked[i], snapshot[i], `record ${i} overwritten`);
      assert.deepEqual(failed.getUnackedRecords(), snapshot);
      const rowId = (payload: string | Uint8Array) =>
        (Row.toObject(Row.decode(payload as Uint8Array), { longs: Number }) as { id: number }).id;
      const ids = emulator.records(TABLE).map((record) => rowId(record.payload as Uint8Array));
      assert.deepEqual(
        ids.slice(-3_050, -3_000),
        [...Array(50).keys()].map((i) => 100 + i),
      );
    });
  });

  it('records moved by recreateStream stay intact on the failed stream while the new one reuses slabs', async () => {
    await withHarness(async ({ emulator, sdk, jsonStream }) => {
      const failed = await jsonStream({ maxInflightBytes: 1 << 20 });
      for (let id = 0; id < 100; id++) await push(failed, { id, pad: PAD_10K });
      await failed.flush();
      emulator.faults.stopAcking();
      for (let id = 100; id < 150; id++) await push(failed, { id, pad: PAD_10K.slice(id) });
      await assert.rejects(failed.close({ signal: AbortSignal.abort() }));
      emulator.faults.resumeAcking();
      const snapshot = failed.getUnackedRecords();
      assert.equal(snapshot.length, 50);

      const next = await sdk.recreateStream(failed); // re-sends those 50 first, then takes new records
      for (let id = 1_000; id < 4_000; id++) await push(next, { id, pad: PAD_10K.slice(id & 0xff) });
      await next.flush();
      await next.close();

      assert.deepEqual(failed.getUnackedRecords(), snapshot, "the failed stream's records were overwritten");
      const stored = emulator.records(TABLE).map((r) => r.payload as string);
      assert.deepEqual(stored.slice(-3_050, -3_000), snapshot);
    });
  });

  it('reuses slabs: 20,000 records of 10 KB allocate a bounded number of them', async () => {
    await withHarness(
      async ({ jsonStream }) => {
        const stream = await jsonStream({ maxInflightBytes: 4 << 20 });
        const before = slabCounters();
        for (let id = 0; id < 20_000; id++) await push(stream, { id, pad: PAD_10K });
        await stream.flush();
        await stream.close();
        const after = slabCounters();
        const allocated = after.allocated - before.allocated;
        // ~200 MB of records: 200 slabs of 1 MiB without reuse; the 4 MiB window and the free
        // list bound what is live or kept at any time.
        assert.ok(allocated <= 32, `${allocated} slabs allocated for ~200 MB of records`);
        assert.ok(after.reused - before.reused >= 150, `${after.reused - before.reused} slabs reused`);
      },
      { storeRecords: false },
    );
  });
});
