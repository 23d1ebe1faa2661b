/**
 * `StreamPool`: several streams to one table behind one ingest API, for more throughput than one
 * stream's server-side limit. Each record goes to the least-loaded stream that has room (fewest
 * pending requests; round-robin among equals), so records of different streams are not ordered
 * with respect to each other. Each stream recovers by itself; a stream that fails for good with
 * a retriable error is replaced (`recreateStream`, which re-ingests its unacknowledged requests),
 * a non-retriable failure fails the whole pool (see `PoolSlots`, and docs/pools.md).
 */
import { NonRetriableError, toZerobusError, ZerobusError } from '../errors.js';
import type { CreateStreamParams } from '../sdk.js';
import { CloseSignals } from './close-signals.js';
import { abortError } from './offset-waiters.js';
import { PoolOffset, resolvePoolOptions, type StreamPoolOptions } from './pool-offset.js';
import { openPoolStreams } from './pool-open.js';
import { type PoolHost, PoolSlots, type Slot } from './pool-slots.js';
import { combineStats, type StreamPoolStats } from './pool-stats.js';
import type { RecordInput, SignalOptions, WaitForOffsetOptions, ZerobusStream } from './stream.js';

/**
 * Where a pool is in its life: `open`, `closing` (`close()` under way), then `closed` or `failed`
 * (a stream failed with a non-retriable error, or was replaced more than `maxStreamReplacements`
 * times in a row).
 *
 * @example
 * ```ts
 * import type { StreamPoolState } from '@zerobus/sdk';
 *
 * function describe(state: StreamPoolState): string {
 *   switch (state) {
 *     case 'open':
 *       return 'taking records';
 *     case 'closing':
 *       return 'flushing its streams before closing them';
 *     case 'closed':
 *       return 'closed, every record acknowledged';
 *     case 'failed':
 *       return 'failed: getUnackedRecords() holds what was not acknowledged';
 *   }
 * }
 * console.log(`pool ${describe(pool.state)}`);
 * ```
 */
export type StreamPoolState = 'open' | 'closing' | 'closed' | 'failed';

/**
 * Streams to one table behind one ingest API. Created by `ZerobusSdk.createStreamPool`.
 *
 * Ordering: records on one stream keep their order; records on different streams do not (use
 * one stream when order matters). Offsets are `PoolOffset`s: stream, generation, offset.
 *
 * @example
 * ```ts
 * await using pool = await sdk.createStreamPool(
 *   { clientId, clientSecret, table: 'main.iot.readings', options: { recordType: 'json' } },
 *   { size: 4 },
 * );
 * for (const reading of records) {
 *   if (!pool.ingestRecordNowait(reading)) await pool.ready();
 * }
 * await pool.flush();
 * console.log(pool.stats().recordsAcked);
 * ```
 */
export class StreamPool<T = unknown> {
  readonly #core: PoolSlots;
  #closing: Promise<void> | undefined;
  /** Aborts when the signal of any close() call does: close stops waiting and ends the pool. */
  readonly #closeSignals = new CloseSignals();

  private constructor(core: PoolSlots) {
    this.#core = core;
  }

  /**
   * @internal Use `ZerobusSdk.createStreamPool`. Opens the streams concurrently; when one fails to
   * open, the others are closed and the first failure is thrown.
   */
  static async open<T = unknown>(
    host: PoolHost,
    params: CreateStreamParams<T>,
    options?: StreamPoolOptions,
  ): Promise<StreamPool<T>> {
    const { size, maxStreamReplacements } = resolvePoolOptions(options);
    if (typeof params !== 'object' || params === null) {
      throw new NonRetriableError('INVALID_OPTIONS', 'createStreamPool takes the inputs of createStream');
    }
    if (params.options?.ackCallback !== undefined) {
      throw new NonRetriableError(
        'INVALID_OPTIONS',
        'a stream pool takes no ackCallback (its offsets are per stream): use waitForOffset, flush or stats',
      );
    }
    if (params.signal?.aborted) throw abortError(params.signal, 'createStreamPool');
    const core = new PoolSlots(host, maxStreamReplacements);
    const pool = new StreamPool<T>(core);
    const streams = await openPoolStreams(host, params, core, size);
    for (const stream of streams) core.add(pool, stream);
    for (const slot of core.slots) core.noticeFailure(slot, slot.current); // one that failed meanwhile
    return pool;
  }

  /**
   * How many streams the pool has.
   *
   * @example
   * ```ts
   * const { replacements } = pool.stats();
   * console.log(`${pool.size} streams, ${replacements} replaced after failing`);
   * ```
   */
  get size(): number {
    return this.#core.slots.length;
  }

