/**
 * `ZerobusStream`: the user-facing stream. It assigns logical offsets, validates and encodes
 * records, bounds what is in flight and exposes the waits. Connection handling (sending,
 * acknowledgements, lack-of-ack, rotation, recovery) lives in `StreamEngine`, its base class.
 */
import type { Writable } from 'node:stream';
import { NonRetriableError, ZerobusError } from '../errors.js';
import { RecordAcknowledgment } from './acknowledgment.js';
import { type IngestAllOptions, type IngestSource, ingestAll } from './ingest-all.js';
import { attachMetricsSink, ingestAt, streamTotals } from './internal-symbols.js';
import type { PendingRequest } from './request-queue.js';
import { type EngineContext, StreamEngine } from './stream-engine.js';
import type { MetricsSink, StreamStats, StreamTotals } from './stream-metrics.js';
import { createWritable, type StreamWritableOptions } from './writable.js';

export type { EngineContext as StreamContext, StreamState } from './stream-engine.js';

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

/** Internal access for `ZerobusSdk.recreateStream`; not exported from the package. */
export const unackedRequests = Symbol('zerobus.unackedRequests');
export const enqueueEncoded = Symbol('zerobus.enqueueEncoded');

/**
 * An open ingestion stream to one table. Created by `ZerobusSdk.createStream`.
 *
 * Offsets are logical: each ingest call (a whole batch included) takes the next integer from 0,
 * and they stay valid across reconnects. Back-pressure: at most `maxInflightRecords` requests
 * are in flight; the `*Offset` methods and `ingestRecord` wait for room, the `*Nowait` methods
 * never wait, returning `false` once the window is full (await `ready()` before going on) and
 * throwing a `QUEUE_FULL` error, without taking the record, past twice the window.
 *
 * Node.js idioms: it is an EventEmitter (`ack`, `error`, `recovering`, `recovered`,
 * `closeSignal`; see `StreamEvents`), `stats()` gives counters and ack latency, `writable()`
 * makes it the end of a `pipeline`, `ingestAll` takes any (async) iterable, every wait takes
 * an `AbortSignal`, and `await using stream = ...` closes it (`Symbol.asyncDispose`).
 *
 * @example
 * ```ts
 * import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
 *
 * const sdk = new ZerobusSdk(serverEndpoint, unityCatalogEndpoint);
 * await using stream = await sdk.createStream(clientId, clientSecret, new TableProperties('main.iot.readings'), {
 *   recordType: 'json',
 * });
 * stream.on('recovering', ({ attempt, error }) => console.warn(`reconnecting (${attempt}): ${error.message}`));
 * for (const reading of records) await stream.ingestRecordOffset(reading); // waits only for room in the window
 * await stream.flush(); // every record so far is durable
 * ```
 */
export class ZerobusStream extends StreamEngine {
  /** @internal Use `ZerobusSdk.createStream`. */
  static async open(context: EngineContext, signal?: AbortSignal): Promise<ZerobusStream> {
    const stream = new ZerobusStream(context);
    await stream.start(signal);
    return stream;
  }

