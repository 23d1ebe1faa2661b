/**
 * Options of `startEmulator()`, their defaults, and the small status helper shared by the fault
 * hooks. Everything is validated once here so the rest of the emulator can trust its inputs.
 */

import { createConsoleLogger, type Logger } from '@zerobus/sdk';
import { GrpcStatus, grpcStatusName } from '@zerobus/sdk/wire';

/**
 * `'OK'`, `'UNAVAILABLE'`, ...: the gRPC status names.
 *
 * @example
 * ```ts
 * import { it } from 'node:test';
 * import type { GrpcStatusName } from '@zerobus/emulator';
 *
 * const retriable: GrpcStatusName[] = ['UNAVAILABLE', 'INTERNAL', 'RESOURCE_EXHAUSTED'];
 * for (const status of retriable) {
 *   it(`recovers from ${status}`, async () => {
 *     emulator.faults.failActiveStreams(status);
 *     await stream.ingestRecordOffset(record); // the SDK reconnects and sends it on a new call
 *     await stream.flush();
 *   });
 * }
 * ```
 */
export type GrpcStatusName = keyof typeof GrpcStatus;

/**
 * An OAuth client the token endpoint accepts (PROTOCOL.md §4).
 *
 * @example
 * ```ts
 * import { type Principal, startEmulator } from '@zerobus/emulator';
 * import { NonRetriableError, TableProperties, ZerobusSdk } from '@zerobus/sdk';
 *
 * const ingestJob: Principal = { clientId: 'ingest-job', clientSecret: 'ingest-secret', tables: ['main.iot.readings'] };
 * await using emulator = await startEmulator({ principals: [ingestJob] });
 * const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
 * const alerts = new TableProperties('main.iot.alerts');
 * try {
 *   await sdk.createStream(ingestJob.clientId, ingestJob.clientSecret, alerts, { recordType: 'json' });
 * } catch (error) {
 *   if (error instanceof NonRetriableError) console.log(error.code); // 'PERMISSION_DENIED': no grant on main.iot.alerts
 * }
 * ```
 */
export interface Principal {
  /** The OAuth client id (the SDK's `clientId`). */
  readonly clientId: string;
  /** The OAuth client secret (the SDK's `clientSecret`). */
  readonly clientSecret: string;
  /**
   * Tables this principal holds SELECT + MODIFY on (and USE CATALOG / USE SCHEMA on their
   * catalogs and schemas): it may write to them and read their Unity Catalog metadata, nothing
   * more. `undefined` means every table, and the metastore admin over Unity Catalog REST, so the
   * default principal can write anywhere and create or delete any catalog, schema or table.
   */
  readonly tables?: readonly string[] | undefined;
}

/**
 * Options of {@link startEmulator}; every one is optional, with the default given.
 *
 * @example
 * ```ts
 * import { startEmulator } from '@zerobus/emulator';
 *
 * await using emulator = await startEmulator({
 *   port: 50051, // fixed ports, for a client started separately
 *   httpPort: 8080,
 *   dataDir: './lake', // kept after close(): a restart serves the same Delta tables
 *   tables: ['main.iot.readings'], // a schemaless in-memory table; other names not in Unity Catalog are NOT_FOUND
 *   ackDelayMs: 50, // acknowledge like a remote service, not at once
 *   rotationIntervalMs: 60_000, // every stream gets a close signal a minute after it opened
 * });
 * ```
 */
