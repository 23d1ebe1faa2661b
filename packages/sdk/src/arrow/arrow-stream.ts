/**
 * An Arrow Flight ingestion stream (PROTOCOL.md §11): record batches go out as FlightData on a
 * `DoPut` call, one logical offset per batch, acknowledged cumulatively in batches *and rows*.
 * A partial acknowledgement (rows durable up to the middle of a batch) is kept, so after a
 * reconnect only the rows not yet durable are sent again: the batch is sliced.
 *
 * The shape follows the gRPC stream (ZerobusStream): a queue of unacknowledged batches, an
 * in-flight window with waiters for room, offset waiters, the lack-of-ack watchdog, recovery
 * with fixed backoff and a retry budget per outage, flush/close, unacknowledged batches after a
 * failure, the same error model (codes, `retriable`, `STREAM_FAILED` for calls made after a
 * failure) and the same ack callback runner (a callback that throws or rejects is logged; close()
 * waits for running ones). The call-level protocol differs: the schema is the first message, the
 * server's first PutResult (`ack_up_to_offset: -1`) means "ready", and acks count rows as well as
 * batches.
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import type { HeadersProvider } from '../auth/headers-provider.js';
import { TABLE_NAME_HEADER } from '../auth/headers-provider.js';
import { AckWatchdog } from '../engine/ack-watchdog.js';
import { CallbackRunner } from '../engine/callbacks.js';
import { headersFor } from '../engine/connect.js';
import { OffsetWaiters } from '../engine/offset-waiters.js';
import { RoomWaiters } from '../engine/room-waiters.js';
import { NonRetriableError, streamFailedError, toZerobusError, ZerobusError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Channel, StreamCall } from '../transport/channel.js';
import {
  decodeAckMetadata,
  decodePutResult,
  encodeBatchMetadata,
  encodeFlightData,
  FLIGHT_DO_PUT_PATH,
  type FlightAck,
} from '../transport/flight-codec.js';
import { type ArrowInput, batchMessage, schemaMessage, toRecordBatches } from './arrow-batches.js';
import type { Arrow } from './arrow-module.js';
import type { ResolvedArrowOptions } from './arrow-options.js';
import { ArrowSendWindow } from './arrow-window.js';

export interface ArrowStreamContext {
  readonly arrow: Arrow;
  readonly channel: Channel;
  readonly tableName: string;
  readonly schema: Schema;
  readonly headersProvider: HeadersProvider;
  readonly options: ResolvedArrowOptions;
  readonly logger: Logger;
}

/**
 * Where an Arrow stream is in its life: `opening`, `open`, `recovering` (reconnecting), `closing`
 * (`close()` under way), then `closed` or `failed` (both final).
 *
 * @example
 * ```ts
 * import type { ArrowStreamState } from '@zerobus/sdk';
 *
 * // An Arrow stream emits no events: log its transitions by polling.
 * let last: ArrowStreamState = arrowStream.state;
 * setInterval(() => {
 *   const now = arrowStream.state;
 *   if (now !== last) console.info(`Arrow stream to ${arrowStream.tableName}: ${last} → ${now}`);
 *   last = now;
 * }, 1_000).unref();
 * ```
 */
export type ArrowStreamState = 'opening' | 'open' | 'recovering' | 'closing' | 'closed' | 'failed';

