/**
 * `ZerobusSdk`: the entry point, holding the endpoints and connection settings, and creating
 * streams (Python SDK `ZerobusSdk`).
 */
import { loadArrow } from './arrow/arrow-module.js';
import { resolveArrowOptions } from './arrow/arrow-options.js';
import { arrowSchemaFromTable } from './arrow/arrow-schema.js';
import { ArrowStream } from './arrow/arrow-stream.js';
import type { HeadersProvider } from './auth/headers-provider.js';
import { withScheme } from './auth/oauth.js';
import type { StreamPoolOptions } from './engine/pool-offset.js';
import { type StreamContext, ZerobusStream } from './engine/stream.js';
import { StreamPool } from './engine/stream-pool.js';
import { NonRetriableError } from './errors.js';
import { defaultSdkLogger, type Logger } from './logger.js';
import { resolveStreamOptions, type StreamConfigurationOptions } from './options.js';
import { createRecordEncoder } from './records/encoder.js';
import { withSchemaCheck } from './records/schema-encoder.js';
import { createStreamParams } from './sdk-arguments.js';
import { SdkConnections } from './sdk-connection.js';
import { endpointsOrEnv, sdkCredentials } from './sdk-env.js';
import type { CreateArrowStreamParams, CreateStreamParams, ZerobusSdkOptions } from './sdk-params.js';
import { type RecreatableStream, StreamRecreations } from './sdk-recreation.js';
import { TableProperties } from './table.js';
import { resolveMeter } from './telemetry/meter.js';
import { bindStreamTelemetry } from './telemetry/stream-telemetry.js';
import { parseEndpoint } from './transport/channel.js';