export interface EmulatorOptions {
  /** Interface both servers listen on. Default `127.0.0.1`. */
  host?: string;
  /** gRPC (Zerobus) port. Default 0: an ephemeral port. */
  port?: number;
  /** HTTP port of the OAuth / Unity Catalog endpoint. Default 0: an ephemeral port. */
  httpPort?: number;
  /** OAuth clients. Default: one principal `emulator-client` / `emulator-secret` with every table. */
  principals?: readonly Principal[];
  /**
   * `false` skips every token and grant check, on gRPC calls and Unity Catalog REST (any bearer,
   * or none, is accepted). Default true.
   */
  auth?: boolean;
  /**
   * Who gets the web console (`/` on the HTTP port, `Emulator.consoleUrl`): `loopback` clients
   * only (the default), `all` clients (with `auth` on they still need a token), or no one (`off`).
   */
  console?: ConsoleAccess;
  /** Lifetime of issued access tokens (`expires_in`). Default 3600. 0 makes tokens expire at once. */
  tokenTtlSeconds?: number;
  /** Schemaless in-memory tables that exist from the start (`catalog.schema.table`, any case). */
  tables?: readonly string[];
  /**
   * Create a schemaless in-memory table for a stream to any name that is neither a Unity Catalog
   * table nor in `tables`, instead of ending it with NOT_FOUND as the real service does. Names are
   * validated as the catalog validates them (three parts of letters, digits, `_` and `-`) and
   * stored in lower case; each table created this way is logged. Such tables live in memory only:
   * they are gone after a restart. Default `false`.
   *
   * @example
   * ```ts
   * import { startEmulator } from '@zerobus/emulator';
   *
   * // any table name is accepted: the records are kept in memory, for records() to read back
   * await using emulator = await startEmulator({ autoCreateTables: true });
   * ```
   */
  autoCreateTables?: boolean;
  /**
   * Where the emulator logs (for now: each auto-created table, at info level); a pino logger fits
   * as it is. Default: stderr at the `ZEROBUS_LOG` level (default warn; a server logs, unlike the quiet SDK).
   */
  logger?: Logger;
  /** Delay between storing a request and acknowledging it (acks still coalesce). Default 0. */
  ackDelayMs?: number;
  /**
   * Largest request message (an EphemeralStream request or a DoPut FlightData) the server
   * accepts, in bytes. Default 4 MiB (the documented service limit). A larger one ends its call
   * with INVALID_ARGUMENT naming its offset, never RESOURCE_EXHAUSTED, which clients retry.
   */
  maxMessageBytes?: number;
  /** How long `close()` lets connections wind down before destroying them. Default 100 ms. */
  shutdownGraceMs?: number;
  /**
   * Where Unity Catalog tables (Delta tables) live. A restarted emulator with the same
   * directory serves the same tables. Default: a new temporary directory, removed by close().
   */
  dataDir?: string;
  /**
   * Serve gRPC and HTTP over TLS; endpoints become `https://`. Either a certificate (chain) and
   * key (PEM), e.g. from `generateSelfSignedCertificate()` or mkcert, or `{ caFile }`: a local CA
   * kept at that path and a server certificate it signs, reused across restarts while valid
   * (see `loadOrCreateLocalTls()`); clients trust the CA in `caFile`.
   */
  tls?:
    | {
        /** The PEM certificate, followed by its chain. */
        cert: string | Buffer;
        /** The PEM private key. */
        key: string | Buffer;
        /** The PEM CA certificate clients trust (informational). */
        ca?: string | Buffer;
      }
    | {
        /** Where the local CA certificate is (or is to be written); its key and the server's beside it. */
        caFile: string;
        /** Names the server certificate covers besides localhost, 127.0.0.1, ::1 and `host`. */
        names?: readonly string[];
      };
  /**
   * Rotate every stream this long after it was created: send close_stream_signal, then end the
   * call `rotationGraceMs` later, as the real service does periodically. Default: never.
   */
  rotationIntervalMs?: number;
  /** How long after its close signal a rotated stream's call is ended. Default 5,000 ms. */
  rotationGraceMs?: number;
  /**
   * Most requests a stream may have unacknowledged before the server stops reading from the
   * call (HTTP/2 flow control then pushes back on the client). Default: no limit.
   */
  maxInflightRequests?: number;
  /**
   * Most records per second one stream may send, as the real service limits streams (PROTOCOL.md
   * §8); past it the server stops reading the call for a while. Default: no limit.
   */
  maxStreamRecordsPerSecond?: number;
  /** Group commit: commit at the latest this long after the first waiting record. Default 20 ms. */
  commitIntervalMs?: number;
  /** Group commit: commit once this many records wait. Default 100,000. */
  commitMaxRecords?: number;
  /** Group commit: commit once this many payload bytes wait. Default 64 MiB. */
  commitMaxBytes?: number;
  /**
   * Worker threads that encode the Parquet data files of Delta commits (and their statistics),
   * so that the event loop goes on reading and decoding requests meanwhile; e.g.
   * `os.availableParallelism()`. Started on first use, stopped by `close()`; commits under 2,048
   * rows are encoded on the event loop all the same. Default `0`: every commit is encoded on the
   * event loop. The values are copied to the thread (structured clone), which costs CPU: on a
   * machine whose cores are all busy (2 cores shared by client and server) threads measured
   * slower, not faster (bench/README.md, durable ingest); they pay where cores are idle.
   */
  ingestWorkers?: number;
  /**
   * Which records the server keeps a copy of in memory, for `records()`. Default (undefined):
   * the records of schemaless in-memory tables (they are their only storage), and none of Delta
   * tables, whose records are on disk, so that a long run holds no copy of what it wrote.
   * `true` also keeps a copy of every record written to a Delta table (tests that read
   * `records()` of one). `false` makes the server an ack-only sink, so benchmarks measure the
   * client rather than the server: requests are still decoded and offsets and record types
   * checked, and acks flow as usual, but the payloads of in-memory tables are neither parsed nor
   * kept (`records()` stays empty; the `recordsStored` stat still counts them).
   */
  storeRecords?: boolean;
}

