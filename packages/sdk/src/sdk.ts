/**
 * `ZerobusSdk`: the entry point, holding the endpoints and connection settings, and creating
 * streams (Python SDK `ZerobusSdk`).
 */
import type { Schema as ArrowSchema } from 'apache-arrow';
import { loadArrow } from './arrow/arrow-module.js';
import { type ArrowStreamOptions, resolveArrowOptions } from './arrow/arrow-options.js';
import { arrowSchemaFromTable } from './arrow/arrow-schema.js';
import { ArrowStream } from './arrow/arrow-stream.js';
import type { HeadersProvider } from './auth/headers-provider.js';
import { withScheme } from './auth/oauth.js';
import type { StreamPoolOptions } from './engine/pool-offset.js';
import { type StreamContext, ZerobusStream } from './engine/stream.js';
import { StreamPool } from './engine/stream-pool.js';
import { NonRetriableError } from './errors.js';
import { createConsoleLogger, type Logger } from './logger.js';
import type { ProxyOption } from './net/proxy-config.js';
import { resolveStreamOptions, type StreamConfigurationOptions } from './options.js';
import { createRecordEncoder } from './records/encoder.js';
import { withSchemaCheck } from './records/schema-encoder.js';
import { SdkConnections } from './sdk-connection.js';
import { type RecreatableStream, StreamRecreations } from './sdk-recreation.js';
import { TableProperties } from './table.js';
import { type MeterLike, resolveMeter } from './telemetry/meter.js';
import { bindStreamTelemetry } from './telemetry/stream-telemetry.js';
import { parseEndpoint } from './transport/channel.js';

/**
 * Connection settings of a {@link ZerobusSdk}, shared by every stream it creates; every one is optional.
 *
 * @example
 * ```ts
 * import { ZerobusSdk, type ZerobusSdkOptions } from '@zerobus/sdk';
 *
 * const options: ZerobusSdkOptions = {
 *   tokenTimeoutMs: 10_000, // each OAuth token request
 *   grpcChannelOptions: { 'grpc.keepalive_time_ms': 15_000 }, // pings under a load balancer's idle timeout
 *   proxy: 'http://proxy.corp.example:3128', // every connection through this proxy
 *   meter: null, // no OpenTelemetry metrics, even with a global MeterProvider
 * };
 * const sdk = new ZerobusSdk(serverEndpoint, unityCatalogEndpoint, options);
 * ```
 */
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
   * OpenTelemetry metrics of every stream of `createStream`, `createStreamPool` and
   * `createArrowStream` (docs/node-idioms.md): a `Meter` to report to, or
   * `null` for none. Not set: the global MeterProvider's meter if one is registered when a stream
   * is created; otherwise none, and nothing from `@opentelemetry/api` is loaded.
   */
  meter?: MeterLike | null;
  /**
   * HTTP CONNECT proxy for every connection (Zerobus gRPC, token endpoint): omitted, from the
   * environment (`grpc_proxy`, `https_proxy`, `http_proxy`, bypassed per `no_grpc_proxy` /
   * `no_proxy`; docs/proxies.md); a URL `http://[user:password@]host[:port]`, always that proxy;
   * `false`, never a proxy; `{ env }`, the environment rules over these variables instead.
   */
  proxy?: ProxyOption;
  /**
   * How this SDK's streams reach the Zerobus endpoint. `'shared'` (the default, as the official
   * SDKs do): one HTTP/2 connection carries every stream of this SDK instance (streams of
   * `createStream`, pools and Arrow streams alike), reopened for all of them when it drops, and
   * closed once the last of them closes (within about 10 s). `'dedicated'`: each stream has a
   * connection of its own (one stream's connection failure then never touches another's).
   *
   * @example
   * ```ts
   * import { ZerobusSdk } from '@zerobus/sdk';
   *
   * // A pool whose streams each get a TCP connection (and HTTP/2 flow-control window) of their own.
   * const sdk = new ZerobusSdk(serverEndpoint, unityCatalogEndpoint, { connection: 'dedicated' });
   * const pool = await sdk.createStreamPool({ table: 'main.iot.readings', clientId, clientSecret }, { size: 4 });
   * ```
   */
  connection?: 'shared' | 'dedicated';
}

