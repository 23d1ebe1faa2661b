/**
 * A prototype of the `EphemeralStream` call on `node:http2` with our own gRPC framing, for
 * bench/transports.ts: the measurement behind "keep grpc-js or not" (issue 20, bench/README.md).
 * It offers the SDK's `StreamCall` interface (transport/channel.ts), so the engine would not
 * change; it is NOT the SDK's transport.
 *
 * What it does: one HTTP/2 session per call, wide windows as the SDK's server side advertises,
 * each message written as a 5-byte prefix plus the encoder's bytes (two chunks of one writev: no
 * copy of the message), responses split from DATA frames, `grpc-status` from trailers (or a
 * trailers-only response). What a transport for users would add: deadlines on connect,
 * keepalive pings, TLS (`https:` + the SDK's roots), the SDK's CONNECT tunnel (the socket given
 * to `http2.connect`'s `createConnection`), GOAWAY and RST_STREAM mapping to `ZerobusError`s,
 * max message sizes, and the Arrow Flight call.
 */
import { type ClientHttp2Session, type ClientHttp2Stream, connect, constants } from 'node:http2';
import type { CallHandlers, StreamCall } from '../packages/sdk/src/transport/channel.js';
import { decodeResponse } from '../packages/sdk/src/transport/codec.js';

const WINDOW = 16 * 1024 * 1024;

function grpcError(status: number, message: string): Error & { code: number } {
  return Object.assign(new Error(`gRPC status ${status}: ${message}`), { code: status });
}

/** Splits the response DATA into gRPC messages (`compressed` byte, 4-byte length, message). */
class MessageReader {
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  push(chunk: Buffer, onMessage: (message: Buffer) => void): void {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    while (this.#pendingBytes >= 5) {
      const head = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending);
      this.#pending = [head];
      const length = head.readUInt32BE(1);
      if (head.length < 5 + length) return;
      onMessage(head.subarray(5, 5 + length));
      const rest = head.subarray(5 + length);
      this.#pending = rest.length > 0 ? [rest] : [];
      this.#pendingBytes = rest.length;
    }
  }
}

export interface H2Connection {
  readonly session: ClientHttp2Session;
  openCall(path: string, headers: Record<string, string>, handlers: CallHandlers): StreamCall;
  close(): void;
}

/** One HTTP/2 session to `endpoint` (`http://host:port`), ready once connected. */
export async function connectH2(endpoint: string): Promise<H2Connection> {
  const session = connect(endpoint, {
    settings: { initialWindowSize: WINDOW },
  });
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  session.setLocalWindowSize(WINDOW);
  session.on('error', () => {});
  return {
    session,
    openCall: (path, headers, handlers) => openCall(session, path, headers, handlers),
    close: () => session.close(),
  };
}

function openCall(
  session: ClientHttp2Session,
  path: string,
  headers: Record<string, string>,
  handlers: CallHandlers,
): StreamCall {
  const stream: ClientHttp2Stream = session.request(
    {
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: path,
      [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
      te: 'trailers',
      ...headers,
    },
    { endStream: false },
  );
  let open = true;
  let halfClosed = false;
  let status: number | undefined;
  let statusMessage = '';
  const reader = new MessageReader();
  const finish = (error: Error | undefined) => {
    if (!open) return;
    open = false;
    handlers.onEnd(error as never);
  };
  const takeStatus = (h: Record<string, unknown>) => {
    if (h['grpc-status'] === undefined) return;
    status = Number(h['grpc-status']);
    statusMessage = decodeURIComponent(String(h['grpc-message'] ?? ''));
  };
  stream.on('response', (h) => takeStatus(h));
  stream.on('trailers', (h) => takeStatus(h));
  stream.on('data', (chunk: Buffer) => {
    reader.push(chunk, (message) => {
      if (!open) return;
      try {
        handlers.onResponse(decodeResponse(message));
      } catch (error) {
        handlers.onResponse({ kind: 'undecodable', reason: String(error) });
      }
    });
  });
  stream.on('error', () => {});
  stream.on('close', () => {
    if (status === 0) finish(halfClosed ? undefined : new Error('the server ended the stream'));
    else finish(grpcError(status ?? 14, status === undefined ? 'the call closed without a status' : statusMessage));
  });
  return {
    write(request, onWritten) {
      if (!open) return false;
      const prefix = Buffer.allocUnsafe(5);
      prefix[0] = 0;
      prefix.writeUInt32BE(request.length, 1);
      stream.write(prefix);
      return stream.write(request, onWritten);
    },
    onDrain: (callback) => stream.once('drain', callback),
    end() {
      if (!open || halfClosed) return;
      halfClosed = true;
      stream.end();
    },
    cancel() {
      if (!open) return;
      open = false;
      stream.close(constants.NGHTTP2_CANCEL);
    },
  };
}