/**
 * The options an emulator runs with: {@link EmulatorOptions} validated, with the defaults filled in
 * (each property is the option of the same name).
 *
 * @example
 * ```ts
 * import type { ResolvedOptions } from '@zerobus/emulator';
 *
 * // print the server's configuration next to a failing test's output
 * function describeServer(options: ResolvedOptions): string {
 *   const rotation = options.rotationIntervalMs === undefined ? 'never' : `every ${options.rotationIntervalMs} ms`;
 *   const dataDir = options.dataDir ?? 'a temporary directory';
 *   return `auth ${options.auth}, acks after ${options.ackDelayMs} ms, rotation ${rotation}, data in ${dataDir}`;
 * }
 * console.log(describeServer(emulator.options));
 * ```
 */
export interface ResolvedOptions {
  /** Interface both servers listen on. */
  readonly host: string;
  /** gRPC (Zerobus) port asked for; 0 means an ephemeral one (the actual port is `Emulator.port`). */
  readonly port: number;
  /** HTTP port asked for; 0 means an ephemeral one (the actual port is `Emulator.httpPort`). */
  readonly httpPort: number;
  /** The OAuth clients the token endpoint accepts. */
  readonly principals: readonly Principal[];
  /** Whether gRPC calls must carry a valid token. */
  readonly auth: boolean;
  /** Who gets the web console. */
  readonly console: ConsoleAccess;
  /** Lifetime of issued access tokens, in seconds. */
  readonly tokenTtlSeconds: number;
  /** Tables that exist from the start. */
  readonly tables: readonly string[];
  /** Whether a stream to an unknown table creates a schemaless in-memory table. */
  readonly autoCreateTables: boolean;
  /** Where the emulator logs. */
  readonly logger: Logger;
  /** Delay between storing a request and acknowledging it. */
  readonly ackDelayMs: number;
  /** Largest request message accepted, in bytes. */
  readonly maxMessageBytes: number;
  /** How long `close()` lets connections wind down. */
  readonly shutdownGraceMs: number;
  /** Undefined: a temporary directory made at start and removed at close. */
  readonly dataDir: string | undefined;
  /** The TLS certificate and key (PEM) both servers use; undefined: plaintext. */
  readonly tls:
    | {
        /** The PEM certificate, followed by its chain. */
        readonly cert: string | Buffer;
        /** The PEM private key. */
        readonly key: string | Buffer;
        /** The PEM CA certificate clients trust, when known. */
        readonly ca?: string | Buffer;
      }
    | undefined;
  /** How long after creation a stream is rotated (close signal); undefined: never. */
  readonly rotationIntervalMs: number | undefined;
  /** How long after its close signal a rotated stream's call is ended. */
  readonly rotationGraceMs: number;
  /**
   * Most unacknowledged requests per stream before the server stops reading; `Number.MAX_SAFE_INTEGER` when unlimited.
   */
  readonly maxInflightRequests: number;
  /** Most records per second per stream; undefined: no limit. */
  readonly maxStreamRecordsPerSecond: number | undefined;
  /** Group commit: longest wait after the first waiting record. */
  readonly commitIntervalMs: number;
  /** Group commit: records that trigger a commit. */
  readonly commitMaxRecords: number;
  /** Group commit: payload bytes that trigger a commit. */
  readonly commitMaxBytes: number;
  /** Worker threads encoding Delta data files; 0: on the event loop. */
  readonly ingestWorkers: number;
  /**
   * `true`: records of Delta tables are kept in memory too; undefined: only those of in-memory
   * tables; `false`: an ack-only sink that keeps no records.
   */
  readonly storeRecords: boolean | undefined;
}

