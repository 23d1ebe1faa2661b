/**
 * The connection side of a stream: it writes queued requests to the current call within the
 * in-flight window, maps wire offsets to logical ones, settles waits on acknowledgements, and
 * replaces the call on a close signal (rotation) or a retriable failure (recovery), replaying
 * every unacknowledged request first and in order. State machine:
 *
 *   opening ─► open ◄──► paused (close signal: wait for acks, then a new call, no backoff)
 *                 │  ▲
 *                 ▼  │
 *             recovering (backoff with jitter, each attempt bounded, `recoveryRetries` per outage)
 *                 │
 *   failed ◄──────┘ (non-retriable error, retries spent, flush timeout)    closed (close())
 *
 * `close()` waits for every acknowledgement; when one of its signals aborts first, the stream
 * ends at once (closed, the call cancelled) with its unacknowledged requests still queued.
 */
import { EventEmitter } from 'node:events';
import { CallHeaders } from '../auth/call-headers.js';
import { NonRetriableError, streamFailedError, toZerobusError, ZerobusError } from '../errors.js';
import type { ResolvedStreamOptions } from '../options.js';
import type { RecordEncoder } from '../records/encoder.js';
import { encodeIngestRequest, encodeRequest, WireRecordType } from '../transport/codec.js';
import { type Envelope, EnvelopePool } from '../transport/envelope-pool.js';
import { AckWatchdog } from './ack-watchdog.js';
import { backoff, backoffDelay } from './backoff.js';
import { CallbackRunner } from './callbacks.js';
import { CloseSignals } from './close-signals.js';
import { connect, type LiveCall } from './connect.js';
import type { EngineContext, StreamState } from './engine-context.js';
import { openFirstCall } from './first-call.js';
import { OffsetWaiters } from './offset-waiters.js';
import { RequestQueue } from './request-queue.js';
import { RoomWaiters } from './room-waiters.js';
import { emitSafely, type StreamEvents } from './stream-events.js';
import { StreamMetrics } from './stream-metrics.js';
import { nextWireRequest, WireOffsets } from './wire-requests.js';

export type { EngineContext, StreamState } from './engine-context.js';

type Phase = Exclude<StreamState, 'closing'>;

export abstract class StreamEngine extends EventEmitter<StreamEvents> {
  protected readonly context: EngineContext;
  protected readonly options: ResolvedStreamOptions;
  protected readonly encoder: RecordEncoder;
  protected readonly queue = new RequestQueue();
  protected readonly waiters = new OffsetWaiters();
  protected readonly roomWaiters = new RoomWaiters();
  protected readonly readyWaiters = new RoomWaiters();
  protected nextOffset = 0;
  protected ackedUpTo = -1;
  /**
   * Why the waits of an ended stream reject: the failure of a failed stream, or the STREAM_CLOSED
   * error of a stream whose close() stopped waiting and left requests unacknowledged.
   */
  protected failure: ZerobusError | undefined;
  protected readonly metrics = new StreamMetrics();

  readonly #callbacks: CallbackRunner;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #headers: CallHeaders;
  readonly #recordType: number;
  #phase: Phase = 'opening';
  #closing: Promise<void> | undefined;
  /** Aborts when the signal of any close() call does: close stops waiting and ends the stream. */
  readonly #closeSignals = new CloseSignals();
  #streamId: string | undefined;
  #live: LiveCall | undefined;
  /** Identifies the current call; events of replaced calls are ignored. */
  #callToken: object | undefined;
  #liveSince = 0;
  /** Wire offset → logical offset for the requests sent on the current call. */
  readonly #wire = new WireOffsets();
  /** How many requests from the queue's head were written to the current call. */
  #sent = 0;
  #pumpScheduled = false;
  readonly #envelopes = new EnvelopePool();
  /** False while grpc-js holds unflushed writes: writing more would only grow its buffer. */
  #writable = true;
  readonly #watchdog: AckWatchdog;
  #attemptsInOutage = 0;
  #endPause: (() => void) | undefined;
  /** Aborts when the stream ends: a reconnection attempt or backoff under way stops at once. */
  readonly #ended = new AbortController();
  #pauseTimer: NodeJS.Timeout | undefined;