interface LiveFlightCall {
  readonly call: StreamCall;
  readonly token: object;
}

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
  readonly #room = new RoomWaiters();
  readonly #watchdog: AckWatchdog;
  readonly #callbacks: CallbackRunner;
  #state: ArrowStreamState = 'opening';
  #live: LiveFlightCall | undefined;
  #writable = true;
  #nextOffset = 0;
  #ackedUpTo = -1;
  #failure: ZerobusError | undefined;
  #closing: Promise<void> | undefined;
  #attemptsInOutage = 0;
  #ready: ((error?: ZerobusError) => void) | undefined;

  private constructor(ctx: ArrowStreamContext) {
    this.#ctx = ctx;
    this.tableName = ctx.tableName;
    this.schema = ctx.schema;
    this.#callbacks = new CallbackRunner(ctx.options.ackCallback, ctx.logger);
    this.#watchdog = new AckWatchdog(
      ctx.options.serverLackOfAckTimeoutMs,
      Date.now,
      () => this.#window.oldestSentAt(),
      () => {
        const live = this.#live;
        if (live) {
          this.#onCallEnd(
            live.token,
            new ZerobusError(
              'LACK_OF_ACK',
              `no acknowledgement from the server for ${ctx.options.serverLackOfAckTimeoutMs} ms while batches were in flight`,
            ),
          );
        }
      },
    );
  }

  /** @internal Use `ZerobusSdk.createArrowStream`. */
  static async open(ctx: ArrowStreamContext, signal?: AbortSignal): Promise<ArrowStream> {
    const stream = new ArrowStream(ctx);
    let last: ZerobusError | undefined;
    const attempts = ctx.options.recovery ? 1 + ctx.options.recoveryRetries : 1;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await sleep(ctx.options.recoveryBackoffMs, signal);
      try {
        await stream.#openCall(signal);
        return stream;
      } catch (error) {
        last = toZerobusError(error);
        if (!last.retriable || signal?.aborted) break;
      }
    }
    stream.#state = 'failed';
    stream.#ctx.channel.close();
    throw last;
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
    return this.#closing && this.#state !== 'failed' && this.#state !== 'closed' ? 'closing' : this.#state;
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
   * Resolves when `ingestBatchNowait` would return true again. Rejects with the failure if the
   * stream has failed.
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
    if (this.#failure) return Promise.reject(streamFailedError('the stream', this.#failure));
    if (this.#hasRoom()) return Promise.resolve();
    return this.#room.wait(options.signal, 'ready');
  }

  /**
   * Resolves with `offset` once every batch up to and including it is durable. Rejects with the
   * stream's failure if it fails first, and with a `TIMEOUT` error after `timeoutMs`.
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
   * Waits for every batch ingested before the call; a timeout fails the stream (batches stay retrievable).
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
    if (this.#failure) throw streamFailedError('the stream', this.#failure);
    await this.#waitAllIssued(options.signal, 'flush');
  }

  /**
   * Flushes, then ends the call. On a failed stream it rejects with the failure. When `signal`
   * aborts the flush, the call ends anyway and what was not acknowledged stays in
   * `getUnackedBatches()`. Waits at most `callbackMaxWaitTimeMs` for ack callbacks still running.
   *
   * @example
   * ```ts
   * // On SIGTERM: deliver what is in flight within the grace period, then exit.
   * process.once('SIGTERM', () => {
   *   arrowStream.close({ signal: AbortSignal.timeout(25_000) }).then(
   *     () => process.exit(0),
   *     (error: unknown) => {
   *       console.error('batches left undelivered', error);
   *       process.exit(1);
   *     },
   *   );
   * });
   * ```
   */
  close(options: { signal?: AbortSignal } = {}): Promise<void> {
    // As on a gRPC stream: a failed stream rejects with its failure, a closed one resolves.
    if (this.#state === 'failed') return Promise.reject(this.#failure);
    if (this.#state === 'closed') return Promise.resolve();
    this.#closing ??= (async () => {
      this.#room.rejectAll(new NonRetriableError('STREAM_CLOSED', 'the stream was closed while waiting for room'));
      try {
        await this.#waitAllIssued(options.signal, 'close');
      } finally {
        if (this.#state !== 'failed') this.#state = 'closed';
        this.#watchdog.clear();
        this.#live?.call.end();
        this.#live = undefined;
        this.#ctx.channel.close();
      }
      if (!(await this.#callbacks.drain(this.#ctx.options.callbackMaxWaitTimeMs))) {
        this.#ctx.logger.warn({ table: this.tableName }, 'ack callbacks still running after callbackMaxWaitTimeMs');
      }
    })();
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
    if (this.#state !== 'failed' && this.#state !== 'closed') {
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

  #assertAccepting(): void {
    if (this.#failure) throw streamFailedError('the stream', this.#failure);
    if (this.#closing || this.#state === 'closed') {
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

  #enqueue(batch: RecordBatch): number {
    const offset = this.#nextOffset++;
    this.#window.push({ offset, batch, rows: batch.numRows, ackedRows: 0, sentAt: 0 });
    if (this.#room.size > 0 && this.#hasRoom()) this.#room.wake(1);
    queueMicrotask(() => this.#pump());
    return offset;
  }

  #pump(): void {
    const live = this.#live;
    if (this.#state !== 'open' || !live || !this.#writable) return;
    const now = Date.now();
    for (let entry = this.#window.nextToSend(); entry; entry = this.#window.nextToSend()) {
      const message = batchMessage(
        this.#ctx.arrow,
        entry.ackedRows > 0 ? entry.batch.slice(entry.ackedRows) : entry.batch,
      );
      const wireOffset = this.#window.markSent(entry, now);
      const flushed = live.call.write(
        encodeFlightData({
          dataHeader: message.header,
          dataBody: message.body,
          appMetadata: encodeBatchMetadata(wireOffset),
        }),
      );
      if (!flushed) {
        this.#writable = false;
        live.call.onDrain(() => {
          this.#writable = true;
          if (this.#live === live) this.#pump();
        });
        break;
      }
    }
    this.#watchdog.arm();
  }

  #onAck(token: object, ack: FlightAck): void {
    if (token !== this.#live?.token) return;
    let offset: number | undefined;
    try {
      offset = this.#window.ack(ack);
    } catch (error) {
      this.#onCallEnd(token, toZerobusError(error));
      return;
    }
    this.#attemptsInOutage = 0;
    if (offset !== undefined && offset > this.#ackedUpTo) {
      this.#ackedUpTo = offset;
      this.#waiters.settleThrough(offset);
      this.#callbacks.ack(offset);
      if (this.#hasRoom()) this.#room.wake(1);
    }
    this.#watchdog.arm();
  }

  async #openCall(signal?: AbortSignal): Promise<void> {
    const token = {};
    const { options, channel, tableName } = this.#ctx;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.recoveryTimeoutMs);
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const headers = await headersFor(this.#ctx.headersProvider, controller.signal);
      headers[TABLE_NAME_HEADER] = tableName; // the table header always wins (PROTOCOL.md §11)
      const ready = new Promise<void>((resolve, reject) => {
        this.#ready = (error) => (error ? reject(error) : resolve());
        controller.signal.addEventListener('abort', () =>
          reject(
            signal?.aborted
              ? new ZerobusError('ABORTED', 'opening the Arrow stream was aborted', { cause: signal.reason })
              : new ZerobusError(
                  'TIMEOUT',
                  `opening the Arrow stream took longer than ${options.recoveryTimeoutMs} ms`,
                ),
          ),
        );
      });
      const call = channel.openBidiCall(FLIGHT_DO_PUT_PATH, headers, decodePutResult, {
        onMessage: (metadata) => this.#onPutResult(token, metadata),
        onEnd: (error) => this.#onCallEnd(token, error ?? new ZerobusError('CONNECTION', 'the server ended the call')),
      });
      this.#live = { call, token };
      this.#window.resetCall();
      const schema = schemaMessage(this.#ctx.arrow, this.schema);
      call.write(encodeFlightData({ descriptorPath: [tableName], dataHeader: schema.header, dataBody: schema.body }));
      try {
        await ready;
      } catch (error) {
        call.cancel();
        if (this.#live?.token === token) this.#live = undefined;
        throw error;
      }
      this.#state = 'open';
      this.#writable = true;
      this.#pump();
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.#ready = undefined;
    }
  }

  #onPutResult(token: object, metadata: Uint8Array): void {
    let ack: FlightAck;
    try {
      ack = decodeAckMetadata(metadata);
    } catch (error) {
      this.#onCallEnd(token, new ZerobusError('INTERNAL', `malformed PutResult: ${(error as Error).message}`));
      return;
    }
    if (this.#ready) {
      if (ack.ackUpToOffset !== -1) {
        this.#ready(
          new ZerobusError('INTERNAL', `the server acknowledged offset ${ack.ackUpToOffset} before it was ready`),
        );
      } else {
        this.#ready();
      }
      return;
    }
    this.#onAck(token, ack);
  }

  #onCallEnd(token: object, error: ZerobusError): void {
    if (this.#ready && this.#live?.token === token) {
      this.#ready(error);
      return;
    }
    if (token !== this.#live?.token) return;
    this.#live.call.cancel();
    this.#live = undefined;
    this.#watchdog.clear();
    if (this.#state === 'closed' || this.#state === 'failed') return;
    if (!error.retriable || !this.#ctx.options.recovery) {
      this.#fail(error);
      return;
    }
    void this.#recover(error);
  }

  async #recover(cause: ZerobusError): Promise<void> {
    this.#state = 'recovering';
    this.#ctx.logger.warn?.({ err: cause.message, table: this.tableName }, 'Arrow stream recovering');
    let last = cause;
    while (this.#attemptsInOutage < this.#ctx.options.recoveryRetries) {
      this.#attemptsInOutage++;
      await sleep(this.#ctx.options.recoveryBackoffMs);
      if (this.#state !== 'recovering') return;
      try {
        await this.#openCall();
        return;
      } catch (error) {
        last = toZerobusError(error);
        if (!last.retriable) break;
      }
    }
    // RECOVERY_FAILED is retriable, as on a gRPC stream: a new stream may get past the outage.
    this.#fail(
      last.retriable
        ? new ZerobusError(
            'RECOVERY_FAILED',
            `recovery failed after ${this.#attemptsInOutage} attempts: ${last.message}`,
            {
              cause: last,
            },
          )
        : last,
    );
  }

  #fail(error: ZerobusError): void {
    if (this.#state === 'failed') return;
    this.#state = 'failed';
    this.#failure = error;
    this.#watchdog.clear();
    this.#live?.call.cancel();
    this.#live = undefined;
    this.#ctx.channel.close();
    this.#ctx.logger.error({ table: this.tableName, code: error.code, error: error.message }, 'Arrow stream failed');
    // Waits first, then the callbacks (through the runner: a callback that throws or rejects is
    // logged), in the gRPC stream's order.
    this.#waiters.rejectAll(error);
    this.#room.rejectAll(error);
    if (this.#callbacks.hasErrorCallback) {
      for (const pending of this.#window.pending()) this.#callbacks.error(pending.offset, error.message);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new ZerobusError('ABORTED', 'aborted', { cause: signal.reason }));
      return;
    }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new ZerobusError('ABORTED', 'aborted', { cause: signal.reason }));
      },
      { once: true },
    );
  });
}
