/**
 * One `EphemeralStream` call: authenticate on open, create the stream on the first message,
 * then store ingest requests in order (with `storeRecords: false`, only count them) and
 * acknowledge them cumulatively (PROTOCOL.md §2). What is accepted is decided in
 * stream-checks.ts; this class owns the call's lifecycle.
 *
 * All processing is synchronous per message, so requests are handled strictly in arrival order.
 * Acks are coalesced: storing a request only schedules a flush (setImmediate, or `ackDelayMs`),
 * and the flush acknowledges the highest offset stored by then, so a burst of requests gets one
 * ack. Every write is guarded: once the call ended (by us, the client, or a dropped connection)
 * nothing more is written, so client misbehaviour can never raise on the server.
 */

import { randomUUID } from 'node:crypto';
import { Metadata, type ServerDuplexStream } from '@grpc/grpc-js';
import { type CreateStreamRequest, GrpcStatus, type IngestRequest, type StreamResponse } from '@zerobus/sdk/wire';
import type { IssuedToken } from '../oauth/tokens.js';
import { callStatus } from '../options.js';
import type { CallRecord, CallSession, EmulatorState, StreamInfo } from '../state.js';
import type { RecordKind } from '../tables/table-registry.js';
import { type DeltaTarget, decodeRows } from './delta-target.js';
import { checkCreateStream, checkIngest, checkIngestFraming, isRejection, TABLE_HEADER } from './stream-checks.js';
import { StreamRateLimit } from './stream-rate.js';

/** What the service's deserializer yields: a request, or why the bytes were not one. */
export type DecodedRequest =
  | ((CreateStreamRequest | IngestRequest) & { readonly messageBytes?: number })
  | DecodeFailure;
export interface DecodeFailure {
  readonly kind: 'decodeFailure';
  readonly error: string;
}

export type EphemeralCall = ServerDuplexStream<DecodedRequest, StreamResponse>;

/** Metadata as a plain object: first value per key, binary values base64. */
export function metadataToObject(metadata: Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) {
    out[key] = typeof value === 'string' ? value : Buffer.from(value).toString('base64');
  }
  return out;
}

export class StreamSession implements CallSession {
  readonly record: CallRecord;
  private phase: 'awaitingCreate' | 'streaming' | 'ended' = 'awaitingCreate';
  private token: IssuedToken | undefined;
  private stream:
    | { readonly id: string; readonly tableName: string; readonly kind: RecordKind; readonly delta?: DeltaTarget }
    | undefined;
  private nextOffset = 0;
  /** Highest wire offset accepted; for Delta tables it becomes durable once its commit lands. */
  private lastAccepted = -1;
  /** Highest wire offset whose records are durable: what the next ack covers. */
  private lastStored = -1;
  private lastAcked = -1;
  /** Requests handed to a Delta group commit and not settled yet. */
  private pendingCommits = 0;
  /** A rejection waiting for the pending commits, so that the good requests before it are acked first. */
  private failureAfterCommits: { code: number; details: string } | undefined;
  private requestsAccepted = 0;
  private halfClosed = false;
  private closeSignalSent = false;
  private cancelAckTimer: (() => void) | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private rotationTimer: NodeJS.Timeout | undefined;
  private readingPaused = false;
  /** Reading stopped by the per-stream record rate (options.maxStreamRecordsPerSecond). */
  private ratePaused = false;
  private rateTimer: NodeJS.Timeout | undefined;
  private readonly rate: StreamRateLimit | undefined;

  constructor(
    private readonly call: EphemeralCall,
    private readonly state: EmulatorState,
  ) {
    this.record = {
      id: state.nextCallId++,
      path: call.getPath(),
      headers: metadataToObject(call.metadata),
      peer: safe(() => call.getPeer(), 'unknown'),
      openedAt: Date.now(),
    };
    const rate = state.options.maxStreamRecordsPerSecond;
    this.rate = rate === undefined ? undefined : new StreamRateLimit(rate);
  }