  protected constructor(context: EngineContext) {
    super();
    this.context = context;
    this.options = context.options;
    this.encoder = context.encoder;
    this.#callbacks = new CallbackRunner(context.options.ackCallback, context.logger);
    // Monotonic with sub-millisecond resolution: latencies on a fast link are well under 1 ms.
    this.#now = context.now ?? (() => performance.now());
    this.#random = context.random ?? Math.random;
    this.#headers = new CallHeaders(context.headersProvider, context.table.tableName, context.logger);
    this.#recordType = this.encoder.mode === 'json' ? WireRecordType.JSON : WireRecordType.PROTO;
    this.#watchdog = new AckWatchdog(
      context.options.serverLackOfAckTimeoutMs,
      this.#now,
      () => (this.#sent > 0 && this.#live ? this.queue.peek()?.sentAt : undefined),
      () => {
        if (!this.#callToken) return;
        this.#onCallEnd(
          this.#callToken,
          new ZerobusError(
            'LACK_OF_ACK',
            `no acknowledgement from the server for ${this.options.serverLackOfAckTimeoutMs} ms while requests were in flight`,
          ),
        );
      },
    );
  }

  /** The server's id for the current call (it changes when the stream reconnects). */
  get streamId(): string | undefined {
    return this.#streamId;
  }

  /** The stream's current state. */
  get state(): StreamState {
    return this.#closing && !this.isTerminal() ? 'closing' : this.#phase;
  }

  /** Requests sent or queued and not yet acknowledged. */
  get pendingRequests(): number {
    return this.queue.length;
  }

  protected isTerminal(): boolean {
    return this.#phase === 'failed' || this.#phase === 'closed';
  }

  protected hasRoom(): boolean {
    return this.queue.length < this.options.maxInflightRecords && this.queue.bytes < this.options.maxInflightBytes;
  }

