/**
 * What the SDK logs about failed connection attempts. A failure the application receives as an
 * error (createStream rejects with it) is not also logged at warn: each attempt is at debug, with
 * its number, error code and the backoff before the next. What nothing else tells the application
 * stays at warn: a creation that got through only after failed attempts. A gRPC stream's failed
 * recovery attempt is at debug too, as its `recovering` event carries the failure. Real sockets
 * on loopback: a closed port, and a scripted server for the failures that are answers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type RecoveringEvent,
  type StreamConfigurationOptions,
  ZerobusError,
  ZerobusSdk,
  type ZerobusSdkOptions,
} from '@zerobus/sdk';
import { Field, Int64, Schema } from 'apache-arrow';
import { capturingLogger, type Harness, TABLE } from '../support/harness.js';
import { closedPort } from '../support/net-probes.js';
import { respond, startScriptedServer } from '../support/scripted-server.js';

const LIMIT = { timeout: 20_000 };
/** Three attempts 10 ms apart (no jitter, so the logged backoff is exact). */
const RETRIES = { recoveryRetries: 2, recoveryBackoffMs: 10, recoveryBackoffJitter: 0, recoveryTimeoutMs: 5_000 };
const headersProvider = { getHeaders: () => ({ authorization: 'Bearer test' }) };

function sdkWithLogs(endpoint: string, options: ZerobusSdkOptions = {}) {
  const logs: Harness['logs'] = [];
  const sdk = new ZerobusSdk(endpoint, 'http://127.0.0.1:9', { logger: capturingLogger(logs), ...options });
  return { sdk, logs };
}

const atLeastWarn = (logs: Harness['logs']) => logs.filter((l) => l.level === 'warn' || l.level === 'error');

/** The attempts logged as `message`, at debug, with the fields that describe each. */
function attempts(logs: Harness['logs'], message: string) {
  return logs
    .filter((l) => l.message === message)
    .map(({ level, fields }) => {
      const { table, attempt, attempts, code, backoffMs, error } = fields as Record<string, unknown>;
      assert.equal(typeof error, 'string');
      return { level, table, attempt, attempts, code, backoffMs };
    });
}

/** Three failed attempts to an UNAVAILABLE endpoint: the first two followed by a 10 ms backoff. */
const THREE_UNAVAILABLE = [1, 2, 3].map((attempt) => ({
  level: 'debug',
  table: TABLE,
  attempt,
  attempts: 3,
  code: 'UNAVAILABLE',
  backoffMs: attempt < 3 ? 10 : undefined,
}));

async function rejection(promise: Promise<unknown>): Promise<ZerobusError> {
  return promise.then(
    () => assert.fail('stream creation succeeded'),
    (error: unknown) => {
      assert.ok(error instanceof ZerobusError, String(error));
      return error;
    },
  );
}

describe('logs of failed connection attempts', () => {
  it('createStream to a closed port: the rejection, no warning; each attempt at debug', LIMIT, async () => {
    const { sdk, logs } = sdkWithLogs(`127.0.0.1:${await closedPort()}`);
    const options: StreamConfigurationOptions = { recordType: 'json', ...RETRIES };
    const error = await rejection(sdk.createStream({ table: TABLE, headersProvider, options }));
    assert.equal(error.code, 'UNAVAILABLE');
    assert.deepEqual(atLeastWarn(logs), [], 'the application has the failure as the rejection');
    assert.deepEqual(attempts(logs, 'stream creation failed'), THREE_UNAVAILABLE);
  });

  it('createArrowStream to a closed port: the same', LIMIT, async () => {
    const { sdk, logs } = sdkWithLogs(`127.0.0.1:${await closedPort()}`);
    const schema = new Schema([new Field('id', new Int64(), false)]);
    const error = await rejection(sdk.createArrowStream({ table: TABLE, schema, headersProvider, options: RETRIES }));
    assert.equal(error.code, 'UNAVAILABLE');
    assert.deepEqual(atLeastWarn(logs), [], 'the application has the failure as the rejection');
    assert.deepEqual(attempts(logs, 'Arrow stream creation failed'), THREE_UNAVAILABLE);
  });

  it('a creation that got through after a failed attempt says so once, at warn', LIMIT, async () => {
    // The first call's create response has no stream id (INTERNAL, retriable); the second is fine.
    await using server = await startScriptedServer((call, request) => {
      if (request.kind === 'createStream') call.send(respond.created(call.index === 0 ? '' : 'stream-1'));
      else call.send(respond.ack(request.offsetId));
    });
    const { sdk, logs } = sdkWithLogs(server.endpoint);
    await using stream = await sdk.createStream({
      table: TABLE,
      headersProvider,
      options: { recordType: 'json', ...RETRIES },
    });
    assert.equal(stream.streamId, 'stream-1');
    assert.deepEqual(attempts(logs, 'stream creation failed'), [
      { level: 'debug', table: TABLE, attempt: 1, attempts: 3, code: 'INTERNAL', backoffMs: 10 },
    ]);
    const [warning, ...more] = atLeastWarn(logs);
    assert.deepEqual(more, [], 'one warning');
    assert.ok(warning, 'a warning');
    assert.equal(warning.message, 'stream created after failed attempts');
    const { error, ...fields } = warning.fields as Record<string, unknown>;
    assert.deepEqual(fields, { table: TABLE, attempts: 2, code: 'INTERNAL' });
    assert.match(String(error), /without a stream_id/);
  });

  it('a failed recovery attempt of an open stream is at debug: its `recovering` event tells', LIMIT, async () => {
    // Call 0 answers the first ingest request with an empty response (recovery starts); call 1's
    // create response has no stream id (the first recovery attempt fails); call 2 behaves.
    await using server = await startScriptedServer((call, request) => {
      if (request.kind === 'createStream') call.send(respond.created(call.index === 1 ? '' : `stream-${call.index}`));
      else if (call.index === 0) call.send(respond.empty());
      else call.send(respond.ack(request.offsetId));
    });
    const { sdk, logs } = sdkWithLogs(server.endpoint);
    await using stream = await sdk.createStream({
      table: TABLE,
      headersProvider,
      options: { recordType: 'json', ...RETRIES },
    });
    const recovering: RecoveringEvent[] = [];
    stream.on('recovering', (event) => recovering.push(event));
    await stream.ingestRecordOffset({ i: 0 });
    await stream.flush();
    assert.equal(stream.streamId, 'stream-2');
    assert.deepEqual(
      recovering.map(({ attempt, error }) => [attempt, error.code]),
      [
        [1, 'INTERNAL'],
        [2, 'INTERNAL'],
      ],
    );
    assert.match(recovering[1]?.error.message ?? '', /without a stream_id/, 'the event carries the failed attempt');
    const failed = logs.filter((l) => l.message === 'recovery attempt failed');
    assert.deepEqual(
      failed.map(({ level, fields }) => ({ level, ...fields, error: undefined })),
      [{ level: 'debug', attempt: 1, code: 'INTERNAL', error: undefined }],
    );
    // The outage itself is announced once, at info: the application hears of it through the
    // `recovering` event, so nothing reaches warn (quiet unless something needs attention).
    assert.deepEqual(atLeastWarn(logs), []);
    assert.deepEqual(
      logs.filter((l) => l.message === 'stream connection failed; recovering').map((l) => l.level),
      ['info'],
    );
  });
});
