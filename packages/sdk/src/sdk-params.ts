/**
 * The inputs of `ZerobusSdk`: its connection settings and the parameters of the streams it
 * creates, apart from the class so that each file keeps to one purpose.
 */
import type { Schema as ArrowSchema } from 'apache-arrow';
import type { ArrowStreamOptions } from './arrow/arrow-options.js';
import type { HeadersProvider } from './auth/headers-provider.js';
import type { Logger } from './logger.js';
import type { ProxyOption } from './net/proxy-config.js';
import type { StreamConfigurationOptions } from './options.js';
import type { TableProperties } from './table.js';
import type { MeterLike } from './telemetry/meter.js';

/**
 * Connection settings of a {@link ZerobusSdk}, shared by every stream it creates; every one is optional.
 *
 * @example
 * ```ts
 * import { ZerobusSdk, type ZerobusSdkOptions } from '@zerobus/sdk';
 *
 * const options: ZerobusSdkOptions = {
 *   tokenTimeoutMs: 10_000, // each OAuth token request
 *   grpcChannelOptions: { 'grpc.keepalive_time_ms': 15_000 }, // grpc-js transport, pinging under a load balancer's idle timeout
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
  /**
   * Where the SDK logs; a pino logger fits as it is. Default: nothing, unless `ZEROBUS_LOG` names a
   * level (`error`, `warn`, `info`, `debug`): then stderr at that level. A failure the application
   * receives (a rejection, an `error` event) is not also logged at warn or error.
   */
  logger?: Logger;
  /**
   * The service principal's OAuth client id for every stream of this SDK that brings none of its
   * own (given with `clientSecret`). Default: `DATABRICKS_CLIENT_ID` (with `DATABRICKS_CLIENT_SECRET`).
   */
  clientId?: string;
  /**
   * Its OAuth client secret (given with `clientId`); never logged nor put in an error. Default:
   * `DATABRICKS_CLIENT_SECRET`.
   */
  clientSecret?: string;
  /**
   * Raw grpc-js channel options merged over the SDK's (e.g. keepalive settings). Giving them
   * selects the grpc-js transport (with `transport: 'http2'` they are refused, never ignored).
   */
  grpcChannelOptions?: Record<string, string | number>;
  /**
   * What carries the gRPC calls: `'http2'` (the default), the SDK's own gRPC framing on
   * `node:http2`, which sends each record batch without copying it; or `'grpc-js'`, the
   * `@grpc/grpc-js` client — the way back, should a network need it. Default: `'grpc-js'` when
   * `grpcChannelOptions` are given (not empty), else `ZEROBUS_TRANSPORT` when set, else `'http2'`. Both speak the same protocol, reach the same servers (TLS roots, proxies,
   * `connection` sharing, keepalive pings every 30 s) and fail with the same errors.
   *
   * @example
   * ```ts
   * import { ZerobusSdk } from '@zerobus/sdk';
   *
   * const sdk = new ZerobusSdk(serverEndpoint, unityCatalogEndpoint, { transport: 'grpc-js' });
   * ```
   */
  transport?: 'http2' | 'grpc-js';
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
  /**
   * OAuth client (service principal) id; default: the SDK's (its option `clientId`, else
   * `DATABRICKS_CLIENT_ID`). Not needed with a `headersProvider`.
   */
  clientId?: string;
  /** OAuth client secret, given with `clientId`; default: the SDK's (`DATABRICKS_CLIENT_SECRET`). */
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
  /** OAuth client (service principal) id; default: the SDK's, as for {@link CreateStreamParams}. */
  clientId?: string;
  /** OAuth client secret, given with `clientId`; default: the SDK's. */
  clientSecret?: string;
  /** The stream's options (in-flight window, recovery, ...). */
  options?: ArrowStreamOptions;
  /** Replaces OAuth: asked for the call's headers on every connect. */
  headersProvider?: HeadersProvider;
  /** Abandons stream creation. */
  signal?: AbortSignal;
}