  /** Wires the call's events and runs the checks due when a call opens. */
  start(): void {
    const { state, call } = this;
    state.calls.push(this.record);
    state.sessions.add(this);
    state.stats.callsOpened++;
    call.on('data', (message: DecodedRequest) => this.guard(() => this.onMessage(message)));
    call.on('end', () => this.guard(() => this.onHalfClose()));
    call.on('cancelled', () => this.markEnded(GrpcStatus.CANCELLED, 'cancelled by the client or connection lost'));
    // grpc-js turns 'error' into the call's status itself; this listener only guarantees that an
    // error event can never be unhandled.
    call.on('error', () => {});
    // Official clients wait for the response headers before sending create_stream (PROTOCOL.md §2).
    safe(() => call.sendMetadata(new Metadata()), undefined);
    state.changed();

    const injected = state.faults.takeCallFailure();
    if (injected) {
      this.fail(injected.code, injected.details);
    } else if (state.closing) {
      this.fail(GrpcStatus.UNAVAILABLE, 'emulator is shutting down');
    } else if (state.options.auth) {
      // Authentication belongs to the call (its metadata); authorization waits for create_stream.
      const lookup = state.tokens.lookup(this.header('authorization'));
      if (lookup.ok) this.token = lookup.token;
      else this.fail(GrpcStatus.UNAUTHENTICATED, lookup.reason);
    }
  }

  get clientId(): string | undefined {
    return this.token?.clientId;
  }

