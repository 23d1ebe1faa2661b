/**
 * One error model for both kinds of stream (docs/arrow.md: "The same error model ... as the gRPC
 * stream"): each situation is played on an Arrow stream and on a gRPC stream against the same
 * local server, and the errors each call gets — code, class, `retriable`, gRPC status and cause —
 * must be the same. Faults come from the server's hooks; nothing waits on a timer of the test's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ArrowStreamOptions,
  NonRetriableError,
  type StreamConfigurationOptions,
  ZerobusError,
} from '@zerobus/sdk';
import { arrowEnv, batchOf } from './arrow-env.js';

type Env = Awaited<ReturnType<typeof arrowEnv>>;

/** What a test does with a stream, the same calls on either kind. */
interface Subject {
  /** Ingests rows from .. to - 1 as one batch, waiting for room; resolves with its offset. */
  ingest(from: number, to: number): Promise<number | null>;
  ingestNowait(from: number, to: number): boolean;
  waitForOffset(offset: number): Promise<number>;
  ready(): Promise<void>;
  flush(): Promise<void>;
  close(options?: { signal?: AbortSignal }): Promise<void>;
  readonly state: string;
  /** How many batches are not durable (after a failure or close). */
  unacked(): number;
}

/** Options both kinds understand; `maxInflight` is batches (Arrow) or requests (gRPC). */
type Options = Omit<ArrowStreamOptions & StreamConfigurationOptions, 'maxInflightBatches' | 'maxInflightRecords'> & {
  maxInflight?: number;
};

const records = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({ id: from + i, name: `n${from + i}` }));

async function open(env: Env, kind: 'arrow' | 'grpc', options: Options): Promise<Subject> {
  const { maxInflight, ...rest } = options;
  if (kind === 'arrow') {
    const s = await env.openArrow({ ...rest, ...(maxInflight ? { maxInflightBatches: maxInflight } : {}) });
    return {
      ingest: (from, to) => s.ingestBatchOffset(batchOf(from, to)),
      ingestNowait: (from, to) => s.ingestBatchNowait(batchOf(from, to)),
      waitForOffset: (offset) => s.waitForOffset(offset),
      ready: () => s.ready(),
      flush: () => s.flush(),
      close: (options) => s.close(options),
      get state() {
        return s.state;
      },
      unacked: () => s.getUnackedBatches().length,
    };
  }
  const s = await env.openGrpc({ ...rest, ...(maxInflight ? { maxInflightRecords: maxInflight } : {}) });
  return {
    ingest: (from, to) => s.ingestRecordsOffset(records(from, to)),
    ingestNowait: (from, to) => s.ingestRecordsNowait(records(from, to)),
    waitForOffset: (offset) => s.waitForOffset(offset),
    ready: () => s.ready(),
    flush: () => s.flush(),
    close: (options) => s.close(options),
    get state() {
      return s.state;
    },
    unacked: () => s.getUnackedBatches().length,
  };
}

interface Shape {
  class: string;
  code: string;
  retriable: boolean;
  grpcStatus: number | undefined;
  cause?: Shape;
}

/** The parts of an error a caller branches on (message texts may differ between the kinds). */
function shape(error: unknown): Shape {
  assert.ok(error instanceof ZerobusError, `a ZerobusError, got ${String(error)}`);
  return {
    class: error instanceof NonRetriableError ? 'NonRetriableError' : 'ZerobusError',
    code: error.code,
    retriable: error.retriable,
    grpcStatus: error.grpcStatus,
    ...(error.cause instanceof ZerobusError ? { cause: shape(error.cause) } : {}),
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => assert.fail(`expected a rejection, got ${String(value)}`),
    (error: unknown) => error,
  );
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return assert.fail('expected a throw');
}

/** Plays `scenario` on both kinds, each on its own server; returns the Arrow stream's observations. */
async function onBoth(
  options: Options,
  scenario: (env: Env, stream: Subject) => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  const seen: Record<string, Record<string, unknown>> = {};
  for (const kind of ['grpc', 'arrow'] as const) {
    await using env = await arrowEnv();
    const stream = await open(env, kind, options);
    seen[kind] = await scenario(env, stream);
  }
  assert.deepEqual(seen.arrow, seen.grpc, 'the Arrow stream reports what the gRPC stream reports');
  return seen.arrow!;
}

