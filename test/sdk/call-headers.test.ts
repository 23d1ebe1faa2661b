/**
 * A custom headers provider, checked and completed the same way for gRPC and Arrow streams
 * (PROTOCOL.md §3, §12): `authorization` is required before any call is opened (and again on
 * every recovery), the table header is always the stream's own table (one warning when the
 * provider named another), and `x-zerobus-sdk` always the SDK's identity.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type HeadersProvider, NonRetriableError } from '@zerobus/sdk';
import { TABLE as ARROW_TABLE, arrowEnv, batchOf } from '../arrow/arrow-env.js';
import { FAST_RECOVERY, type Harness, TABLE, withHarness } from '../support/harness.js';

const LIMIT = { timeout: 30_000 };
const SDK_IDENTITY = /^zerobus-sdk-ts\/\d+\.\d+\.\d+/;

const missingAuthorization = (e: unknown) =>
  e instanceof NonRetriableError &&
  e.code === 'INVALID_OPTIONS' &&
  /no "authorization" header/.test(e.message) &&
  /"x-databricks-zerobus-table-name"/.test(e.message); // names what it did return, never values

const tableWarnings = (logs: Harness['logs']) =>
  logs.filter((l) => l.level === 'warn' && /names another table/.test(l.message ?? ''));

describe('headers from a custom provider', () => {
  it('without authorization, createStream rejects naming it before any call', LIMIT, async () => {
    await withHarness(async ({ emulator, sdk }) => {
      const headersProvider: HeadersProvider = { getHeaders: () => ({ 'x-databricks-zerobus-table-name': TABLE }) };
      await assert.rejects(
        sdk.createStream({ table: TABLE, headersProvider, options: { recordType: 'json', ...FAST_RECOVERY } }),
        missingAuthorization,
      );
      assert.equal(emulator.calls.length, 0, 'no call was opened, and no retry either');
    });
  });

  it('without authorization on a recovery, the stream fails naming it', LIMIT, async () => {
    await withHarness(async ({ emulator, sdk }) => {
      let asked = 0;
      const headersProvider: HeadersProvider = {
        getHeaders: () => {
          asked++;
          const base = { 'x-databricks-zerobus-table-name': TABLE };
          return asked === 1 ? { ...base, authorization: `Bearer ${emulator.issueToken(TABLE)}` } : base;
        },
      };
      const stream = await sdk.createStream({
        table: TABLE,
        headersProvider,
        options: { recordType: 'json', ...FAST_RECOVERY },
      });
      await stream.waitForOffset(await stream.ingestRecordOffset({ i: 0 }));
      emulator.faults.stopAcking();
      stream.ingestRecordNowait({ i: 1 });
      await emulator.waitForRecords(TABLE, 2);
      emulator.faults.dropConnections();
      await assert.rejects(stream.flush(), missingAuthorization);
      assert.equal(stream.state, 'failed');
      assert.equal(asked, 2, 'not retried: a configuration error');
      assert.equal(emulator.calls.length, 1);
    });
  });

  it('the table header is the stream’s own table (one warning) and x-zerobus-sdk the SDK’s', LIMIT, async () => {
    await withHarness(async ({ emulator, sdk, logs }) => {
      const headersProvider: HeadersProvider = {
        getHeaders: () => ({
          authorization: `Bearer ${emulator.issueToken(TABLE)}`,
          'X-Databricks-Zerobus-Table-Name': 'main.default.elsewhere',
          'x-zerobus-sdk': 'impostor/9.9.9',
        }),
      };
      const stream = await sdk.createStream({
        table: TABLE,
        headersProvider,
        options: { recordType: 'json', ...FAST_RECOVERY },
      });
      await stream.waitForOffset(await stream.ingestRecordOffset({ i: 0 }));
      emulator.faults.dropConnections();
      await stream.waitForOffset(await stream.ingestRecordOffset({ i: 1 }));
      await stream.close();
      assert.equal(emulator.calls.length, 2);
      for (const call of emulator.calls) {
        assert.equal(call.headers['x-databricks-zerobus-table-name'], TABLE);
        assert.match(call.headers['x-zerobus-sdk'] ?? '', SDK_IDENTITY);
      }
      assert.equal(tableWarnings(logs).length, 1, 'one warning per stream, not per call');
      assert.equal(emulator.records(TABLE).length, 2);
    });
  });

  it('Arrow streams: authorization required, own table, SDK identity', LIMIT, async () => {
    await using env = await arrowEnv();
    const noAuth: HeadersProvider = { getHeaders: () => ({ 'x-databricks-zerobus-table-name': ARROW_TABLE }) };
    await assert.rejects(env.openArrowOn({ headersProvider: noAuth }), missingAuthorization);
    assert.equal(env.emulator.calls.length, 0);

    const elsewhere: HeadersProvider = {
      getHeaders: () => ({
        authorization: `Bearer ${env.emulator.issueToken(ARROW_TABLE)}`,
        'x-databricks-zerobus-table-name': 'main.arrow.elsewhere',
        'x-zerobus-sdk': 'impostor/9.9.9',
      }),
    };
    const stream = await env.openArrowOn({ headersProvider: elsewhere, options: { recoveryBackoffMs: 10 } });
    await stream.waitForOffset((await stream.ingestBatchOffset(batchOf(0, 3)))!);
    env.emulator.faults.dropConnections();
    await stream.waitForOffset((await stream.ingestBatchOffset(batchOf(3, 6)))!);
    await stream.close();
    assert.equal(env.emulator.calls.length, 2);
    for (const call of env.emulator.calls) {
      assert.equal(call.headers['x-databricks-zerobus-table-name'], ARROW_TABLE);
      assert.match(call.headers['x-zerobus-sdk'] ?? '', SDK_IDENTITY);
    }
    assert.equal(tableWarnings(env.logs).length, 1);
    assert.equal(stream.state, 'closed');
  });
});
