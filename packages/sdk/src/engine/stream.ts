/**
 * `ZerobusStream`: the gRPC records stream. It validates and encodes records, and queues them
 * as requests (one record, or a batch under one offset); everything else — the window, waits,
 * sending, acknowledgements, rotation, recovery — is the engine's (stream-engine.ts), with the
 * gRPC records protocol (records-protocol.ts) as its adapter.
 */
import type { Writable } from 'node:stream';
import { NonRetriableError, ZerobusError } from '../errors.js';
import { RecordAcknowledgment } from './acknowledgment.js';
import type { EngineContext } from './engine-context.js';
import { type IngestAllOptions, type IngestSource, ingestAll } from './ingest-all.js';
import { ingestAt } from './internal-symbols.js';
import { RecordsProtocol } from './records-protocol.js';
import { type PendingRequest, payloadsOf, pendingRequest, unencodedRecord } from './request-queue.js';
import { type SignalOptions, StreamBase } from './stream-base.js';
import { createWritable, type StreamWritableOptions } from './writable.js';

export type { EngineContext as StreamContext, StreamState } from './engine-context.js';
export type { SignalOptions, WaitForOffsetOptions } from './stream-base.js';

/**
 * What an ingest call of a `ZerobusStream<T>` takes: a record of the table's type `T`, or one
 * already encoded — JSON text on a JSON stream, protobuf bytes on a protobuf stream. With no
 * record type known (`T` = `unknown`), anything, checked at run time.
 *
 * @example
 * ```ts
 * import type { RecordInput } from '@zerobus/sdk';
 *
 * interface Reading {
 *   device: string;
 *   temp?: number;
 * }
 * const inputs: RecordInput<Reading>[] = [{ device: 'a1', temp: 21.5 }, '{"device":"a2"}'];
 * ```
 */
export type RecordInput<T> = T | string | Uint8Array;

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
export class ZerobusStream<T = unknown> extends StreamBase<PendingRequest, number> {
  readonly #context: EngineContext;

  private constructor(context: EngineContext) {
    const { options, table, encoder } = context;
    super({
      channel: context.channel,
      headersProvider: context.headersProvider,
      tableName: table.tableName,
      protocol: new RecordsProtocol(context.channel, table.tableName, encoder),
      options: { ...options, maxInflightUnits: options.maxInflightRecords },
      logger: context.logger,
      now: context.now,
      random: context.random,
    });
    this.#context = context;
  }

  /** @internal Use `ZerobusSdk.createStream`. */
  static async open<T = unknown>(context: EngineContext, signal?: AbortSignal): Promise<ZerobusStream<T>> {
    const stream = new ZerobusStream<T>(context);
    await stream.start(signal);
    return stream;
  }

  /**
   * The server's id for the current call (it changes when the stream reconnects).
   *
   * @example
   * ```ts
   * stream.on('recovered', () => console.info(`reconnected as stream ${stream.streamId}`));
   * ```
   */
  get streamId(): string | undefined {
    return this.currentStreamId;
  }

  /**
   * Requests sent or queued and not yet acknowledged (a batch is one).
   *
   * @example
   * ```ts
   * if (stream.pendingRequests > 10_000) console.warn('the server is falling behind');
   * ```
   */
  get pendingRequests(): number {
    return this.queue.length;
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
    return this.#context.table.tableName;
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
  ingestAll(records: IngestSource<RecordInput<T>>, options: IngestAllOptions = {}): Promise<number | null> {
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
  ingestRecordNowait(record: RecordInput<T>): boolean {
    return this[ingestAt](record, 0);
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
  ingestRecordsNowait(records: Iterable<RecordInput<T>>): boolean {
    this.assertAccepting();
    const payloads = this.#encodeBatch(records);
    if (payloads.length === 0) return this.hasRoom();
    this.#assertQueueBound();
    this.enqueue(pendingRequest(this.nextOffset, payloads, true, true));
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
  async ingestRecordOffset(record: RecordInput<T>, options: SignalOptions = {}): Promise<number> {
    this.assertAccepting();
    const request = unencodedRecord(true);
    this.#context.encoder.encodeInto(record, 0, request);
    if (!this.roomNow()) await this.waitForRoom(options.signal, 'ingestRecordOffset');
    request.offset = this.nextOffset;
    return this.enqueue(request);
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
  ingestRecordsOffset(
    records: readonly [RecordInput<T>, ...RecordInput<T>[]],
    options?: SignalOptions,
  ): Promise<number>;
  ingestRecordsOffset(records: Iterable<RecordInput<T>>, options?: SignalOptions): Promise<number | null>;
  async ingestRecordsOffset(records: Iterable<RecordInput<T>>, options: SignalOptions = {}): Promise<number | null> {
    this.assertAccepting();
    const payloads = this.#encodeBatch(records);
    if (payloads.length === 0) return null;
    if (!this.roomNow()) await this.waitForRoom(options.signal, 'ingestRecordsOffset');
    return this.enqueue(pendingRequest(this.nextOffset, payloads, true, true));
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
  async ingestRecord(record: RecordInput<T>, options: SignalOptions = {}): Promise<RecordAcknowledgment> {
    const offset = await this.ingestRecordOffset(record, options);
    // No signal nor timeout: this wait ends only with the ack or the stream's failure.
    const acked = this.waiters.wait(offset);
    // The handle observes the promise, so an unobserved failure is not an unhandled rejection.
    return new RecordAcknowledgment(offset, acked);
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
    return this[unackedRequests]().map((request) =>
      payloadsOf(request).map((p) => this.#context.encoder.toUserRecord(p)),
    );
  }

  /** @internal The unacknowledged requests of a failed or closed stream. */
  [unackedRequests](): PendingRequest[] {
    return this.unackedUnits('records');
  }

  /** @internal `ingestRecordNowait` for the record at `index` of a larger input (named in errors). */
  [ingestAt](record: unknown, index: number): boolean {
    this.assertAccepting();
    this.#assertQueueBound();
    const request = unencodedRecord(true);
    this.#context.encoder.encodeInto(record, index, request);
    request.offset = this.nextOffset;
    this.enqueue(request);
    return this.hasRoom();
  }

  /**
   * @internal Queues already-encoded payloads (for `recreateStream`), waiting for room. Not
   * owned: the failed stream still holds them for its getUnacked*(), so they are never reused.
   */
  async [enqueueEncoded](payloads: readonly Uint8Array[], batch: boolean): Promise<number> {
    this.assertAccepting();
    await this.waitForRoom(undefined, 'recreateStream');
    return this.enqueue(pendingRequest(this.nextOffset, payloads, batch, false));
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
    for (const record of records) payloads.push(this.#context.encoder.encode(record, index++));
    return payloads;
  }

  #assertQueueBound(): void {
    const { maxInflightRecords, maxInflightBytes } = this.#context.options;
    if (this.queue.length >= maxInflightRecords * 2 || this.queue.bytes >= maxInflightBytes * 2) {
      throw new ZerobusError(
        'QUEUE_FULL',
        `the stream holds ${this.queue.length} unacknowledged requests (${this.queue.bytes} bytes), twice ` +
          'maxInflightRecords or maxInflightBytes; await ready() before ingesting more (the record was not taken)',
      );
    }
  }
}
