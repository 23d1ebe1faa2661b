/**
 * Server messages out of place (PROTOCOL.md §12): after the create, anything other than an ack
 * or a close signal is an INTERNAL "unexpected response" that starts recovery at once, instead
 * of leaving the requests in flight to the lack-of-ack timeout; a create response without a
 * stream id is the same error during creation, retried within the recovery budget. A scripted
 * server on loopback sends what the local server never would.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { type StreamConfigurationOptions, ZerobusError, ZerobusSdk } from '@zerobus/sdk';
import { capturingLogger, type Harness, TABLE } from '../support/harness.js';
import { respond, type ScriptedCall, startScriptedServer } from '../support/scripted-server.js';

const LIMIT = { timeout: 20_000 };
/** The default lack-of-ack timeout (60 s) stays: a stall would outlast the test's time limit. */
const OPTIONS: StreamConfigurationOptions = { recordType: 'json', recoveryBackoffMs: 10, recoveryTimeoutMs: 5_000 };
const headersProvider = { getHeaders: () => ({ authorization: 'Bearer scripted' }) };

/** Rejects if `promise` has not settled within `ms`: the point where a stall is certain. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** A well-behaved call: a stream id, then an ack for every ingest request. */
function serve(call: ScriptedCall, kind: string, offsetId?: number): void {
  if (kind === 'createStream') call.send(respond.created(`stream-${call.index}`));
  else call.send(respond.ack(offsetId as number));
}

async function openSdk(endpoint: string) {
  const logs: Harness['logs'] = [];
  const sdk = new ZerobusSdk(endpoint, 'http://127.0.0.1:9', { logger: capturingLogger(logs) });
  return { sdk, logs };
}

describe('unexpected server responses', () => {
  for (const [what, unexpected, pattern] of [
    ['a second create_stream_response', respond.created('again'), /a second create_stream_response/],
    [
      'an empty EphemeralStreamResponse',
      respond.empty(),
      /could not decode \(EphemeralStreamResponse has no payload\)/,
    ],
  ] as const) {
    it(`${what} mid-stream is INTERNAL "unexpected response" and recovery starts at once`, LIMIT, async () => {
      // Call 0 answers the first ingest request with the unexpected message and never acks;
      // call 1 behaves.
      await using server = await startScriptedServer((call, request) => {
        if (call.index === 0 && request.kind !== 'createStream') call.send(unexpected);
        else serve(call, request.kind, request.kind === 'createStream' ? undefined : request.offsetId);
      });
      const { sdk } = await openSdk(server.endpoint);
      const stream = await sdk.createStream({ table: TABLE, headersProvider, options: OPTIONS });
      const recovering = once(stream, 'recovering') as Promise<[{ error: ZerobusError }]>;
      for (let i = 0; i < 3; i++) stream.ingestRecordNowait({ i });
      const [{ error }] = await within(5_000, recovering, 'recovery');
      assert.ok(error instanceof ZerobusError);
      assert.equal(error.code, 'INTERNAL');
      assert.equal(error.retriable, true);
      assert.match(error.message, /unexpected response from the server after the stream was created/);
      assert.match(error.message, pattern);
      await within(5_000, stream.flush(), 'the replay on a new call');
      assert.equal(stream.streamId, 'stream-1');
      assert.equal(server.calls, 2);
      await stream.close();
    });
  }

  it('a create response without stream_id is INTERNAL, retried within the recovery budget', LIMIT, async () => {
    await using server = await startScriptedServer((call, request) => {
      if (call.index === 0 && request.kind === 'createStream') call.send(respond.created(''));
      else serve(call, request.kind, request.kind === 'createStream' ? undefined : request.offsetId);
    });
    const { sdk, logs } = await openSdk(server.endpoint);
    const stream = await sdk.createStream({ table: TABLE, headersProvider, options: OPTIONS });
    assert.equal(stream.streamId, 'stream-1', 'the second attempt made the stream');
    assert.equal(server.calls, 2);
    const failed = logs.find((l) => l.message === 'stream creation failed');
    assert.match(String((failed?.fields as { error?: string })?.error), /create_stream_response without a stream_id/);
    await stream.ingestRecordOffset({ i: 0 });
    await stream.close();

    // Without a budget (recovery off), the same answer fails createStream, retriable.
    await using bare = await startScriptedServer((call) => call.send(respond.created('')));
    const other = await openSdk(bare.endpoint);
    await assert.rejects(
      other.sdk.createStream({ table: TABLE, headersProvider, options: { ...OPTIONS, recovery: false } }),
      (e: unknown) =>
        e instanceof ZerobusError && e.code === 'INTERNAL' && e.retriable && /without a stream_id/.test(e.message),
    );
    assert.equal(bare.calls, 1);
  });
});
