/**
 * An Arrow Flight ingestion stream (PROTOCOL.md §11): record batches go out as FlightData on a
 * `DoPut` call, one logical offset per batch, acknowledged cumulatively in batches *and rows*.
 * A partial acknowledgement (rows durable up to the middle of a batch) is kept, so after a
 * reconnect only the rows not yet durable are sent again: the batch is sliced.
 *
 * The shape follows the gRPC stream (StreamEngine and ZerobusStream), which is the reference
 * wherever the two share a concept: a queue of unacknowledged batches, an in-flight window with
 * waiters for room (woken one at a time) and for `ready()` (woken all at once), offset waiters,
 * the lack-of-ack watchdog, recovery (first attempt at once, then a backoff with jitter; a budget
 * per outage, renewed by an ack or by a call that stayed up for `recoveryTimeoutMs`), calls
 * identified by a token so that a replaced or late one is ignored, flush/close (a close whose
 * signal aborts ends the stream at once), unacknowledged batches once ended, the same error
 * model and the same ack callback runner. The call-level protocol differs (arrow-connect.ts):
 * the schema is the first message, the server's first PutResult (`ack_up_to_offset: -1`) means
 * "ready", and acks count rows as well as batches.
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import { CallHeaders } from '../auth/call-headers.js';
import { AckWatchdog } from '../engine/ack-watchdog.js';
import { backoff, backoffDelay } from '../engine/backoff.js';
import { CallbackRunner } from '../engine/callbacks.js';
import { CloseSignals } from '../engine/close-signals.js';
import { openFirstCall } from '../engine/first-call.js';
import { OffsetWaiters } from '../engine/offset-waiters.js';
import { RoomWaiters } from '../engine/room-waiters.js';
import { NonRetriableError, streamFailedError, toZerobusError, ZerobusError } from '../errors.js';
import type { StreamCall } from '../transport/channel.js';
import { encodeBatchMetadata, encodeFlightData, type FlightAck } from '../transport/flight-codec.js';
import { type ArrowInput, batchMessage, toRecordBatches } from './arrow-batches.js';
import { connectFlight } from './arrow-connect.js';
import type { ArrowStreamContext, ArrowStreamState } from './arrow-context.js';
import { ArrowSendWindow } from './arrow-window.js';

export type { ArrowStreamContext, ArrowStreamState } from './arrow-context.js';

type Phase = Exclude<ArrowStreamState, 'closing'>;

/**
 * An Arrow Flight ingestion stream to one table, created by {@link ZerobusSdk.createArrowStream}:
 * record batches in, one logical offset per batch (valid across reconnects). The server
 * acknowledges rows as well as batches, so after a reconnect only the rows not yet durable are
 * sent again. Back-pressure: at most `maxInflightBatches` batches in flight; `ingestBatchOffset`
 * waits for room, `ingestBatchNowait` never waits and returns false once the window is full.
 *
 * @example
 * ```ts
 * import { TableProperties } from '@zerobus/sdk';
 *
 * const table = await TableProperties.fromTable('main.iot.readings', {
 *   unityCatalogEndpoint,
 *   clientId,
 *   clientSecret,
 *   recordType: 'json',
 * });
 * const stream = await sdk.createArrowStream({ table, clientId, clientSecret }); // Arrow schema from the columns
 * const offset = await stream.ingestBatchOffset([
 *   { device: 'a1', temp: 21.5 },
 *   { device: 'a2', temp: 19.0 },
 * ]); // or a RecordBatch, or a Table
 * if (offset !== null) await stream.waitForOffset(offset); // both rows durable
 * await stream.close();
 * ```
 */
