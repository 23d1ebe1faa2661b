import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEmulator } from '@zerobus/emulator';
import { InvalidRecordError, NonRetriableError, TableProperties, ZerobusError, ZerobusSdk } from '@zerobus/sdk';
import { CLIENT_ID, CLIENT_SECRET, TABLE, withHarness } from '../support/harness.js';

describe('bad input gets a clear typed error and loses nothing else', () => {
  it('rejects records of the wrong kind for a JSON stream, naming the record', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream();
      await stream.ingestRecordOffset({ ok: 1 });
      assert.throws(() => stream.ingestRecordNowait(new Uint8Array([1, 2])), InvalidRecordError);
      assert.throws(() => stream.ingestRecordNowait(42), InvalidRecordError);
      assert.throws(
        () => stream.ingestRecordNowait('{"broken":'),
        (e: unknown) => {
          assert.ok(e instanceof InvalidRecordError);
          assert.match(e.message, /not valid JSON/);
          return true;
        },
      );
      assert.throws(
        () => stream.ingestRecordsNowait([{ ok: 2 }, { bad: Number.NaN }]),
        (e: unknown) => e instanceof InvalidRecordError && e.recordIndex === 1 && e.field === 'bad',
      );
      assert.throws(() => stream.ingestRecordsNowait(null as never), { code: 'INVALID_RECORD' });
      assert.equal(stream.lastOffset, 0, 'rejected records take no offset');
      await stream.ingestRecordOffset({ ok: 3 });
      await stream.close();
      assert.deepEqual(
        emulator.records(TABLE).map((r) => r.payload),
        ['{"ok":1}', '{"ok":3}'],
      );
    });
  });

  it('a record rejected by the server fails the stream with INVALID_ARGUMENT; earlier records stay', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream();
      await stream.ingestRecordOffset({ ok: 1 });
      // The server's verdict on a record (schema checks come with the Delta tables) is a status
      // ending the call: injected here as the real service sends it.
      const offset = await stream.ingestRecordOffset('{"ok":2}');
      await stream.waitForOffset(offset);
      emulator.faults.failActiveStreams('INVALID_ARGUMENT', 'record at offset 2: field "x" is not a column');
      await assert.rejects(
        stream
          .flush()
          .then(() => stream.ingestRecordOffset({ x: 1 }))
          .then((o) => stream.waitForOffset(o)),
        {
          code: 'INVALID_ARGUMENT',
        },
      );
      assert.match(
        String((await stream.close().catch((e: unknown) => e)) as Error),
        /INVALID_ARGUMENT: record at offset 2/,
      );
      assert.equal(emulator.records(TABLE).length, 2);
    });
  });

  it('rejects malformed table names before any network call', () => {
    assert.throws(() => new TableProperties('events'), { code: 'INVALID_TABLE_NAME' });
    assert.throws(() => new TableProperties('a..c'), /the schema part is empty/);
  });

  it('rejects bad endpoints and options at construction', async () => {
    assert.throws(() => new ZerobusSdk('', 'http://localhost'), { code: 'INVALID_OPTIONS' });
    assert.throws(() => new ZerobusSdk('ftp://host', 'http://localhost'), /https:\/\/ or http:\/\//);
    const sdk = new ZerobusSdk('http://127.0.0.1:1', 'http://127.0.0.1:1');
    await assert.rejects(
      sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE), { maxInflightRecords: -5 }),
      (e: unknown) =>
        e instanceof NonRetriableError && e.code === 'INVALID_OPTIONS' && /maxInflightRecords/.test(e.message),
    );
    await assert.rejects(
      sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE), { recordType: 'proto' }),
      { code: 'INVALID_DESCRIPTOR' },
    );
    await assert.rejects(
      sdk.createStream({ table: TABLE, options: { recordType: 'json' } }),
      /clientId and clientSecret/,
    );
  });

  it('an unreachable endpoint fails stream creation with a retriable error', async () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const sdk = new ZerobusSdk('http://127.0.0.1:1', 'http://127.0.0.1:1');
    await assert.rejects(
      sdk.createStream({
        table: TABLE,
        options: { recordType: 'json', recovery: false },
        headersProvider: {
          getHeaders: () => ({ authorization: 'Bearer x', 'x-databricks-zerobus-table-name': TABLE }),
        },
      }),
      (e: unknown) => e instanceof ZerobusError && e.retriable && e.code === 'UNAVAILABLE',
    );
    await assert.rejects(
      sdk.createStream({
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        table: TABLE,
        options: { recordType: 'json', recovery: false },
      }),
      (e: unknown) => e instanceof ZerobusError && e.retriable && e.code === 'AUTH_UNAVAILABLE',
    );
  });

  it('endpoints without a scheme mean https', async () => {
    // Nothing listens on port 1; the error shows a TLS connection attempt was made, not a URL error.
    const sdk = new ZerobusSdk('127.0.0.1:1', '127.0.0.1:1');
    assert.equal(sdk.unityCatalogEndpoint, 'https://127.0.0.1:1');
    await assert.rejects(
      sdk.createStream({
        table: TABLE,
        options: { recordType: 'json', recovery: false },
        headersProvider: {
          getHeaders: () => ({ authorization: 'Bearer x', 'x-databricks-zerobus-table-name': TABLE }),
        },
      }),
      { code: 'UNAVAILABLE' },
    );
  });

  it('an unknown table fails creation with NOT_FOUND, not retried', async () => {
    await withHarness(
      async ({ emulator, jsonStream }) => {
        await assert.rejects(
          jsonStream({}, 'main.default.missing'),
          (e: unknown) => e instanceof NonRetriableError && e.code === 'NOT_FOUND',
        );
        assert.equal(emulator.calls.length, 1);
      },
      { autoCreateTables: false, tables: [TABLE] },
    );
  });

  it('a principal without a grant on the table gets PERMISSION_DENIED', async () => {
    await withHarness(
      async ({ sdk }) => {
        await assert.rejects(
          sdk.createStream('limited', 'limited-secret', new TableProperties(TABLE), { recordType: 'json' }),
          (e: unknown) => e instanceof NonRetriableError && e.code === 'PERMISSION_DENIED',
        );
      },
      { principals: [{ clientId: 'limited', clientSecret: 'limited-secret', tables: ['main.default.other'] }] },
    );
  });
  it('a request over the server message limit fails the stream with INVALID_ARGUMENT naming its offset', async () => {
    await withHarness(
      async ({ emulator, jsonStream }) => {
        const stream = await jsonStream();
        await stream.ingestRecordOffset({ small: 1 });
        const big = await stream.ingestRecordOffset({ big: 'x'.repeat(2_000) });
        await assert.rejects(stream.waitForOffset(big), (e: unknown) => {
          assert.ok(e instanceof NonRetriableError);
          assert.equal(e.code, 'INVALID_ARGUMENT');
          assert.match(e.message, /offset_id 1 is \d+ bytes, over the server's message limit of 1024 bytes/);
          return true;
        });
        assert.equal(emulator.records(TABLE).length, 1);
        assert.equal(emulator.calls.length, 1, 'not retried: it can never succeed');
      },
      { maxMessageBytes: 1024 },
    );
  });
  it('a foreign or expired token is refused with UNAUTHENTICATED, not retried', async () => {
    await withHarness(async ({ emulator, sdk }) => {
      await using other = await startEmulator();
      const foreign = other.issueToken(TABLE);
      const stale = emulator.issueToken(TABLE);
      emulator.faults.expireTokens();
      for (const token of [foreign, stale]) {
        await assert.rejects(
          sdk.createStream({
            table: TABLE,
            options: { recordType: 'json' },
            headersProvider: {
              getHeaders: () => ({ authorization: `Bearer ${token}`, 'x-databricks-zerobus-table-name': TABLE }),
            },
          }),
          (e: unknown) => {
            assert.ok(e instanceof NonRetriableError);
            assert.equal(e.code, 'UNAUTHENTICATED');
            assert.doesNotMatch(e.message, new RegExp(token));
            return true;
          },
        );
      }
      assert.equal(emulator.calls.length, 2);
    });
  });
});
