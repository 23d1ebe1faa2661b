/**
 * One HTTP/2 connection per SDK instance (PROTOCOL.md §12), as the official SDKs keep: the
 * streams of one ZerobusSdk share it, one closing leaves the others alone, and a dropped
 * connection is reopened for all of them. `connection: 'dedicated'` gives each its own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEmulator } from '@zerobus/emulator';
import { TableProperties, ZerobusSdk, type ZerobusSdkOptions, type ZerobusStream } from '@zerobus/sdk';
import { CLIENT_ID, CLIENT_SECRET, FAST_RECOVERY, TABLE } from '../support/harness.js';

async function openStreams(sdk: ZerobusSdk, count: number): Promise<ZerobusStream[]> {
  const streams: ZerobusStream[] = [];
  for (let i = 0; i < count; i++) {
    streams.push(
      await sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE), {
        recordType: 'json',
        ...FAST_RECOVERY,
      }),
    );
  }
  return streams;
}

describe('connections of an SDK instance', () => {
  it('three streams share one connection; one closing or the connection dropping breaks none of the others', async () => {
    await using emulator = await startEmulator({ autoCreateTables: true });
    const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
    const [a, b, c] = (await openStreams(sdk, 3)) as [ZerobusStream, ZerobusStream, ZerobusStream];
    assert.equal(new Set(emulator.calls.map((call) => call.peer)).size, 1, 'one peer address: one connection');

    await a.close();
    await b.ingestRecordOffset({ n: 1 });
    await c.ingestRecordOffset({ n: 2 });
    await Promise.all([b.flush(), c.flush()]);

    const before = emulator.calls.length;
    emulator.faults.dropConnections();
    await b.ingestRecordOffset({ n: 3 });
    await c.ingestRecordOffset({ n: 4 });
    await Promise.all([b.flush(), c.flush()]);
    const reconnected = emulator.calls.slice(before);
    assert.equal(reconnected.length, 2, 'both streams reconnected');
    assert.equal(new Set(reconnected.map((call) => call.peer)).size, 1, 'on one new connection');
    assert.equal(emulator.records(TABLE).length, 4);
    await Promise.all([b.close(), c.close()]);

    // Another SDK instance has a connection of its own.
    const other = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
    const [d] = await openStreams(other, 1);
    assert.ok(!reconnected.some((call) => call.peer === emulator.calls.at(-1)?.peer));
    await d?.close();
  });

  it("connection: 'dedicated' gives each stream its own connection", async () => {
    await using emulator = await startEmulator({ autoCreateTables: true });
    const options: ZerobusSdkOptions = { connection: 'dedicated' };
    const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, options);
    const streams = await openStreams(sdk, 3);
    assert.equal(new Set(emulator.calls.map((call) => call.peer)).size, 3);
    for (const stream of streams) await stream.close();
    assert.throws(
      () => new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, { connection: 'pooled' as 'shared' }),
      /option connection must be 'shared' or 'dedicated', got "pooled"/,
    );
  });
});