/**
 * The inputs of {@link ZerobusSdk.createStream} (and {@link ZerobusSdk.createStreamPool}) in
 * options-object form.
 *
 * @example
 * ```ts
 * import type { CreateStreamParams } from '@zerobus/sdk';
 *
 * const params: CreateStreamParams = {
 *   table: 'main.iot.readings', // a name is enough for JSON streams
 *   clientId,
 *   clientSecret,
 *   options: { recordType: 'json', maxInflightRecords: 20_000 },
 * };
 * const stream = await sdk.createStream(params); // one stream...
 * const pool = await sdk.createStreamPool(params, { size: 4 }); // ...or four, from the same inputs
 * ```
 */
export interface CreateStreamParams<T = unknown> {
  /** The table, as `TableProperties` or its full name (JSON streams need no descriptor). */
  table: TableProperties<T> | string;
  /** OAuth client (service principal) id; not needed with a `headersProvider`. */
  clientId?: string;
  /** OAuth client secret; not needed with a `headersProvider`. */
  clientSecret?: string;
  /** The stream's options (record type, in-flight window, recovery, ...). */
  options?: StreamConfigurationOptions;
  /** Replaces OAuth: asked for the call's headers on every connect. */
  headersProvider?: HeadersProvider;
  /** Abandons stream creation. */
  signal?: AbortSignal;
}

/**
 * The inputs of {@link ZerobusSdk.createArrowStream}.
 *
 * @example
 * ```ts
 * import type { CreateArrowStreamParams } from '@zerobus/sdk';
 * import { Field, Float64, Schema, TimestampMicrosecond, Utf8 } from 'apache-arrow';
 *
 * // The Arrow types the table's columns take: STRING NOT NULL, DOUBLE, TIMESTAMP.
 * const schema = new Schema([
 *   new Field('device', new Utf8(), false),
 *   new Field('temp', new Float64(), true),
 *   new Field('at', new TimestampMicrosecond('UTC'), true),
 * ]);
 * const params: CreateArrowStreamParams = {
 *   table: 'main.iot.readings', // a name suffices when the schema is given
 *   schema,
 *   clientId,
 *   clientSecret,
 *   signal: AbortSignal.timeout(60_000), // give up opening after a minute
 * };
 * const arrowStream = await sdk.createArrowStream(params);
 * ```
 */
export interface CreateArrowStreamParams {
  /** The table, as `TableProperties` (with its schema, the Arrow schema can be derived) or its full name. */
  table: TableProperties | string;
  /** The Arrow schema of every batch; default: derived from the table schema of `table`. */
  schema?: ArrowSchema;
  /** OAuth client (service principal) id; not needed with a `headersProvider`. */
  clientId?: string;
  /** OAuth client secret; not needed with a `headersProvider`. */
  clientSecret?: string;
  /** The stream's options (in-flight window, recovery, ...). */
  options?: ArrowStreamOptions;
  /** Replaces OAuth: asked for the call's headers on every connect. */
  headersProvider?: HeadersProvider;
  /** Abandons stream creation. */
  signal?: AbortSignal;
}

/** How a stream was created, for recreateStream (the creation's own `signal` left out). */
type StreamOrigin =
  | { readonly kind: 'records'; readonly params: CreateStreamParams }
  | { readonly kind: 'arrow'; readonly params: CreateArrowStreamParams };

/**
 * The entry point (Python SDK `ZerobusSdk`): holds the Zerobus endpoint, the workspace (Unity
 * Catalog) endpoint that issues OAuth tokens, and the connection settings, and creates streams:
 * {@link ZerobusSdk.createStream}, {@link ZerobusSdk.createStreamPool},
 * {@link ZerobusSdk.createArrowStream}. Its streams share one HTTP/2 connection (option `connection`).
 *
 * @example
 * ```ts
 * import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
 *
 * const sdk = new ZerobusSdk(
 *   'https://1234567890123456.zerobus.us-west-2.cloud.databricks.com',
 *   'https://dbc-a1b2c3d4-e5f6.cloud.databricks.com',
 * );
 * const stream = await sdk.createStream(clientId, clientSecret, new TableProperties('main.iot.readings'), {
 *   recordType: 'json',
 * });
 * await stream.ingestRecordOffset({ device: 'a1', temp: 21.5 });
 * await stream.close();
 * ```
 */
