/**
 * `ZerobusSdk`: the entry point, holding the endpoints and connection settings, and creating
 * streams (Python SDK `ZerobusSdk`).
 */
import type { HeadersProvider } from './auth/headers-provider.js';
import { OAuthHeadersProvider, withScheme } from './auth/oauth.js';
import { enqueueEncoded, type StreamContext, unackedRequests, ZerobusStream } from './engine/stream.js';
import { NonRetriableError } from './errors.js';
import { createConsoleLogger, type Logger } from './logger.js';
import { resolveStreamOptions, type StreamConfigurationOptions } from './options.js';
import { createRecordEncoder } from './records/encoder.js';
import { withSchemaCheck } from './records/schema-encoder.js';
import { TableProperties } from './table.js';
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
    const stream = await ZerobusStream.open(this.#context(params), params.signal);
    this.#origins.set(stream, { params });
    return stream;
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
      ...(this.#options.tokenTimeoutMs !== undefined && { timeoutMs: this.#options.tokenTimeoutMs }),
    });
  }
}
