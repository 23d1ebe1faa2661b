import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Emulator, type EmulatorOptions, startEmulator } from '@zerobus/emulator';
import { TableProperties, ZerobusSdk, type ZerobusStream } from '@zerobus/sdk';
import { readDeltaTable } from '../support/delta-reader.js';

const TABLE = 'main.chaos.events';

async function setup(options: EmulatorOptions = {}) {
  const emulator = await startEmulator({ commitIntervalMs: 5, storeRecords: true, ...options });
  await emulator.createDeltaTable(TABLE, [{ name: 'id', type_text: 'bigint', nullable: false }]);
  const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
  const stream = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties(TABLE), {
    recordType: 'json',
    recoveryBackoffMs: 20,
    recoveryRetries: 10,
  });
  return { emulator, stream };
}

/** Ids in the table, each with how often it is there. */
async function stored(emulator: Emulator): Promise<Map<number, number>> {
  const { rows } = await readDeltaTable(emulator.catalog.table(TABLE)?.delta.dir as string);
  const counts = new Map<number, number>();
  for (const row of rows) counts.set(Number(row.id), (counts.get(Number(row.id)) ?? 0) + 1);
  return counts;
}

async function ingest(stream: ZerobusStream, from: number, to: number, pauseEvery = 0): Promise<void> {
  for (let id = from; id < to; id++) {
    if (!stream.ingestRecordNowait({ id })) await stream.ready();
    if (pauseEvery && id % pauseEvery === 0) await new Promise((r) => setTimeout(r, 10));
  }
}

describe('chaos scenarios', () => {
  it('server rotation every second: nothing lost', async () => {
    const { emulator, stream } = await setup({ rotationIntervalMs: 1_000, rotationGraceMs: 300 });
    try {
      // About 2.5 s of paced ingestion spans at least two rotations.
      await ingest(stream, 0, 2_500, 10);
      await stream.flush();
      await stream.close();
      assert.ok(emulator.stats.closeSignalsSent >= 2, `${emulator.stats.closeSignalsSent} close signals`);
      const counts = await stored(emulator);
      for (let id = 0; id < 2_500; id++) assert.ok(counts.has(id), `id ${id}`);
    } finally {
      await emulator.close();
    }
  });

  it('token endpoint failing while the stream recovers: recovery waits it out', async () => {
    const { emulator, stream } = await setup();
    try {
      await ingest(stream, 0, 500);
      emulator.faults.tokenEndpointFailures(3, 503);
      emulator.faults.dropConnections();
      await ingest(stream, 500, 1_000);
      await stream.flush();
      await stream.close();
      assert.ok(emulator.stats.tokenRequests >= 5, 'the failing token requests were retried');
      const counts = await stored(emulator);
      for (let id = 0; id < 1_000; id++) assert.ok(counts.has(id), `id ${id}`);
    } finally {
      await emulator.close();
    }
  });

  it('expired tokens: the reconnect fetches a fresh one', async () => {
    const { emulator, stream } = await setup();
    try {
      await ingest(stream, 0, 200);
      await stream.flush();
      emulator.faults.expireTokens();
      emulator.faults.dropConnections();
      await ingest(stream, 200, 400);
      await stream.flush();
      await stream.close();
      const counts = await stored(emulator);
      for (let id = 0; id < 400; id++) assert.ok(counts.has(id), `id ${id}`);
    } finally {
      await emulator.close();
    }
  });

  it('the token endpoint refusing the credentials mid-stream fails the stream with everything retrievable', async () => {
    const { emulator, stream } = await setup();
    try {
      await ingest(stream, 0, 100);
      await stream.flush();
      emulator.faults.stopAcking();
      await ingest(stream, 100, 150);
      await emulator.waitForRecords(TABLE, 150);
      emulator.faults.tokenEndpointFailures(100, 401);
      emulator.faults.dropConnections();
      await assert.rejects(stream.flush(), { code: 'AUTH_FAILED' });
      const unacked = stream.getUnackedRecords().map((r) => (JSON.parse(r as string) as { id: number }).id);
      assert.deepEqual(
        unacked,
        Array.from({ length: 50 }, (_, i) => 100 + i),
      );
      const counts = await stored(emulator);
      for (let id = 0; id < 100; id++) assert.ok(counts.has(id), `acknowledged id ${id}`);
    } finally {
      await emulator.close();
    }
  });
  it('grants revoked mid-stream: the stream fails with PERMISSION_DENIED, nothing unacknowledged is lost', async () => {
    const { emulator, stream } = await setup();
    try {
      await ingest(stream, 0, 100);
      await stream.flush();
      emulator.faults.stopAcking();
      await ingest(stream, 100, 130);
      await emulator.waitForRecords(TABLE, 130);
      assert.equal(emulator.faults.revokeGrants('emulator-client'), 1);
      await assert.rejects(stream.flush(), { code: 'PERMISSION_DENIED' });
      assert.equal(emulator.calls.length, 1, 'a non-retriable status is not retried');
      const unacked = stream.getUnackedRecords().map((r) => (JSON.parse(r as string) as { id: number }).id);
      assert.deepEqual(
        unacked,
        Array.from({ length: 30 }, (_, i) => 100 + i),
      );
      const counts = await stored(emulator);
      for (let id = 0; id < 100; id++) assert.ok(counts.has(id), `acknowledged id ${id}`);
    } finally {
      await emulator.close();
    }
  });
});
