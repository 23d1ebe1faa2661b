/**
 * The public API both kinds of stream share — gRPC records (`ZerobusStream`) and Arrow Flight
 * batches (`ArrowStream`) — over the engine that does the work (stream-engine.ts): offsets,
 * waits, flush and close, `stats()`, `await using`, and the measurements telemetry reads.
 */
import { NonRetriableError } from '../errors.js';
import type { EngineParts } from './engine-context.js';
import { attachMetricsSink, streamTotals } from './internal-symbols.js';
import type { QueuedUnit } from './request-queue.js';
import { StreamEngine } from './stream-engine.js';
import type { MetricsSink, StreamStats, StreamTotals } from './stream-metrics.js';

/**
 * Options of a wait: every wait can be abandoned through an `AbortSignal`.
 *
 * @example
 * ```ts
 * import { ZerobusError } from '@zerobus/sdk';
 *
 * try {
 *   await stream.ingestRecordOffset(record, { signal: AbortSignal.timeout(5_000) }); // waits for room 5 s at most
 * } catch (error) {
 *   if (!(error instanceof ZerobusError && error.code === 'ABORTED')) throw error;
 *   console.warn('in-flight window still full after 5 s: the record was not taken');
 * }
 * ```
 */
export interface SignalOptions {
  /**
   * Abandons the wait when it aborts: the promise rejects with an `ABORTED` error (the stream
   * goes on, except for `close`, which then ends it without waiting further).
   */
  signal?: AbortSignal | undefined;
}

/**
 * Options of {@link ZerobusStream.waitForOffset}.
 *
 * @example
 * ```ts
 * const shutdown = new AbortController();
 * process.once('SIGTERM', () => shutdown.abort());
 *
 * const offset = await stream.ingestRecordOffset(record);
 * // TIMEOUT after 30 s, ABORTED on SIGTERM: only the wait ends, the record stays in flight
 * await stream.waitForOffset(offset, { timeoutMs: 30_000, signal: shutdown.signal });
 * ```
 */
export interface WaitForOffsetOptions extends SignalOptions {
  /** Reject with a TIMEOUT error after this long. Default: no limit. */
  timeoutMs?: number | undefined;
}

/** What a stream of either protocol offers; see `ZerobusStream` and `ArrowStream`. */
export abstract class StreamBase<Unit extends QueuedUnit, Ack> extends StreamEngine<Unit, Ack> {
  /** The table's full name. */
  abstract readonly tableName: string;

  protected constructor(parts: EngineParts<Unit, Ack>) {
    super(parts);
  }

  /**
   * The units not acknowledged, in order, once the stream has failed or closed (for getUnacked*()
   * and recreateStream); before that an `INVALID_STATE` error naming what (`records`, `batches`).
   */
  protected unackedUnits(what: string): Unit[] {
    if (!this.isTerminal()) {
      throw new NonRetriableError(
        'INVALID_STATE',
        `unacknowledged ${what} are available once the stream has failed or closed; it is ${this.state}`,
      );
    }
    return this.queue.toArray();
  }

  /**
   * The highest offset handed out so far, or -1 before the first ingest.
   *
   * @example
   * ```ts
   * stream.ingestRecordNowait(record); // returns whether there is room, not the offset
   * const offset = stream.lastOffset; // the offset that record took
   * await stream.waitForOffset(offset);
   * ```
   */
  get lastOffset(): number {
    return this.nextOffset - 1;
  }

  /**
   * The highest offset acknowledged as durable, or -1.
   *
   * @example
   * ```ts
   * const progress = setInterval(() => {
   *   console.log(`durable through offset ${stream.ackedOffset} of ${stream.lastOffset}`);
   * }, 5_000);
   * await stream.flush();
   * clearInterval(progress);
   * ```
   */
  get ackedOffset(): number {
    return this.ackedUpTo;
  }

  /**
   * Counters and ack latency so far; cheap to call, it computes percentiles over 1,024 samples.
   *
   * @example
   * ```ts
   * const { ackLatencyMs, reconnects, inflightBytes } = stream.stats();
   * if (ackLatencyMs.p99 > 1_000) {
   *   console.warn(`slow acks: p99 ${ackLatencyMs.p99.toFixed(0)} ms, ${reconnects} reconnects`);
   *   console.warn(`${inflightBytes} bytes awaiting acknowledgement`);
   * }
   * ```
   */
  stats(): StreamStats {
    return this.metrics.snapshot(this.queue, this.nextOffset);
  }

  /**
   * Resolves when a `*Nowait` call would return true again (the window has room).
   *
   * @example
   * ```ts
   * const shutdown = new AbortController();
   * process.once('SIGTERM', () => shutdown.abort());
   * for (const record of records) {
   *   // rejects with an ABORTED error on SIGTERM; what was ingested stays in flight
   *   if (!stream.ingestRecordNowait(record)) await stream.ready({ signal: shutdown.signal });
   * }
   * ```
   */
  ready(options: SignalOptions = {}): Promise<void> {
    // Not `async` (the back-pressure loop calls this often), so a failure is returned, not thrown.
    try {
      this.assertUsable();
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.hasRoom()) return Promise.resolve();
    // A stream whose close() stopped waiting: its window will never empty.
    if (this.failure) return Promise.reject(this.failure);
    return this.readyWaiters.wait(options.signal, 'ready');
  }

