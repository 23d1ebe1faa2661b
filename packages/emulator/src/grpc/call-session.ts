/**
 * The lifecycle shared by the emulator's two ingest calls: `EphemeralStream` (stream-session.ts)
 * and Arrow Flight `DoPut` (flight/flight-session.ts). Both are gRPC duplex calls that
 * authenticate on open, take a first message that opens the stream, acknowledge what is durable
 * with coalesced acks, and end with a status once half-closed and fully acknowledged. What differs
 * is what a message is and what an ack says; that stays in the subclasses.
 *
 * Kept here so that both protocols end, drop, guard and write a call the same way: once a call
 * ended (by us, the client, or a dropped connection) nothing more is written, and no client
 * misbehaviour or internal error can raise on the server.
 */

import { Metadata, type ServerDuplexStream } from '@grpc/grpc-js';
import { GrpcStatus } from '@zerobus/sdk/wire';
import { scrubPaths } from '../client-errors.js';
import type { IssuedToken } from '../oauth/tokens.js';
import { callStatus } from '../options.js';
import type { CallRecord, CallSession, EmulatorState, StreamInfo } from '../state.js';

/** Metadata as a plain object: first value per key, binary values base64. */
export function metadataToObject(metadata: Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) {
    out[key] = typeof value === 'string' ? value : Buffer.from(value).toString('base64');
  }
  return out;
}

/**
 * Most payload bytes of one stream waiting for their Delta commit before the server stops
 * reading the call until a commit lands (HTTP/2 flow control then holds the client back). Without
 * it the server would hold the client's whole in-flight window (64 MiB by default) as received
 * messages and decoded rows, so its memory would follow its clients' settings, not its own.
 */
export const DELTA_BACKLOG_BYTES = 4 * 1024 * 1024;

/** Why a call is not read: too many unacknowledged requests, the record rate, the Delta backlog. */
type ReadPause = 'inflight' | 'rate' | 'backlog';

/**
 * One ingest call, from open to its status. `opening` lasts until the stream's first message
 * (create_stream, or the Arrow schema) was accepted.
 */
export abstract class DuplexCallSession<Request, Response> implements CallSession {
  readonly record: CallRecord;
  protected phase: 'opening' | 'streaming' | 'ended' = 'opening';
  protected token: IssuedToken | undefined;
  protected halfClosed = false;
  /** Requests (or batches) handed to a Delta group commit and not settled yet. */
  protected pendingCommits = 0;
  /** A rejection waiting for the pending commits, so that the good requests before it are acked first. */
  protected failureAfterCommits: { code: number; details: string } | undefined;
  private cancelAckTimer: (() => void) | undefined;
  /** What keeps the call from being read; it is read again once nothing does. */
  private readonly readPauses = new Set<ReadPause>();
  /** Payload bytes handed to a Delta group commit and not durable yet. */
  private deltaBacklogBytes = 0;
  /** Records and message bytes accepted on this call: per-request sums, read by the console. */
  private recordsAccepted = 0;
  private bytesAccepted = 0;
  /** Streams the same principal opened to the same table before this one. */
  private recoveries = 0;

  constructor(
    protected readonly call: ServerDuplexStream<Request, Response>,
    protected readonly state: EmulatorState,
  ) {
    this.record = {
      id: state.nextCallId++,
      path: call.getPath(),
      headers: metadataToObject(call.metadata),
      peer: safe(() => call.getPeer(), 'unknown'),
      openedAt: Date.now(),
    };
  }

  /** Snapshot for `emulator.streams`; undefined until the stream was opened. */
  abstract info(): StreamInfo | undefined;
  /** Acknowledges everything durable so far, unless acking is stopped. */
  abstract flushAck(): void;
  abstract sendCloseSignal(durationMs: number, endCode: number, details: string): boolean;
  /** Handles one message in arrival order; runs guarded. */
  protected abstract onMessage(message: Request): void;
  /** Ends a half-closed call with OK once everything it sent is acknowledged. */
  protected abstract maybeFinish(): void;