  /**
   * The pool's current state.
   *
   * @example
   * ```ts
   * import { createServer } from 'node:http';
   *
   * // A health check: 503 once the pool is closing, closed or failed.
   * createServer((_request, response) => {
   *   response.statusCode = pool.state === 'open' ? 200 : 503;
   *   response.end(pool.state);
   * }).listen(8080);
   * ```
   */
  get state(): StreamPoolState {
    const core = this.#core;
    return core.closing && core.phase === 'open' ? 'closing' : core.phase;
  }

  /**
   * The current stream at each position (a replacement takes the failed stream's place); for inspection.
   *
   * @example
   * ```ts
   * // A snapshot: listeners added to these streams do not carry over to their replacements.
   * for (const [position, s] of pool.streams.entries()) {
   *   console.log(`stream ${position}: ${s.state}, ${s.pendingRequests} pending, acked through ${s.ackedOffset}`);
   * }
   * ```
   */
  get streams(): ZerobusStream<T>[] {
    return this.#core.slots.map((slot) => slot.current.stream);
  }

  /**
   * Requests sent or queued and not yet acknowledged, over all streams.
   *
   * @example
   * ```ts
   * setInterval(() => console.log(`${pool.pendingRequests} requests awaiting acknowledgement`), 10_000).unref();
   * ```
   */
  get pendingRequests(): number {
    let sum = 0;
    for (const slot of this.#core.slots) sum += slot.current.stream.pendingRequests;
    return sum;
  }

  /**
   * Counters added up over the streams, ack latency combined, and each stream's own stats.
   *
   * @example
   * ```ts
   * const { recordsIngested, recordsAcked, reconnects, replacements } = pool.stats();
   * console.log(`${recordsAcked}/${recordsIngested} records durable`);
   * console.log(`${reconnects} reconnects, ${replacements} streams replaced`);
   * ```
   */
  stats(): StreamPoolStats {
    return combineStats(
      this.#core.slots.map((slot) => slot.current.stream.stats()),
      this.#core.retired,
    );
  }

  /**
   * Ingests one record without waiting, on the least-loaded stream with room. Returns false once
   * no stream has room (await `ready()`); past twice a stream's window it throws `QUEUE_FULL`.
   *
   * @example
   * ```ts
   * import { createInterface } from 'node:readline';
   *
   * // One JSON object per line of stdin, as fast as the pool's streams take them.
   * for await (const line of createInterface({ input: process.stdin })) {
   *   if (!pool.ingestRecordNowait(line)) await pool.ready(); // a JSON stream takes JSON text as is
   * }
   * await pool.flush();
   * ```
   */
  ingestRecordNowait(record: RecordInput<T>): boolean {
    const generation = this.#route().current;
    this.#core.afterIngest(generation, generation.stream.ingestRecordNowait(record));
    return this.#core.hasRoom();
  }

  /**
   * Ingests a batch (one request on one stream, one offset) without waiting.
   *
   * @example
   * ```ts
   * // Each batch goes to one stream as one request: its records are acknowledged together.
   * for (let i = 0; i < records.length; i += 1_000) {
   *   if (!pool.ingestRecordsNowait(records.slice(i, i + 1_000))) await pool.ready(); // no stream has room
   * }
   * ```
   */
  ingestRecordsNowait(records: Iterable<RecordInput<T>>): boolean {
    const generation = this.#route().current;
    this.#core.afterIngest(generation, generation.stream.ingestRecordsNowait(records));
    return this.#core.hasRoom();
  }

  /**
   * Ingests one record once a stream has room; resolves with its pool offset once it is queued.
   *
   * @example
   * ```ts
   * const offset = await pool.ingestRecordOffset({ device: 'a1', temp: 21.5 });
   * await pool.waitForOffset(offset);
   * ```
   */
  async ingestRecordOffset(record: RecordInput<T>, options: SignalOptions = {}): Promise<PoolOffset> {
    const offset = await this.#ingestWithRoom(options.signal, 'ingestRecordOffset', (s) =>
      s.ingestRecordNowait(record),
    );
    return offset as PoolOffset;
  }

  /**
   * Ingests a batch once a stream has room; resolves with its pool offset, or `null` for an empty batch.
   *
   * @example
   * ```ts
   * // Waits for room 10 s at most (then rejects with ABORTED, the batch not taken).
   * const offset = await pool.ingestRecordsOffset(records, { signal: AbortSignal.timeout(10_000) });
   * if (offset !== null) {
   *   await pool.waitForOffset(offset);
   *   console.log(`batch durable at ${offset}`); // e.g. "batch durable at 1.0:42"
   * }
   * ```
   */
  ingestRecordsOffset(records: Iterable<RecordInput<T>>, options: SignalOptions = {}): Promise<PoolOffset | null> {
    return this.#ingestWithRoom(options.signal, 'ingestRecordsOffset', (s) => s.ingestRecordsNowait(records));
  }