  /**
   * Resolves with `offset` once every offset up to and including it is acknowledged (durable).
   * Rejects with the stream's failure if it fails first, and with a `TIMEOUT` error after
   * `timeoutMs`.
   *
   * @example
   * ```ts
   * const last = await stream.ingestRecordOffset(record);
   * await stream.waitForOffset(last, { timeoutMs: 30_000 });
   * ```
   */
  waitForOffset(offset: number, options: WaitForOffsetOptions = {}): Promise<number> {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      return Promise.reject(
        new NonRetriableError('INVALID_STATE', `offset must be a non-negative integer, got ${offset}`),
      );
    }
    if (offset <= this.ackedUpTo) return Promise.resolve(offset);
    if (this.failure) return Promise.reject(this.failure);
    if (offset >= this.nextOffset) {
      return Promise.reject(
        new NonRetriableError(
          'INVALID_STATE',
          `offset ${offset} has not been issued; the last offset is ${this.lastOffset}`,
        ),
      );
    }
    return this.waiters.wait(offset, { ...options, what: `wait for offset ${offset}` });
  }

  /**
   * Waits until every offset issued before this call is acknowledged (later ones keep flowing).
   * After `flushTimeoutMs` it rejects with a TIMEOUT error and the stream fails, with the
   * unacknowledged records retrievable for `recreateStream` or `getUnackedRecords`.
   *
   * @example
   * ```ts
   * import { writeFile } from 'node:fs/promises';
   *
   * for (const record of records) if (!stream.ingestRecordNowait(record)) await stream.ready();
   * await stream.flush(); // everything ingested above is durable
   * await writeFile('checkpoint.json', JSON.stringify({ done: records.length })); // only now move the checkpoint
   * ```
   */
  async flush(options: SignalOptions = {}): Promise<void> {
    this.assertUsable();
    await this.waitAllIssued(options.signal, 'flush');
  }

  /**
   * Flushes, then ends the stream: resolves once every record ingested is acknowledged (durable)
   * and the connection is closed. Ingest calls made meanwhile throw `STREAM_CLOSED`. Waits at
   * most `callbackMaxWaitTimeMs` for ack callbacks still running. On a failed stream it rejects
   * with the failure, and so when the flush times out (`flushTimeoutMs` fails the stream).
   *
   * `signal` bounds the wait. When it aborts before every record is acknowledged, the stream
   * waits no further: the connection is cancelled, the state becomes `closed`, close rejects
   * with an `ABORTED` error (the signal's reason as `cause`), pending waits reject with a
   * `STREAM_CLOSED` error, `ackCallback.onError` is called for each unacknowledged offset, and
   * `getUnackedRecords()` / `getUnackedBatches()` hold what was not acknowledged, in ingest
   * order, for `sdk.recreateStream(stream)` to re-send (the server may have stored some of it
   * unacknowledged: delivery is at least once). A signal that aborts once everything is
   * acknowledged only cuts the wait for ack callbacks short, as `callbackMaxWaitTimeMs` does.
   *
   * Every call returns the same outcome: after an aborted close, `close()` keeps rejecting with
   * that `ABORTED` error (not everything is durable), so `await using` throws it, as it throws
   * a failure. The signal of any call made while the stream is closing ends the wait.
   *
   * @example
   * ```ts
   * // On SIGTERM: deliver what is in flight within a grace period, keep the rest for the next run.
   * try {
   *   await stream.close({ signal: AbortSignal.timeout(25_000) });
   * } catch (error) {
   *   const unacked = stream.getUnackedRecords(); // what the stream did not make durable, in order
   *   console.error(`${unacked.length} records not acknowledged`, error);
   *   // later, or on another connection: const next = await sdk.recreateStream(stream);
   * }
   * ```
   */
  close(options: SignalOptions = {}): Promise<void> {
    return this.shutdown(options.signal);
  }

  /**
   * `await using stream = await sdk.createStream(...)` closes the stream at the end of the block.
   *
   * @example
   * ```ts
   * import { TableProperties } from '@zerobus/sdk';
   *
   * async function ingestReadings(readings: Record<string, unknown>[]): Promise<void> {
   *   await using stream = await sdk.createStream(clientId, clientSecret, new TableProperties('main.iot.readings'), {
   *     recordType: 'json',
   *   });
   *   for (const reading of readings) if (!stream.ingestRecordNowait(reading)) await stream.ready();
   * } // leaving, normally or by an exception, closes the stream: a flush first; a failed stream throws its failure
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** @internal Sends measurements to telemetry too; a stream already closed or failed ends it at once. */
  [attachMetricsSink](sink: MetricsSink): void {
    this.metrics.sink = sink;
    if (this.isTerminal()) this.metrics.end();
  }

  /** @internal The counters of `stats()` without the latency percentiles. */
  [streamTotals](): StreamTotals {
    return this.metrics.totals(this.queue, this.nextOffset);
  }
}
