/**
 * The SDK's error model: one base class with a stable `code`, a `retriable` flag and the
 * original `cause`, in the style of `@connectrpc/connect`'s `ConnectError`.
 */
import { brandClass, isBrandedInstance } from './brand.js';

/**
 * gRPC status codes by number, as sent on the wire.
 *
 * @example
 * ```ts
 * import { GrpcStatus } from '@zerobus/sdk';
 *
 * // How often the server ended the call with a throughput limit (the stream recovers by itself).
 * let throttled = 0;
 * stream.on('recovering', ({ error }) => {
 *   if (error.grpcStatus === GrpcStatus.RESOURCE_EXHAUSTED) throttled++;
 * });
 * ```
 */
export const GrpcStatus = {
  /** The call succeeded. */
  OK: 0,
  /** The call was cancelled (by the client, or its connection went away). */
  CANCELLED: 1,
  /** An unknown error. */
  UNKNOWN: 2,
  /** A request the server refuses: a bad record, table name or offset. Not retriable. */
  INVALID_ARGUMENT: 3,
  /** The call ran past its deadline. */
  DEADLINE_EXCEEDED: 4,
  /** The table does not exist. Not retriable. */
  NOT_FOUND: 5,
  /** The object already exists. */
  ALREADY_EXISTS: 6,
  /** The principal lacks a grant on the table. Not retriable. */
  PERMISSION_DENIED: 7,
  /** A quota or limit was reached (e.g. a throughput limit). */
  RESOURCE_EXHAUSTED: 8,
  /** The server's state does not allow the request. */
  FAILED_PRECONDITION: 9,
  /** The operation was aborted (e.g. a conflict). */
  ABORTED: 10,
  /** A value outside its valid range. Not retriable. */
  OUT_OF_RANGE: 11,
  /** The server does not implement the method or feature. Not retriable. */
  UNIMPLEMENTED: 12,
  /** An internal server error. */
  INTERNAL: 13,
  /** The service is unavailable (e.g. shutting down, connection lost); reconnecting may help. */
  UNAVAILABLE: 14,
  /** Unrecoverable data loss or corruption. */
  DATA_LOSS: 15,
  /** The token is missing, invalid or expired. Not retriable. */
  UNAUTHENTICATED: 16,
} as const;

/**
 * The gRPC status names: `'OK'`, `'UNAVAILABLE'`, ... (the keys of {@link GrpcStatus}).
 *
 * @example
 * ```ts
 * import type { GrpcStatusName } from '@zerobus/sdk';
 *
 * // A test against the local server: the stream rides out each of these statuses by itself.
 * const retriable: GrpcStatusName[] = ['UNAVAILABLE', 'INTERNAL', 'RESOURCE_EXHAUSTED', 'ABORTED'];
 * for (const status of retriable) {
 *   stream.ingestRecordNowait(record);
 *   emulator.faults.failActiveStreams(status, `injected ${status}`);
 *   await stream.flush(); // reconnects, re-sends what was not acknowledged, resolves once durable
 * }
 * ```
 */
export type GrpcStatusName = keyof typeof GrpcStatus;

/**
 * Codes the SDK raises itself, next to the gRPC status names the server can end a call with.
 *
 * @example
 * ```ts
 * import { type SdkErrorCode, TableProperties, ZerobusError } from '@zerobus/sdk';
 *
 * // Codes that point at this program's own setup, not at the service: exit instead of retrying.
 * const setupErrors = new Set<string>([
 *   'INVALID_OPTIONS',
 *   'INVALID_TABLE_NAME',
 *   'INVALID_DESCRIPTOR',
 *   'AUTH_FAILED',
 * ] satisfies SdkErrorCode[]);
 * try {
 *   await sdk.createStream(clientId, clientSecret, new TableProperties('main.iot.readings'), { recordType: 'json' });
 * } catch (error) {
 *   if (error instanceof ZerobusError && setupErrors.has(error.code)) process.exit(2);
 *   throw error;
 * }
 * ```
 */
export type SdkErrorCode =
  | 'INVALID_OPTIONS' // an option has the wrong type, range or name
  | 'INVALID_TABLE_NAME' // not catalog.schema.table
  | 'INVALID_RECORD' // a record does not fit the stream's mode or descriptor
  | 'INVALID_DESCRIPTOR' // a descriptor that cannot be used
  | 'INVALID_SCHEMA' // a table schema (type text, Delta schema JSON, Unity Catalog columns) that cannot be used
  | 'INVALID_STATE' // a call that the stream's state does not allow
  | 'STREAM_CLOSED' // the stream was closed by the user
  | 'STREAM_FAILED' // the stream failed earlier; `cause` holds why
  | 'TIMEOUT' // a wait ran past its time limit
  | 'QUEUE_FULL' // a non-blocking ingest found the local queue at its hard bound
  | 'ABORTED' // an AbortSignal fired
  | 'AUTH_FAILED' // the token endpoint refused the credentials (4xx) or answered without a token
  | 'AUTH_UNAVAILABLE' // the token endpoint failed (5xx, network)
  | 'CATALOG_UNAVAILABLE' // Unity Catalog failed (5xx, network) while reading table metadata
  | 'CONNECTION' // the connection dropped or could not be opened
  | 'PROXY' // an HTTP CONNECT proxy refused the tunnel (its status in the message) or could not be reached
  | 'LACK_OF_ACK' // the server sent no acknowledgement within serverLackOfAckTimeoutMs
  | 'RECOVERY_FAILED'; // every recovery attempt failed; `cause` holds the last failure