  /**
   * Resolves when a `*Nowait` call would return true again (some stream has room).
   *
   * @example
   * ```ts
   * if (!pool.ingestRecordNowait(record)) {
   *   // every stream's window is full: wait for room, a minute at most (then an ABORTED error)
   *   await pool.ready({ signal: AbortSignal.timeout(60_000) });
   * }
   * ```
   */
  ready(options: SignalOptions = {}): Promise<void> {
    const core = this.#core;
    if (core.phase === 'failed') return this.#rejectOnceEnded();
    try {
      core.assertAccepting();
    } catch (error) {
      return Promise.reject(error);
    }
    if (core.hasRoom()) return Promise.resolve();
    return core.readyWaiters.wait(options.signal, 'ready');
  }

  /**
   * Resolves with `offset` once its record (and everything before it on the same stream) is
   * acknowledged, following it onto the replacement if its stream was replaced.
   *
   * @example
   * ```ts
   * import type { PoolOffset } from '@zerobus/sdk';
   *
   * const offsets: PoolOffset[] = [];
   * for (const record of records) offsets.push(await pool.ingestRecordOffset(record));
   * // Offsets of different streams are not ordered: wait for each of them (or flush()), not the last one.
   * await Promise.all(offsets.map((offset) => pool.waitForOffset(offset, { timeoutMs: 30_000 })));
   * ```
   */
  async waitForOffset(offset: PoolOffset, options: WaitForOffsetOptions = {}): Promise<PoolOffset> {
    let generation = PoolOffset.generationIn(this, offset);
    let logical = offset.offset;
    const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
    for (;;) {
      while (generation.next !== undefined) {
        if (logical <= generation.stream.ackedOffset) return offset;
        logical -= generation.shift;
        generation = generation.next;
      }
      const timeoutMs = deadline === undefined ? undefined : Math.max(1, deadline - Date.now());
      try {
        await generation.stream.waitForOffset(logical, { signal: options.signal, timeoutMs });
        return offset;
      } catch (error) {
        if (generation.stream.state !== 'failed') throw error; // aborted, timed out
        await this.#core.recover(this.#core.slots[generation.slot] as Slot, generation);
      }
    }
  }

  /**
   * Waits until every record ingested before this call is acknowledged, on every stream.
   *
   * @example
   * ```ts
   * for (const record of records) if (!pool.ingestRecordNowait(record)) await pool.ready();
   * // Durable on every stream; the signal abandons only the wait (ABORTED), not the records.
   * await pool.flush({ signal: AbortSignal.timeout(120_000) });
   * ```
   */
  async flush(options: SignalOptions = {}): Promise<void> {
    const core = this.#core;
    if (core.phase === 'failed') return this.#rejectOnceEnded();
    await Promise.all(core.slots.map((slot) => core.untilDone(slot, (s) => s.flush(options))));
  }

  /**
   * Flushes every stream, then closes them all. On a failed pool it rejects with the failure.
   *
   * `signal` bounds the wait. When it aborts before every record is acknowledged, the pool waits
   * no further: replacements under way stop, every stream is closed at once (see
   * `ZerobusStream.close`), the state becomes `closed`, close rejects with an `ABORTED` error
   * once the streams have ended, pending waits reject, and `getUnackedRecords()` /
   * `getUnackedBatches()` hold what was not acknowledged. Every call returns the same outcome (an
   * aborted close keeps rejecting, so `await using` throws it), and the signal of any call made
   * while the pool is closing ends the wait.
   *
   * @example
   * ```ts
   * process.once('SIGTERM', () => {
   *   // new ingest calls now throw STREAM_CLOSED; what was taken is flushed, for 25 s at most, then every stream ends
   *   pool.close({ signal: AbortSignal.timeout(25_000) }).then(
   *     () => process.exit(0),
   *     (error: unknown) => {
   *       console.error(`${pool.getUnackedRecords().length} records not acknowledged`, error);
   *       process.exit(1);
   *     },
   *   );
   * });
   * ```
   */
  async close(options: SignalOptions = {}): Promise<void> {
    const core = this.#core;
    if (core.phase === 'failed') throw await core.failed();
    this.#closing ??= this.#close(this.#closeSignals.signal).finally(() => this.#closeSignals.settled());
    this.#closeSignals.follow(options.signal);
    await this.#closing;
  }

