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
import { CLIENT_ID, CLIENT_SECRET, FAST_RECOVERY, settle, TABLE, withHarness } from '../support/harness.js';

const Row = protobuf
  .parse('syntax = "proto2"; message Row { required int64 id = 1; optional string pad = 2; }')
  .root.lookupType('Row');

/** A seeded PRNG (mulberry32): the same records and faults on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';

/** `length` characters that differ from record to record. */
function padding(random: () => number, length: number): string {
  const start = Math.floor(random() * ALPHABET.length);
  const step = 1 + Math.floor(random() * 7);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[(start + i * step) % ALPHABET.length];
  return out;
}

const PAD_10K = padding(prng(7), 10_000);

/** Ingests without waiting, awaiting ready() when the window is full. */
async function push(stream: ZerobusStream, record: unknown): Promise<void> {
  if (!stream.ingestRecordNowait(record)) await stream.ready();
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
        const random = prng(seed);
        // A small window: slabs come free, and are reused, all the time.
        const stream = await jsonStream({ maxInflightBytes: 1 << 20, recoveryRetries: 20 });
        const expected: string[] = [];
        const total = 2_500;
        const failAt = new Set([Math.floor(total * 0.3), Math.floor(total * 0.6), Math.floor(total * 0.85)]);
        let acking = true;
        while (expected.length < total) {
          if (acking && random() < 0.03) {
            emulator.faults.stopAcking();
            acking = false;
          } else if (!acking && random() < 0.05) {
            emulator.faults.resumeAcking(); // one cumulative ack for everything received so far
            acking = true;
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
          if (!room) {
            if (!acking) emulator.faults.resumeAcking();
            acking = true;
            await stream.ready();
          }
          if ([...failAt].some((at) => at >= expected.length - texts.length && at < expected.length)) {
            // Unacknowledged records in flight, then the connection goes: they are replayed.
            emulator.faults.stopAcking();
            acking = false;
            await settle(5);
            if (random() < 0.5) emulator.faults.dropConnections();
            else emulator.faults.failActiveStreams('UNAVAILABLE', 'injected by the payload reuse test');
          }
        }
        emulator.faults.resumeAcking();
        await stream.flush();
        await stream.close();
        assert.ok(stream.stats().reconnects >= 1, 'replays happened');
        const stored = emulator.records(TABLE);
        for (const record of stored) {
          const text = record.payload as string;
          const id = (JSON.parse(text) as { id: number }).id;
          if (text !== expected[id]) assert.fail(`record ${id}: the server got other bytes than were ingested`);
        }
        const ids = idsByCall(emulator, (payload) => (JSON.parse(payload as string) as { id: number }).id);
        assert.deepEqual(new Set(ids).size, total, 'every record reached the server');
      });
    });
  }

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
