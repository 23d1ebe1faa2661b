/**
 * Ack callbacks on Arrow streams run as on gRPC streams: a callback that throws, or an async one
 * that rejects, is logged and changes nothing else (node:test fails a test that leaves an
 * unhandled rejection behind), and close() waits for async callbacks still running, at most
 * `callbackMaxWaitTimeMs`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { ArrowStream } from '@zerobus/sdk';
import { arrowEnv, batchOf, ids } from './arrow-env.js';

// A callback that broke the stream would leave a wait pending forever: fail instead of hanging.
const LIMIT = { timeout: 30_000 };

describe('Arrow stream ack callbacks', () => {
  it('a throwing onAck breaks nothing: acks keep settling waits and freeing room', LIMIT, async () => {
    await using env = await arrowEnv();
    const acked: number[] = [];
    const stream = await env.openArrow({
      maxInflightBatches: 1, // each ingest waits for the ack of the one before
      ackCallback: {
        onAck(offset) {
          acked.push(offset);
          throw new Error('callback bug');
        },
      },
    });
    for (let i = 0; i < 5; i++) assert.equal(await stream.ingestBatchOffset(batchOf(i * 10, i * 10 + 10)), i);
    await stream.flush();
    await stream.close();
    assert.deepEqual(acked, [0, 1, 2, 3, 4]);
    assert.deepEqual(await env.rows(), ids(0, 50));
    assert.ok(env.logs.some((l) => l.message === 'ack callback threw' && l.level === 'warn'));
  });

  it('an async onAck that rejects is logged, not an unhandled rejection', LIMIT, async () => {
    await using env = await arrowEnv();
    const stream = await env.openArrow({
      ackCallback: { onAck: async (offset) => Promise.reject(new Error(`async callback bug at ${offset}`)) },
    });
    await stream.waitForOffset((await stream.ingestBatchOffset(batchOf(0, 10)))!);
    await stream.close(); // waits for the callback, so its rejection has been handled by now
    assert.ok(env.logs.some((l) => l.message === 'ack callback threw'));
  });

  it('a throwing or rejecting onError still rejects every wait with the failure', LIMIT, async () => {
    await using env = await arrowEnv();
    const reported: [string, number][] = [];
    const throwing = await env.openArrow({
      maxInflightBatches: 2,
      ackCallback: {
        onError(offset) {
          reported.push(['throwing', offset]);
          throw new Error('onError bug');
        },
      },
    });
    const rejecting = await env.openArrow({
      maxInflightBatches: 2,
      ackCallback: {
        async onError(offset) {
          reported.push(['rejecting', offset]);
          throw new Error('async onError bug');
        },
      },
    });
    await throwing.waitForOffset((await throwing.ingestBatchOffset(batchOf(0, 5)))!);
    env.emulator.faults.stopAcking();
    const waits: Promise<unknown>[] = [];
    for (const stream of [throwing, rejecting] as ArrowStream[]) {
      const first = (await stream.ingestBatchOffset(batchOf(10, 15)))!;
      const last = (await stream.ingestBatchOffset(batchOf(15, 20)))!;
      // Pending when the stream fails: a wait for an offset, a flush, and a caller waiting for room.
      waits.push(stream.waitForOffset(first), stream.flush(), stream.ready(), stream.waitForOffset(last));
    }
    assert.equal(env.emulator.faults.failActiveStreams('PERMISSION_DENIED', 'grant revoked'), 2);
    const settled = await Promise.allSettled(waits);
    for (const result of settled) {
      assert.equal(result.status, 'rejected');
      assert.equal((result.reason as { code: string }).code, 'PERMISSION_DENIED');
    }
    assert.equal(throwing.state, 'failed');
    assert.equal(rejecting.state, 'failed');
    assert.deepEqual(
      [...reported].sort(),
      [
        ['rejecting', 0],
        ['rejecting', 1],
        ['throwing', 1],
        ['throwing', 2],
      ],
      'onError once per batch lost, on both streams, although the first call threw',
    );
    assert.equal(throwing.getUnackedBatches().length, 2);
    assert.equal(rejecting.getUnackedBatches().length, 2);
    await assert.rejects(throwing.close(), { code: 'PERMISSION_DENIED' });
    await assert.rejects(rejecting.close(), { code: 'PERMISSION_DENIED' });
    // Let the rejecting callback's promise settle: an unhandled rejection would surface here.
    await nextMacrotask();
    assert.equal(env.logs.filter((l) => l.message === 'ack callback threw').length, 4);
  });

  it('close() waits for async callbacks still running, at most callbackMaxWaitTimeMs', LIMIT, async () => {
    await using env = await arrowEnv();
    let closeCalled!: () => void;
    const closing = new Promise<void>((resolve) => {
      closeCalled = resolve;
    });
    let finished = 0;
    const stream = await env.openArrow({
      ackCallback: {
        async onAck() {
          await closing;
          // Still running after close() has done everything else (all of it microtasks).
          await nextMacrotask();
          await nextMacrotask();
          finished++;
        },
      },
    });
    await stream.waitForOffset((await stream.ingestBatchOffset(batchOf(0, 10)))!); // onAck has started
    const closed = stream.close();
    closeCalled();
    await closed;
    assert.equal(finished, 1, 'close() waited for the callback');

    const stuck = await env.openArrow({
      callbackMaxWaitTimeMs: 10,
      ackCallback: { onAck: () => new Promise<void>(() => {}) },
    });
    await stuck.waitForOffset((await stuck.ingestBatchOffset(batchOf(10, 20)))!);
    await stuck.close(); // resolves although the callback never settles
    assert.equal(stuck.state, 'closed');
    assert.ok(env.logs.some((l) => l.message === 'ack callbacks still running after callbackMaxWaitTimeMs'));
  });
});