  /** Opens the first call; with recovery on, retriable failures are retried as in recovery. */
  protected async start(signal: AbortSignal | undefined): Promise<void> {
    const { options, context } = this;
    const first = {
      options,
      logger: context.logger,
      kind: 'stream',
      table: context.table.tableName,
      random: this.#random,
    };
    const failure = await openFirstCall(first, () => this.#openCall(signal), signal);
    if (!failure) return;
    this.#phase = 'failed';
    this.failure = failure;
    this.context.channel.close();
    throw failure;
  }

  protected assertUsable(): void {
    if (this.#phase === 'failed') {
      throw streamFailedError('the stream', this.failure);
    }
  }

  protected assertAccepting(): void {
    this.assertUsable();
    if (this.#closing || this.#phase === 'closed') {
      throw new NonRetriableError('STREAM_CLOSED', 'the stream is closed; create a new one to ingest more');
    }
  }

  protected enqueue(payloads: readonly Uint8Array[], batch: boolean): number {
    const offset = this.nextOffset++;
    this.queue.push({ offset, payloads, batch, sentAt: 0, firstSentAt: -1 });
    // Waiters for room are woken one at a time, each by the one before it: with a byte bound,
    // only the queue after each enqueue knows whether there is room for the next.
    if (this.roomWaiters.size > 0 && this.hasRoom()) this.roomWaiters.wake(1);
    if (!this.#pumpScheduled && this.#phase === 'open') {
      // Writing once per tick lets a burst of ingest calls go out together.
      this.#pumpScheduled = true;
      queueMicrotask(() => this.#pump());
    }
    return offset;
  }

  /** Waits for every offset issued so far; a timeout fails the stream (records stay retrievable). */
  protected async waitAllIssued(signal: AbortSignal | undefined, what: string): Promise<void> {
    const target = this.nextOffset - 1;
    if (target <= this.ackedUpTo) return;
    if (this.failure) throw this.failure;
    try {
      await this.waiters.wait(target, { signal, timeoutMs: this.options.flushTimeoutMs, what });
    } catch (error) {
      if (error instanceof ZerobusError && error.code === 'TIMEOUT') this.#fail(error);
      throw error;
    }
  }

  /**
   * Closes the stream once every request is acknowledged. When the signal of this or any other
   * close() call aborts first, the stream ends at once (see #abandon) and close() rejects with
   * the ABORTED error. Every call returns the same promise, which settles once.
   */
  protected shutdown(signal: AbortSignal | undefined): Promise<void> {
    if (this.#phase === 'failed') return Promise.reject(this.failure);
    this.#closing ??= this.#close(this.#closeSignals.signal).finally(() => this.#closeSignals.settled());
    this.#closeSignals.follow(signal);
    return this.#closing;
  }

  async #close(stop: AbortSignal): Promise<void> {
    const closed = new NonRetriableError('STREAM_CLOSED', 'the stream was closed while waiting for room');
    this.roomWaiters.rejectAll(closed);
    this.readyWaiters.rejectAll(closed);
    try {
      await this.waitAllIssued(stop, 'close');
    } catch (error) {
      // A flush timeout or a failure has failed the stream already; an abort ends it here.
      if (!this.isTerminal()) this.#abandon(toZerobusError(error));
      throw error;
    }
    this.#phase = 'closed';
    this.#ended.abort();
    this.metrics.end();
    this.#watchdog.clear();
    this.#live?.call.end();
    this.#live = undefined;
    this.context.channel.close();
    if (!(await this.#callbacks.drain(this.options.callbackMaxWaitTimeMs, stop))) {
      this.context.logger.warn(
        { streamId: this.#streamId },
        stop.aborted
          ? 'close aborted while ack callbacks were still running'
          : 'ack callbacks still running after callbackMaxWaitTimeMs',
      );
    }
  }

  /**
   * Ends the stream without waiting further, when close() stops waiting before every request is
   * acknowledged: the call is cancelled, pending waits reject with a STREAM_CLOSED error, each
   * unacknowledged request gets the error callback, and the requests stay queued, in order, for
   * getUnackedRecords() and recreateStream.
   */
  #abandon(reason: ZerobusError): void {
    const unacked = this.queue.length;
    const error = new NonRetriableError(
      'STREAM_CLOSED',
      `the stream was closed with ${unacked} requests not acknowledged (${reason.message}); ` +
        'they are in getUnackedRecords()',
      { cause: reason },
    );
    this.context.logger.warn(
      { streamId: this.#streamId, unacked, error: reason.message },
      'stream closed before every request was acknowledged',
    );
    this.#end('closed', error);
  }

  // --- sending -------------------------------------------------------------------------------

  #pump(): void {
    this.#pumpScheduled = false;
    const live = this.#live;
    if (this.#phase !== 'open' || !live || !this.#writable) return;
    const limit = Math.min(this.queue.length, this.options.maxInflightRecords);
    if (this.#sent >= limit) return;
    const now = this.#now();
    while (this.#sent < limit) {
      const request = nextWireRequest(this.queue, this.#sent, limit);
      for (let i = 0; i < request.count; i++) {
        const entry = this.queue.at(this.#sent + i)!;
        entry.sentAt = now;
        if (entry.firstSentAt < 0) entry.firstSentAt = now;
      }
      this.#sent += request.count;
      let envelope: Envelope | undefined;
      const bytes = encodeIngestRequest(
        {
          kind: request.records.length === 1 ? 'ingestRecord' : 'ingestBatch',
          offsetId: this.#wire.push(request.last.offset),
          recordType: this.#recordType,
          records: request.records,
        },
        (size) => {
          envelope = this.#envelopes.take(size);
          return envelope.bytes;
        },
      );
      const flushed = live.call.write(bytes, envelope?.release);
      if (!flushed) {
        // Respect the transport's back-pressure: grpc-js's send buffer costs O(buffered) per
        // message to maintain, and HTTP/2 flow control lets nothing more out anyway.
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

  #onAck(token: object, wireOffset: number): void {
    if (token !== this.#callToken) return;
    const offset = this.#wire.ack(wireOffset);
    if (offset === null) {
      this.#onCallEnd(
        token,
        new ZerobusError('INTERNAL', `the server acknowledged wire offset ${wireOffset}, which was never sent`),
      );
      return;
    }
    if (offset === undefined || offset <= this.ackedUpTo) return;
    this.#sent -= this.metrics.shiftAcked(this.queue, offset, this.#now());
    const first = this.ackedUpTo + 1;
    this.ackedUpTo = offset;
    this.#attemptsInOutage = 0;
    this.waiters.settleThrough(offset);
    this.#callbacks.ack(first, offset);
    emitSafely(this, this.context.logger, 'ack', offset);
    if (this.hasRoom()) {
      this.roomWaiters.wake(1); // the rest follow one by one, see enqueue()
      this.readyWaiters.wake(Number.POSITIVE_INFINITY);
    }
    if (this.#sent === 0) this.#endPause?.();
    this.#watchdog.arm();
    this.#pump();
  }

  // --- calls, rotation and recovery ------------------------------------------------------------

  /** Opens a call and makes it current; false when the stream ended or moved on meanwhile. */
  async #openCall(signal?: AbortSignal): Promise<boolean> {
    const token = {};
    this.#callToken = token;
    const live = await connect(
      {
        channel: this.context.channel,
        headers: this.#headers,
        createRequest: encodeRequest({
          kind: 'createStream',
          tableName: this.context.table.tableName,
          recordType: this.#recordType,
          descriptorProto: this.encoder.descriptorProto,
        }),
        timeoutMs: this.options.recoveryTimeoutMs,
        signal,
      },
      {
        onAck: (wireOffset) => this.#onAck(token, wireOffset),
        onCloseSignal: (durationMs) => this.#onCloseSignal(token, durationMs),
        onEnd: (error) => this.#onCallEnd(token, error),
      },
    );
    if (this.isTerminal() || this.#callToken !== token) {
      live.call.cancel();
      return false;
    }
    this.#live = live;
    this.#writable = true;
    if (this.#streamId !== undefined) this.metrics.reconnects++;
    this.#streamId = live.streamId;
    this.#liveSince = this.#now();
    this.#wire.reset();
    this.#sent = 0;
    this.#phase = 'open';
    this.context.logger.debug(
      { table: this.context.table.tableName, streamId: live.streamId, replaying: this.queue.length },
      'stream call open',
    );
    this.#pump();
    return true;
  }

  #dropCall(): void {
    this.#watchdog.clear();
    this.#callToken = undefined;
    this.#live?.call.cancel();
    this.#live = undefined;
    this.#sent = 0;
  }

  #onCallEnd(token: object, error: ZerobusError | undefined): void {
    if (token !== this.#callToken || this.isTerminal()) return;
    if (this.#phase === 'paused' && (error === undefined || error.retriable)) {
      // The server ending the call after its close signal is the expected next step.
      this.#endPause?.();
      return;
    }
    const failure = error ?? new ZerobusError('CONNECTION', 'the call ended');
    this.#dropCall();
    if (failure.retriable && this.options.recovery) void this.#recover(failure);
    else this.#fail(failure);
  }

  #onCloseSignal(token: object, durationMs: number | undefined): void {
    if (token !== this.#callToken || this.#phase !== 'open') return;
    if (!this.options.recovery) {
      this.context.logger.info({ streamId: this.#streamId, durationMs }, 'close signal ignored: recovery is off');
      emitSafely(this, this.context.logger, 'closeSignal', { durationMs });
      return;
    }
    this.#phase = 'paused';
    const max = this.options.streamPausedMaxWaitTimeMs;
    const waitMs = max === null ? durationMs : durationMs === undefined ? max : Math.min(max, durationMs);
    this.context.logger.info({ streamId: this.#streamId, durationMs, waitMs }, 'server close signal: pausing');
    this.#endPause = () => {
      this.#cancelPause();
      void this.#rotate();
    };
    emitSafely(this, this.context.logger, 'closeSignal', { durationMs });
    if (this.#sent === 0 || waitMs === 0) this.#endPause?.();
    else if (waitMs !== undefined) this.#pauseTimer = setTimeout(() => this.#endPause?.(), waitMs);
  }

  /** Forgets a pause: its timer too, which would otherwise keep an ended stream's process alive. */
  #cancelPause(): void {
    clearTimeout(this.#pauseTimer);
    this.#pauseTimer = undefined;
    this.#endPause = undefined;
  }

  /** Moves to a new call after a close signal: no backoff, and the retry budget is not spent. */
  async #rotate(): Promise<void> {
    if (this.isTerminal()) return;
    this.#dropCall();
    this.#phase = 'recovering';
    try {
      await this.#openCall(this.#ended.signal);
    } catch (error) {
      await this.#recover(toZerobusError(error));
    }
  }

  async #recover(cause: ZerobusError): Promise<void> {
    // A rotation's new call can fail because close() ended the stream meanwhile: nothing to recover.
    if (this.isTerminal()) return;
    this.#phase = 'recovering';
    // A call that stayed up for a whole attempt's time limit ends the previous outage.
    if (this.#now() - this.#liveSince >= this.options.recoveryTimeoutMs) this.#attemptsInOutage = 0;
    this.context.logger.warn(
      { streamId: this.#streamId, error: cause.message },
      'stream connection failed; recovering',
    );
    let last = cause;
    while (!this.isTerminal()) {
      if (this.#attemptsInOutage >= this.options.recoveryRetries) {
        this.#fail(
          new ZerobusError(
            'RECOVERY_FAILED',
            `recovery failed after ${this.#attemptsInOutage} attempts: ${last.message}`,
            {
              cause: last,
            },
          ),
        );
        return;
      }
      if (this.#attemptsInOutage > 0) {
        await backoff(backoffDelay(this.options, this.#attemptsInOutage, this.#random), this.#ended.signal);
      }
      if (this.isTerminal()) return;
      this.#attemptsInOutage++;
      emitSafely(this, this.context.logger, 'recovering', { error: last, attempt: this.#attemptsInOutage });
      const replayed = this.metrics.sentPending(this.queue);
      try {
        if (await this.#openCall(this.#ended.signal)) {
          const recovered = { streamId: this.#streamId!, attempts: this.#attemptsInOutage, replayed };
          emitSafely(this, this.context.logger, 'recovered', recovered);
        }
        return;
      } catch (error) {
        if (this.isTerminal()) return; // ended meanwhile: the attempt was aborted
        last = toZerobusError(error);
        if (!last.retriable) {
          this.#fail(last);
          return;
        }
        // Debug only: the next attempt's `recovering` event carries this failure; the last one fails the stream.
        const fields = { attempt: this.#attemptsInOutage, code: last.code, error: last.message };
        this.context.logger.debug(fields, 'recovery attempt failed');
      }
    }
  }

  #fail(error: ZerobusError): void {
    if (this.isTerminal()) return;
    this.context.logger.error({ streamId: this.#streamId, code: error.code, error: error.message }, 'stream failed');
    this.#end('failed', error);
    emitSafely(this, this.context.logger, 'error', error);
  }

  /**
   * Ends the stream for good with `error`: the call and the channel dropped, every wait rejected,
   * the error callback for each unacknowledged request — which stays queued, in order, for
   * getUnackedRecords() and recreateStream.
   */
  #end(phase: 'failed' | 'closed', error: ZerobusError): void {
    this.#phase = phase;
    this.failure = error;
    this.#ended.abort(error);
    this.#dropCall();
    this.#cancelPause();
    this.context.channel.close();
    this.waiters.rejectAll(error);
    this.roomWaiters.rejectAll(error);
    this.readyWaiters.rejectAll(error);
    if (this.#callbacks.hasErrorCallback) {
      for (const request of this.queue.toArray()) this.#callbacks.error(request.offset, error.message);
    }
    this.metrics.end();
  }
}