/**
 * The principal an emulator accepts when `principals` is not given: `emulator-client` /
 * `emulator-secret`, with SELECT + MODIFY on every table.
 *
 * @example
 * ```ts
 * import { DEFAULT_PRINCIPAL, startEmulator } from '@zerobus/emulator';
 *
 * // `principals` replaces the default one: keep it next to a second client
 * await using emulator = await startEmulator({
 *   principals: [DEFAULT_PRINCIPAL, { clientId: 'etl-job', clientSecret: 'etl-secret' }],
 * });
 * ```
 */
export const DEFAULT_PRINCIPAL: Principal = Object.freeze({
  clientId: 'emulator-client',
  clientSecret: 'emulator-secret',
});

function nonNegative(name: string, value: number | undefined, fallback: number, integer = true): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new RangeError(`emulator option ${name} must be a non-negative ${integer ? 'integer' : 'number'}`);
  }
  return value;
}

function optionalBoolean(name: string, value: boolean | undefined): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new TypeError(`emulator option ${name} must be true, false or left out, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Who gets the local server's web console: `loopback` clients only, `all` clients, or no one.
 *
 * @example
 * ```ts
 * import { type ConsoleAccess, startEmulator } from '@zerobus/emulator';
 *
 * // a server in a container, watched from the host's browser (auth stays on: log in with a principal)
 * const access: ConsoleAccess = 'all';
 * await using emulator = await startEmulator({ host: '0.0.0.0', console: access });
 * console.log(`console at ${emulator.consoleUrl}`);
 * ```
 */
export type ConsoleAccess = 'loopback' | 'all' | 'off';

function consoleAccess(value: unknown): ConsoleAccess {
  if (value === undefined) return 'loopback';
  if (value === 'loopback' || value === 'all' || value === 'off') return value;
  throw new TypeError(`console must be 'loopback', 'all' or 'off', got ${JSON.stringify(value)}`);
}

export function resolveOptions(options: EmulatorOptions = {}): ResolvedOptions {
  const principals = options.principals ?? [DEFAULT_PRINCIPAL];
  const ids = new Set<string>();
  for (const p of principals) {
    if (!p.clientId || typeof p.clientSecret !== 'string') {
      throw new TypeError('every principal needs a clientId and a clientSecret');
    }
    if (ids.has(p.clientId)) throw new TypeError(`principal ${p.clientId} is listed twice`);
    ids.add(p.clientId);
  }
  const port = nonNegative('port', options.port, 0);
  const httpPort = nonNegative('httpPort', options.httpPort, 0);
  if (port > 65535 || httpPort > 65535) throw new RangeError('emulator ports must be at most 65535');
  return {
    host: options.host ?? '127.0.0.1',
    port,
    httpPort,
    principals: principals.map((p) => Object.freeze({ ...p, tables: p.tables ? [...p.tables] : undefined })),
    auth: options.auth ?? true,
    console: consoleAccess(options.console),
    tokenTtlSeconds: nonNegative('tokenTtlSeconds', options.tokenTtlSeconds, 3600, false),
    tables: [...(options.tables ?? [])],
    autoCreateTables: options.autoCreateTables ?? false,
    logger: options.logger ?? createConsoleLogger(),
    ackDelayMs: nonNegative('ackDelayMs', options.ackDelayMs, 0, false),
    maxMessageBytes: nonNegative('maxMessageBytes', options.maxMessageBytes, 4 * 1024 * 1024),
    shutdownGraceMs: nonNegative('shutdownGraceMs', options.shutdownGraceMs, 100, false),
    storeRecords: optionalBoolean('storeRecords', options.storeRecords),
    dataDir: options.dataDir,
    // `{ caFile }` is read (asynchronously) by startEmulator.
    tls: options.tls && 'cert' in options.tls ? options.tls : undefined,
    rotationIntervalMs:
      options.rotationIntervalMs === undefined
        ? undefined
        : Math.max(1, nonNegative('rotationIntervalMs', options.rotationIntervalMs, 0, false)),
    rotationGraceMs: nonNegative('rotationGraceMs', options.rotationGraceMs, 5_000, false),
    maxInflightRequests: Math.max(
      1,
      nonNegative('maxInflightRequests', options.maxInflightRequests, Number.MAX_SAFE_INTEGER),
    ),
    maxStreamRecordsPerSecond:
      options.maxStreamRecordsPerSecond === undefined
        ? undefined
        : Math.max(1, nonNegative('maxStreamRecordsPerSecond', options.maxStreamRecordsPerSecond, 0, false)),
    commitIntervalMs: nonNegative('commitIntervalMs', options.commitIntervalMs, 20, false),
    commitMaxRecords: Math.max(1, nonNegative('commitMaxRecords', options.commitMaxRecords, 100_000)),
    commitMaxBytes: Math.max(1, nonNegative('commitMaxBytes', options.commitMaxBytes, 64 * 1024 * 1024)),
    ingestWorkers: nonNegative('ingestWorkers', options.ingestWorkers, 0),
  };
}

/**
 * A gRPC status given by number (`14`) or by name (`'UNAVAILABLE'`).
 *
 * @example
 * ```ts
 * import type { StatusInput } from '@zerobus/emulator';
 * import { GrpcStatus } from '@zerobus/sdk';
 *
 * const status: StatusInput = GrpcStatus.UNAVAILABLE; // the same as 14 or 'UNAVAILABLE'
 * emulator.faults.failNextCreates(2, status); // the next two stream creations fail; the SDK retries them
 * ```
 */
export type StatusInput = number | GrpcStatusName;

export function toStatusCode(status: StatusInput): number {
  if (typeof status === 'number') {
    if (!Number.isInteger(status) || status < 0 || status > 16) throw new RangeError(`unknown gRPC status ${status}`);
    return status;
  }
  const code = GrpcStatus[status];
  if (code === undefined) throw new RangeError(`unknown gRPC status ${String(status)}`);
  return code;
}

/**
 * The status a call ended with, as tests read it back.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import type { CallStatus } from '@zerobus/emulator';
 *
 * // the code under test sent a record without the NOT NULL column `device`
 * await emulator.waitFor((e) => e.calls[0]?.status !== undefined);
 * const status: CallStatus | undefined = emulator.calls[0]?.status;
 * assert.equal(status?.name, 'INVALID_ARGUMENT'); // code 3
 * assert.match(status?.details ?? '', /offset_id 0: field "device"/);
 * ```
 */
export interface CallStatus {
  /** The numeric gRPC status code (`14` for UNAVAILABLE). */
  readonly code: number;
  /** The status name (`'UNAVAILABLE'`). */
  readonly name: GrpcStatusName;
  /** The status message the call ended with. */
  readonly details: string;
}

export function callStatus(code: number, details: string): CallStatus {
  return { code, name: grpcStatusName(code), details };
}
