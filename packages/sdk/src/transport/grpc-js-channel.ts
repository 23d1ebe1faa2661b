/**
 * The grpc-js transport of a channel (`transport: 'grpc-js'`): one grpc-js client, so its HTTP/2
 * connection (shared through grpc-js's subchannel pool under `connection: 'shared'`), with the
 * SDK's CONNECT tunnel wrapped into its channel credentials (proxy-credentials.ts).
 */
import * as grpc from '@grpc/grpc-js';
import { GrpcStatus, ZerobusError } from '../errors.js';
import type { BidiHandlers, ChannelSettings, ChannelTransport, Endpoint, StreamCall } from './channel.js';
import { type ConnectionAttempt, explainConnectionFailure } from './connection-error.js';
import { dialTarget } from './dial-target.js';
import { proxiedClientArgs } from './proxy-credentials.js';

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Owns one grpc-js client (and so its HTTP/2 connection) for one stream. */
export class GrpcJsChannel implements ChannelTransport {
  readonly endpoint: Endpoint;
  readonly #client: grpc.Client;
  readonly #tunnelFailure: () => ZerobusError | undefined;
  /** What this channel dials, for errors that say why a connection could not be made. */
  readonly #attempt: ConnectionAttempt;

  constructor(endpoint: Endpoint, settings: ChannelSettings = {}) {
    this.endpoint = endpoint;
    const { host, port, rootCerts, proxy, attempt } = dialTarget(endpoint, settings);
    const credentials = endpoint.secure
      ? grpc.credentials.createSsl(rootCerts ?? null)
      : grpc.credentials.createInsecure();
    const proxied = proxy && proxiedClientArgs({ host, port }, credentials, proxy, settings.tunnel);
    this.#tunnelFailure = proxied ? proxied.lastFailure : () => undefined;
    this.#attempt = attempt;
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