  /** Snapshot for `emulator.streams`; undefined until create_stream succeeded. */
  info(): StreamInfo | undefined {
    const stream = this.stream;
    if (!stream || this.phase !== 'streaming') return undefined;
    return {
      streamId: stream.id,
      callId: this.record.id,
      tableName: stream.tableName,
      recordType: stream.kind,
      headers: this.record.headers,
      openedAt: this.record.openedAt,
      requestsAccepted: this.requestsAccepted,
      nextOffsetId: this.nextOffset,
      ackedUpTo: this.lastAcked,
      closeSignalSent: this.closeSignalSent,
      halfClosed: this.halfClosed,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Messages

  private onMessage(message: DecodedRequest): void {
    // Once a rejection waits for earlier commits, later requests are ignored: their own (offset)
    // errors must not replace the one the call ends with.
    if (this.phase === 'ended' || this.failureAfterCommits) return;
    if (message.kind === 'decodeFailure') {
      this.fail(GrpcStatus.INVALID_ARGUMENT, `malformed EphemeralStreamRequest: ${message.error}`);
    } else if (message.kind === 'createStream') {
      this.onCreate(message);
    } else {
      this.onIngest(message);
    }
  }

  private onCreate(request: CreateStreamRequest): void {
    const { state } = this;
    if (this.phase !== 'awaitingCreate') {
      this.fail(GrpcStatus.INVALID_ARGUMENT, 'create_stream may only be the first message of a call');
      return;
    }
    const injected = state.faults.takeCreateFailure();
    if (injected) {
      this.fail(injected.code, injected.details);
      return;
    }
    const checked = checkCreateStream(request, {
      tableHeader: this.header(TABLE_HEADER),
      token: this.token,
      principals: state.options.principals,
      tables: state.tables,
      catalog: state.catalog,
      sinks: state.sinks,
      isRevoked: (clientId) => state.faults.isRevoked(clientId),
    });
    if (isRejection(checked)) {
      this.fail(checked.code, checked.details);
      return;
    }
    const stream = { id: randomUUID(), tableName: request.tableName, kind: checked.kind, delta: checked.delta };
    this.stream = stream;
    this.phase = 'streaming';
    this.record.streamId = stream.id;
    this.record.tableName = stream.tableName;
    this.record.recordType = stream.kind;
    state.stats.streamsCreated++;
    this.send({ kind: 'createStreamResponse', streamId: stream.id });
    state.changed();
    const rotation = state.options.rotationIntervalMs;
    if (rotation !== undefined) {
      // Periodic rotation, as the real service does: a close signal, then the end of the call.
      this.rotationTimer = setTimeout(
        () =>
          this.sendCloseSignal(
            state.options.rotationGraceMs,
            GrpcStatus.CANCELLED,
            'stream rotated by the server after close_stream_signal',
          ),
        rotation,
      );
    }
    const failure = state.faults.afterCreate();
    if (failure) this.fail(failure.code, failure.details);
  }

  private onIngest(request: IngestRequest): void {
    const { state } = this;
    const stream = this.stream;
    if (!stream) {
      this.fail(GrpcStatus.INVALID_ARGUMENT, 'the first message of a call must be create_stream');
      return;
    }
    state.stats.requestsReceived++;
    const size = (request as { messageBytes?: number }).messageBytes ?? 0;
    if (size > state.options.maxMessageBytes) {
      this.failAfterCommits(
        GrpcStatus.INVALID_ARGUMENT,
        `request at offset_id ${request.offsetId} is ${size} bytes, over the server's message limit of ${state.options.maxMessageBytes} bytes`,
      );
      return;
    }
    const open = { ...stream, nextOffset: this.nextOffset };
    if (stream.delta) {
      if (!this.ingestDelta(request, stream.delta, open)) return;
    } else {
      // An ack-only emulator (storeRecords: false) skips the payload checks along with the storage.
      const checked = state.options.storeRecords ? checkIngest(request, open) : checkIngestFraming(request, open);
      if (isRejection(checked)) {
        // Requests before the bad one are durable: acknowledge them before the error status.
        this.flushAck();
        this.fail(checked.code, checked.details);
        return;
      }
      if (typeof checked !== 'number') state.tables.append(stream.tableName, checked);
      this.lastStored = request.offsetId;
      state.stats.recordsStored += typeof checked === 'number' ? checked : checked.length;
    }
    this.nextOffset++;
    this.lastAccepted = request.offsetId;
    this.requestsAccepted++;
    state.changed();
    if (this.lastAccepted - this.lastAcked >= state.options.maxInflightRequests && !this.readingPaused) {
      // Server-side flow control: read no more until acknowledgements catch up.
      this.readingPaused = true;
      this.call.pause();
    }
    const wait = this.rate?.take(request.records.length) ?? 0;
    if (wait > 0 && !this.ratePaused) {
      this.ratePaused = true;
      this.call.pause();
      this.rateTimer = setTimeout(() => {
        this.ratePaused = false;
        if (!this.readingPaused) this.call.resume();
      }, wait);
    }

    const failure = state.faults.afterIngest(this);
    if (failure) {
      if (failure.ackFirst) this.flushAck();
      this.fail(failure.code, failure.details);
    } else {
      this.scheduleAck();
    }
  }

  /**
   * Decodes a request into rows and hands them to the table's group commit; the request is
   * acknowledged once that commit is durable. Returns false when the call was ended.
   */
  private ingestDelta(
    request: IngestRequest,
    target: DeltaTarget,
    open: Parameters<typeof checkIngestFraming>[1],
  ): boolean {
    const { state } = this;
    const framing = checkIngestFraming(request, open);
    const rows = isRejection(framing) ? framing : decodeRows(target, request);
    if (isRejection(rows)) {
      this.failAfterCommits(rows.code, rows.details);
      return false;
    }
    if (state.options.storeRecords) {
      state.tables.append(
        open.tableName,
        request.records.map((bytes, batchIndex) => ({
          tableName: open.tableName,
          streamId: open.id,
          offsetId: request.offsetId,
          batchIndex,
          recordType: open.kind,
          payload: open.kind === 'json' ? Buffer.from(bytes).toString('utf8') : new Uint8Array(bytes),
        })),
      );
    }
    const offset = request.offsetId;
    let bytes = 0;
    for (const record of request.records) bytes += record.length;
    this.pendingCommits++;
    target.committer.add(
      rows,
      bytes,
      () =>
        this.guard(() => {
          this.pendingCommits--;
          state.stats.recordsStored += rows.length;
          this.lastStored = Math.max(this.lastStored, offset);
          state.changed();
          if (this.failureAfterCommits)
            this.failAfterCommits(this.failureAfterCommits.code, this.failureAfterCommits.details);
          else this.scheduleAck();
        }),
      (error) =>
        this.guard(() => {
          this.pendingCommits--;
          // Nothing of this request is acknowledged; the client replays it on a new call.
          this.fail(GrpcStatus.UNAVAILABLE, `commit to ${open.tableName} failed: ${error.message}`);
        }),
    );
    return true;
  }

  /** Ends the call once the commits already under way have landed and been acknowledged. */
  private failAfterCommits(code: number, details: string): void {
    this.failureAfterCommits = { code, details };
    if (this.pendingCommits > 0) return;
    this.flushAck();
    this.fail(code, details);
  }

  private onHalfClose(): void {
    if (this.phase === 'ended') return;
    this.halfClosed = true;
    this.state.changed();
    // A client's RST_STREAM also ends the readable side, and grpc-js reports the cancellation a
    // tick later: decide after it, so a cancelled call is recorded as CANCELLED, not OK.
    setImmediate(() =>
      this.guard(() => {
        // A client that closes its side without creating a stream has nothing to wait for.
        if (this.phase === 'awaitingCreate') this.end(GrpcStatus.OK, 'OK');
        else this.maybeFinish();
      }),
    );
  }

  /** A half-closed call ends with OK once everything it sent is acknowledged. */
  private maybeFinish(): void {
    if (
      this.halfClosed &&
      this.phase === 'streaming' &&
      this.lastAcked === this.lastAccepted &&
      !this.failureAfterCommits
    ) {
      this.end(GrpcStatus.OK, 'OK');
    }
  }

  // -------------------------------------------------------------------------------------------
  // Acks

  private scheduleAck(): void {
    if (this.cancelAckTimer || this.phase !== 'streaming') return;
    const flush = () => {
      this.cancelAckTimer = undefined;
      this.flushAck();
    };
    const delay = this.state.options.ackDelayMs;
    if (delay > 0) {
      const timer = setTimeout(flush, delay);
      this.cancelAckTimer = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(flush);
      this.cancelAckTimer = () => clearImmediate(immediate);
    }
  }

  /** Acknowledges everything stored so far, unless acking is stopped. */
  flushAck(): void {
    if (this.phase !== 'streaming' || this.state.faults.ackingStopped) return;
    if (this.lastStored > this.lastAcked) {
      this.lastAcked = this.lastStored;
      this.send({ kind: 'ack', ackUpToOffset: this.lastAcked });
      this.state.stats.acksSent++;
      this.state.changed();
      if (this.readingPaused && this.lastAccepted - this.lastAcked < this.state.options.maxInflightRequests) {
        this.readingPaused = false;
        if (!this.ratePaused) this.call.resume();
      }
    }
    this.maybeFinish();
  }

  // -------------------------------------------------------------------------------------------
  // Ending

  /** Ends the call with an error status (fault hooks, close()). */
  fail(code: number, details: string): void {
    this.end(code, details);
  }

  /** Ends the call with a status; the client receives whatever was written before it. */
  private end(code: number, details: string): void {
    if (this.phase === 'ended') return;
    const { call } = this;
    this.markEnded(code, details);
    if (call.cancelled || call.writableEnded || call.destroyed) return;
    safe(() => {
      if (code === GrpcStatus.OK) call.end();
      // grpc-js's own 'error' listener turns this into the call's status and ends the call,
      // after any response messages still queued.
      else call.emit('error', { code, details, metadata: new Metadata() });
    }, undefined);
  }

  sendCloseSignal(durationMs: number, endCode: number, details: string): boolean {
    if (this.phase !== 'streaming') return false;
    this.send({ kind: 'closeStreamSignal', durationMs });
    this.closeSignalSent = true;
    this.state.stats.closeSignalsSent++;
    clearTimeout(this.closeTimer);
    this.closeTimer = setTimeout(() => this.fail(endCode, details), durationMs);
    this.state.changed();
    return true;
  }

  /** The connection under the call is gone: record it, write nothing. */
  markDropped(details: string): void {
    this.markEnded(GrpcStatus.UNAVAILABLE, details);
  }

  private markEnded(code: number, details: string): void {
    if (this.phase === 'ended') return;
    this.phase = 'ended';
    this.cancelAckTimer?.();
    this.cancelAckTimer = undefined;
    clearTimeout(this.closeTimer);
    clearTimeout(this.rotationTimer);
    clearTimeout(this.rateTimer);
    this.state.sessions.delete(this);
    this.state.faults.detach(this);
    this.record.endedAt = Date.now();
    this.record.status = callStatus(code, details);
    this.state.changed();
  }

  // -------------------------------------------------------------------------------------------
  // Helpers

  private send(response: StreamResponse): void {
    const { call } = this;
    if (this.phase === 'ended' || call.cancelled || call.writableEnded || call.destroyed) return;
    safe(() => call.write(response), undefined);
  }

  private header(name: string): string | undefined {
    const value = this.call.metadata.get(name)[0];
    return typeof value === 'string' ? value : undefined;
  }

  /** Runs an event handler; an unexpected exception ends the call with INTERNAL, never the process. */
  private guard(handler: () => void): void {
    try {
      handler();
    } catch (error) {
      this.fail(GrpcStatus.INTERNAL, `emulator error: ${(error as Error)?.message ?? String(error)}`);
    }
  }
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