  /** Wires the call's events and runs the checks due when a call opens. */
  start(): void {
    const { state, call } = this;
    state.calls.push(this.record);
    state.sessions.add(this);
    state.stats.callsOpened++;
    call.on('data', (message: Request) => this.guard(() => this.onMessage(message)));
    call.on('end', () => this.guard(() => this.onHalfClose()));
    call.on('cancelled', () => this.markEnded(GrpcStatus.CANCELLED, 'cancelled by the client or connection lost'));
    // grpc-js turns 'error' into the call's status itself; this listener only guarantees that an
    // error event can never be unhandled.
    call.on('error', () => {});
    // Official clients wait for the response headers before sending their first message (PROTOCOL.md §2).
    safe(() => call.sendMetadata(new Metadata()), undefined);
    state.changed();

    const injected = state.faults.takeCallFailure();
    if (injected) {
      this.fail(injected.code, injected.details);
    } else if (state.closing) {
      this.fail(GrpcStatus.UNAVAILABLE, 'emulator is shutting down');
    } else if (state.options.auth) {
      // Authentication belongs to the call (its metadata); authorization waits for the stream's table.
      const lookup = state.tokens.lookup(this.header('authorization'));
      if (lookup.ok) this.token = lookup.token;
      else this.fail(GrpcStatus.UNAUTHENTICATED, lookup.reason);
    }
  }

  get clientId(): string | undefined {
    return this.token?.clientId;
  }

  /** Counts the stream this call opened, and the earlier ones of its principal to its table. */
  protected countStreamOpened(tableName: string): void {
    this.state.stats.streamsCreated++;
    const key = `${this.clientId ?? ''}\u0000${tableName}`;
    this.recoveries = this.state.streamOpens.get(key) ?? 0;
    this.state.streamOpens.set(key, this.recoveries + 1);
  }

  /** One accepted request (or batch): two additions, nothing allocated. */
  protected countAccepted(records: number, bytes: number): void {
    this.recordsAccepted += records;
    this.bytesAccepted += bytes;
  }

  /** The counters every `info()` reports. */
  protected counters(): Pick<StreamInfo, 'principal' | 'recordsAccepted' | 'bytesAccepted' | 'recoveries'> {
    return {
      principal: this.clientId,
      recordsAccepted: this.recordsAccepted,
      bytesAccepted: this.bytesAccepted,
      recoveries: this.recoveries,
    };
  }

  protected isReadPaused(reason: ReadPause): boolean {
    return this.readPauses.has(reason);
  }

  /** Stops reading the call for `reason` (HTTP/2 flow control then holds the client back). */
  protected pauseReading(reason: ReadPause): void {
    if (this.readPauses.size === 0) this.call.pause();
    this.readPauses.add(reason);
  }

  /** `reason` no longer holds the call; it is read again once no other reason does. */
  protected resumeReading(reason: ReadPause): void {
    if (this.readPauses.delete(reason) && this.readPauses.size === 0) this.call.resume();
  }

  /** `bytes` handed to a Delta group commit: reading stops past {@link DELTA_BACKLOG_BYTES}. */
  protected addDeltaBacklog(bytes: number): void {
    this.deltaBacklogBytes += bytes;
    if (this.deltaBacklogBytes >= DELTA_BACKLOG_BYTES) this.pauseReading('backlog');
  }

  /** A commit (landed or failed) took `bytes` off the backlog: read again once it is under the bound. */
  protected settleDeltaBacklog(bytes: number): void {
    this.deltaBacklogBytes -= bytes;
    if (this.deltaBacklogBytes < DELTA_BACKLOG_BYTES) this.resumeReading('backlog');
  }