/** What every kind of call gets once the stream has failed with `failure`. */
async function afterFailure(stream: Subject, failure: unknown, offset: number) {
  return {
    state: stream.state,
    unacked: stream.unacked(),
    ingestNowait: shape(thrown(() => stream.ingestNowait(100, 101))),
    ingest: shape(await rejection(stream.ingest(100, 101))),
    ready: shape(await rejection(stream.ready())),
    flush: shape(await rejection(stream.flush())),
    waitForOffset: shape(await rejection(stream.waitForOffset(offset))),
    waitForOffsetIsFailure: (await rejection(stream.waitForOffset(offset))) === failure,
    close: shape(await rejection(stream.close())),
    closeIsFailure: (await rejection(stream.close())) === failure,
  };
}

// A wait the stream never settles fails the test instead of hanging it.
const LIMIT = { timeout: 30_000 };

describe('Arrow and gRPC streams share one error model', () => {
  it('an outage past recoveryRetries: retriable RECOVERY_FAILED, then STREAM_FAILED', LIMIT, async () => {
    const seen = await onBoth({ recoveryRetries: 2, recoveryBackoffMs: 10 }, async (env, stream) => {
      await stream.waitForOffset((await stream.ingest(0, 5))!);
      env.emulator.faults.stopAcking();
      const offset = (await stream.ingest(5, 10))!;
      const pending = stream.waitForOffset(offset); // began before the failure
      env.emulator.faults.failNextCreates(10, 'UNAVAILABLE', 'still down'); // every reconnect fails
      env.emulator.faults.failActiveStreams('UNAVAILABLE', 'outage');
      const failure = await rejection(pending);
      return { failure: shape(failure), ...(await afterFailure(stream, failure, offset)) };
    });
    const unavailable = { class: 'ZerobusError', code: 'UNAVAILABLE', retriable: true, grpcStatus: 14 };
    const recoveryFailed = {
      class: 'ZerobusError',
      code: 'RECOVERY_FAILED',
      retriable: true, // `if (error.retriable) recreate` retries an Arrow outage as it does a gRPC one
      grpcStatus: undefined,
      cause: unavailable,
    };
    assert.deepEqual(seen.failure, recoveryFailed);
    assert.equal(seen.state, 'failed');
    assert.equal(seen.unacked, 1);
    const streamFailed = { class: 'ZerobusError', code: 'STREAM_FAILED', retriable: true, grpcStatus: undefined };
    for (const call of ['ingestNowait', 'ingest', 'ready', 'flush'] as const) {
      assert.deepEqual(seen[call], { ...streamFailed, cause: recoveryFailed }, call);
    }
    assert.deepEqual(seen.waitForOffset, recoveryFailed);
    assert.equal(seen.waitForOffsetIsFailure, true);
    assert.deepEqual(seen.close, recoveryFailed);
    assert.equal(seen.closeIsFailure, true);
  });

  it('a non-retriable status: fails at once, then a non-retriable STREAM_FAILED', LIMIT, async () => {
    const seen = await onBoth({ recoveryBackoffMs: 10 }, async (env, stream) => {
      env.emulator.faults.stopAcking();
      const offset = (await stream.ingest(0, 5))!;
      const pending = stream.waitForOffset(offset);
      env.emulator.faults.failActiveStreams('PERMISSION_DENIED', 'grant revoked');
      const failure = await rejection(pending);
      return { failure: shape(failure), ...(await afterFailure(stream, failure, offset)) };
    });
    const denied = { class: 'NonRetriableError', code: 'PERMISSION_DENIED', retriable: false, grpcStatus: 7 };
    assert.deepEqual(seen.failure, denied);
    assert.deepEqual(seen.flush, {
      class: 'NonRetriableError',
      code: 'STREAM_FAILED',
      retriable: false,
      grpcStatus: undefined,
      cause: denied,
    });
  });

  it('a flush timeout fails the stream with a retriable TIMEOUT', LIMIT, async () => {
    const seen = await onBoth({ flushTimeoutMs: 100 }, async (env, stream) => {
      env.emulator.faults.stopAcking();
      const offset = (await stream.ingest(0, 5))!;
      const failure = await rejection(stream.flush());
      return { failure: shape(failure), ...(await afterFailure(stream, failure, offset)) };
    });
    assert.deepEqual(seen.failure, { class: 'ZerobusError', code: 'TIMEOUT', retriable: true, grpcStatus: undefined });
    assert.equal(seen.state, 'failed');
    assert.equal(seen.unacked, 1, 'the batch stays retrievable');
  });

  it('no ack for serverLackOfAckTimeoutMs, recovery off: a retriable LACK_OF_ACK', LIMIT, async () => {
    const seen = await onBoth({ recovery: false, serverLackOfAckTimeoutMs: 100 }, async (env, stream) => {
      env.emulator.faults.stopAcking();
      const offset = (await stream.ingest(0, 5))!;
      const failure = await rejection(stream.waitForOffset(offset));
      return { failure: shape(failure), ...(await afterFailure(stream, failure, offset)) };
    });
    assert.deepEqual(seen.failure, {
      class: 'ZerobusError',
      code: 'LACK_OF_ACK',
      retriable: true,
      grpcStatus: undefined,
    });
  });

  it('close() rejects waits for room with STREAM_CLOSED; a closed stream refuses batches', LIMIT, async () => {
    const seen = await onBoth({ maxInflight: 1 }, async (env, stream) => {
      env.emulator.faults.stopAcking();
      await stream.ingest(0, 5); // the window is full until the server acknowledges
      const waitingToIngest = stream.ingest(5, 10);
      const waitingForRoom = stream.ready();
      const closing = stream.close();
      const ingestDuringClose = shape(await rejection(waitingToIngest));
      const readyDuringClose = shape(await rejection(waitingForRoom));
      env.emulator.faults.resumeAcking();
      await closing;
      return {
        ingestDuringClose,
        readyDuringClose,
        state: stream.state,
        unacked: stream.unacked(),
        ingestNowait: shape(thrown(() => stream.ingestNowait(10, 11))),
        ingest: shape(await rejection(stream.ingest(10, 11))),
        closeAgain: await stream.close().then(() => 'resolved'),
      };
    });
    const closed = { class: 'NonRetriableError', code: 'STREAM_CLOSED', retriable: false, grpcStatus: undefined };
    assert.deepEqual(seen, {
      ingestDuringClose: closed,
      readyDuringClose: closed,
      state: 'closed',
      unacked: 0,
      ingestNowait: closed,
      ingest: closed,
      closeAgain: 'resolved',
    });
  });
});

