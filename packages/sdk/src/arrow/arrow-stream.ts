/**
 * `ArrowStream`: the Arrow Flight stream (PROTOCOL.md §11). It checks and builds record batches
 * and queues them, one logical offset per batch; everything else — the window, waits, sending,
 * acknowledgements, recovery, callbacks, events, stats — is the engine's (engine/stream-engine.ts),
 * the same as for a gRPC stream, with the Arrow Flight protocol (arrow-protocol.ts) as its
 * adapter. The server acknowledges rows as well as batches, so after a reconnect only the rows
 * not yet durable are sent again: a partly durable batch is sliced.
 */
import type { Writable } from 'node:stream';
import type { RecordBatch, Schema } from 'apache-arrow';
import { type IngestAllOptions, type IngestSource, ingestAll } from '../engine/ingest-all.js';
import { ingestAt } from '../engine/internal-symbols.js';
import { type SignalOptions, StreamBase } from '../engine/stream-base.js';
import { createWritable, type StreamWritableOptions } from '../engine/writable.js';
import type { FlightAck } from '../transport/flight-codec.js';
import { type ArrowInput, toRecordBatches } from './arrow-batches.js';
import type { ArrowStreamContext, ArrowStreamState } from './arrow-context.js';
import { ArrowProtocol } from './arrow-protocol.js';
import { type PendingBatch, pendingBatch } from './arrow-window.js';

export type { ArrowStreamContext, ArrowStreamState } from './arrow-context.js';

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
export class ArrowStream extends StreamBase<PendingBatch, FlightAck> {
  /** The table's full name. */
  readonly tableName: string;
  /** The Arrow schema every batch of this stream has. */
  readonly schema: Schema;
  readonly #ctx: ArrowStreamContext;

  private constructor(ctx: ArrowStreamContext) {
    const { options } = ctx;
    super({
      channel: ctx.channel,
      headersProvider: ctx.headersProvider,
      tableName: ctx.tableName,
      protocol: new ArrowProtocol(ctx.arrow, ctx.channel, ctx.tableName, ctx.schema),
      // The window counts batches; Arrow Flight has no close signal.
      options: {
        ...options,
        maxInflightUnits: options.maxInflightBatches,
        maxInflightBytes: Number.POSITIVE_INFINITY,
        streamPausedMaxWaitTimeMs: null,
      },
      logger: ctx.logger,
    });
    this.#ctx = ctx;
    this.tableName = ctx.tableName;
    this.schema = ctx.schema;
  }

  /** @internal Use `ZerobusSdk.createArrowStream`. */
  static async open(ctx: ArrowStreamContext, signal?: AbortSignal): Promise<ArrowStream> {
    const stream = new ArrowStream(ctx);
    await stream.start(signal);
    return stream;
  }

  /**
   * The stream's current state (never `paused`: Arrow Flight has no close signal).
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
  override get state(): ArrowStreamState {
    return super.state as ArrowStreamState;
  }

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
    return this[ingestAt](input, this.nextOffset);
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
  async ingestBatchOffset(input: ArrowInput, options: SignalOptions = {}): Promise<number | null> {
    this.assertAccepting();
    const batches = this.#batches(input, this.nextOffset);
    if (batches.length === 0) return null;
    let offset = -1;
    for (const batch of batches) {
      await this.waitForRoom(options.signal, 'ingestBatchOffset');
      offset = this.enqueue(pendingBatch(this.nextOffset, batch));
    }
    return offset;
  }

  /**
   * An object-mode `Writable` that ingests each item written (a RecordBatch, a Table, or an
   * array of row objects built into one batch), with the stream's back-pressure: a write's
   * callback waits while the window is full, so `pipeline` pauses its source. Finishing it
   * flushes; `{ close: true }` closes the stream when the writable finishes or is destroyed. An
   * item that does not fit the schema errors it with the `InvalidRecordError` (`recordIndex` =
   * its position among the items written; those before it stay ingested).
   *
   * @example
   * ```ts
   * import { createReadStream } from 'node:fs';
   * import { pipeline } from 'node:stream/promises';
   * import { RecordBatchReader } from 'apache-arrow';
   *
   * // Every batch of an Arrow IPC file, read only as fast as the server acknowledges.
   * const batches = await RecordBatchReader.from(createReadStream('export.arrows'));
   * await pipeline(batches, arrowStream.writable({ close: true }));
   * ```
   */
  writable(options: StreamWritableOptions = {}): Writable {
    this.assertAccepting();
    return createWritable(this, options);
  }

  /**
   * Ingests every item of an iterable or async iterable (RecordBatches, Tables, or arrays of row
   * objects), one offset per batch, waiting for room as it goes. Resolves with the last offset
   * once all are queued (`null` if there were none); `await arrowStream.waitForOffset(last)` for
   * durability. An item that does not fit the schema rejects with an `InvalidRecordError` whose
   * `recordIndex` is its position in the source; the items before it stay ingested.
   *
   * @example
   * ```ts
   * async function* hourly() {
   *   for (let hour = 0; hour < 24; hour++) yield [{ device: 'a1', temp: 20 + hour / 10 }];
   * }
   * const last = await arrowStream.ingestAll(hourly());
   * if (last !== null) await arrowStream.waitForOffset(last);
   * ```
   */
  ingestAll(source: IngestSource<ArrowInput>, options: IngestAllOptions = {}): Promise<number | null> {
    return ingestAll(this, source, options);
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
    return this.unackedUnits('batches').map((p) => p.batch.slice(p.ackedRows));
  }

  /** @internal `ingestBatchNowait` for the item at `index` of a larger input (named in errors). */
  [ingestAt](input: unknown, index: number): boolean {
    this.assertAccepting();
    for (const batch of this.#batches(input as ArrowInput, index)) this.enqueue(pendingBatch(this.nextOffset, batch));
    return this.hasRoom();
  }

  /** The batches of one input, checked against the schema; `index` names the input in errors. */
  #batches(input: ArrowInput, index: number): RecordBatch[] {
    return toRecordBatches(this.#ctx.arrow, this.schema, input, index);
  }
}
