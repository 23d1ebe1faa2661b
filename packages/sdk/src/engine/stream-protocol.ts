/**
 * The seam between the stream engine and a wire protocol. The engine (stream-engine.ts) owns the
 * life of a stream — logical offsets, the queue and in-flight window, waits, the ack watchdog,
 * rotation, recovery, callbacks, events, stats — and a protocol adapter owns only what differs
 * between gRPC records (engine/records-protocol.ts) and Arrow Flight batches
 * (arrow/arrow-protocol.ts): how a call is opened, how queued units become wire messages, and
 * how the server's acknowledgements map back to logical offsets.
 */
import type { CallHeaders } from '../auth/call-headers.js';
import type { ZerobusError } from '../errors.js';
import type { StreamCall } from '../transport/channel.js';
import type { QueuedUnit, RequestQueue } from './request-queue.js';

/** What an open call tells the engine; the adapter calls these only after `open` resolved. */
export interface CallEvents<Ack> {
  /** An acknowledgement, in the protocol's own terms (a wire offset; batches and rows). */
  onAck(ack: Ack): void;
  /** The server announced the end of the call (gRPC only). */
  onCloseSignal(durationMs: number | undefined): void;
  /** The call ended, or the server broke the protocol; it is not used further. */
  onEnd(error: ZerobusError | undefined): void;
}

/** A call the server accepted (stream created, or Flight "ready"). */
export interface OpenedCall {
  readonly call: StreamCall;
  /** The server's id for the call, where the protocol has one. */
  readonly streamId: string | undefined;
}

export interface OpenCallParams {
  readonly headers: CallHeaders;
  /** Time limit of the whole handshake. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

/** One message for the wire, covering `count` queued units from the position it was asked for. */
export interface WireMessage {
  readonly bytes: Uint8Array;
  readonly count: number;
  /** Called once the transport no longer needs `bytes` (a pooled buffer goes back to its pool). */
  readonly release?: (() => void) | undefined;
}

export interface StreamProtocol<Unit extends QueuedUnit, Ack> {
  /** Named in log entries: `stream` or `Arrow stream`. */
  readonly kind: string;
  /** What a queued unit is called in messages: `requests` or `batches`. */
  readonly units: string;
  /** Opens a call and performs the protocol's handshake, within `timeoutMs`. */
  open(params: OpenCallParams, events: CallEvents<Ack>): Promise<OpenedCall>;
  /** A new call is current: nothing is sent on it yet (wire offsets start again). */
  startCall(): void;
  /** Encodes the units at `from` .. at most `limit - 1` (at least the one at `from`) as one message. */
  encode(queue: RequestQueue<Unit>, from: number, limit: number): WireMessage;
  /**
   * Maps an acknowledgement of the current call to the last logical offset it completes, or
   * undefined when it completes none; throws a ZerobusError (INTERNAL) for one that contradicts
   * what was sent, which the engine treats as a broken call.
   */
  ack(ack: Ack): number | undefined;
  /**
   * A unit was acknowledged and dropped from the queue: nothing reads it any more (it is never
   * replayed, and only a failed or closed stream's units reach getUnacked*() and recreateStream),
   * so its memory may be reused. Called once per unit, in order; never for a unit still queued.
   */
  discard?(unit: Unit): void;
}