export class ArrowStream {
  /** The table's full name. */
  readonly tableName: string;
  /** The Arrow schema every batch of this stream has. */
  readonly schema: Schema;
  readonly #ctx: ArrowStreamContext;
  readonly #window = new ArrowSendWindow();
  readonly #waiters = new OffsetWaiters();
  /** `ingestBatchOffset` calls waiting for room, woken one at a time (each enqueue wakes the next). */
  readonly #room = new RoomWaiters();
  /** `ready()` calls, woken all at once: they take no room. */
  readonly #readyWaiters = new RoomWaiters();
  readonly #watchdog: AckWatchdog;
  readonly #callbacks: CallbackRunner;
  readonly #headers: CallHeaders;
  #phase: Phase = 'opening';
  /** The current call once ready; undefined while opening or recovering. */
  #live: StreamCall | undefined;
  /** Identifies the current call (opening or open); events of replaced calls are ignored. */
  #callToken: object | undefined;
  /** When the current call became ready (monotonic ms). */
  #liveSince = 0;
  #writable = true;
  #nextOffset = 0;
  #ackedUpTo = -1;
  /**
   * Why the waits of an ended stream reject: the failure of a failed stream, or the STREAM_CLOSED
   * error of a stream whose close() stopped waiting with batches unacknowledged.
   */
  #failure: ZerobusError | undefined;
  #closing: Promise<void> | undefined;
  /** Aborts when the stream ends: a reconnection attempt or backoff under way stops at once. */
  readonly #ended = new AbortController();
  /** Aborts when the signal of any close() call does: close stops waiting and ends the stream. */
  readonly #closeSignals = new CloseSignals();
  #attemptsInOutage = 0;

  private constructor(ctx: ArrowStreamContext) {
    this.#ctx = ctx;
    this.tableName = ctx.tableName;
    this.schema = ctx.schema;
    this.#callbacks = new CallbackRunner(ctx.options.ackCallback, ctx.logger);
    this.#headers = new CallHeaders(ctx.headersProvider, ctx.tableName, ctx.logger);
    this.#watchdog = new AckWatchdog(
      ctx.options.serverLackOfAckTimeoutMs,
      () => performance.now(), // monotonic, as for the gRPC stream
      () => (this.#live ? this.#window.oldestSentAt() : undefined),
      () => {
        if (!this.#callToken) return;
        this.#onCallEnd(
          this.#callToken,
          new ZerobusError(
            'LACK_OF_ACK',
            `no acknowledgement from the server for ${ctx.options.serverLackOfAckTimeoutMs} ms while batches were in flight`,
          ),
        );
      },
    );
  }

  /** @internal Use `ZerobusSdk.createArrowStream`. */
  static async open(ctx: ArrowStreamContext, signal?: AbortSignal): Promise<ArrowStream> {
    const stream = new ArrowStream(ctx);
    await stream.#start(signal);
    return stream;
  }

  /**
   * The stream's current state.
   *
   * @example
   * ```ts
   * import { createServer } from 'node:http';
   *
   * // Readiness probe: ready while batches are accepted (reconnecting included).
   * createServer((_request, response) => {
   *   const { state } = arrowStream;
   *   response.writeHead(state === 'open' || state === 'recovering' ? 200 : 503).end(state);
   * }).listen(8080);
   * ```
   */
  get state(): ArrowStreamState {
    return this.#closing && !this.#isTerminal() ? 'closing' : this.#phase;
  }

  /**
   * The offset of the last batch ingested, or -1.
   *
   * @example
   * ```ts
   * // ingestBatchNowait returns room, not the offset: lastOffset is the one it took.
   * arrowStream.ingestBatchNowait(recordBatch);
   * const offset = arrowStream.lastOffset;
   * await arrowStream.waitForOffset(offset); // that batch, and every one before it, is durable
   * ```
   */
  get lastOffset(): number {
    return this.#nextOffset - 1;
  }

  /**
   * The highest offset acknowledged in full, or -1.
   *
   * @example
   * ```ts
   * // Progress, every 10 s: batches durable and batches still in flight.
   * setInterval(() => {
   *   const inFlight = arrowStream.lastOffset - arrowStream.ackedOffset;
   *   console.info(`${arrowStream.ackedOffset + 1} batches durable, ${inFlight} in flight`);
   * }, 10_000).unref();
   * ```
   */
  get ackedOffset(): number {
    return this.#ackedUpTo;
  }

