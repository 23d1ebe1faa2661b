/**
 * One `EphemeralStream` call: authenticate on open, create the stream on the first message,
 * then store ingest requests in order (with `storeRecords: false`, only count them) and
 * acknowledge them cumulatively (PROTOCOL.md §2). What is accepted is decided in
 * stream-checks.ts; the call's lifecycle (open, guarded writes, ending) is DuplexCallSession's
 * in call-session.ts, shared with Arrow Flight DoPut; this class owns what is EphemeralStream's.
 *
 * All processing is synchronous per message, so requests are handled strictly in arrival order.
 * Acks are cumulative and coalesced: a request stored in memory is acknowledged at once when it
 * is the first of its turn of the event loop, and the rest of a burst by one flush at the turn's
 * end (setImmediate, or `ackDelayMs`); a Delta table's requests by one flush after their group
 * commit is durable. Every write is guarded: once the call ended (by us, the client, or a dropped
 * connection) nothing more is written, so client misbehaviour can never raise on the server.
 */

import { randomUUID } from 'node:crypto';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { type CreateStreamRequest, GrpcStatus, type IngestRequest, type StreamResponse } from '@zerobus/sdk/wire';
import type { EmulatorState, StreamInfo } from '../state.js';
import { keepsRecords, type RecordKind } from '../tables/table-registry.js';
import { DuplexCallSession } from './call-session.js';
import { commitFailureStatus, type DeltaTarget, decodeRows } from './delta-target.js';
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

export class StreamSession extends DuplexCallSession<DecodedRequest, StreamResponse> {
  private stream:
    | { readonly id: string; readonly tableName: string; readonly kind: RecordKind; readonly delta?: DeltaTarget }
    | undefined;
  private nextOffset = 0;
  /** Highest wire offset accepted; for Delta tables it becomes durable once its commit lands. */
  private lastAccepted = -1;
  /** Highest wire offset whose records are durable: what the next ack covers. */
  private lastStored = -1;
  private lastAcked = -1;
  private requestsAccepted = 0;
  private closeSignalSent = false;
  private closeTimer: NodeJS.Timeout | undefined;
  private rotationTimer: NodeJS.Timeout | undefined;
  private rateTimer: NodeJS.Timeout | undefined;
  private readonly rate: StreamRateLimit | undefined;

  constructor(call: EphemeralCall, state: EmulatorState) {
    super(call, state);
    const rate = state.options.maxStreamRecordsPerSecond;
    this.rate = rate === undefined ? undefined : new StreamRateLimit(rate);
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
      ...this.counters(),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Messages

  protected override onMessage(message: DecodedRequest): void {
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
    if (this.phase !== 'opening') {
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
    const stream = { id: randomUUID(), tableName: checked.tableName, kind: checked.kind, delta: checked.delta };
    this.stream = stream;
    this.phase = 'streaming';
    this.record.streamId = stream.id;
    this.record.tableName = stream.tableName;
    this.record.recordType = stream.kind;
    this.countStreamOpened(stream.tableName);
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
    // A literal, not `{ ...stream, nextOffset }`: V8 spreads into a literal with more
    // properties in the runtime, ~1 µs per request, on every round trip.
    const open = { id: stream.id, tableName: stream.tableName, kind: stream.kind, nextOffset: this.nextOffset };
    if (stream.delta) {
      if (!this.ingestDelta(request, stream.delta, open)) return;
    } else {
      // An ack-only emulator (storeRecords: false) skips the payload checks along with the storage.
      const checked = keepsRecords(state.options.storeRecords, false)
        ? checkIngest(request, open)
        : checkIngestFraming(request, open);
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
    this.countAccepted(request.records.length, size);
    state.changed();
    if (this.lastAccepted - this.lastAcked >= state.options.maxInflightRequests) {
      // Server-side flow control: read no more until acknowledgements catch up.
      this.pauseReading('inflight');
    }
    const wait = this.rate?.take(request.records.length) ?? 0;
    if (wait > 0 && !this.isReadPaused('rate')) {
      // The per-stream record rate (options.maxStreamRecordsPerSecond).
      this.pauseReading('rate');
      this.rateTimer = setTimeout(() => this.resumeReading('rate'), wait);
    }

    this.ackOrInjectFailure(!stream.delta);
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
    if (keepsRecords(state.options.storeRecords, true)) {
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
    this.addDeltaBacklog(bytes);
    target.committer.add(
      rows,
      bytes,
      () =>
        this.guard(() => {
          this.pendingCommits--;
          this.settleDeltaBacklog(bytes);
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
          this.settleDeltaBacklog(bytes);
          // Nothing of this request is acknowledged; the client replays it on a new call, unless
          // the table was dropped (NOT_FOUND: there is nothing to replay it into).
          this.fail(...commitFailureStatus(open.tableName, error));
        }),
    );
    return true;
  }

  /** A half-closed call ends with OK once everything it sent is acknowledged. */
  protected override maybeFinish(): void {
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

  /** Acknowledges everything stored so far, unless acking is stopped. */
  flushAck(): void {
    if (this.phase !== 'streaming' || this.state.faults.ackingStopped) return;
    if (this.lastStored > this.lastAcked) {
      this.lastAcked = this.lastStored;
      this.send({ kind: 'ack', ackUpToOffset: this.lastAcked });
      this.state.stats.acksSent++;
      this.state.changed();
      if (this.lastAccepted - this.lastAcked < this.state.options.maxInflightRequests) this.resumeReading('inflight');
    }
    this.maybeFinish();
  }

  // -------------------------------------------------------------------------------------------
  // Ending

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

  /** Stops the close, rotation and rate timers along with the ack timer when the call ends. */
  protected override clearTimers(): void {
    clearTimeout(this.closeTimer);
    clearTimeout(this.rotationTimer);
    clearTimeout(this.rateTimer);
  }
}
