/**
 * Both transports against the local server (a grpc-js server): the SDK's own gRPC framing on
 * node:http2 (the default) and grpc-js. The same streams, sharing, recovery and Arrow Flight calls
 * work through each, and the option and `ZEROBUS_TRANSPORT` choose between them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEmulator } from '@zerobus/emulator';
import { ArrowStream, TableProperties, ZerobusError, ZerobusSdk, type ZerobusStream } from '@zerobus/sdk';
import { makeVector, Table } from 'apache-arrow';
import { CLIENT_ID, CLIENT_SECRET, FAST_RECOVERY, TABLE } from '../support/harness.js';

const ARROW_TABLE = 'main.transports.rows';

for (const transport of ['http2', 'grpc-js'] as const) {
  describe(`transport ${transport}`, () => {
    it('streams share one connection, recover from a dropped connection, and every record lands once acked', async () => {
      await using emulator = await startEmulator({ autoCreateTables: true, storeRecords: true });
      const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, { transport });
      const open = () =>
        sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE), {
          recordType: 'json',
          ...FAST_RECOVERY,
        });
      const streams: ZerobusStream[] = [await open(), await open()];
      assert.equal(new Set(emulator.calls.map((call) => call.peer)).size, 1, 'one connection for both streams');
      const agent = emulator.calls[0]?.headers['user-agent'] ?? '';
      assert.match(agent, transport === 'http2' ? /^zerobus-sdk-ts\// : /grpc-node-js/, agent);

      for (const [s, stream] of streams.entries()) {
        for (let i = 0; i < 100; i++) stream.ingestRecordNowait({ s, i });
      }
      await Promise.all(streams.map((stream) => stream.flush()));
      emulator.faults.dropConnections();
      for (const [s, stream] of streams.entries()) {
        for (let i = 100; i < 200; i++) stream.ingestRecordNowait({ s, i });
      }
      await Promise.all(streams.map((stream) => stream.close()));
      assert.ok(streams.every((stream) => stream.stats().reconnects >= 1));
      const seen = emulator
        .records(TABLE)
        .map((r) => JSON.parse(Buffer.from(r.payload).toString()) as { s: number; i: number });
      for (const s of [0, 1]) {
        const mine = new Set(seen.filter((r) => r.s === s).map((r) => r.i));
        assert.equal(mine.size, 200, `stream ${s}: every record at least once`);
      }
    });

    it('an Arrow Flight stream ingests through it', async () => {
      await using emulator = await startEmulator({ commitIntervalMs: 5 });
      await emulator.createDeltaTable(ARROW_TABLE, [{ name: 'id', type_text: 'bigint', nullable: false }]);
      const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, { transport });
      const table = await TableProperties.fromTable(ARROW_TABLE, {
        unityCatalogEndpoint: emulator.unityCatalogEndpoint,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
      });
      const stream = await sdk.createArrowStream({ table, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
      assert.ok(stream instanceof ArrowStream);
      const batch = new Table({ id: makeVector(BigInt64Array.from([1n, 2n, 3n])) }).batches[0]!;
      await stream.ingestBatchOffset(batch);
      await stream.flush();
      await stream.close();
      assert.equal(stream.stats().recordsAcked, 3);
    });
  });
}

describe('choosing the transport', () => {
  const endpoint = 'http://127.0.0.1:1';
  const uc = 'http://127.0.0.1:2';

  it('refuses an unknown transport, and grpcChannelOptions with transport http2, naming the option', () => {
    assert.throws(
      () => new ZerobusSdk(endpoint, uc, { transport: 'quic' as never }),
      (error: unknown) =>
        error instanceof ZerobusError && error.code === 'INVALID_OPTIONS' && /option transport/.test(error.message),
    );
    assert.throws(
      () => new ZerobusSdk(endpoint, uc, { transport: 'http2', grpcChannelOptions: { 'grpc.keepalive_time_ms': 1 } }),
      /grpcChannelOptions configures grpc-js/,
    );
  });

  it('ZEROBUS_TRANSPORT chooses when the option does not, and a wrong value names the variable', () => {
    const saved = process.env.ZEROBUS_TRANSPORT;
    try {
      process.env.ZEROBUS_TRANSPORT = 'carrier-pigeon';
      assert.throws(() => new ZerobusSdk(endpoint, uc), /ZEROBUS_TRANSPORT must be 'http2' or 'grpc-js'/);
      process.env.ZEROBUS_TRANSPORT = 'grpc-js';
      assert.doesNotThrow(() => new ZerobusSdk(endpoint, uc, { transport: 'http2' }));
    } finally {
      if (saved === undefined) delete process.env.ZEROBUS_TRANSPORT;
      else process.env.ZEROBUS_TRANSPORT = saved;
    }
  });

  it('grpcChannelOptions select grpc-js even when ZEROBUS_TRANSPORT says http2: raw options are never ignored', async () => {
    await using emulator = await startEmulator({ autoCreateTables: true });
    const saved = process.env.ZEROBUS_TRANSPORT;
    process.env.ZEROBUS_TRANSPORT = 'http2';
    try {
      const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, {
        grpcChannelOptions: { 'grpc.keepalive_time_ms': 60_000 },
      });
      const stream = await sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE), {
        recordType: 'json',
      });
      await stream.close();
      assert.match(emulator.calls[0]?.headers['user-agent'] ?? '', /grpc-node-js/);
    } finally {
      if (saved === undefined) delete process.env.ZEROBUS_TRANSPORT;
      else process.env.ZEROBUS_TRANSPORT = saved;
    }
  });
});