describe('close({ signal }) ends both kinds of stream at once', () => {
  const closed = (cause?: Shape) => ({
    class: 'NonRetriableError',
    code: 'STREAM_CLOSED',
    retriable: false,
    grpcStatus: undefined,
    ...(cause ? { cause } : {}),
  });

  it(
    'aborted with batches unacknowledged: ABORTED, closed, waits reject STREAM_CLOSED, call cancelled',
    LIMIT,
    async () => {
      const errors: number[] = [];
      const seen = await onBoth(
        { ackCallback: { onError: (offset) => void errors.push(offset) } },
        async (env, stream) => {
          errors.length = 0;
          await stream.waitForOffset((await stream.ingest(0, 5))!);
          env.emulator.faults.stopAcking();
          await stream.ingest(5, 10);
          stream.ingestNowait(10, 12);
          const last = (await stream.ingest(12, 15))!;
          const waiting = rejection(stream.waitForOffset(last));
          const flushing = rejection(stream.flush());
          const controller = new AbortController();
          const closing = rejection(stream.close({ signal: controller.signal }));
          const stateWhileClosing = stream.state;
          const reason = new Error('grace period over');
          controller.abort(reason);
          const aborted = await closing;
          const state = stream.state;
          // The call is cancelled, not half-closed and left to the server.
          await env.emulator.waitFor((e) => e.calls.length === 1 && e.calls[0]!.status !== undefined);
          return {
            stateWhileClosing,
            close: shape(aborted),
            causeIsReason: (aborted as Error).cause === reason,
            state,
            waitForOffset: shape(await waiting),
            flush: shape(await flushing),
            waitForOffsetLater: shape(await rejection(stream.waitForOffset(last))),
            flushLater: shape(await rejection(stream.flush())),
            ingestNowait: shape(thrown(() => stream.ingestNowait(15, 16))),
            onError: [...errors],
            unacked: stream.unacked(),
            call: env.emulator.calls[0]!.status!.name,
            // Every later close settles at once with the same outcome, its signal aborted or not.
            closeAgain: (await rejection(stream.close())) === aborted,
            closeAgainAborted: (await rejection(stream.close({ signal: AbortSignal.abort() }))) === aborted,
            stateAfter: stream.state,
          };
        },
      );
      const aborted = { class: 'ZerobusError', code: 'ABORTED', retriable: true, grpcStatus: undefined };
      assert.deepEqual(seen, {
        stateWhileClosing: 'closing',
        close: aborted,
        causeIsReason: true,
        state: 'closed',
        waitForOffset: closed(aborted),
        flush: closed(aborted),
        waitForOffsetLater: closed(aborted),
        flushLater: closed(aborted),
        ingestNowait: closed(),
        onError: [1, 2, 3],
        unacked: 3,
        call: 'CANCELLED',
        closeAgain: true,
        closeAgainAborted: true,
        stateAfter: 'closed',
      });
    },
  );

  it('the signal of a later close() call ends a close already under way', LIMIT, async () => {
    const seen = await onBoth({}, async (env, stream) => {
      env.emulator.faults.stopAcking();
      stream.ingestNowait(0, 1);
      const first = rejection(stream.close()); // no signal: would wait for the ack until flushTimeoutMs
      const controller = new AbortController();
      const second = rejection(stream.close({ signal: controller.signal }));
      const stateWhileClosing = stream.state;
      controller.abort();
      const [a, b] = await Promise.all([first, second]);
      return { stateWhileClosing, first: shape(a), same: a === b, state: stream.state, unacked: stream.unacked() };
    });
    assert.equal(seen.stateWhileClosing, 'closing');
    assert.equal((seen.first as Shape).code, 'ABORTED');
    assert.deepEqual([seen.same, seen.state, seen.unacked], [true, 'closed', 1]);
  });
});

