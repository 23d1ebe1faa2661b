/**
 * The gRPC side of a stream: endpoint parsing (PROTOCOL.md §5), the transport that carries its
 * calls, and one bidirectional `EphemeralStream` call with its events turned into `ZerobusError`s.
 *
 * Two transports offer the same calls: the SDK's own gRPC framing on `node:http2` (h2-channel.ts,
 * the default: no copy of any message, measured 2× grpc-js's throughput at 750 B–10 KB records)
 * and grpc-js (grpc-js-channel.ts: with `transport: 'grpc-js'`, raw `grpcChannelOptions`, or
 * `ZEROBUS_TRANSPORT=grpc-js`).
 */
import type * as grpc from '@grpc/grpc-js';
import { NonRetriableError, type ZerobusError } from '../errors.js';
import type { ProxyOption } from '../net/proxy-config.js';
import { decodeResponse, EPHEMERAL_STREAM_PATH, type StreamResponse } from './codec.js';
import { GrpcJsChannel } from './grpc-js-channel.js';
import { Http2Channel } from './h2-channel.js';
import type { H2Connection } from './h2-connection.js';
import type { TunnelImplementation } from './proxy-credentials.js';

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
  /** Whose CONNECT tunnel carries a proxied channel: the SDK's (default) or grpc-js's own (implies grpc-js). */
  readonly tunnel?: TunnelImplementation | undefined;
  /**
   * Which transport carries the calls. Default: grpc-js when `grpcOptions` (not empty) or
   * `tunnel: 'grpc-js'` are given, else `ZEROBUS_TRANSPORT`, else the SDK's own (`'http2'`).
   */
  readonly transport?: Transport | undefined;
  /** The own transport's connection shared by the SDK's channels; without it, one of the channel's own. */
  readonly connection?: H2Connection | undefined;
}

/** The SDK's own gRPC framing on `node:http2`, or grpc-js. */
export type Transport = 'http2' | 'grpc-js';

const TRANSPORTS: readonly Transport[] = ['http2', 'grpc-js'];

/** Checks a `transport` option (or the environment's value): INVALID_OPTIONS naming where it came from. */
export function checkTransport(value: unknown, source: string): Transport | undefined {
  if (value === undefined) return undefined;
  if (TRANSPORTS.includes(value as Transport)) return value as Transport;
  throw new NonRetriableError(
    'INVALID_OPTIONS',
    `${source} must be 'http2' or 'grpc-js', got ${JSON.stringify(value) ?? String(value)}`,
  );
}

/** `ZEROBUS_TRANSPORT`, when set (an empty value counts as unset). */
export function transportFromEnv(env: NodeJS.ProcessEnv = process.env): Transport | undefined {
  const value = env.ZEROBUS_TRANSPORT;
  return value === undefined || value === '' ? undefined : checkTransport(value, 'ZEROBUS_TRANSPORT');
}

/** Whether raw grpc-js options are given (an empty object counts as none). */
export function hasGrpcOptions(options: object | undefined): boolean {
  return options !== undefined && Object.keys(options).length > 0;
}

/**
 * The transport `transport` names, else grpc-js when raw grpc-js options or grpc-js's own tunnel
 * are asked for (they mean nothing to the own transport, and are never ignored silently), else
 * `ZEROBUS_TRANSPORT`, else the own transport.
 */
export function chooseTransport(settings: Pick<ChannelSettings, 'transport' | 'grpcOptions' | 'tunnel'>): Transport {
  if (settings.transport !== undefined) return settings.transport;
  if (hasGrpcOptions(settings.grpcOptions) || settings.tunnel === 'grpc-js') return 'grpc-js';
  return transportFromEnv() ?? 'http2';
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

/** The events of one bidirectional call, its messages decoded. */
export interface BidiHandlers<T> {
  onMessage(message: T): void;
  /** The call is over; `error` is undefined only for a clean end after the client half-closed. */
  onEnd(error: ZerobusError | undefined): void;
}

export interface CallHandlers {
  onResponse(response: CallResponse): void;
  /** The call is over; `error` is undefined only for a clean end after the client half-closed. */
  onEnd(error: ZerobusError | undefined): void;
}

/** One open `EphemeralStream` call. */
export interface StreamCall {
  /** Writes one encoded request; false means the transport is buffering and 'drain' is pending. */
  write(request: Uint8Array, onWritten?: () => void): boolean;
  /** Resolves once buffered writes have been flushed to the transport. */
  onDrain(callback: () => void): void;
  /** Half-closes: the client sends nothing more. */
  end(): void;
  /** Abandons the call; no further handler is invoked. */
  cancel(): void;
}

/** What each transport offers a channel. */
export interface ChannelTransport {
  /**
   * Opens one bidirectional call of `path`; `decode` turns each response message into `T` (a
   * throw fails the call). Throws once the channel is closed.
   */
  openBidiCall<T>(
    path: string,
    headers: Record<string, string>,
    decode: (bytes: Uint8Array) => T,
    handlers: BidiHandlers<T>,
  ): StreamCall;
  close(): void;
}

/** The calls of one stream, on the transport its settings choose. */
export class Channel {
  readonly endpoint: Endpoint;
  readonly transport: Transport;
  readonly #transport: ChannelTransport;

  constructor(endpoint: Endpoint, settings: ChannelSettings = {}) {
    this.endpoint = endpoint;
    this.transport = chooseTransport(settings);
    this.#transport =
      this.transport === 'grpc-js' ? new GrpcJsChannel(endpoint, settings) : new Http2Channel(endpoint, settings);
  }

  /** Opens one `EphemeralStream` call. */
  openCall(headers: Record<string, string>, handlers: CallHandlers): StreamCall {
    return this.#transport.openBidiCall(EPHEMERAL_STREAM_PATH, headers, decodeCallResponse, {
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
    handlers: BidiHandlers<T>,
  ): StreamCall {
    return this.#transport.openBidiCall(path, headers, decode, handlers);
  }

  close(): void {
    this.#transport.close();
  }
}
