/**
 * `ZerobusSdk`: the entry point, holding the endpoints and connection settings, and creating
 * streams (Python SDK `ZerobusSdk`).
 */
import type { HeadersProvider } from './auth/headers-provider.js';
import { OAuthHeadersProvider, withScheme } from './auth/oauth.js';
import type { StreamPoolOptions } from './engine/pool-offset.js';
import { enqueueEncoded, type StreamContext, unackedRequests, ZerobusStream } from './engine/stream.js';
import { StreamPool } from './engine/stream-pool.js';
import { NonRetriableError } from './errors.js';
import { createConsoleLogger, type Logger } from './logger.js';
import { checkProxyOption, type ProxyOption } from './net/proxy-config.js';
import { resolveStreamOptions, type StreamConfigurationOptions } from './options.js';
import { createRecordEncoder } from './records/encoder.js';
import { withSchemaCheck } from './records/schema-encoder.js';
import { TableProperties } from './table.js';
import { type MeterLike, resolveMeter } from './telemetry/meter.js';
import { bindStreamTelemetry } from './telemetry/stream-telemetry.js';
import { Channel, type Endpoint, parseEndpoint } from './transport/channel.js';

export interface ZerobusSdkOptions {
  /**
   * Trusted CA certificates (PEM) in place of the system roots, for the Zerobus endpoint and the
   * token endpoint: e.g. a local server with a self-signed certificate.
   */
  tlsRootCerts?: string | Buffer;
  /** Where the SDK logs; a pino logger fits as it is. Default: stderr at the `ZEROBUS_LOG` level. */
  logger?: Logger;
  /** Raw grpc-js channel options merged over the SDK's (e.g. keepalive settings). */
  grpcChannelOptions?: Record<string, string | number>;
  /** Time limit of one token request. Default 30,000 ms. */
  tokenTimeoutMs?: number;
  /**
   * OpenTelemetry metrics of every stream (README "Node.js idioms"): a `Meter` to report to, or
   * `null` for none. Not set: the global MeterProvider's meter if one is registered when a stream
   * is created; otherwise none, and nothing from `@opentelemetry/api` is loaded.
   */
  meter?: MeterLike | null;
  /**
   * HTTP CONNECT proxy for every connection (Zerobus gRPC, token endpoint): omitted, from the
   * environment (`grpc_proxy`, `https_proxy`, `http_proxy`, bypassed per `no_grpc_proxy` /
   * `no_proxy`; README "Proxies"); a URL `http://[user:password@]host[:port]`, always that proxy;
   * `false`, never a proxy; `{ env }`, the environment rules over these variables instead.
   */
  proxy?: ProxyOption;
}

export interface CreateStreamParams {
  /** The table, as `TableProperties` or its full name (JSON streams need no descriptor). */
  table: TableProperties | string;
  /** OAuth client (service principal) id; not needed with a `headersProvider`. */
  clientId?: string;
  /** OAuth client secret; not needed with a `headersProvider`. */
  clientSecret?: string;
  options?: StreamConfigurationOptions;
  /** Replaces OAuth: asked for the call's headers on every connect. */
  headersProvider?: HeadersProvider;
  /** Abandons stream creation. */
  signal?: AbortSignal;
}

interface StreamOrigin {
  readonly params: CreateStreamParams;
}

export class ZerobusSdk {
  readonly serverEndpoint: string;
  readonly unityCatalogEndpoint: string;
  readonly #endpoint: Endpoint;
  readonly #options: ZerobusSdkOptions;
  readonly #logger: Logger;
  readonly #origins = new WeakMap<ZerobusStream, StreamOrigin>();

  constructor(serverEndpoint: string, unityCatalogEndpoint: string, options: ZerobusSdkOptions = {}) {
    this.#endpoint = parseEndpoint(serverEndpoint);
    if (typeof unityCatalogEndpoint !== 'string' || unityCatalogEndpoint.trim() === '') {
      throw new NonRetriableError('INVALID_OPTIONS', 'the Unity Catalog endpoint must be a non-empty string');
    }
    checkProxyOption(options.proxy);
    this.serverEndpoint = serverEndpoint;
    this.unityCatalogEndpoint = withScheme(unityCatalogEndpoint);
    this.#options = options;
    this.#logger = options.logger ?? createConsoleLogger();
  }

