import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client, credentials, Metadata, status } from '@grpc/grpc-js';
import { startEmulator } from '@zerobus/emulator';
import { RawClient, setup } from './support/raw-client.js';

const TABLE = 'main.default.events';

describe('emulator lifecycle', () => {
  it('listens on ephemeral 127.0.0.1 ports and reports its endpoints', async (t) => {
    const { emulator } = await setup(t);
    assert.ok(emulator.port > 0 && emulator.httpPort > 0 && emulator.port !== emulator.httpPort);
    assert.equal(emulator.endpoint, `http://127.0.0.1:${emulator.port}`);
    assert.equal(emulator.grpcTarget, `127.0.0.1:${emulator.port}`);
    assert.equal(emulator.unityCatalogEndpoint, `http://127.0.0.1:${emulator.httpPort}`);
    assert.deepEqual(
      emulator.principals.map((p) => [p.clientId, p.clientSecret, p.tables]),
      [['emulator-client', 'emulator-secret', undefined]],
    );
  });

  it('close() ends open calls with UNAVAILABLE and resolves with clients still connected', async () => {
    const emulator = await startEmulator({ tables: [TABLE] });
    const client = new RawClient(emulator);
    try {
      const open = client.open(TABLE);
      open.create(TABLE);
      await open.created();
      const idle = client.open(TABLE); // opened, never created
      await idle.headers;
      const started = performance.now();
      await emulator.close();
      assert.ok(performance.now() - started < 1000, 'close() did not wait for clients');
      for (const stream of [open, idle]) {
        const result = await stream.status;
        assert.equal(result.code, status.UNAVAILABLE);
      }
      await emulator.close(); // idempotent
    } finally {
      client.close();
    }
  });

  it('close() resolves while a client keeps an idle connection open', async () => {
    const emulator = await startEmulator({ tables: [TABLE] });
    const client = new RawClient(emulator);
    try {
      const stream = client.open(TABLE);
      stream.create(TABLE);
      await stream.created();
      stream.call.end();
      assert.equal((await stream.status).code, status.OK);
      const started = performance.now();
      await emulator.close();
      assert.ok(performance.now() - started < 1000, 'close() did not wait for the idle connection');
    } finally {
      client.close();
    }
  });

  it('implements Symbol.asyncDispose', async () => {
    const emulator = await startEmulator();
    await emulator[Symbol.asyncDispose]();
    await assert.rejects(fetch(`${emulator.unityCatalogEndpoint}/oidc/v1/token`, { method: 'POST' }));
  });

  it('survives clients cancelling mid-stream with acks pending', async (t) => {
    const { emulator, client } = await setup(t);
    for (let round = 0; round < 3; round++) {
      const stream = client.open(TABLE);
      stream.create(TABLE);
      await stream.created();
      for (let i = 0; i < 50; i++) stream.json(i, `{"i":${i}}`);
      stream.call.cancel();
      await stream.status;
    }
    await emulator.waitFor((e) => e.streams.length === 0);
    const stream = client.open(TABLE);
    stream.create(TABLE);
    await stream.created();
    stream.json(0, '{}');
    await stream.ackedUpTo(0);
    assert.deepEqual(
      emulator.calls.slice(0, 3).map((c) => c.status?.name),
      ['CANCELLED', 'CANCELLED', 'CANCELLED'],
    );
  });

  it('answers UNIMPLEMENTED for other methods', async (t) => {
    const { emulator } = await setup(t);
    const client = new Client(emulator.grpcTarget, credentials.createInsecure());
    t.after(() => client.close());
    const code = await new Promise<number>((resolve) => {
      client.makeUnaryRequest(
        '/databricks.zerobus.Zerobus/Other',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        new Metadata(),
        (error) => resolve(error?.code ?? 0),
      );
    });
    assert.equal(code, status.UNIMPLEMENTED);
  });

  it('records every call with its metadata and final status', async (t) => {
    const { emulator, client } = await setup(t);
    const stream = client.open(TABLE, { extraHeaders: { 'x-test': 'yes' } });
    stream.create(TABLE);
    const streamId = await stream.created();
    stream.call.end();
    await stream.status;
    await emulator.waitFor((e) => e.calls[0]?.status !== undefined);
    const [call] = emulator.calls;
    assert.equal(call?.id, 1);
    assert.equal(call?.path, '/databricks.zerobus.Zerobus/EphemeralStream');
    assert.equal(call?.headers['x-test'], 'yes');
    assert.equal(call?.streamId, streamId);
    assert.equal(call?.tableName, TABLE);
    assert.equal(call?.recordType, 'json');
    assert.deepEqual(call?.status, { code: 0, name: 'OK', details: 'OK' });
    assert.equal(emulator.stats.callsOpened, 1);
  });

  it('validates its options', async () => {
    await assert.rejects(startEmulator({ port: -1 }), RangeError);
    await assert.rejects(startEmulator({ tables: ['not-a-table'] }), TypeError);
    await assert.rejects(
      startEmulator({
        principals: [
          { clientId: 'a', clientSecret: 'x' },
          { clientId: 'a', clientSecret: 'y' },
        ],
      }),
      TypeError,
    );
  });
});