describe('waits for room and reconnects, as on a gRPC stream', () => {
  it('ready(): every caller waiting is woken by the ack that makes room', LIMIT, async () => {
    const seen = await onBoth({ maxInflight: 1 }, async (env, stream) => {
      env.emulator.faults.stopAcking();
      await stream.ingest(0, 5); // the window is full until the server acknowledges
      const ingesting = stream.ingest(5, 10); // waits for room, and takes it
      const ready = Promise.all([stream.ready(), stream.ready(), stream.ready()]);
      env.emulator.faults.resumeAcking();
      await ready;
      const offset = await ingesting;
      await stream.waitForOffset(offset!);
      return { readyWoken: 3, offset };
    });
    assert.deepEqual(seen, { readyWoken: 3, offset: 1 });
  });

  it('the first reconnect of an outage goes at once, without the backoff', LIMIT, async () => {
    // A backoff of 10 minutes: waited before the first attempt, it would time the test out.
    const seen = await onBoth({ recoveryBackoffMs: 600_000 }, async (env, stream) => {
      await stream.waitForOffset((await stream.ingest(0, 5))!);
      env.emulator.faults.failActiveStreams('UNAVAILABLE', 'server restart');
      await stream.waitForOffset((await stream.ingest(5, 10))!);
      const state = stream.state;
      await stream.close(); // left open, it would reconnect when the server stops, after 10 minutes
      return { state, calls: env.emulator.calls.length };
    });
    assert.deepEqual(seen, { state: 'open', calls: 2 });
  });

  it('a call that stayed up for recoveryTimeoutMs renews the retry budget of the next outage', LIMIT, async () => {
    // The lack-of-ack timeout ends a call that has been up at least as long as it: the SDK's own
    // timer is the clock here, so the test sleeps on none of its own.
    const options = {
      recoveryRetries: 2,
      recoveryBackoffMs: 0,
      recoveryTimeoutMs: 1_000,
      serverLackOfAckTimeoutMs: 1_000,
    };
    const seen = await onBoth(options, async (env, stream) => {
      const { faults } = env.emulator;
      await stream.waitForOffset((await stream.ingest(0, 5))!);
      faults.stopAcking(); // from here on, no ack renews the budget
      const offset = (await stream.ingest(5, 10))!;
      // Outage 1 spends the whole budget: a failed attempt, then one that succeeds.
      faults.failNextCreates(1, 'UNAVAILABLE', 'still starting');
      faults.failActiveStreams('UNAVAILABLE', 'outage 1');
      await env.emulator.waitFor((e) => e.calls.length === 3 && e.streams.length === 1);
      // Outage 2, once the lack-of-ack timeout ends that call: the same again.
      faults.failNextCreates(1, 'UNAVAILABLE', 'still starting');
      await env.emulator.waitFor((e) => e.calls.length === 5 && e.streams.length === 1, { timeoutMs: 10_000 });
      faults.resumeAcking();
      await stream.waitForOffset(offset);
      return { state: stream.state, calls: env.emulator.calls.map((c) => c.status?.name ?? 'open') };
    });
    assert.deepEqual(seen, {
      state: 'open',
      calls: ['UNAVAILABLE', 'UNAVAILABLE', 'CANCELLED', 'UNAVAILABLE', 'open'],
    });
  });
});
