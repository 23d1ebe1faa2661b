/**
 * The gRPC side of a stream: endpoint parsing (PROTOCOL.md §5), channel credentials, and one
 * bidirectional `EphemeralStream` call with its events turned into `ZerobusError`s.
 */
import * as grpc from '@grpc/grpc-js';
import { GrpcStatus, NonRetriableError, ZerobusError } from '../errors.js';
import { type ProxyOption, resolveProxy } from '../net/proxy-config.js';
import { decodeResponse, EPHEMERAL_STREAM_PATH, type StreamResponse } from './codec.js';
import { type ConnectionAttempt, explainConnectionFailure } from './connection-error.js';
import { proxiedClientArgs, type TunnelImplementation } from './proxy-credentials.js';

export interface Endpoint {
  /** `host:port` for grpc-js. */
  readonly target: string;
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  /** The first DNS label of the host: the workspace id of a Databricks Zerobus endpoint. */
  readonly workspaceId: string;
}

/** No scheme means https (the official TypeScript SDK rejects it: PROTOCOL.md §10); http means plaintext. */
export function parseEndpoint(endpoint: string): Endpoint {
  if (typeof endpoint !== 'string' || endpoint.trim() === '') {
    throw new NonRetriableError('INVALID_OPTIONS', 'the Zerobus server endpoint must be a non-empty string');
  }
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new NonRetriableError(
      'INVALID_OPTIONS',
      `the Zerobus server endpoint ${JSON.stringify(endpoint)} is not a URL`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new NonRetriableError(
      'INVALID_OPTIONS',
      `the Zerobus server endpoint must use https:// or http://, got ${JSON.stringify(url.protocol)}`,
    );
  }
  const secure = url.protocol === 'https:';
  const port = url.port || (secure ? '443' : '80');
  const host = url.hostname;
  return {
    target: `${host}:${port}`,
    host,
    port: Number(port),
    secure,
    workspaceId: host.replace(/^\[/, '').split('.')[0] ?? host,
  };
}

export interface ChannelSettings {
  /** Trusted CA certificates (PEM) in place of the system roots, e.g. for a local server with a self-signed certificate. */
  readonly tlsRootCerts?: Buffer | string | undefined;
  /** Raw grpc-js channel options, merged over the SDK's. */
  readonly grpcOptions?: grpc.ChannelOptions | undefined;
  /** HTTP CONNECT proxy: from the environment by default (net/proxy-config.ts). */
  readonly proxy?: ProxyOption;
  /** Whose CONNECT tunnel carries a proxied channel: the SDK's (default) or grpc-js's own. */
  readonly tunnel?: TunnelImplementation | undefined;
}

/**
 * One message of an `EphemeralStream` call: a response, or bytes that are none (an empty message
 * included), which the stream treats as an unexpected response rather than the end of the call.
 */
export type CallResponse = StreamResponse | { readonly kind: 'undecodable'; readonly reason: string };

function decodeCallResponse(bytes: Uint8Array): CallResponse {
  try {
    return decodeResponse(bytes);
  } catch (error) {
    return { kind: 'undecodable', reason: error instanceof Error ? error.message : String(error) };
  }
}

export interface CallHandlers {
  onResponse(response: CallResponse): void;
  /** The call is over; `error` is undefined only for a clean end after the client half-closed. */
  onEnd(error: ZerobusError | undefined): void;
}

/** One open `EphemeralStream` call. */
export interface StreamCall {
  /** Writes one encoded request; false means grpc-js is buffering and 'drain' is pending. */
  write(request: Uint8Array, onWritten?: () => void): boolean;
  /** Resolves once buffered writes have been flushed to the transport. */
  onDrain(callback: () => void): void;
  /** Half-closes: the client sends nothing more. */
  end(): void;
  /** Abandons the call; no further handler is invoked. */
  cancel(): void;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Owns one grpc-js client (and so its HTTP/2 connection) for one stream. */
export class Channel {
  readonly endpoint: Endpoint;
  readonly #client: grpc.Client;
  readonly #tunnelFailure: () => ZerobusError | undefined;
  /** What this channel dials, for errors that say why a connection could not be made. */
  readonly #attempt: ConnectionAttempt;

  constructor(endpoint: Endpoint, settings: ChannelSettings = {}) {
    this.endpoint = endpoint;
    const rootCerts = settings.tlsRootCerts === undefined ? null : Buffer.from(settings.tlsRootCerts);
    const credentials = endpoint.secure ? grpc.credentials.createSsl(rootCerts) : grpc.credentials.createInsecure();
    const host = endpoint.host.replace(/^\[(.*)\]$/, '$1');
    const port = endpoint.port;
    const proxy = resolveProxy({ host, port }, settings.proxy);
    const proxied = proxy && proxiedClientArgs({ host, port }, credentials, proxy, settings.tunnel);
    this.#tunnelFailure = proxied ? proxied.lastFailure : () => undefined;
    this.#attempt = {
      target: endpoint.target,
      host,
      secure: endpoint.secure,
      proxy: proxy?.display,
      customRoots: rootCerts !== null,
    };
    this.#client = new grpc.Client(proxied?.target ?? endpoint.target, proxied?.credentials ?? credentials, {
      // Recovery and replay are the SDK's job: grpc-js must not re-send on its own, nor keep
      // sent messages for that (its retry buffer re-copies its list on every write).
      'grpc.enable_retries': 0,
      'grpc.per_rpc_retry_buffer_size': 0,
      // A stream is long-lived: notice a dead peer even when nothing is being written.
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 0,
      // Its own connection, unless grpcOptions say otherwise (ZerobusSdk option `connection`, sdk.ts).
      'grpc.use_local_subchannel_pool': 1,
      ...proxied?.options,
      ...settings.grpcOptions,
      // Proxies are the SDK's decision, the same for this channel and the HTTPS calls.
      'grpc.enable_http_proxy': 0,
    });
  }

  /** Opens one `EphemeralStream` call. */
  openCall(headers: Record<string, string>, handlers: CallHandlers): StreamCall {
    return this.openBidiCall(EPHEMERAL_STREAM_PATH, headers, decodeCallResponse, {
      onMessage: (response) => handlers.onResponse(response),
      onEnd: (error) => handlers.onEnd(error),
    });
  }

  /**
   * Opens one bidirectional call of `path` (EphemeralStream, or Arrow Flight's DoPut) on this
   * stream's connection; `decode` turns each response message into `T` (a throw fails the call).
   */
  openBidiCall<T>(
    path: string,
    headers: Record<string, string>,
    decode: (bytes: Uint8Array) => T,
    handlers: { onMessage(message: T): void; onEnd(error: ZerobusError | undefined): void },
  ): StreamCall {
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(headers)) metadata.set(key.toLowerCase(), value);
    const call = this.#client.makeBidiStreamRequest<Uint8Array, T>(path, toBuffer, (buf) => decode(buf), metadata);
    let open = true;
    let halfClosed = false;
    const finish = (error: ZerobusError | undefined) => {
      if (!open) return;
      open = false;
      handlers.onEnd(error);
    };
    call.on('data', (message: T) => {
      if (open) handlers.onMessage(message);
    });
    call.on('status', (status: grpc.StatusObject) => {
      if (status.code === GrpcStatus.OK) {
        // A server that ends the call while the client still sends has dropped the stream.
        finish(halfClosed ? undefined : new ZerobusError('CONNECTION', 'the server ended the stream'));
      } else {
        // A proxy that refused the tunnel: its own error (status, retriable or not), not UNAVAILABLE.
        const tunnelFailure = this.#tunnelFailure();
        finish(
          status.code === GrpcStatus.UNAVAILABLE && tunnelFailure && status.details.includes(tunnelFailure.message)
            ? tunnelFailure
            : explainConnectionFailure(ZerobusError.fromGrpcStatus(status.code, status.details), this.#attempt),
        );
      }
    });
    // 'error' carries the same status as 'status'; listening keeps it from being thrown.
    call.on('error', () => {});
    return {
      // grpc-js calls back once its framed copy was handed to HTTP/2: `request` is free again.
      write: (request, onWritten) => open && call.write(request, onWritten),
      onDrain: (callback) => call.once('drain', callback),
      end: () => {
        if (!open || halfClosed) return;
        halfClosed = true;
        call.end();
      },
      cancel: () => {
        if (!open) return;
        open = false;
        call.cancel();
      },
    };
  }

  close(): void {
    this.#client.close();
  }
}
