/**
 * The life of an Arrow stream's calls where the public API cannot reach: the stream is opened
 * as createArrowStream opens it, on a channel of the test's (`TestChannel`) that counts its
 * closes and can hold back what the server sends on a call, so that "the server's ready message
 * arrives after the stream ended" happens on every run, not by a race.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { type HeadersProvider, ZerobusError } from '@zerobus/sdk';
import { arrowEnv, batchOf, TestChannel } from './arrow-env.js';

// A wait the stream never settles fails the test instead of hanging it.
const LIMIT = { timeout: 30_000 };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => assert.fail(`expected a rejection, got ${String(value)}`),
    (error: unknown) => error,
  );
}

describe('Arrow stream calls', () => {
  it(
    'an abort during the backoff between creation attempts fails the stream and closes its channel',
    LIMIT,
    async () => {
      await using env = await arrowEnv();
      const channel = new TestChannel(env.emulator.endpoint);
      let asked = 0;
      const headersProvider: HeadersProvider = {
        getHeaders: () => {
          asked++;
          throw new Error('token endpoint hiccup'); // retriable: a second attempt follows the backoff
        },
      };
      const controller = new AbortController();
      const opening = rejection(
        env.openArrowOn({
          channel,
          headersProvider,
          options: { recoveryBackoffMs: 600_000 },
          signal: controller.signal,
        }),
      );
      // The first attempt fails without I/O (the provider throws), so once the microtasks queued by
      // now have run, the stream is in its backoff.
      await nextMacrotask();
      assert.equal(asked, 1);
      const reason = new Error('shutting down');
      controller.abort(reason);
      const error = await opening;
      assert.ok(error instanceof ZerobusError && error.code === 'ABORTED', `ABORTED, got ${String(error)}`);
      assert.equal(error.cause, reason, "the signal's reason is the cause");
      assert.equal(asked, 1, 'no attempt after the abort');
      assert.equal(channel.closes, 1, 'the channel is closed, not leaked');
    },
  );

  it('a call that becomes ready after close() ended the stream is cancelled, not made current', LIMIT, async () => {
    await using env = await arrowEnv();
    const channel = new TestChannel(env.emulator.endpoint);
    const stream = await env.openArrowOn({ channel, options: { recoveryBackoffMs: 0 } });
    await stream.waitForOffset((await stream.ingestBatchOffset(batchOf(0, 5)))!);
    env.emulator.faults.stopAcking();
    await stream.ingestBatchOffset(batchOf(5, 10));
    const next = channel.holdNextCall();
    env.emulator.faults.failActiveStreams('UNAVAILABLE', 'outage');
    await next.held; // the new call's "ready" reached the client, which has not seen it yet
    assert.equal(stream.state, 'recovering');
    await assert.rejects(stream.close({ signal: AbortSignal.abort() }), { code: 'ABORTED' });
    assert.equal(stream.state, 'closed');
    const batches = env.emulator.stats.flightBatches;

    next.release();
    await env.emulator.waitFor((e) => e.calls.length === 2 && e.calls[1]!.status !== undefined);
    assert.equal(stream.state, 'closed', 'the stream stays closed');
    assert.equal(env.emulator.calls[1]!.status!.name, 'CANCELLED');
    assert.equal(env.emulator.stats.flightBatches, batches, 'nothing was sent on the late call');
    assert.equal(stream.getUnackedBatches().length, 1);
  });
});