/**
 * The `code` of a {@link ZerobusError}: the gRPC status name the server ended the call with, or
 * one of the SDK's own codes ({@link SdkErrorCode}).
 *
 * @example
 * ```ts
 * import type { ZerobusErrorCode } from '@zerobus/sdk';
 *
 * // What to tell an operator, for the codes a bad deployment produces.
 * function hint(code: ZerobusErrorCode): string | undefined {
 *   switch (code) {
 *     case 'AUTH_FAILED': // the token endpoint refused the client id or secret
 *     case 'UNAUTHENTICATED':
 *       return 'check DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET';
 *     case 'PERMISSION_DENIED':
 *       return 'grant the service principal USE CATALOG, USE SCHEMA, MODIFY and SELECT';
 *     case 'NOT_FOUND':
 *       return 'create the table first';
 *     case 'PROXY':
 *       return 'check https_proxy / no_proxy';
 *     default:
 *       return undefined;
 *   }
 * }
 * stream.on('error', (error) => console.error(error.message, hint(error.code) ?? ''));
 * ```
 */
export type ZerobusErrorCode = GrpcStatusName | SdkErrorCode;

/** gRPC codes after which reconnecting cannot help (PROTOCOL.md §2). */
const NON_RETRIABLE_GRPC = new Set<number>([
  GrpcStatus.INVALID_ARGUMENT,
  GrpcStatus.UNAUTHENTICATED,
  GrpcStatus.PERMISSION_DENIED,
  GrpcStatus.NOT_FOUND,
  GrpcStatus.OUT_OF_RANGE,
  GrpcStatus.UNIMPLEMENTED,
]);

export function isRetriableGrpcStatus(code: number): boolean {
  return code !== GrpcStatus.OK && !NON_RETRIABLE_GRPC.has(code);
}

export function grpcStatusName(code: number): GrpcStatusName {
  for (const [name, value] of Object.entries(GrpcStatus)) {
    if (value === code) return name as GrpcStatusName;
  }
  return 'UNKNOWN';
}

export interface ZerobusErrorOptions {
  cause?: unknown;
  retriable?: boolean;
  /** The gRPC status the server ended the call with, when there was one. */
  grpcStatus?: number;
}

/**
 * Base class of every error the SDK raises. Branch on `code` (stable) and `retriable`; `cause`
 * holds the underlying error, when there is one.
 *
 * @example
 * ```ts
 * import { ZerobusError, type ZerobusStream } from '@zerobus/sdk';
 *
 * let current: ZerobusStream = stream;
 * for (const record of records) if (!current.ingestRecordNowait(record)) await current.ready();
 * try {
 *   await current.flush();
 * } catch (error) {
 *   // Retriable (an outage past the recovery budget, a flush timeout): nothing unacknowledged is
 *   // lost; a new stream re-sends it, in order.
 *   if (!(error instanceof ZerobusError && error.retriable)) throw error;
 *   console.warn(`stream failed (${error.code}); re-sending ${current.getUnackedRecords().length} records`);
 *   current = await sdk.recreateStream(current);
 *   await current.flush();
 * }
 * ```
 */
export class ZerobusError extends Error {
  static {
    brandClass(ZerobusError, 'ZerobusError');
  }

  /**
   * True for instances of this class from any copy of the SDK loaded in the process (its ESM
   * and CommonJS builds, two installed versions), not only this one's: see docs/node-idioms.md, "ESM and CommonJS".
   *
   * @example
   * ```ts
   * import { createRequire } from 'node:module';
   * import { ZerobusError } from '@zerobus/sdk';
   *
   * // An error made by the CommonJS copy (e.g. thrown by a CommonJS headers provider).
   * const cjs = createRequire(import.meta.url)('@zerobus/sdk') as typeof import('@zerobus/sdk');
   * console.log(new cjs.NonRetriableError('AUTH_FAILED', 'disabled') instanceof ZerobusError); // true
   * ```
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `instanceof` asks about (a subclass too).
    return isBrandedInstance(this, value);
  }

  /** `'ZerobusError'` (subclasses set their own). */
  override readonly name: string = 'ZerobusError';
  /** Stable, machine-readable code: a gRPC status name or one of the SDK's own codes. */
  readonly code: ZerobusErrorCode;
  /** Whether the operation may succeed if tried again (on a new connection or stream). */
  readonly retriable: boolean;
  /** The gRPC status number, when the error came from the server. */
  readonly grpcStatus: number | undefined;