  /**
   * The table's full name.
   *
   * @example
   * ```ts
   * setInterval(() => {
   *   const { recordsAcked, inflightRecords } = stream.stats();
   *   console.log(`${stream.tableName}: ${recordsAcked} records durable, ${inflightRecords} in flight`);
   * }, 10_000).unref();
   * ```
   */
  get tableName(): string {
    return this.context.table.tableName;
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
   * An object-mode `Writable` that ingests each record written, with the stream's back-pressure:
   * a write's callback waits while the in-flight window is full, so `write()` returns false and
   * `pipeline` pauses its source. Finishing it flushes (every record written is acknowledged
   * before 'finish'). A record that cannot be encoded errors it with the `InvalidRecordError`
   * (`recordIndex` = its position among the records written; those before it stay ingested),
   * and a stream failure errors it with the failure. It leaves the stream open unless
   * `{ close: true }`, which closes the stream when the writable finishes or is destroyed.
   *
   * @example
   * ```ts
   * import { createReadStream } from 'node:fs';
   * import { createInterface } from 'node:readline';
   * import { pipeline } from 'node:stream/promises';
   *
   * async function* ndjson(path: string) {
   *   for await (const line of createInterface({ input: createReadStream(path) })) if (line) yield JSON.parse(line);
   * }
   * // The file is read only as fast as the server acknowledges; the stream is flushed, then closed.
   * await pipeline(ndjson('readings.ndjson'), stream.writable({ close: true }));
   * ```
   */
  writable(options: StreamWritableOptions = {}): Writable {
    this.assertAccepting();
    return createWritable(this, options);
  }

  /**
   * Ingests every record of an iterable or async iterable, one offset each, waiting for room in
   * the window as it goes. Resolves with the offset of the last record once all are queued
   * (`null` if there were none); `await stream.waitForOffset(last)` for durability. A record that
   * cannot be encoded rejects with an `InvalidRecordError` whose `recordIndex` is its position in
   * the source; the records before it stay ingested. The signal is checked between records and
   * while waiting for room.
   *
   * @example
   * ```ts
   * async function* readings() {
   *   for (let i = 0; i < 1000; i++) yield { device: 'a1', temp: 20 + i / 100 };
   * }
   * const last = await stream.ingestAll(readings());
   * if (last !== null) await stream.waitForOffset(last);
   * ```
   */
  ingestAll(records: IngestSource, options: IngestAllOptions = {}): Promise<number | null> {
    return ingestAll(this, records, options);
  }

  /**
   * Ingests one record without waiting; false means "window full: await `ready()` first". Past
   * twice the window it throws a `QUEUE_FULL` error without taking the record.
   *
   * @example
   * ```ts
   * for (const record of records) {
   *   if (!stream.ingestRecordNowait(record)) await stream.ready();
   * }
   * await stream.flush();
   * ```
   */
  ingestRecordNowait(record: unknown): boolean {
    this.assertAccepting();
    this.#assertQueueBound();
    this.enqueue([this.encoder.encode(record, 0)], false);
    return this.hasRoom();
  }

  /**
   * Ingests a batch (one request, one offset) without waiting. An empty batch does nothing.
   *
   * @example
   * ```ts
   * for (let i = 0; i < records.length; i += 500) {
   *   // 500 records, one request: acknowledged together, under one offset
   *   if (!stream.ingestRecordsNowait(records.slice(i, i + 500))) await stream.ready();
   * }
   * await stream.flush();
   * ```
   */
  ingestRecordsNowait(records: Iterable<unknown>): boolean {
    this.assertAccepting();
    const payloads = this.#encodeBatch(records);
    if (payloads.length === 0) return this.hasRoom();
    this.#assertQueueBound();
    this.enqueue(payloads, true);
    return this.hasRoom();
  }

  /**
   * Ingests one record once there is room; resolves with its offset as soon as it is queued. A
   * record that does not fit the stream rejects with an `InvalidRecordError` and is not taken.
   *
   * @example
   * ```ts
   * const offset = await stream.ingestRecordOffset({ device: 'a1', temp: 21.5 });
   * await stream.waitForOffset(offset); // durable
   * ```
   */
  async ingestRecordOffset(record: unknown, options: SignalOptions = {}): Promise<number> {
    this.assertAccepting();
    const payload = this.encoder.encode(record, 0);
    await this.#waitForRoom(options.signal, 'ingestRecordOffset');
    return this.enqueue([payload], false);
  }

  /**
   * Ingests a batch once there is room; resolves with its offset, or `null` for an empty batch.
   * The batch is one request: its records are acknowledged together, under one offset.
   *
   * @example
   * ```ts
   * const offset = await stream.ingestRecordsOffset(records); // null when `records` is empty
   * if (offset !== null) await stream.waitForOffset(offset); // the whole batch is durable
   * ```
   */
  ingestRecordsOffset(records: readonly [unknown, ...unknown[]], options?: SignalOptions): Promise<number>;
  ingestRecordsOffset(records: Iterable<unknown>, options?: SignalOptions): Promise<number | null>;
  async ingestRecordsOffset(records: Iterable<unknown>, options: SignalOptions = {}): Promise<number | null> {
    this.assertAccepting();
    const payloads = this.#encodeBatch(records);
    if (payloads.length === 0) return null;
    await this.#waitForRoom(options.signal, 'ingestRecordsOffset');
    return this.enqueue(payloads, true);
  }

  /**
   * @deprecated Use `ingestRecordOffset` and `waitForOffset`, or `ingestRecordNowait` and `flush`.
   * Ingests one record and returns a handle on its acknowledgement.
   *
   * @example
   * ```ts
   * // Python-style: resolves once the record is queued, with a handle on its acknowledgement.
   * const ack = await stream.ingestRecord({ device: 'a1', temp: 21.5 });
   * await ack.waitForAck(30_000); // resolves with the offset once durable
   *
   * // The same with the current API: the offset itself, and one wait on the stream.
   * const offset = await stream.ingestRecordOffset({ device: 'a1', temp: 21.5 });
   * await stream.waitForOffset(offset, { timeoutMs: 30_000 });
   * ```
   */
  async ingestRecord(record: unknown, options: SignalOptions = {}): Promise<RecordAcknowledgment> {
    const offset = await this.ingestRecordOffset(record, options);
    const acked = this.waiters.wait(offset, { what: `acknowledgement of offset ${offset}` });
    // The handle observes the promise, so an unobserved failure is not an unhandled rejection.
    return new RecordAcknowledgment(offset, acked);
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

  /**
   * Every record not durably acknowledged, in ingest order (JSON as strings, protobuf as bytes).
   * Available once the stream has failed or closed; before that it throws an `INVALID_STATE` error.
   *
   * @example
   * ```ts
   * import { ZerobusError } from '@zerobus/sdk';
   *
   * try {
   *   await stream.flush();
   * } catch (error) {
   *   if (!(error instanceof ZerobusError)) throw error;
   *   console.error(`stream failed (${error.code}), ${stream.getUnackedRecords().length} records not durable`);
   *   // STREAM_FAILED: the stream had failed before this call, and `cause` says why
   *   const why = error.code === 'STREAM_FAILED' && error.cause instanceof ZerobusError ? error.cause : error;
   *   if (!why.retriable) throw error; // e.g. a record the table refuses: a new stream would fail the same way
   *   const next = await sdk.recreateStream(stream); // re-sends those records first, under new offsets
   *   await next.flush();
   * }
   * ```
   */
  getUnackedRecords(): (string | Uint8Array)[] {
    return this.getUnackedBatches().flat();
  }

  /**
   * The unacknowledged requests, in order, each as a list of records (a single record is a list of one).
   *
   * @example
   * ```ts
   * import { TableProperties } from '@zerobus/sdk';
   *
   * // The stream failed: re-send what it did not make durable on a new stream with other options,
   * // each batch still one request (sdk.recreateStream does the same with the old options).
   * await using retry = await sdk.createStream(clientId, clientSecret, new TableProperties(stream.tableName), {
   *   recordType: 'json',
   *   recoveryRetries: 10,
   * });
   * for (const batch of stream.getUnackedBatches()) await retry.ingestRecordsOffset(batch); // JSON text is sent as is
   * ```
   */
  getUnackedBatches(): (string | Uint8Array)[][] {
    return this[unackedRequests]().map((request) => request.payloads.map((p) => this.encoder.toUserRecord(p)));
  }

  /** @internal The unacknowledged requests of a failed or closed stream. */
  [unackedRequests](): PendingRequest[] {
    if (!this.isTerminal()) {
      throw new NonRetriableError(
        'INVALID_STATE',
        `unacknowledged records are available once the stream has failed or closed; it is ${this.state}`,
      );
    }
    return this.queue.toArray();
  }

  /** @internal `ingestRecordNowait` for the record at `index` of a larger input (named in errors). */
  [ingestAt](record: unknown, index: number): boolean {
    this.assertAccepting();
    this.#assertQueueBound();
    this.enqueue([this.encoder.encode(record, index)], false);
    return this.hasRoom();
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

  /** @internal Queues already-encoded payloads (for `recreateStream`), waiting for room. */
  async [enqueueEncoded](payloads: readonly Uint8Array[], batch: boolean): Promise<number> {
    this.assertAccepting();
    await this.#waitForRoom(undefined, 'recreateStream');
    return this.enqueue(payloads, batch);
  }

  #encodeBatch(records: Iterable<unknown>): Uint8Array[] {
    if (
      records === null ||
      typeof records !== 'object' ||
      typeof (records as Iterable<unknown>)[Symbol.iterator] !== 'function'
    ) {
      throw new NonRetriableError('INVALID_RECORD', 'a batch must be an array or another iterable of records');
    }
    const payloads: Uint8Array[] = [];
    let index = 0;
    for (const record of records) payloads.push(this.encoder.encode(record, index++));
    return payloads;
  }

  #assertQueueBound(): void {
    const { maxInflightRecords, maxInflightBytes } = this.options;
    if (this.queue.length >= maxInflightRecords * 2 || this.queue.bytes >= maxInflightBytes * 2) {
      throw new ZerobusError(
        'QUEUE_FULL',
        `the stream holds ${this.queue.length} unacknowledged requests (${this.queue.bytes} bytes), twice ` +
          'maxInflightRecords or maxInflightBytes; await ready() before ingesting more (the record was not taken)',
      );
    }
  }

  async #waitForRoom(signal: AbortSignal | undefined, what: string): Promise<void> {
    const ticket = this.roomWaiters.ticket();
    while (!this.hasRoom()) {
      await this.roomWaiters.wait(signal, what, ticket);
      this.assertAccepting();
    }
  }
}
