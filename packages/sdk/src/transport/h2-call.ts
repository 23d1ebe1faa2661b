/**
 * One bidirectional gRPC call on `node:http2` with our own framing (the SDK's own transport):
 * each message goes out as a 5-byte prefix plus the encoder's bytes, two chunks of one corked
 * write, so the message is never copied (grpc-js copies every one into a frame of its own, the
 * largest client cost at 10 KB records: bench/README.md, "Transports"). Responses are split from
 * DATA frames; the end of the call is `grpc-status` from the trailers (or a trailers-only
 * response), else the HTTP status, the RST_STREAM code or the dropped connection, mapped to the
 * same `ZerobusError`s grpc-js's statuses give.
 */

import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2';
import { constants } from 'node:http2';
import { GrpcStatus, ZerobusError } from '../errors.js';
import { SDK_USER_AGENT } from '../version.js';
import type { BidiHandlers, StreamCall } from './channel.js';
import type { H2Connection } from './h2-connection.js';

/** grpc-js's default limit on a received message. */
const MAX_RECEIVE_BYTES = 4 * 1024 * 1024;

/** Headers the transport sets itself; a provider's value for one is not sent. */
const RESERVED = new Set(['content-type', 'te', 'grpc-encoding', 'grpc-accept-encoding', 'grpc-timeout', 'host']);

/** grpc-js's mapping of an HTTP status without `grpc-status` (the gRPC over HTTP/2 spec's). */
function httpStatusToGrpc(status: number): number {
  switch (status) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}

/** A call closed by RST_STREAM (or its connection) without a gRPC status, as grpc-js reports it. */
function resetError(rstCode: number, sessionGone: boolean, cause: Error | undefined): ZerobusError {
  const why = cause ? ` (${cause.message})` : '';
  if (sessionGone) return ZerobusError.fromGrpcStatus(GrpcStatus.UNAVAILABLE, `Connection dropped${why}`, cause);
  switch (rstCode) {
    case constants.NGHTTP2_REFUSED_STREAM:
      return ZerobusError.fromGrpcStatus(GrpcStatus.UNAVAILABLE, 'Stream refused by server', cause);
    case constants.NGHTTP2_CANCEL:
      return ZerobusError.fromGrpcStatus(GrpcStatus.CANCELLED, 'Call cancelled', cause);
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return ZerobusError.fromGrpcStatus(
        GrpcStatus.RESOURCE_EXHAUSTED,
        'Bandwidth exhausted or memory limit exceeded',
        cause,
      );
    case constants.NGHTTP2_INADEQUATE_SECURITY:
      return ZerobusError.fromGrpcStatus(GrpcStatus.PERMISSION_DENIED, 'Protocol not secure enough', cause);
    default:
      return ZerobusError.fromGrpcStatus(GrpcStatus.INTERNAL, `Received RST_STREAM with code ${rstCode}${why}`, cause);
  }
}

function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Request headers: the provider's (lower-cased, checked now so a bad one throws here) and gRPC's. */
function requestHeaders(path: string, headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
    'user-agent': SDK_USER_AGENT,
  };
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (key.startsWith(':') || RESERVED.has(key)) continue;
    validateHeaderName(key);
    validateHeaderValue(key, value);
    out[key] = value;
  }
  return out;
}

/**
 * Opens `path` on `connection` (now, or once its connection is made); `decode` turns each
 * response message into `T` (a throw ends the call with INTERNAL). Throws if the connection is
 * closed or a header is not valid HTTP.
 */
export function openH2Call<T>(
  connection: H2Connection,
  path: string,
  headers: Record<string, string>,
  decode: (bytes: Uint8Array) => T,
  handlers: BidiHandlers<T>,
): StreamCall {
  const request = requestHeaders(path, headers);
  const session = connection.session();
  const call = new H2Call(connection, decode, handlers);
  if (session instanceof Promise) {
    session.then(
      (live) => call.attach(live, request),
      (error: unknown) => call.fail(error),
    );
  } else {
    call.attach(session, request);
  }
  return call;
}

class H2Call<T> implements StreamCall {
  readonly #connection: H2Connection;
  readonly #decode: (bytes: Uint8Array) => T;
  readonly #handlers: BidiHandlers<T>;
  #stream: ClientHttp2Stream | undefined;
  /** Writes made before the connection was ready. */
  #early: [Buffer, (() => void) | undefined][] = [];
  #open = true;
  #halfClosed = false;
  #status: number | undefined;
  #statusMessage = '';
  #httpStatus = 200;
  /** The server ended its half with neither trailers nor an HTTP error, and we closed ours. */
  #endedWithoutStatus = false;
  #streamError: Error | undefined;
  /** Response bytes not yet a whole message. */
  #pending: Buffer | undefined;

  constructor(connection: H2Connection, decode: (bytes: Uint8Array) => T, handlers: BidiHandlers<T>) {
    this.#connection = connection;
    this.#decode = decode;
    this.#handlers = handlers;
  }