  constructor(code: ZerobusErrorCode, message: string, options: ZerobusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? true;
    this.grpcStatus = options.grpcStatus;
  }

  /**
   * Builds the error for a call the server ended with a gRPC status: a {@link NonRetriableError}
   * for the statuses reconnecting cannot fix, a retriable `ZerobusError` otherwise.
   *
   * @example
   * ```ts
   * import { GrpcStatus, NonRetriableError, ZerobusError } from '@zerobus/sdk';
   *
   * // The error a stream fails with when the principal lacks a grant, e.g. to test a handler.
   * const error = ZerobusError.fromGrpcStatus(GrpcStatus.PERMISSION_DENIED, 'no MODIFY on main.iot.readings');
   * console.log(error.code, error.retriable, error.message);
   * // PERMISSION_DENIED false PERMISSION_DENIED: no MODIFY on main.iot.readings
   * console.log(error instanceof NonRetriableError); // true
   * ```
   */
  static fromGrpcStatus(code: number, details: string, cause?: unknown): ZerobusError {
    const name = grpcStatusName(code);
    const message = `${name}: ${details || 'stream ended by the server'}`;
    return isRetriableGrpcStatus(code)
      ? new ZerobusError(name, message, { cause, grpcStatus: code, retriable: true })
      : new NonRetriableError(name, message, { cause, grpcStatus: code });
  }
}

/**
 * An error that retrying or reconnecting cannot fix: the stream fails at once. `retriable` is
 * always false.
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * import { NonRetriableError } from '@zerobus/sdk';
 *
 * try {
 *   await stream.flush();
 * } catch (error) {
 *   if (!(error instanceof NonRetriableError)) throw error;
 *   // e.g. INVALID_ARGUMENT (the table refuses a record), PERMISSION_DENIED: a new stream would
 *   // fail the same way. Keep what was not acknowledged to look at, then stop.
 *   const unacked = stream.getUnackedRecords(); // JSON text, or protobuf bytes
 *   const lines = unacked.map((r) => (typeof r === 'string' ? r : Buffer.from(r).toString('base64')));
 *   await writeFile('dead-letter.txt', lines.join('\n'));
 *   throw error;
 * }
 * ```
 */
export class NonRetriableError extends ZerobusError {
  static {
    brandClass(NonRetriableError, 'NonRetriableError');
  }

  /** `'NonRetriableError'`. */
  override readonly name: string = 'NonRetriableError';

  constructor(code: ZerobusErrorCode, message: string, options: Omit<ZerobusErrorOptions, 'retriable'> = {}) {
    super(code, message, { ...options, retriable: false });
  }
}

/**
 * A record that does not fit the stream: names the record and, where known, the field. Its
 * `code` is `INVALID_RECORD`.
 *
 * @example
 * ```ts
 * import { InvalidRecordError } from '@zerobus/sdk';
 *
 * try {
 *   await stream.ingestRecordsOffset(records);
 * } catch (error) {
 *   if (!(error instanceof InvalidRecordError)) throw error;
 *   // Nothing of the batch was queued: set the bad record aside and send the others.
 *   console.error(`records[${error.recordIndex}] (field ${error.field ?? '?'}): ${error.message}`);
 *   await stream.ingestRecordsOffset(records.filter((_, i) => i !== error.recordIndex));
 * }
 * ```
 */
export class InvalidRecordError extends NonRetriableError {
  static {
    brandClass(InvalidRecordError, 'InvalidRecordError');
  }

  /** `'InvalidRecordError'`. */
  override readonly name: string = 'InvalidRecordError';
  /** Position of the record in the call (0 for single-record calls, the index in a batch). */
  readonly recordIndex: number;
  /** Dotted path of the offending field, when the problem is in one field. */
  readonly field: string | undefined;

  constructor(message: string, options: { recordIndex?: number; field?: string; cause?: unknown } = {}) {
    super('INVALID_RECORD', message, { cause: options.cause });
    this.recordIndex = options.recordIndex ?? 0;
    this.field = options.field;
  }
}

/** @internal Any thrown value as a ZerobusError: itself, or an INTERNAL error caused by it. */
export function toZerobusError(error: unknown): ZerobusError {
  if (error instanceof ZerobusError) return error;
  return new ZerobusError('INTERNAL', error instanceof Error ? error.message : String(error), { cause: error });
}

/**
 * @internal The error of a call made after a stream (or pool) failed: `STREAM_FAILED`, with the
 * failure as `cause` and its `retriable` flag, so that `error.retriable` keeps answering "would a
 * new stream (`recreateStream`) get past this?" whether a call began before the failure or after.
 */
export function streamFailedError(what: string, failure: ZerobusError | undefined): ZerobusError {
  const message = `${what} has failed: ${failure?.message}`;
  return failure?.retriable
    ? new ZerobusError('STREAM_FAILED', message, { cause: failure })
    : new NonRetriableError('STREAM_FAILED', message, { cause: failure });
}