  /** Ends the call once the commits already under way have landed and been acknowledged. */
  protected failAfterCommits(code: number, details: string): void {
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
        // A client that closes its side before opening a stream has nothing to wait for.
        if (this.phase === 'opening') this.end(GrpcStatus.OK, 'OK');
        else this.maybeFinish();
      }),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Acks

  /**
   * After a request (or batch) was accepted: the `failAfterRequests` fault hook, which may end the
   * call, else an ack. One place, so both protocols fail alike. With `ackFirst` the call ends
   * only once the requests' Delta commits (if any) landed and were acknowledged, as a rejection
   * does; later requests are ignored meanwhile. Without it, it ends at once: the requests are
   * stored (their commits still land) but stay unacknowledged. `stored`: the request is durable
   * already (no Delta commit to wait for), so it may be acknowledged at once (ackStored).
   */
  protected ackOrInjectFailure(stored = false): void {
    const failure = this.state.faults.afterIngest(this);
    if (failure) {
      if (failure.ackFirst) this.failAfterCommits(failure.code, failure.details);
      else this.fail(failure.code, failure.details);
    } else if (stored) {
      this.ackStored();
    } else {
      this.scheduleAck();
    }
  }

  /**
   * Acknowledges a request that is durable as soon as it is accepted. The first one of a turn of
   * the event loop is acknowledged at once: its ack goes out in that same turn, where a flush
   * after setImmediate would write it only in the next one (HTTP/2 sends what a setImmediate
   * callback writes on the turn after), which a client waiting for each ack pays on every round
   * trip. The requests read after it in the same turn (a burst) join one flush at the turn's
   * end, scheduled here, so a burst still costs two acks, not one per request.
   */
  protected ackStored(): void {
    if (this.cancelAckTimer) return; // the pending flush covers this request
    if (this.state.options.ackDelayMs === 0) this.flushAck();
    this.scheduleAck();
  }

  /** Coalesces acks: one flush, after setImmediate or `ackDelayMs`, covers a burst of requests. */
  protected scheduleAck(): void {
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

  // -------------------------------------------------------------------------------------------
  // Ending

  /** Ends the call with an error status (fault hooks, close()). */
  fail(code: number, details: string): void {
    this.end(code, details);
  }

  /** Ends the call with a status; the client receives whatever was written before it. */
  protected end(code: number, details: string): void {
    if (this.phase === 'ended') return;
    const { call } = this;
    this.markEnded(code, details);
    if (call.cancelled || call.writableEnded || call.destroyed) return;
    safe(() => {
      if (code === GrpcStatus.OK) call.end();
      // grpc-js's own 'error' listener turns this into the call's status and ends the call,
      // after any response messages still queued. The client never sees a server path; the
      // call record keeps the full details.
      else call.emit('error', { code, details: scrubPaths(details), metadata: new Metadata() });
    }, undefined);
  }

  /** The connection under the call is gone: record it, write nothing. */
  markDropped(details: string): void {
    this.markEnded(GrpcStatus.UNAVAILABLE, details);
  }

  /** Stops the subclass's own timers when the call ends (the ack timer is stopped here). */
  protected clearTimers(): void {}

  private markEnded(code: number, details: string): void {
    if (this.phase === 'ended') return;
    this.phase = 'ended';
    this.cancelAckTimer?.();
    this.cancelAckTimer = undefined;
    this.clearTimers();
    this.state.sessions.delete(this);
    this.state.faults.detach(this);
    this.record.endedAt = Date.now();
    this.record.status = callStatus(code, details);
    this.state.changed();
  }

  // -------------------------------------------------------------------------------------------
  // Helpers

  /** Writes a response unless the call ended or cannot be written any more. */
  protected send(response: Response): void {
    const { call } = this;
    if (this.phase === 'ended' || call.cancelled || call.writableEnded || call.destroyed) return;
    safe(() => call.write(response), undefined);
  }

  protected header(name: string): string | undefined {
    const value = this.call.metadata.get(name)[0];
    return typeof value === 'string' ? value : undefined;
  }

  /** Runs an event handler; an unexpected exception ends the call with INTERNAL, never the process. */
  protected guard(handler: () => void): void {
    try {
      handler();
    } catch (error) {
      this.fail(GrpcStatus.INTERNAL, `emulator error: ${(error as Error)?.message ?? String(error)}`);
    }
  }
}

/** grpc-js may throw on a call the client already tore down; such a write is simply lost. */
function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