  attach(session: ClientHttp2Session, headers: Record<string, string>): void {
    if (!this.#open) return;
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(headers, { endStream: false });
    } catch (error) {
      // The session went away between being handed out and this request (e.g. a GOAWAY).
      this.fail(error);
      return;
    }
    this.#stream = stream;
    this.#connection.callStarted(session);
    stream.on('response', (h) => this.#takeHeaders(h));
    stream.on('trailers', (h) => this.#takeStatus(h));
    stream.on('data', (chunk: Buffer) => this.#onData(chunk));
    stream.on('error', (error: Error) => {
      this.#streamError ??= error;
    });
    // The server's half of the call is over: its status is final even while we still send.
    stream.on('end', () => this.#onServerEnd(stream));
    stream.on('close', () => this.#onClose(stream, session));
    const early = this.#early;
    this.#early = [];
    for (const [bytes, onWritten] of early) this.#writeFrame(stream, bytes, onWritten);
    if (this.#halfClosed) stream.end();
  }

  /** The connection could not be made, or the request not started. */
  fail(error: unknown): void {
    this.#finish(
      error instanceof ZerobusError
        ? error
        : ZerobusError.fromGrpcStatus(GrpcStatus.UNAVAILABLE, (error as Error)?.message ?? String(error), error),
    );
  }

  write(request: Uint8Array, onWritten?: () => void): boolean {
    if (!this.#open) return false;
    const stream = this.#stream;
    if (stream === undefined) {
      this.#early.push([toBuffer(request), onWritten]);
      return true;
    }
    return this.#writeFrame(stream, toBuffer(request), onWritten);
  }

  onDrain(callback: () => void): void {
    this.#stream?.once('drain', callback);
  }

  end(): void {
    if (!this.#open || this.#halfClosed) return;
    this.#halfClosed = true;
    this.#stream?.end();
  }

  cancel(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#early = [];
    if (this.#stream && !this.#stream.closed) this.#stream.close(constants.NGHTTP2_CANCEL);
  }

  #writeFrame(stream: ClientHttp2Stream, message: Buffer, onWritten: (() => void) | undefined): boolean {
    const prefix = Buffer.allocUnsafe(5);
    prefix[0] = 0;
    prefix.writeUInt32BE(message.byteLength, 1);
    stream.cork();
    stream.write(prefix);
    // Called once HTTP/2 has sent the bytes: only then may the caller reuse them.
    const ok = stream.write(message, onWritten);
    stream.uncork();
    return ok;
  }

  #takeHeaders(headers: IncomingHttpHeaders): void {
    this.#httpStatus = Number(headers[':status'] ?? 200);
    this.#takeStatus(headers);
  }

  #takeStatus(headers: IncomingHttpHeaders): void {
    const status = headers['grpc-status'];
    if (status === undefined) return;
    this.#status = Number(status);
    const message = headers['grpc-message'];
    this.#statusMessage = typeof message === 'string' ? percentDecoded(message) : '';
  }

  #onData(chunk: Buffer): void {
    let buffer = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = undefined;
    while (this.#open && buffer.length >= 5) {
      const length = buffer.readUInt32BE(1);
      if (buffer[0] !== 0) {
        this.#abort(ZerobusError.fromGrpcStatus(GrpcStatus.INTERNAL, 'the server sent a compressed message'));
        return;
      }
      if (length > MAX_RECEIVE_BYTES) {
        this.#abort(
          ZerobusError.fromGrpcStatus(
            GrpcStatus.RESOURCE_EXHAUSTED,
            `Received message larger than max (${length} vs ${MAX_RECEIVE_BYTES})`,
          ),
        );
        return;
      }
      if (buffer.length < 5 + length) break;
      const message = buffer.subarray(5, 5 + length);
      buffer = buffer.subarray(5 + length);
      let decoded: T;
      try {
        decoded = this.#decode(message);
      } catch (error) {
        this.#abort(
          ZerobusError.fromGrpcStatus(
            GrpcStatus.INTERNAL,
            `could not decode a response: ${(error as Error)?.message ?? String(error)}`,
            error,
          ),
        );
        return;
      }
      this.#handlers.onMessage(decoded);
    }
    if (buffer.length > 0) this.#pending = Buffer.from(buffer);
  }

  /** Ends the call from our side with `error` (the server's stream is cancelled). */
  #abort(error: ZerobusError): void {
    const stream = this.#stream;
    this.#finish(error);
    if (stream && !stream.closed) stream.close(constants.NGHTTP2_CANCEL);
  }

  #onServerEnd(stream: ClientHttp2Stream): void {
    if (!this.#open) return;
    if (this.#status !== undefined || this.#httpStatus !== 200) this.#finishWithStatus();
    // Our half may still be open: close it (a reset or a dropped connection closed it already).
    if (!stream.closed) {
      this.#endedWithoutStatus = this.#open;
      stream.close(constants.NGHTTP2_NO_ERROR);
    }
  }

  #onClose(stream: ClientHttp2Stream, session: ClientHttp2Session): void {
    this.#connection.callEnded(session);
    if (!this.#open) return;
    if (this.#status !== undefined || this.#httpStatus !== 200) {
      this.#finishWithStatus();
      return;
    }
    const gone = session.destroyed || session.closed || stream.rstCode === undefined;
    if (this.#endedWithoutStatus && !gone) {
      this.#finish(ZerobusError.fromGrpcStatus(GrpcStatus.UNKNOWN, 'the server ended the call without a gRPC status'));
    } else {
      this.#finish(resetError(stream.rstCode ?? constants.NGHTTP2_INTERNAL_ERROR, gone, this.#streamError));
    }
  }

  /** Ends the call by the status the server sent (trailers, or the HTTP status without one). */
  #finishWithStatus(): void {
    if (this.#status === GrpcStatus.OK) {
      // A server that ends the call while the client still sends has dropped the stream.
      this.#finish(this.#halfClosed ? undefined : new ZerobusError('CONNECTION', 'the server ended the stream'));
    } else if (this.#status !== undefined) {
      this.#finish(ZerobusError.fromGrpcStatus(this.#status, this.#statusMessage));
    } else {
      const code = httpStatusToGrpc(this.#httpStatus);
      this.#finish(ZerobusError.fromGrpcStatus(code, `Received HTTP status code ${this.#httpStatus}`));
    }
  }

  #finish(error: ZerobusError | undefined): void {
    if (!this.#open) return;
    this.#open = false;
    this.#early = [];
    this.#handlers.onEnd(error);
  }
}