  // --- ingesting -----------------------------------------------------------------------------

  /**
   * Queues the batches of `input` (a RecordBatch, each batch of a Table, or an array of objects
   * built into one batch) without waiting. Returns false once the window is full: await
   * `ready()` before the next call. Throws an InvalidRecordError, queueing nothing, for input
   * that does not fit the stream's schema.
   *
   * @example
   * ```ts
   * import { readFile } from 'node:fs/promises';
   * import { tableFromIPC } from 'apache-arrow';
   *
   * const table = tableFromIPC(await readFile('export.arrow')); // an Arrow IPC file of the table's rows
   * for (const batch of table.batches) {
   *   if (!arrowStream.ingestBatchNowait(batch)) await arrowStream.ready(); // window full: wait for acks
   * }
   * await arrowStream.flush();
   * ```
   */
  ingestBatchNowait(input: ArrowInput): boolean {
    this.#assertAccepting();
    for (const batch of this.#batches(input)) this.#enqueue(batch);
    return this.#hasRoom();
  }

  /**
   * Queues the batches of `input` once there is room; resolves with the last one's offset, or null for no rows.
   *
   * @example
   * ```ts
   * const offset = await arrowStream.ingestBatchOffset(
   *   [
   *     { device: 'pump-7', temp: 21.5, at: new Date() },
   *     { device: 'pump-8', temp: 19.0, at: new Date() },
   *   ],
   *   { signal: AbortSignal.timeout(10_000) }, // give up waiting for room after 10 s
   * );
   * if (offset !== null) await arrowStream.waitForOffset(offset);
   * ```
   */
  async ingestBatchOffset(input: ArrowInput, options: { signal?: AbortSignal } = {}): Promise<number | null> {
    this.#assertAccepting();
    const batches = this.#batches(input);
    if (batches.length === 0) return null;
    let offset = -1;
    for (const batch of batches) {
      const ticket = this.#room.ticket();
      while (!this.#hasRoom()) {
        await this.#room.wait(options.signal, 'ingestBatchOffset', ticket);
        this.#assertAccepting();
      }
      offset = this.#enqueue(batch);
    }
    return offset;
  }

  /**
   * Resolves when `ingestBatchNowait` would return true again; every caller waiting is woken by
   * the acknowledgement that makes room. Rejects with a `STREAM_FAILED` error if the stream has
   * failed; a wait under way when `close()` is called rejects with a `STREAM_CLOSED` error.
   *
   * @example
   * ```ts
   * import type { Readable } from 'node:stream';
   * import type { RecordBatch } from 'apache-arrow';
   *
   * // Event-driven back-pressure: pause an object-mode source of batches while the window is full.
   * function ingestFrom(source: Readable): void {
   *   source.on('data', (batch: RecordBatch) => {
   *     try {
   *       if (arrowStream.ingestBatchNowait(batch)) return;
   *     } catch (error) {
   *       return void source.destroy(error as Error); // a batch that does not fit, or a failed stream
   *     }
   *     source.pause();
   *     arrowStream.ready().then(() => source.resume(), (error: unknown) => source.destroy(error as Error));
   *   });
   * }
   * ```
   */
  ready(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#phase === 'failed') return Promise.reject(streamFailedError('the stream', this.#failure));
    if (this.#hasRoom()) return Promise.resolve();
    // A stream whose close() stopped waiting: its window will never empty.
    if (this.#failure) return Promise.reject(this.#failure);
    return this.#readyWaiters.wait(options.signal, 'ready');
  }

  /**
   * Resolves with `offset` once every batch up to and including it is durable. Rejects with the
   * stream's failure if it fails first (a `STREAM_CLOSED` error if an aborted `close()` ended it),
   * and with a `TIMEOUT` error after `timeoutMs`.
   *
   * @example
   * ```ts
   * const offset = await arrowStream.ingestBatchOffset(recordBatch);
   * if (offset !== null) {
   *   await arrowStream.waitForOffset(offset, { timeoutMs: 30_000 });
   *   // Durable: now acknowledge the upstream message the batch came from.
   * }
   * ```
   */
  waitForOffset(offset: number, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<number> {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      return Promise.reject(
        new NonRetriableError('INVALID_STATE', `offset must be a non-negative integer, got ${offset}`),
      );
    }
    if (offset <= this.#ackedUpTo) return Promise.resolve(offset);
    // As on a gRPC stream: a wait for an issued offset rejects with the failure itself.
    if (this.#failure) return Promise.reject(this.#failure);
    if (offset >= this.#nextOffset) {
      return Promise.reject(
        new NonRetriableError(
          'INVALID_STATE',
          `offset ${offset} has not been issued; the last offset is ${this.lastOffset}`,
        ),
      );
    }
    return this.#waiters.wait(offset, { ...options, what: `wait for offset ${offset}` });
  }

  /**
   * Waits for every batch ingested before the call; a timeout fails the stream (batches stay
   * retrievable). After an aborted `close()` it rejects with that `STREAM_CLOSED` error.
   *
   * @example
   * ```ts
   * import { writeFile } from 'node:fs/promises';
   * import type { RecordBatch } from 'apache-arrow';
   *
   * // A checkpoint every 100 batches: a restart resumes after the last one written.
   * async function send(batches: AsyncIterable<RecordBatch>): Promise<void> {
   *   let sent = 0;
   *   for await (const batch of batches) {
   *     if (!arrowStream.ingestBatchNowait(batch)) await arrowStream.ready();
   *     if (++sent % 100 === 0) {
   *       await arrowStream.flush(); // every batch so far is durable
   *       await writeFile('export.checkpoint', String(sent));
   *     }
   *   }
   *   await arrowStream.flush();
   * }
   * ```
   */
  async flush(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#phase === 'failed') throw streamFailedError('the stream', this.#failure);
    await this.#waitAllIssued(options.signal, 'flush');
  }

  /**
   * Flushes, then ends the call: resolves once every batch is acknowledged (durable) and the
   * connection is closed. Ingest calls made meanwhile throw `STREAM_CLOSED`, and so do waits for
   * room. Waits at most `callbackMaxWaitTimeMs` for ack callbacks still running. On a failed
   * stream it rejects with the failure, and so when the flush times out (`flushTimeoutMs` fails
   * the stream).
   *
   * `signal` bounds the wait. When it aborts before every batch is acknowledged, the stream waits
   * no further, as a gRPC stream: the call is cancelled, the state becomes `closed`, close rejects
   * with an `ABORTED` error (the signal's reason as `cause`), pending and later waits reject with
   * a `STREAM_CLOSED` error, `ackCallback.onError` is called for each unacknowledged offset, and
   * `getUnackedBatches()` holds what was not acknowledged (the server may have stored some of it:
   * delivery is at least once). Every call returns the same outcome, and the signal of any call
   * made while the stream is closing ends the wait.
   *
   * @example
   * ```ts
   * // On SIGTERM: deliver what is in flight within the grace period, then exit.
   * process.once('SIGTERM', () => {
   *   arrowStream.close({ signal: AbortSignal.timeout(25_000) }).then(
   *     () => process.exit(0),
   *     (error: unknown) => {
   *       const left = arrowStream.getUnackedBatches(); // in order, sliced to the rows not durable
   *       console.error(`${left.length} batches left undelivered`, error);
   *       process.exit(1);
   *     },
   *   );
   * });
   * ```
   */
  close(options: { signal?: AbortSignal } = {}): Promise<void> {
    // As on a gRPC stream: a failed stream rejects with its failure; otherwise every call
    // returns the same promise, which settles once.
    if (this.#phase === 'failed') return Promise.reject(this.#failure);
    this.#closing ??= this.#close(this.#closeSignals.signal).finally(() => this.#closeSignals.settled());
    this.#closeSignals.follow(options.signal);
    return this.#closing;
  }

  /**
   * `await using stream = await sdk.createArrowStream(...)` closes the stream at the end of the block.
   *
   * @example
   * ```ts
   * import { readFile } from 'node:fs/promises';
   * import { tableFromIPC } from 'apache-arrow';
   *
   * async function ingestFile(path: string): Promise<void> {
   *   const table = tableFromIPC(await readFile(path));
   *   await using stream = await sdk.createArrowStream({ table: 'main.iot.readings', schema: table.schema, clientId, clientSecret });
   *   await stream.ingestBatchOffset(table); // each of its batches
   * } // here the stream closes: flushed first, so the file is in the table once this resolves
   * await ingestFile('export.arrow');
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * The batches not durably acknowledged, in order, sliced to the rows the server has not
   * made durable; for a new stream after a failure or close.
   *
   * @example
   * ```ts
   * import { ZerobusError } from '@zerobus/sdk';
   *
   * try {
   *   await arrowStream.close();
   * } catch (error) {
   *   // The table refuses these rows: a new stream would too.
   *   if (error instanceof ZerobusError && error.code === 'INVALID_ARGUMENT') throw error;
   *   const unacked = arrowStream.getUnackedBatches(); // a partly durable batch keeps only its other rows
   *   const { tableName, schema } = arrowStream;
   *   await using retry = await sdk.createArrowStream({ table: tableName, schema, clientId, clientSecret });
   *   for (const batch of unacked) if (!retry.ingestBatchNowait(batch)) await retry.ready();
   * } // retry closes here, flushed
   * ```
   */
  getUnackedBatches(): RecordBatch[] {
    if (!this.#isTerminal()) {
      throw new NonRetriableError(
        'INVALID_STATE',
        `unacknowledged batches are available once the stream has failed or closed; it is ${this.state}`,
      );
    }
    return this.#window.pending().map((p) => p.batch.slice(p.ackedRows));
  }

  // --- internals -------------------------------------------------------------------------------

  #batches(input: ArrowInput): RecordBatch[] {
    return toRecordBatches(this.#ctx.arrow, this.schema, input, this.#nextOffset);
  }

  #hasRoom(): boolean {
    return this.#window.length < this.#ctx.options.maxInflightBatches;
  }

  #isTerminal(): boolean {
    return this.#phase === 'failed' || this.#phase === 'closed';
  }

  #assertAccepting(): void {
    if (this.#phase === 'failed') throw streamFailedError('the stream', this.#failure);
    if (this.#closing || this.#phase === 'closed') {
      throw new NonRetriableError('STREAM_CLOSED', 'the stream is closed; create a new one to ingest more');
    }
  }

  /** Waits for every offset issued so far; a timeout fails the stream (batches stay retrievable). */
  async #waitAllIssued(signal: AbortSignal | undefined, what: string): Promise<void> {
    const target = this.#nextOffset - 1;
    if (target <= this.#ackedUpTo) return;
    if (this.#failure) throw this.#failure;
    try {
      await this.#waiters.wait(target, { signal, timeoutMs: this.#ctx.options.flushTimeoutMs, what });
    } catch (error) {
      if (error instanceof ZerobusError && error.code === 'TIMEOUT') this.#fail(error);
      throw error;
    }
  }

  /** close(): once every batch is acknowledged; when `stop` aborts first, see #abandon. */
  async #close(stop: AbortSignal): Promise<void> {
    const closed = new NonRetriableError('STREAM_CLOSED', 'the stream was closed while waiting for room');
    this.#room.rejectAll(closed);
    this.#readyWaiters.rejectAll(closed);
    try {
      await this.#waitAllIssued(stop, 'close');
    } catch (error) {
      // A flush timeout or a failure has failed the stream already; an abort ends it here.
      if (!this.#isTerminal()) this.#abandon(toZerobusError(error));
      throw error;
    }
    this.#phase = 'closed';
    this.#ended.abort();
    this.#watchdog.clear();
    this.#live?.end();
    this.#live = undefined;
    this.#ctx.channel.close();
    if (!(await this.#callbacks.drain(this.#ctx.options.callbackMaxWaitTimeMs, stop))) {
      this.#ctx.logger.warn(
        { table: this.tableName },
        stop.aborted
          ? 'close aborted while ack callbacks were still running'
          : 'ack callbacks still running after callbackMaxWaitTimeMs',
      );
    }
  }

  /**
   * Ends the stream without waiting further, when close() stops waiting before every batch is
   * acknowledged: as #end, with a STREAM_CLOSED error whose cause is why close() stopped.
   */
  #abandon(reason: ZerobusError): void {
    const unacked = this.#window.length;
    const error = new NonRetriableError(
      'STREAM_CLOSED',
      `the stream was closed with ${unacked} batches not acknowledged (${reason.message}); ` +
        'they are in getUnackedBatches()',
      { cause: reason },
    );
    this.#ctx.logger.warn(
      { table: this.tableName, unacked, error: reason.message },
      'Arrow stream closed before every batch was acknowledged',
    );
    this.#end('closed', error);
  }

  #enqueue(batch: RecordBatch): number {
    const offset = this.#nextOffset++;
    this.#window.push({ offset, batch, rows: batch.numRows, ackedRows: 0, sentAt: 0 });
    if (this.#room.size > 0 && this.#hasRoom()) this.#room.wake(1);
    queueMicrotask(() => this.#pump());
    return offset;
  }

  #pump(): void {
    const live = this.#live;
    if (this.#phase !== 'open' || !live || !this.#writable) return;
    const sentAt = performance.now();
    for (let entry = this.#window.nextToSend(); entry; entry = this.#window.nextToSend()) {
      const message = batchMessage(
        this.#ctx.arrow,
        entry.ackedRows > 0 ? entry.batch.slice(entry.ackedRows) : entry.batch,
      );
      const wireOffset = this.#window.markSent(entry, sentAt);
      const flushed = live.write(
        encodeFlightData({
          dataHeader: message.header,
          dataBody: message.body,
          appMetadata: encodeBatchMetadata(wireOffset),
        }),
      );
      if (!flushed) {
        this.#writable = false;
        live.onDrain(() => {
          this.#writable = true;
          if (this.#live === live) this.#pump();
        });
        break;
      }
    }
    this.#watchdog.arm();
  }

  #onAck(token: object, ack: FlightAck): void {
    if (token !== this.#callToken) return;
    let offset: number | undefined;
    try {
      offset = this.#window.ack(ack);
    } catch (error) {
      this.#onCallEnd(token, toZerobusError(error));
      return;
    }
    this.#attemptsInOutage = 0;
    if (offset !== undefined && offset > this.#ackedUpTo) {
      const first = this.#ackedUpTo + 1;
      this.#ackedUpTo = offset;
      this.#waiters.settleThrough(offset);
      this.#callbacks.ack(first, offset);
      if (this.#hasRoom()) {
        this.#room.wake(1); // the rest follow one by one, see #enqueue()
        this.#readyWaiters.wake(Number.POSITIVE_INFINITY);
      }
    }
    this.#watchdog.arm();
  }

  // --- calls and recovery ----------------------------------------------------------------------

  /** Opens the first call; with recovery on, retriable failures are retried as in recovery. */
  async #start(signal: AbortSignal | undefined): Promise<void> {
    const { options, logger } = this.#ctx;
    const first = { options, logger, kind: 'Arrow stream', table: this.tableName };
    const failure = await openFirstCall(first, () => this.#openCall(signal), signal);
    if (!failure) return;
    this.#phase = 'failed';
    this.#failure = failure;
    this.#ctx.channel.close();
    throw failure;
  }

  /** Opens a call and makes it current; false when the stream ended or moved on meanwhile. */
  async #openCall(signal?: AbortSignal): Promise<boolean> {
    const token = {};
    this.#callToken = token;
    const { arrow, channel, tableName, schema, options } = this.#ctx;
    const call = await connectFlight(
      { arrow, channel, headers: this.#headers, tableName, schema, timeoutMs: options.recoveryTimeoutMs, signal },
      {
        onAck: (ack) => this.#onAck(token, ack),
        onEnd: (error) => this.#onCallEnd(token, error),
      },
    );
    if (this.#isTerminal() || this.#callToken !== token) {
      call.cancel();
      return false;
    }
    this.#live = call;
    this.#writable = true;
    this.#liveSince = performance.now();
    this.#window.resetCall();
    this.#phase = 'open';
    this.#pump();
    return true;
  }

  #dropCall(): void {
    this.#watchdog.clear();
    this.#callToken = undefined;
    this.#live?.cancel();
    this.#live = undefined;
  }

  #onCallEnd(token: object, error: ZerobusError): void {
    if (token !== this.#callToken || this.#isTerminal()) return;
    this.#dropCall();
    if (error.retriable && this.#ctx.options.recovery) void this.#recover(error);
    else this.#fail(error);
  }

  async #recover(cause: ZerobusError): Promise<void> {
    if (this.#isTerminal()) return;
    const { recoveryRetries, recoveryTimeoutMs } = this.#ctx.options;
    this.#phase = 'recovering';
    // A call that stayed up for a whole attempt's time limit ends the previous outage.
    if (performance.now() - this.#liveSince >= recoveryTimeoutMs) this.#attemptsInOutage = 0;
    this.#ctx.logger.warn({ err: cause.message, table: this.tableName }, 'Arrow stream recovering');
    let last = cause;
    while (!this.#isTerminal()) {
      if (this.#attemptsInOutage >= recoveryRetries) {
        // RECOVERY_FAILED is retriable, as on a gRPC stream: a new stream may get past the outage.
        const message = `recovery failed after ${this.#attemptsInOutage} attempts: ${last.message}`;
        this.#fail(new ZerobusError('RECOVERY_FAILED', message, { cause: last }));
        return;
      }
      // The first attempt of an outage goes at once, as on a gRPC stream.
      const retry = this.#attemptsInOutage;
      if (retry > 0) await backoff(backoffDelay(this.#ctx.options, retry), this.#ended.signal);
      if (this.#isTerminal()) return;
      this.#attemptsInOutage++;
      try {
        await this.#openCall(this.#ended.signal);
        return;
      } catch (error) {
        if (this.#isTerminal()) return; // ended meanwhile: the attempt was aborted
        last = toZerobusError(error);
        if (!last.retriable) {
          this.#fail(last);
          return;
        }
        // At warn, unlike a gRPC stream's (debug): an Arrow stream has no `recovering` event to say it.
        this.#ctx.logger.warn({ attempt: this.#attemptsInOutage, error: last.message }, 'Arrow reconnect failed');
      }
    }
  }

  #fail(error: ZerobusError): void {
    if (this.#isTerminal()) return;
    this.#ctx.logger.error({ table: this.tableName, code: error.code, error: error.message }, 'Arrow stream failed');
    this.#end('failed', error);
  }

  /**
   * Ends the stream for good with `error`: the call cancelled, the channel closed, every wait
   * rejected (waits first, then the callbacks, in the gRPC stream's order), the error callback
   * for each unacknowledged batch — which stays in the window, in order, for getUnackedBatches().
   */
  #end(phase: 'failed' | 'closed', error: ZerobusError): void {
    this.#phase = phase;
    this.#failure = error;
    this.#ended.abort(error);
    this.#dropCall();
    this.#ctx.channel.close();
    this.#waiters.rejectAll(error);
    this.#room.rejectAll(error);
    this.#readyWaiters.rejectAll(error);
    if (this.#callbacks.hasErrorCallback) {
      for (const pending of this.#window.pending()) this.#callbacks.error(pending.offset, error.message);
    }
  }
}