export class ZerobusSdk {
  /** The Zerobus endpoint, as given. */
  readonly serverEndpoint: string;
  /** The workspace URL (token endpoint, Unity Catalog), with `https://` added when it had no scheme. */
  readonly unityCatalogEndpoint: string;
  readonly #options: ZerobusSdkOptions;
  readonly #logger: Logger;
  readonly #origins = new WeakMap<RecreatableStream, StreamOrigin>();
  readonly #recreations = new StreamRecreations();
  readonly #connections: SdkConnections;

  constructor(serverEndpoint: string, unityCatalogEndpoint: string, options: ZerobusSdkOptions = {}) {
    const endpoint = parseEndpoint(serverEndpoint);
    if (typeof unityCatalogEndpoint !== 'string' || unityCatalogEndpoint.trim() === '') {
      throw new NonRetriableError('INVALID_OPTIONS', 'the Unity Catalog endpoint must be a non-empty string');
    }
    this.serverEndpoint = serverEndpoint;
    this.unityCatalogEndpoint = withScheme(unityCatalogEndpoint);
    this.#connections = new SdkConnections(endpoint, this.unityCatalogEndpoint, options);
    this.#options = options;
    this.#logger = options.logger ?? createConsoleLogger();
  }

  /**
   * Opens a stream to one table. Python-style: `createStream(clientId, clientSecret,
   * tableProperties, options?, headersProvider?)`. The SDK gets an OAuth token for the table with
   * the client credentials (or asks `headersProvider`), connects and creates the stream; a
   * retriable failure is retried as in recovery. Rejects with a `NonRetriableError` for invalid
   * options, an unknown table or missing grants.
   *
   * @example
   * ```ts
   * import { TableProperties } from '@zerobus/sdk';
   *
   * const stream = await sdk.createStream(clientId, clientSecret, new TableProperties('main.iot.readings'), {
   *   recordType: 'json',
   * });
   * ```
   */
  createStream<T = unknown>(
    clientId: string,
    clientSecret: string,
    tableProperties: TableProperties<T>,
    options?: StreamConfigurationOptions,
    headersProvider?: HeadersProvider,
  ): Promise<ZerobusStream<T>>;
  /**
   * Options-object form, which also takes a `signal` to abandon the creation.
   *
   * @example
   * ```ts
   * const stream = await sdk.createStream({
   *   table: 'main.iot.readings',
   *   clientId,
   *   clientSecret,
   *   options: { recordType: 'json', maxInflightRecords: 10_000 },
   *   signal: AbortSignal.timeout(30_000),
   * });
   * ```
   */
  createStream<T = unknown>(params: CreateStreamParams<T>): Promise<ZerobusStream<T>>;
  async createStream<T = unknown>(
    first: string | CreateStreamParams<T>,
    clientSecret?: string,
    tableProperties?: TableProperties<T>,
    options?: StreamConfigurationOptions,
    headersProvider?: HeadersProvider,
  ): Promise<ZerobusStream<T>> {
    const params: CreateStreamParams<T> =
      typeof first === 'object' && first !== null
        ? first
        : {
            clientId: first,
            ...(clientSecret !== undefined && { clientSecret }),
            table: tableProperties as TableProperties<T>,
            ...(options !== undefined && { options }),
            ...(headersProvider !== undefined && { headersProvider }),
          };
    const context = this.#context(params);
    const meter = await resolveMeter(this.#options.meter, this.#logger);
    const stream = await ZerobusStream.open<T>(context, params.signal);
    if (meter) bindStreamTelemetry(stream, meter, this.#logger);
    this.#origins.set(stream, { kind: 'records', params: withoutSignal(params) });
    return stream;
  }

  /**
   * Opens a pool of streams to one table behind one ingest API (`StreamPool`): the inputs of
   * `createStream`, then `{ size, maxStreamReplacements }`. The streams open concurrently; if one
   * fails to open, the others are closed and the failure is thrown.
   *
   * @example
   * ```ts
   * const pool = await sdk.createStreamPool(
   *   { table: 'main.iot.readings', clientId, clientSecret, options: { recordType: 'json' } },
   *   { size: 4 },
   * );
   * await pool.ingestRecordOffset({ device: 'a1', temp: 21.5 });
   * await pool.close();
   * ```
   */
  createStreamPool<T = unknown>(params: CreateStreamParams<T>, poolOptions?: StreamPoolOptions): Promise<StreamPool<T>>;
  /** Python-style form of the same: the stream inputs, then the pool options. */
  createStreamPool<T = unknown>(
    clientId: string,
    clientSecret: string,
    tableProperties: TableProperties<T>,
    options?: StreamConfigurationOptions,
    headersProvider?: HeadersProvider,
    poolOptions?: StreamPoolOptions,
  ): Promise<StreamPool<T>>;
  async createStreamPool<T = unknown>(
    first: string | CreateStreamParams<T>,
    ...rest: unknown[]
  ): Promise<StreamPool<T>> {
    if (typeof first === 'object' && first !== null) {
      return StreamPool.open<T>(this, first, rest[0] as StreamPoolOptions | undefined);
    }
    const [clientSecret, table, options, headersProvider, poolOptions] = rest as [
      string,
      TableProperties,
      StreamConfigurationOptions | undefined,
      HeadersProvider | undefined,
      StreamPoolOptions | undefined,
    ];
    return StreamPool.open<T>(
      this,
      { clientId: first, clientSecret, table: table as TableProperties<T>, options, headersProvider },
      poolOptions,
    );
  }

  /**
   * Opens a new stream with the settings of a failed or closed one and re-ingests its
   * unacknowledged requests, in order and with their batch structure; they get new offsets.
   * On a stream that is still open it rejects with an `INVALID_STATE` error. The new stream is
   * created with the inputs of the old one except its `signal`, which bounded that creation only:
   * `options.signal` bounds this one.
   *
   * The records move exactly once: a second call for the same stream, after the first succeeded
   * or while it is under way (two calls racing), rejects with an `INVALID_STATE` error naming
   * the stream already made, and sends nothing. Only when the recreation itself failed (the new
   * stream could not be created) are the records still on the old stream, to recreate again.
   *
   * @example
   * ```ts
   * // `stream` failed (or was closed) with records not acknowledged.
   * const carried = stream.getUnackedRecords().length;
   * const next = await sdk.recreateStream(stream, { signal: AbortSignal.timeout(60_000) });
   * // The carried requests are queued first, in order, at offsets 0, 1, ... of the new stream.
   * await next.flush();
   * console.log(`${carried} records re-sent, durable up to offset ${next.ackedOffset} of the new stream`);
   * ```
   */
  recreateStream<T>(stream: ZerobusStream<T>, options?: { signal?: AbortSignal }): Promise<ZerobusStream<T>>;
  /**
   * The same for an Arrow stream: a new Arrow stream with the same table, schema and options, to
   * which the unacknowledged batches, sliced to the rows not yet durable, go first, once.
   *
   * @example
   * ```ts
   * try {
   *   await arrowStream.close({ signal: AbortSignal.timeout(30_000) });
   * } catch {
   *   const next = await sdk.recreateStream(arrowStream); // the batches not durable, then more
   *   await next.close();
   * }
   * ```
   */
  recreateStream(stream: ArrowStream, options?: { signal?: AbortSignal }): Promise<ArrowStream>;
  recreateStream(stream: RecreatableStream, options: { signal?: AbortSignal } = {}): Promise<RecreatableStream> {
    const origin = this.#origins.get(stream);
    if (!origin) {
      const which = stream instanceof ArrowStream ? 'an Arrow stream' : 'a stream';
      const from = stream instanceof ArrowStream ? 'createArrowStream' : 'createStream';
      return Promise.reject(
        new NonRetriableError(
          'INVALID_STATE',
          `recreateStream takes ${which} created by this ZerobusSdk's ${from}; this one came from another ZerobusSdk`,
        ),
      );
    }
    const signal = options.signal && { signal: options.signal };
    return this.#recreations.recreate(stream, () =>
      origin.kind === 'records'
        ? this.createStream({ ...origin.params, ...signal })
        : this.createArrowStream({ ...origin.params, ...signal }),
    );
  }

  /**
   * Opens an Arrow Flight stream (`DoPut`) to a table: record batches in, one offset per batch,
   * acknowledged in rows as well as batches, so a reconnect re-sends only the rows not yet
   * durable. The Arrow schema is `params.schema`, or derived from the table schema carried by the
   * TableProperties (`TableProperties.fromTable`). Needs the `apache-arrow` package.
   *
   * @example
   * ```ts
   * import { TableProperties } from '@zerobus/sdk';
   *
   * // The table's columns give the Arrow schema; no descriptor needed ('json').
   * const table = await TableProperties.fromTable('main.iot.readings', {
   *   unityCatalogEndpoint,
   *   clientId,
   *   clientSecret,
   *   recordType: 'json',
   * });
   * const arrowStream = await sdk.createArrowStream({ table, clientId, clientSecret });
   * console.log(arrowStream.schema.fields.map(String)); // e.g. [ 'device: Utf8', 'temp: Float64', ... ]
   * await arrowStream.ingestBatchOffset(recordBatch); // or a Table, or an array of plain objects
   * await arrowStream.close(); // flushes first
   * ```
   */
  async createArrowStream(params: CreateArrowStreamParams): Promise<ArrowStream> {
    if (typeof params !== 'object' || params === null) {
      throw new NonRetriableError('INVALID_OPTIONS', 'createArrowStream takes an options object');
    }
    const table = typeof params.table === 'string' ? new TableProperties(params.table) : params.table;
    if (!(table instanceof TableProperties)) {
      throw new NonRetriableError(
        'INVALID_OPTIONS',
        'createArrowStream needs a table: a TableProperties or a table name',
      );
    }
    const options = resolveArrowOptions(params.options);
    const headersProvider = params.headersProvider ?? this.#connections.oauthProvider(params, table);
    const arrow = await loadArrow();
    const schema = params.schema ?? (table.schema ? arrowSchemaFromTable(arrow, table.schema) : undefined);
    if (!schema) {
      throw new NonRetriableError(
        'INVALID_OPTIONS',
        'an Arrow stream needs its Arrow schema: pass { schema }, or TableProperties with the table schema (TableProperties.fromTable)',
      );
    }
    const meter = await resolveMeter(this.#options.meter, this.#logger);
    const stream = await ArrowStream.open(
      {
        arrow,
        channel: this.#connections.channel(),
        tableName: table.tableName,
        schema,
        headersProvider,
        options,
        logger: this.#logger,
      },
      params.signal,
    );
    if (meter) bindStreamTelemetry(stream, meter, this.#logger);
    // Recreated with the schema it has, even where it was derived from the table.
    this.#origins.set(stream, { kind: 'arrow', params: { ...withoutSignal(params), schema } });
    return stream;
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
    if (options.recordType === 'json' && table.descriptor !== undefined && table.descriptor !== null) {
      // Left off the wire as it should be, but a descriptor given for nothing is likely a mistake.
      this.#logger.warn(
        { table: table.tableName },
        "the table's descriptor is not used: this stream sends JSON records (recordType 'json')",
      );
    }
    // With a table schema (and `validate` not false), records are checked before they are encoded.
    const encoder = withSchemaCheck(
      createRecordEncoder(options.recordType, table.descriptor),
      table.schema,
      options.validate,
    );
    const headersProvider = params.headersProvider ?? this.#connections.oauthProvider(params, table);
    return {
      channel: this.#connections.channel(),
      headersProvider,
      table,
      options,
      encoder,
      logger: this.#logger,
    };
  }
}

/**
 * A creation's inputs without its `signal`: that bounded the creation only (often an
 * `AbortSignal.timeout(...)` long fired), never a later recreation.
 */
function withoutSignal<P extends { signal?: AbortSignal }>(params: P): Omit<P, 'signal'> {
  const { signal: _signal, ...rest } = params;
  return rest;
}