  /** Python-style: `createStream(clientId, clientSecret, tableProperties, options?, headersProvider?)`. */
  createStream(
    clientId: string,
    clientSecret: string,
    tableProperties: TableProperties,
    options?: StreamConfigurationOptions,
    headersProvider?: HeadersProvider,
  ): Promise<ZerobusStream>;
  /** Options-object form. */
  createStream(params: CreateStreamParams): Promise<ZerobusStream>;
  async createStream(
    first: string | CreateStreamParams,
    clientSecret?: string,
    tableProperties?: TableProperties,
    options?: StreamConfigurationOptions,
    headersProvider?: HeadersProvider,
  ): Promise<ZerobusStream> {
    const params: CreateStreamParams =
      typeof first === 'object' && first !== null
        ? first
        : {
            clientId: first,
            ...(clientSecret !== undefined && { clientSecret }),
            table: tableProperties as TableProperties,
            ...(options !== undefined && { options }),
            ...(headersProvider !== undefined && { headersProvider }),
          };
    const context = this.#context(params);
    const meter = await resolveMeter(this.#options.meter, this.#logger);
    const stream = await ZerobusStream.open(context, params.signal);
    if (meter) bindStreamTelemetry(stream, meter, this.#logger);
    this.#origins.set(stream, { params });
    return stream;
  }

  /**
   * Opens a pool of streams to one table behind one ingest API (`StreamPool`): the inputs of
   * `createStream`, then `{ size, maxStreamReplacements }`. The streams open concurrently; if one
   * fails to open, the others are closed and the failure is thrown.
   */
  createStreamPool(params: CreateStreamParams, poolOptions?: StreamPoolOptions): Promise<StreamPool>;
  createStreamPool(
    clientId: string,
    clientSecret: string,
    tableProperties: TableProperties,
    options?: StreamConfigurationOptions,
    headersProvider?: HeadersProvider,
    poolOptions?: StreamPoolOptions,
  ): Promise<StreamPool>;
  async createStreamPool(first: string | CreateStreamParams, ...rest: unknown[]): Promise<StreamPool> {
    if (typeof first === 'object' && first !== null) {
      return StreamPool.open(this, first, rest[0] as StreamPoolOptions | undefined);
    }
    const [clientSecret, table, options, headersProvider, poolOptions] = rest as [
      string,
      TableProperties,
      StreamConfigurationOptions | undefined,
      HeadersProvider | undefined,
      StreamPoolOptions | undefined,
    ];
    return StreamPool.open(this, { clientId: first, clientSecret, table, options, headersProvider }, poolOptions);
  }

  /**
   * Opens a new stream with the settings of a failed or closed one and re-ingests its
   * unacknowledged requests, in order and with their batch structure; they get new offsets.
   */
  async recreateStream(stream: ZerobusStream, options: { signal?: AbortSignal } = {}): Promise<ZerobusStream> {
    const origin = this.#origins.get(stream);
    if (!origin) {
      throw new NonRetriableError('INVALID_STATE', 'recreateStream takes a stream created by this ZerobusSdk');
    }
    const pending = stream[unackedRequests]();
    const next = await this.createStream({ ...origin.params, ...(options.signal && { signal: options.signal }) });
    for (const request of pending) await next[enqueueEncoded](request.payloads, request.batch);
    return next;
  }

  #context(params: CreateStreamParams): StreamContext {
    if (typeof params !== 'object' || params === null) {
      throw new NonRetriableError(
        'INVALID_OPTIONS',
        'createStream takes an options object or (clientId, clientSecret, tableProperties)',
      );
    }
    const table = typeof params.table === 'string' ? new TableProperties(params.table) : params.table;
    if (!(table instanceof TableProperties)) {
      throw new NonRetriableError('INVALID_OPTIONS', 'createStream needs a table: a TableProperties or a table name');
    }
    const options = resolveStreamOptions(params.options);
    // With a table schema (and `validate` not false), records are checked before they are encoded.
    const encoder = withSchemaCheck(
      createRecordEncoder(options.recordType, table.descriptor),
      table.schema,
      options.validate,
    );
    const headersProvider = params.headersProvider ?? this.#oauthProvider(params, table);
    return {
      channel: new Channel(this.#endpoint, {
        tlsRootCerts: this.#options.tlsRootCerts,
        grpcOptions: this.#options.grpcChannelOptions,
        proxy: this.#options.proxy,
      }),
      headersProvider,
      table,
      options,
      encoder,
      logger: this.#logger,
    };
  }

  #oauthProvider(params: CreateStreamParams, table: TableProperties): HeadersProvider {
    const { clientId, clientSecret } = params;
    if (typeof clientId !== 'string' || clientId === '' || typeof clientSecret !== 'string' || clientSecret === '') {
      throw new NonRetriableError(
        'INVALID_OPTIONS',
        'createStream needs clientId and clientSecret, or a headersProvider',
      );
    }
    return new OAuthHeadersProvider({
      unityCatalogEndpoint: this.unityCatalogEndpoint,
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