export type { CreateArrowStreamParams, CreateStreamParams, ZerobusSdkOptions } from './sdk-params.js';

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
 * An endpoint left out (`undefined`) is read from the environment, as the `zerobus` command
 * reads it: `ZEROBUS_ENDPOINT` (the Zerobus endpoint) and `DATABRICKS_HOST` (the workspace URL);
 * one not set either is an `INVALID_OPTIONS` error naming the variable. Client credentials can be
 * given once, as options `clientId` and `clientSecret` or by `DATABRICKS_CLIENT_ID` and
 * `DATABRICKS_CLIENT_SECRET`, for every stream that brings none. Explicit arguments win over the
 * environment. {@link ZerobusSdk.fromEnv} takes all four from the environment.
 *
 * @example
 * ```ts
 * import { ZerobusSdk } from '@zerobus/sdk';
 *
 * // Endpoints from ZEROBUS_ENDPOINT and DATABRICKS_HOST; credentials given once for every stream.
 * const sdk = new ZerobusSdk(undefined, undefined, { clientId, clientSecret });
 * const stream = await sdk.createStream('main.iot.readings', { recordType: 'json' });
 * ```
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

  constructor(serverEndpoint?: string, unityCatalogEndpoint?: string, options: ZerobusSdkOptions = {}) {
    const given = endpointsOrEnv(serverEndpoint, unityCatalogEndpoint, process.env);
    const endpoint = parseEndpoint(given.serverEndpoint);
    if (typeof given.unityCatalogEndpoint !== 'string' || given.unityCatalogEndpoint.trim() === '') {
      throw new NonRetriableError('INVALID_OPTIONS', 'the Unity Catalog endpoint must be a non-empty string');
    }
    if (typeof options !== 'object' || options === null) {
      throw new NonRetriableError('INVALID_OPTIONS', 'the ZerobusSdk options must be an object');
    }
    this.serverEndpoint = given.serverEndpoint;
    this.unityCatalogEndpoint = withScheme(given.unityCatalogEndpoint);
    const credentials = sdkCredentials(options, process.env);
    this.#connections = new SdkConnections(endpoint, this.unityCatalogEndpoint, options, credentials);
    this.#options = options;
    this.#logger = options.logger ?? defaultSdkLogger();
  }

  /**
   * An SDK configured by the environment, as the `zerobus` command is: `ZEROBUS_ENDPOINT` (the
   * Zerobus endpoint, `https://<workspace-id>.zerobus.<region>.cloud.databricks.com`),
   * `DATABRICKS_HOST` (the workspace URL), `DATABRICKS_CLIENT_ID` and `DATABRICKS_CLIENT_SECRET`
   * (a service principal's OAuth credentials, which every stream then uses). Every one must be
   * set — an `INVALID_OPTIONS` error names those that are not — except the credentials when
   * `options` gives `clientId` and `clientSecret`. For the local server, `zerobus emulator`
   * prints the export line (the secret excepted), so the same program runs against either.
   *
   * @example
   * ```ts
   * import { ZerobusSdk } from '@zerobus/sdk';
   *
   * // export ZEROBUS_ENDPOINT=... DATABRICKS_HOST=... DATABRICKS_CLIENT_ID=... DATABRICKS_CLIENT_SECRET=...
   * const sdk = ZerobusSdk.fromEnv({ tokenTimeoutMs: 10_000 });
   * const stream = await sdk.createStream('main.iot.readings', { recordType: 'json' });
   * await stream.ingestRecordOffset({ device: 'a1', temp: 21.5 });
   * await stream.close();
   * ```
   */
  static fromEnv(options: ZerobusSdkOptions = {}): ZerobusSdk {
    const credentials = sdkCredentials(options ?? {}, process.env);
    // Every variable missing named at once, the credentials' with the endpoints'.
    endpointsOrEnv(undefined, undefined, process.env, credentials.missing);
    return new ZerobusSdk(undefined, undefined, options);
  }

  /**
   * Opens a stream to one table. Python-style: `createStream(clientId, clientSecret,
   * tableProperties, options?, headersProvider?)`. The SDK gets an OAuth token for the table with
   * the client credentials (or asks `headersProvider`), connects and creates the stream; a
   * retriable failure is retried as in recovery. Rejects with a `NonRetriableError` for invalid
   * options, an unknown table or missing grants.
   *
   * Three forms, told apart by the arguments: one object that is not a TableProperties is the
   * options-object form; a second argument that is a string, or three arguments or more, the
   * positional form above; otherwise `createStream(table, options?)`, a TableProperties or a
   * table name with the SDK's credentials. Empty `clientId` and `clientSecret` mean the SDK's too.
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
    tableProperties: TableProperties<T> | string,
    options?: StreamConfigurationOptions,
    headersProvider?: HeadersProvider,
  ): Promise<ZerobusStream<T>>;
  /**
   * The table alone (a TableProperties or its full name), with the client credentials the SDK was
   * given once: options `clientId` and `clientSecret` of the constructor, or `DATABRICKS_CLIENT_ID`
   * and `DATABRICKS_CLIENT_SECRET`. Without them it rejects with an `INVALID_OPTIONS` error naming
   * what to set. A string is a table name only when it comes alone or with an options object: a
   * string first that has no dots is rejected (it reads like a client id).
   *
   * @example
   * ```ts
   * import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
   *
   * const sdk = new ZerobusSdk(serverEndpoint, unityCatalogEndpoint, { clientId, clientSecret });
   * const events = await sdk.createStream('main.iot.events', { recordType: 'json' });
   * const readings = await sdk.createStream(new TableProperties('main.iot.readings'), { recordType: 'json' });
   * ```
   */
  createStream<T = unknown>(
    table: TableProperties<T> | string,
    options?: StreamConfigurationOptions,
  ): Promise<ZerobusStream<T>>;
  // Last, so that `Parameters<ZerobusSdk['createStream']>[0]` stays CreateStreamParams.
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
  async createStream<T = unknown>(...args: unknown[]): Promise<ZerobusStream<T>> {
    const params = createStreamParams(args);
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
    tableProperties: TableProperties<T> | string,
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
      TableProperties<T>,
      StreamConfigurationOptions | undefined,
      HeadersProvider | undefined,
      StreamPoolOptions | undefined,
    ];
    return StreamPool.open<T>(this, { clientId: first, clientSecret, table, options, headersProvider }, poolOptions);
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
    const headersProvider =
      params.headersProvider ?? this.#connections.oauthProvider(params, table, 'createArrowStream');
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
