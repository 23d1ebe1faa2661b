/**
 * The SDK's error model: one base class with a stable `code`, a `retriable` flag and the
 * original `cause`, in the style of `@connectrpc/connect`'s `ConnectError`.
 */

/** gRPC status codes by number, as sent on the wire. */
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

/** The gRPC status names: `'OK'`, `'UNAVAILABLE'`, ... (the keys of {@link GrpcStatus}). */
export type GrpcStatusName = keyof typeof GrpcStatus;

/** Codes the SDK raises itself, next to the gRPC status names the server can end a call with. */
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
 * try {
 *   await stream.ingestRecordOffset(record);
 * } catch (error) {
 *   if (error instanceof InvalidRecordError) {
 *     console.error(`record ${error.recordIndex}, field ${error.field}: ${error.message}`);
 *   } else if (error instanceof ZerobusError && error.code === 'PERMISSION_DENIED') {
 *     console.error('missing grant on the table');
 *   } else {
 *     throw error;
 *   }
 * }
 * ```
 */
export class ZerobusError extends Error {
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

  /** Builds the error for a call the server ended with a gRPC status. */
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
 * try {
 *   await sdk.createStream(clientId, clientSecret, new TableProperties('main.iot.readings'), { recordType: 'json' });
 * } catch (error) {
 *   // e.g. NOT_FOUND, UNAUTHENTICATED, PERMISSION_DENIED
 *   if (error instanceof NonRetriableError) console.error(`giving up: ${error.code}`);
 * }
 * ```
 */
export class NonRetriableError extends ZerobusError {
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
 * try {
 *   await stream.ingestRecordsOffset(batch);
 * } catch (error) {
 *   if (error instanceof InvalidRecordError) {
 *     console.error(`batch[${error.recordIndex}].${error.field ?? ''}: ${error.message}`);
 *   }
 * }
 * ```
 */
export class InvalidRecordError extends NonRetriableError {
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