  async #close(stop: AbortSignal): Promise<void> {
    const core = this.#core;
    core.closing = true;
    const closed = new NonRetriableError('STREAM_CLOSED', 'the stream pool was closed while waiting for room');
    core.roomWaiters.rejectAll(closed);
    core.readyWaiters.rejectAll(closed);
    // An abort ends the pool at once, even while a stream is being replaced (the flush waits for that).
    let aborted: ZerobusError | undefined;
    const onAbort = () => {
      aborted = abortError(stop, 'close');
      void core.abandon(aborted);
    };
    stop.addEventListener('abort', onAbort, { once: true });
    try {
      await this.flush({ signal: stop });
      await Promise.all(core.slots.map((slot) => core.untilDone(slot, (s) => s.close({ signal: stop }))));
    } catch (error) {
      if (core.phase === 'failed') throw error;
      // Aborted, or the wait ended some other way: the pool does not stay closing.
      await core.abandon(toZerobusError(error));
      throw aborted ?? error;
    } finally {
      stop.removeEventListener('abort', onAbort);
    }
    if (core.phase === 'open') core.phase = 'closed';
  }

  /**
   * `await using pool = await sdk.createStreamPool(...)` closes the pool at the end of the block.
   *
   * @example
   * ```ts
   * {
   *   await using pool = await sdk.createStreamPool(
   *     { clientId, clientSecret, table: 'main.iot.readings', options: { recordType: 'json' } },
   *     { size: 8 },
   *   );
   *   for (const record of records) if (!pool.ingestRecordNowait(record)) await pool.ready();
   * } // closed here, every stream flushed first; a failed pool makes the block throw its failure
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Every record not acknowledged, once the pool has failed or closed and its streams have
   * ended: stream after stream, each in its ingest order (there is no order across streams).
   *
   * @example
   * ```ts
   * import { writeFile } from 'node:fs/promises';
   *
   * try {
   *   await pool.close();
   * } catch (error) {
   *   // A failed pool's close() rejects once all its streams have ended: this list is final.
   *   await writeFile('unacked.ndjson', pool.getUnackedRecords().join('\n')); // JSON records as their text
   *   throw error;
   * }
   * ```
   */
  getUnackedRecords(): (string | Uint8Array)[] {
    return this.getUnackedBatches().flat();
  }

  /**
   * The unacknowledged requests of every stream, stream after stream, each as a list of records.
   *
   * @example
   * ```ts
   * // Once the pool has failed and its close() rejected: the requests not acknowledged, batches kept whole.
   * const batches = pool.getUnackedBatches();
   * const count = batches.reduce((sum, batch) => sum + batch.length, 0);
   * console.error(`${batches.length} requests (${count} records) not acknowledged`);
   * ```
   */
  getUnackedBatches(): (string | Uint8Array)[][] {
    if (!this.#core.ended()) {
      throw new NonRetriableError(
        'INVALID_STATE',
        `unacknowledged records are available once the pool has failed or closed and its streams have ended; it is ${this.state}`,
      );
    }
    return this.#core.slots.flatMap((slot) => slot.current.stream.getUnackedBatches());
  }

  /**
   * A wait on a failed pool: like the waits under way when it failed, it rejects only once the
   * streams have ended, so that getUnackedRecords() works as soon as it does.
   */
  async #rejectOnceEnded(): Promise<never> {
    await this.#core.failed();
    throw this.#core.failedError();
  }

  #route(): Slot {
    this.#core.assertAccepting();
    const slot = this.#core.pick();
    if (slot) return slot;
    throw new ZerobusError(
      'QUEUE_FULL',
      'no stream of the pool takes records while its failed streams are replaced; await ready() first (the record was not taken)',
    );
  }

  async #ingestWithRoom(
    signal: AbortSignal | undefined,
    what: string,
    ingest: (stream: ZerobusStream) => boolean,
  ): Promise<PoolOffset | null> {
    const core = this.#core;
    core.assertAccepting();
    const ticket = core.roomWaiters.ticket();
    for (;;) {
      const slot = core.pick();
      if (slot && !slot.current.full) {
        const generation = slot.current;
        const before = generation.stream.lastOffset;
        core.afterIngest(generation, ingest(generation.stream));
        const offset = generation.stream.lastOffset;
        return offset === before ? null : new PoolOffset(generation, offset);
      }
      await core.roomWaiters.wait(signal, what, ticket);
      core.assertAccepting();
    }
  }
}
