import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TableProperties, ZerobusError, type ZerobusStream } from '@zerobus/sdk';
import { CLIENT_ID, CLIENT_SECRET, jsonPayloads, TABLE, withHarness } from '../support/harness.js';

describe('JSON stream over loopback gRPC', () => {
  it('ingests single records and batches with consecutive logical offsets', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream();
      assert.equal(stream.state, 'open');
      assert.equal(stream.tableName, TABLE);
      assert.match(stream.streamId ?? '', /.+/);
      assert.equal(await stream.ingestRecordOffset({ id: 0 }), 0);
      assert.equal(await stream.ingestRecordsOffset([{ id: 1 }, { id: 2 }]), 1);
      assert.equal(await stream.ingestRecordsOffset([]), null, 'an empty batch takes no offset');
      assert.equal(stream.ingestRecordNowait('{"id":3}'), true);
      assert.equal(stream.ingestRecordsNowait([{ id: 4 }]), true);
      assert.equal(stream.lastOffset, 3);
      assert.equal(await stream.waitForOffset(3), 3);
      assert.equal(stream.ackedOffset, 3);
      await stream.flush();
      await stream.close();
      assert.equal(stream.state, 'closed');
      assert.deepEqual(jsonPayloads(emulator), [{ id: 0 }, { id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]);
      const records = emulator.records(TABLE);
      assert.deepEqual(
        records.map((r) => [r.offsetId, r.batchIndex]),
        [
          [0, 0],
          [1, 0],
          [1, 1],
          [2, 0],
          [3, 0],
        ],
      );
    });
  });

  it('keeps bigint values exact', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream();
      await stream.ingestRecordOffset({ big: 9007199254740993n });
      await stream.close();
      assert.equal(emulator.records(TABLE)[0]?.payload, '{"big":9007199254740993}');
    });
  });

  it('sends the exact OAuth request and call headers', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream();
      await stream.close();
      const [token] = emulator.tokenRequests;
      assert.ok(token);
      assert.equal(token.method, 'POST');
      assert.equal(token.path, '/oidc/v1/token');
      // HTTP Basic with the right credentials: the record keeps the scheme and the client id, never the secret
      assert.equal(token.authorization, 'Basic <redacted>');
      assert.equal(token.clientId, CLIENT_ID);
      assert.equal(token.status, 200);
      assert.doesNotMatch(JSON.stringify(token), new RegExp(CLIENT_SECRET));
      assert.equal(token.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.equal(token.form.grant_type, 'client_credentials');
      assert.equal(token.form.scope, 'all-apis');
      // The workspace id is the first DNS label of the server endpoint's host: 127 for 127.0.0.1.
      assert.equal(token.form.resource, 'api://databricks/workspaces/127/zerobusDirectWriteApi');
      assert.deepEqual(token.authorizationDetails, [
        {
          type: 'unity_catalog_privileges',
          privileges: ['USE CATALOG'],
          object_type: 'CATALOG',
          object_full_path: 'main',
        },
        {
          type: 'unity_catalog_privileges',
          privileges: ['USE SCHEMA'],
          object_type: 'SCHEMA',
          object_full_path: 'main.default',
        },
        {
          type: 'unity_catalog_privileges',
          privileges: ['SELECT', 'MODIFY'],
          object_type: 'TABLE',
          object_full_path: TABLE,
        },
      ]);
      const [call] = emulator.calls;
      assert.ok(call);
      assert.match(call.headers.authorization ?? '', /^Bearer .+/);
      assert.equal(call.headers['x-databricks-zerobus-table-name'], TABLE);
      assert.match(call.headers['x-zerobus-sdk'] ?? '', /^zerobus-sdk-ts\/\d+\.\d+\.\d+$/);
      assert.equal(call.recordType, 'json');
    });
  });

  it('fires onAck once per offset, in order, and a throwing callback breaks nothing', async () => {
    const acked: number[] = [];
    await withHarness(async ({ emulator, jsonStream, logs }) => {
      const stream = await jsonStream({
        ackCallback: {
          onAck(offset) {
            acked.push(offset);
            throw new Error('callback bug');
          },
        },
      });
      for (let i = 0; i < 50; i++) stream.ingestRecordNowait({ i });
      await stream.flush();
      await stream.close();
      assert.equal(emulator.records(TABLE).length, 50);
      assert.deepEqual(
        acked,
        Array.from({ length: 50 }, (_, i) => i),
      );
      assert.ok(logs.some((l) => l.message === 'ack callback threw'));
    });
  });

  it('waits for async ack callbacks at close, at most callbackMaxWaitTimeMs', async () => {
    await withHarness(async ({ jsonStream }) => {
      let finished = 0;
      const stream = await jsonStream({
        ackCallback: {
          async onAck() {
            await new Promise((r) => setTimeout(r, 30));
            finished++;
          },
        },
      });
      await stream.ingestRecordOffset({ a: 1 });
      await stream.close();
      assert.equal(finished, 1, 'close waited for the callback');

      const slow = await jsonStream({
        callbackMaxWaitTimeMs: 10,
        ackCallback: { onAck: () => new Promise<void>(() => {}) },
      });
      await slow.ingestRecordOffset({ a: 1 });
      await slow.close(); // resolves although the callback never settles
    });
  });

  it('deprecated ingestRecord returns an acknowledgement handle', async () => {
    await withHarness(async ({ jsonStream }) => {
      const stream = await jsonStream();
      const ack = await stream.ingestRecord({ a: 1 });
      assert.equal(ack.offset, 0);
      const seen: [unknown, number | undefined][] = [];
      ack.addDoneCallback((error, offset) => {
        seen.push([error, offset]);
      });
      assert.equal(await ack.waitForAck(5_000), 0);
      assert.equal(ack.isDone(), true);
      assert.deepEqual(seen, [[undefined, 0]]);
      ack.addDoneCallback((error, offset) => {
        seen.push([error, offset]);
      });
      assert.equal(seen.length, 2, 'a callback added after completion runs at once');
      assert.equal(await ack.promise, 0);
    });
  });

  it('supports await using', async () => {
    await withHarness(async ({ emulator, sdk }) => {
      let captured: ZerobusStream | undefined;
      {
        await using stream = await sdk.createStream({
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          table: TABLE,
          options: { recordType: 'json' },
        });
        captured = stream;
        stream.ingestRecordNowait({ a: 1 });
      }
      assert.equal(captured?.state, 'closed');
      assert.equal(emulator.records(TABLE).length, 1);
    });
  });

  it('rejects calls after close with STREAM_CLOSED, and close is idempotent', async () => {
    await withHarness(async ({ jsonStream }) => {
      const stream = await jsonStream();
      await stream.close();
      await stream.close();
      assert.throws(() => stream.ingestRecordNowait({ a: 1 }), { code: 'STREAM_CLOSED' });
      await assert.rejects(
        stream.ingestRecordOffset({ a: 1 }),
        (e: unknown) => e instanceof ZerobusError && e.code === 'STREAM_CLOSED',
      );
      assert.deepEqual(stream.getUnackedRecords(), []);
    });
  });

  it('refuses getUnackedRecords and recreateStream on an open stream', async () => {
    await withHarness(async ({ sdk, jsonStream }) => {
      const stream = await jsonStream();
      assert.throws(() => stream.getUnackedRecords(), { code: 'INVALID_STATE' });
      assert.throws(() => stream.getUnackedBatches(), { code: 'INVALID_STATE' });
      await assert.rejects(sdk.recreateStream(stream), { code: 'INVALID_STATE' });
    });
  });

  it('takes the options-object form of createStream with a table name', async () => {
    await withHarness(async ({ sdk, emulator }) => {
      const stream = await sdk.createStream({
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        table: new TableProperties('c.s.t'),
        options: { recordType: 'json' },
      });
      await stream.ingestRecordOffset({ x: 1 });
      await stream.close();
      assert.equal(emulator.records('c.s.t').length, 1);
    });
  });
});
