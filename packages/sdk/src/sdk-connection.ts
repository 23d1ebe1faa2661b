/** How the streams of one `ZerobusSdk` reach its endpoints (channels, connection sharing, OAuth), apart from stream creation. */
import { randomUUID } from 'node:crypto';
import type { HeadersProvider } from './auth/headers-provider.js';
import { OAuthHeadersProvider } from './auth/oauth.js';
import { NonRetriableError } from './errors.js';
import { checkProxyOption } from './net/proxy-config.js';
import { type SdkCredentials, streamCredentials } from './sdk-env.js';
import type { CreateStreamParams, ZerobusSdkOptions } from './sdk-params.js';
import type { TableProperties } from './table.js';
import {
  Channel,
  checkTransport,
  chooseTransport,
  type Endpoint,
  hasGrpcOptions,
  type Transport,
} from './transport/channel.js';
import { h2ConnectionTo } from './transport/h2-channel.js';
import type { H2Connection } from './transport/h2-connection.js';

/** The channel and the OAuth headers of each stream of one `ZerobusSdk`, from its endpoints and options. */
export class SdkConnections {
  readonly #endpoint: Endpoint;
  /** The workspace URL, scheme included: the token endpoint. */
  readonly #unityCatalogEndpoint: string;
  readonly #options: ZerobusSdkOptions;
  /** grpc-js channel options that make this instance's channels share one connection, or none. */
  readonly #connectionOptions: Record<string, string | number>;
  /** The client credentials of streams that bring none: the SDK's options', or the environment's. */
  readonly #credentials: SdkCredentials;
  readonly #transport: Transport;
  /** The own transport's connection every stream of this SDK shares (`connection: 'shared'`). */
  #shared: H2Connection | undefined;

  /** Checks options `proxy` and `connection`: an `INVALID_OPTIONS` error for a bad one. */
  constructor(
    endpoint: Endpoint,
    unityCatalogEndpoint: string,
    options: ZerobusSdkOptions,
    credentials: SdkCredentials,
  ) {
    checkProxyOption(options.proxy);
    this.#connectionOptions = connectionOptions(options.connection);
    this.#transport = sdkTransport(options);
    this.#endpoint = endpoint;
    this.#unityCatalogEndpoint = unityCatalogEndpoint;
    this.#options = options;
    this.#credentials = credentials;
  }

  /** A channel for one stream: on this SDK's shared connection, or a dedicated one. */
  channel(): Channel {
    const { tlsRootCerts, proxy } = this.#options;
    if (this.#transport === 'grpc-js') {
      return new Channel(this.#endpoint, {
        transport: 'grpc-js',
        tlsRootCerts,
        grpcOptions: { ...this.#connectionOptions, ...this.#options.grpcChannelOptions },
        proxy,
      });
    }
    const shared = this.#options.connection !== 'dedicated';
    if (shared) this.#shared ??= h2ConnectionTo(this.#endpoint, { tlsRootCerts, proxy });
    return new Channel(this.#endpoint, { transport: 'http2', tlsRootCerts, proxy, connection: this.#shared });
  }

  /**
   * OAuth headers for one stream's table, from the stream's client credentials or else the SDK's
   * (`INVALID_OPTIONS`, saying where they can come from, without any).
   */
  oauthProvider(
    params: Pick<CreateStreamParams, 'clientId' | 'clientSecret'>,
    table: TableProperties,
    call = 'createStream',
  ): HeadersProvider {
    const { clientId, clientSecret } = streamCredentials(params, this.#credentials, call);
    return new OAuthHeadersProvider({
      unityCatalogEndpoint: this.#unityCatalogEndpoint,
      clientId,
      clientSecret,
      workspaceId: this.#endpoint.workspaceId,
      table: table.name,
      ca: this.#options.tlsRootCerts,
      proxy: this.#options.proxy,
      ...(this.#options.tokenTimeoutMs !== undefined && { timeoutMs: this.#options.tokenTimeoutMs }),
    });
  }
}

/** The option `transport` (checked), as `chooseTransport` decides; with raw grpc-js options, `'http2'` is refused. */
function sdkTransport(options: ZerobusSdkOptions): Transport {
  const transport = checkTransport(options.transport, 'option transport');
  if (transport === 'http2' && hasGrpcOptions(options.grpcChannelOptions)) {
    throw new NonRetriableError(
      'INVALID_OPTIONS',
      "option grpcChannelOptions configures grpc-js, but option transport is 'http2': drop one of them",
    );
  }
  return chooseTransport({ transport, grpcOptions: options.grpcChannelOptions });
}

/**
 * Shared: grpc-js's process-wide subchannel pool hands every channel with equal target,
 * credentials and options the same connection (and reopens it for all of them); an option unique
 * to this SDK instance keeps other instances (another copy of the SDK too) off it. Dedicated:
 * each channel's own pool, so its own connection.
 */
function connectionOptions(connection: unknown): Record<string, string | number> {
  if (connection === undefined || connection === 'shared') {
    return { 'grpc.use_local_subchannel_pool': 0, 'zerobus.sdk_instance': randomUUID() };
  }
  if (connection === 'dedicated') return { 'grpc.use_local_subchannel_pool': 1 };
  throw new NonRetriableError(
    'INVALID_OPTIONS',
    `option connection must be 'shared' or 'dedicated', got ${JSON.stringify(connection) ?? String(connection)}`,
  );
}
