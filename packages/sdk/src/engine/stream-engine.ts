/**
 * The life of a stream, written once for every protocol: it writes queued units to the current
 * call within the in-flight window, maps acknowledgements to logical offsets (through the
 * protocol adapter), settles waits and callbacks, and replaces the call on a close signal
 * (rotation) or a retriable failure (recovery), replaying every unacknowledged unit first and in
 * order. The adapter (StreamProtocol) does only what differs: opening a call, encoding, acks.
 *
 *   opening ─► open ◄──► paused (close signal: wait for acks, then a new call, no backoff)
 *                 │  ▲
 *                 ▼  │
 *             recovering (backoff with jitter, each attempt bounded, `recoveryRetries` per outage)
 *                 │
 *   failed ◄──────┘ (non-retriable error, retries spent, flush timeout)    closed (close())
 *
 * `close()` waits for every acknowledgement; when one of its signals aborts first, the stream
 * ends at once (closed, the call cancelled) with its unacknowledged units still queued.
 * StreamBase (stream-base.ts) puts the public API shared by both kinds of stream on top.
 */
import { EventEmitter } from 'node:events';
import { CallHeaders } from '../auth/call-headers.js';
import { NonRetriableError, streamFailedError, toZerobusError, ZerobusError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { StreamCall } from '../transport/channel.js';
import { AckWatchdog } from './ack-watchdog.js';
import { CallbackRunner } from './callbacks.js';
import { CloseSignals } from './close-signals.js';
import type { EngineOptions, EngineParts, StreamState } from './engine-context.js';
import { openFirstCall } from './first-call.js';
import { OffsetWaiters } from './offset-waiters.js';
import { type RecoveryHost, recover } from './recovery.js';
import { type QueuedUnit, RequestQueue, type SendStamp } from './request-queue.js';
import { RoomWaiters } from './room-waiters.js';
import { emitSafely, type StreamEvents } from './stream-events.js';
import { StreamMetrics } from './stream-metrics.js';
import type { StreamProtocol } from './stream-protocol.js';

export type { EngineContext, StreamState } from './engine-context.js';

type Phase = Exclude<StreamState, 'closing'>;

export abstract class StreamEngine<Unit extends QueuedUnit, Ack> extends EventEmitter<StreamEvents> {
  protected readonly queue = new RequestQueue<Unit>();
  protected readonly waiters = new OffsetWaiters();
  protected readonly roomWaiters = new RoomWaiters();
  protected readonly readyWaiters = new RoomWaiters();
  protected readonly metrics = new StreamMetrics();
  protected readonly logger: Logger;
  protected nextOffset = 0;
  protected ackedUpTo = -1;
  /**
   * Why the waits of an ended stream reject: the failure of a failed stream, or the STREAM_CLOSED
   * error of a stream whose close() stopped waiting and left units unacknowledged.
   */
  protected failure: ZerobusError | undefined;

  readonly #parts: EngineParts<Unit, Ack>;
  readonly #options: EngineOptions;
  readonly #protocol: StreamProtocol<Unit, Ack>;
  /** The protocol's `discard`, bound once: called for every unit acknowledged. */
  readonly #discard: ((unit: Unit) => void) | undefined;
  readonly #callbacks: CallbackRunner;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #headers: CallHeaders;
  #phase: Phase = 'opening';
  #closing: Promise<void> | undefined;
  /** Aborts when the signal of any close() call does: close stops waiting and ends the stream. */
  readonly #closeSignals = new CloseSignals();
  #streamId: string | undefined;
  #calls = 0;
  #live: StreamCall | undefined;
  /** Identifies the current call; events of replaced calls are ignored. */
  #callToken: object | undefined;
  #liveSince = 0;
  /** How many units from the queue's head were written to the current call. */
  #sent = 0;
  #pumpScheduled = false;
  /** The scheduled pump, one closure for the stream's life rather than one per tick. */
  readonly #pumpTask = () => this.#pump();
  /** False while the transport holds unflushed writes: writing more would only grow its buffer. */
  #writable = true;
  readonly #watchdog: AckWatchdog;
  #attemptsInOutage = 0;
  #endPause: (() => void) | undefined;
  /** Aborts when the stream ends: a reconnection attempt or backoff under way stops at once. */
  readonly #ended = new AbortController();
  #pauseTimer: NodeJS.Timeout | undefined;

  protected constructor(parts: EngineParts<Unit, Ack>) {
    super();
    this.#parts = parts;
    this.#options = parts.options;
    this.#protocol = parts.protocol;
    this.#discard = parts.protocol.discard?.bind(parts.protocol);
    this.logger = parts.logger;
    this.#callbacks = new CallbackRunner(parts.options.ackCallback, parts.logger);
    // Monotonic with sub-millisecond resolution: latencies on a fast link are well under 1 ms.
    this.#now = parts.now ?? (() => performance.now());
    this.#random = parts.random ?? Math.random;
    this.#headers = new CallHeaders(parts.headersProvider, parts.tableName, parts.logger);
    this.#watchdog = new AckWatchdog(
      parts.options.serverLackOfAckTimeoutMs,
      this.#now,
      () => (this.#sent > 0 && this.#live ? this.queue.peek()?.sent?.at : undefined),
      () => {
        if (!this.#callToken) return;
        const what = `no acknowledgement from the server for ${this.#options.serverLackOfAckTimeoutMs} ms`;
        this.#onCallEnd(
          this.#callToken,
          new ZerobusError('LACK_OF_ACK', `${what} while ${this.#protocol.units} were in flight`),
        );
      },
    );
  }

  /** The server's id for the current call, where the protocol has one (it changes on reconnects). */
  protected get currentStreamId(): string | undefined {
    return this.#streamId;
  }

  /** The stream's current state. */
  get state(): StreamState {
    return this.#closing && !this.isTerminal() ? 'closing' : this.#phase;
  }

  protected isTerminal(): boolean {
    return this.#phase === 'failed' || this.#phase === 'closed';
  }

  protected hasRoom(): boolean {
    return this.queue.length < this.#options.maxInflightUnits && this.queue.bytes < this.#options.maxInflightBytes;
  }

  /** Opens the first call; with recovery on, retriable failures are retried as in recovery. */
  protected async start(signal: AbortSignal | undefined): Promise<void> {
    const first = {
      options: this.#options,
      logger: this.logger,
      kind: this.#protocol.kind,
      table: this.#parts.tableName,
      random: this.#random,
    };
    const failure = await openFirstCall(first, () => this.#openCall(signal), signal);
    if (!failure) return;
    this.#phase = 'failed';
    this.failure = failure;
    this.#parts.channel.close();
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

  /** Queues `unit`, which carries the offset `nextOffset` gave it; returns that offset. */
  protected enqueue(unit: Unit): number {
    const offset = this.nextOffset++;
    this.queue.push(unit);
    // Waiters for room are woken one at a time, each by the one before it: with a byte bound,
    // only the queue after each enqueue knows whether there is room for the next.
    if (this.roomWaiters.size > 0 && this.hasRoom()) this.roomWaiters.wake(1);
    if (!this.#pumpScheduled && this.#phase === 'open') {
      // Writing once per tick lets a burst of ingest calls go out together.
      this.#pumpScheduled = true;
      queueMicrotask(this.#pumpTask);
    }
    return offset;
  }

  /**
   * Whether a caller may enqueue right away: the window has room and nobody waits for it. Then
   * the ingest call takes its offset synchronously, with no wait (and no turn of the microtask
   * queue) before its unit is queued, so a sequential caller's unit goes out in the same tick.
   */
  protected roomNow(): boolean {
    return this.roomWaiters.size === 0 && this.hasRoom();
  }

  /** Waits for room in the window; woken in turn, so that callers enqueue in the order they came. */
  protected async waitForRoom(signal: AbortSignal | undefined, what: string): Promise<void> {
    const ticket = this.roomWaiters.ticket();
    while (!this.hasRoom()) {
      await this.roomWaiters.wait(signal, what, ticket);
      this.assertAccepting();
    }
  }

  /** Waits for every offset issued so far; a timeout fails the stream (units stay retrievable). */
  protected async waitAllIssued(signal: AbortSignal | undefined, what: string): Promise<void> {
    const target = this.nextOffset - 1;
    if (target <= this.ackedUpTo) return;
    if (this.failure) throw this.failure;
    try {
      await this.waiters.wait(target, { signal, timeoutMs: this.#options.flushTimeoutMs, what });
    } catch (error) {
      if (error instanceof ZerobusError && error.code === 'TIMEOUT') this.#fail(error);
      throw error;
    }
  }

  /**
   * Closes the stream once every unit is acknowledged. When the signal of this or any other
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
    this.#live?.end();
    this.#live = undefined;
    this.#parts.channel.close();
    if (!(await this.#callbacks.drain(this.#options.callbackMaxWaitTimeMs, stop))) {
      this.logger.warn(
        { table: this.#parts.tableName, streamId: this.#streamId },
        stop.aborted
          ? 'close aborted while ack callbacks were still running'
          : 'ack callbacks still running after callbackMaxWaitTimeMs',
      );
    }
  }

  /**
   * Ends the stream without waiting further, when close() stops waiting before every unit is
   * acknowledged: the call is cancelled, pending waits reject with a STREAM_CLOSED error, each
   * unacknowledged unit gets the error callback, and the units stay queued, in order, for
   * getUnacked*() and recreateStream. close() rejects with the reason: nothing else is logged.
   */
  #abandon(reason: ZerobusError): void {
    const unacked = this.queue.length;
    const units = this.#protocol.units;
    const error = new NonRetriableError(
      'STREAM_CLOSED',
      `the stream was closed with ${unacked} ${units} not acknowledged (${reason.message}); ` +
        `they are in ${units === 'batches' ? 'getUnackedBatches()' : 'getUnackedRecords()'}`,
      { cause: reason },
    );
    this.#end('closed', error);
  }

  // --- sending and acknowledgements --------------------------------------------------------------

  #pump(): void {
    this.#pumpScheduled = false;
    const live = this.#live;
    if (this.#phase !== 'open' || !live || !this.#writable) return;
    const limit = Math.min(this.queue.length, this.#options.maxInflightUnits);
    if (this.#sent >= limit) return;
    const stamp: SendStamp = { at: this.#now() };
    while (this.#sent < limit) {
      const message = this.#protocol.encode(this.queue, this.#sent, limit);
      for (let i = 0; i < message.count; i++) {
        const entry = this.queue.at(this.#sent + i)!;
        entry.sent = stamp;
        if (entry.firstSent === undefined) entry.firstSent = stamp;
      }
      this.#sent += message.count;
      if (!live.write(message.bytes, message.release)) {
        // Respect the transport's back-pressure: grpc-js's send buffer costs O(buffered) per
        // message to maintain, and HTTP/2 flow control lets nothing more out anyway.
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

  #onAck(token: object, ack: Ack): void {
    if (token !== this.#callToken) return;
    let offset: number | undefined;
    try {
      offset = this.#protocol.ack(ack);
    } catch (error) {
      this.#onCallEnd(token, toZerobusError(error));
      return;
    }
    if (offset === undefined || offset <= this.ackedUpTo) return;
    this.#sent -= this.metrics.shiftAcked(this.queue, offset, this.#now(), this.#discard);
    const first = this.ackedUpTo + 1;
    this.ackedUpTo = offset;
    this.#attemptsInOutage = 0;
    this.waiters.settleThrough(offset);
    this.#callbacks.ack(first, offset);
    emitSafely(this, this.logger, 'ack', offset);
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
    const opened = await this.#protocol.open(
      { headers: this.#headers, timeoutMs: this.#options.recoveryTimeoutMs, signal },
      {
        onAck: (ack) => this.#onAck(token, ack),
        onCloseSignal: (durationMs) => this.#onCloseSignal(token, durationMs),
        onEnd: (error) => this.#onCallEnd(token, error),
      },
    );
    if (this.isTerminal() || this.#callToken !== token) {
      opened.call.cancel();
      return false;
    }
    this.#live = opened.call;
    this.#writable = true;
    if (this.#calls++ > 0) this.metrics.reconnects++;
    this.#streamId = opened.streamId;
    this.#liveSince = this.#now();
    this.#protocol.startCall();
    this.#sent = 0;
    this.#phase = 'open';
    this.logger.debug(
      { table: this.#parts.tableName, streamId: opened.streamId, replaying: this.queue.length },
      `${this.#protocol.kind} call open`,
    );
    this.#pump();
    return true;
  }

  #dropCall(): void {
    this.#watchdog.clear();
    this.#callToken = undefined;
    this.#live?.cancel();
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
    if (failure.retriable && this.#options.recovery) void this.#recover(failure);
    else this.#fail(failure);
  }

  #onCloseSignal(token: object, durationMs: number | undefined): void {
    if (token !== this.#callToken || this.#phase !== 'open') return;
    if (!this.#options.recovery) {
      this.logger.info({ streamId: this.#streamId, durationMs }, 'close signal ignored: recovery is off');
      emitSafely(this, this.logger, 'closeSignal', { durationMs });
      return;
    }
    this.#phase = 'paused';
    const max = this.#options.streamPausedMaxWaitTimeMs;
    const waitMs = max === null ? durationMs : durationMs === undefined ? max : Math.min(max, durationMs);
    this.logger.debug({ streamId: this.#streamId, durationMs, waitMs }, 'server close signal: pausing');
    this.#endPause = () => {
      this.#cancelPause();
      void this.#rotate();
    };
    emitSafely(this, this.logger, 'closeSignal', { durationMs });
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

  #recover(cause: ZerobusError): Promise<void> {
    // A rotation's new call can fail because close() ended the stream meanwhile: nothing to recover.
    if (this.isTerminal()) return Promise.resolve();
    this.#phase = 'recovering';
    // A call that stayed up for a whole attempt's time limit ends the previous outage.
    if (this.#now() - this.#liveSince >= this.#options.recoveryTimeoutMs) this.#attemptsInOutage = 0;
    return recover(this.#recoveryHost, cause);
  }

  /** What the recovery loop (recovery.ts) reads and does on this stream. */
  readonly #recoveryHost: RecoveryHost = {
    options: () => this.#options,
    logger: () => this.logger,
    random: () => this.#random,
    ended: () => this.#ended.signal,
    streamId: () => this.#streamId,
    isTerminal: () => this.isTerminal(),
    attempts: () => this.#attemptsInOutage,
    countAttempt: () => ++this.#attemptsInOutage,
    replayable: () => this.metrics.sentPending(this.queue),
    openCall: (signal) => this.#openCall(signal),
    emit: (event, value) => emitSafely(this, this.logger, event, value as never),
    fail: (error) => this.#fail(error),
  };

  /**
   * Fails the stream. Not logged beyond debug: the application gets the error, from every wait
   * and ingest call that follows and from the `error` event.
   */
  #fail(error: ZerobusError): void {
    if (this.isTerminal()) return;
    this.logger.debug(
      { table: this.#parts.tableName, streamId: this.#streamId, code: error.code, error: error.message },
      `${this.#protocol.kind} failed`,
    );
    this.#end('failed', error);
    emitSafely(this, this.logger, 'error', error);
  }

  /**
   * Ends the stream for good with `error`: the call and the channel dropped, every wait rejected,
   * the error callback for each unacknowledged unit — which stays queued, in order, for
   * getUnacked*() and recreateStream.
   */
  #end(phase: 'failed' | 'closed', error: ZerobusError): void {
    this.#phase = phase;
    this.failure = error;
    this.#ended.abort(error);
    this.#dropCall();
    this.#cancelPause();
    this.#parts.channel.close();
    this.waiters.rejectAll(error);
    this.roomWaiters.rejectAll(error);
    this.readyWaiters.rejectAll(error);
    if (this.#callbacks.hasErrorCallback) {
      for (const unit of this.queue.toArray()) this.#callbacks.error(unit.offset, error.message);
    }
    this.metrics.end();
  }
}
