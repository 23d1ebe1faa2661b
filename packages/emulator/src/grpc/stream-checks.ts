/**
 * The checks of PROTOCOL.md §2/§3 that decide whether a create_stream or an ingest request is
 * accepted, as pure functions: each returns what to store / create, or the gRPC status that ends
 * the call. Statuses: malformed or mismatched input is INVALID_ARGUMENT, a token without a grant
 * on the table is PERMISSION_DENIED, a table that does not exist is NOT_FOUND, a table whose
 * Delta log could not be read at start is FAILED_PRECONDITION (it will not heal by itself).
 * Table names are compared in lower case, as Unity Catalog stores them.
 */

import { type CreateStreamRequest, GrpcStatus, type IngestRequest, WireRecordType } from '@zerobus/sdk/wire';
import type { UnityCatalog } from '../catalog/unity-catalog.js';
import { denyTableAccess, type IssuedToken } from '../oauth/tokens.js';
import type { Principal } from '../options.js';
import type { DeltaSinks } from '../tables/delta-sinks.js';
import {
  canonicalTableName,
  parseTableName,
  type RecordKind,
  type StoredRecord,
  type TableRegistry,
} from '../tables/table-registry.js';
import { type DeltaTarget, openDeltaTarget } from './delta-target.js';
import { checkDescriptor, checkProtoRecord, parseJsonRecord } from './record-validation.js';

/**
 * The request header that must name the stream's table (`catalog.schema.table`) on every
 * EphemeralStream and Arrow Flight `DoPut` call.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { TABLE_HEADER } from '@zerobus/emulator';
 *
 * // every call of the code under test names the table it writes to
 * for (const call of emulator.calls) assert.equal(call.headers[TABLE_HEADER], 'main.iot.readings');
 * ```
 */
export const TABLE_HEADER = 'x-databricks-zerobus-table-name';

/** A reason to end the call. */
export interface Rejection {
  readonly reject: true;
  readonly code: number;
  readonly details: string;
}

export function reject(code: number, details: string): Rejection {
  return { reject: true, code, details };
}

const KIND_BY_WIRE: Record<number, RecordKind | undefined> = {
  [WireRecordType.JSON]: 'json',
  [WireRecordType.PROTO]: 'proto',
};

/** What a successful create_stream opens: the record kind, and the Delta target for catalog tables. */
export interface CreatedStream {
  /** The table's canonical (lower-case) name. */
  readonly tableName: string;
  readonly kind: RecordKind;
  readonly delta?: DeltaTarget;
}

export interface CreateContext {
  /** Value of the table-name header, if sent. */
  readonly tableHeader: string | undefined;
  /** The call's token; undefined when auth is off. */
  readonly token: IssuedToken | undefined;
  readonly principals: readonly Principal[];
  readonly tables: TableRegistry;
  readonly catalog: UnityCatalog;
  readonly sinks: DeltaSinks;
  /** Principals whose grants were revoked (fault hook). */
  readonly isRevoked: (clientId: string) => boolean;
}

/**
 * Checks a create_stream in a fixed order: table name, header, permission, record type,
 * descriptor, existence. The table is opened (auto-created) only once everything else passed.
 */
export function checkCreateStream(request: CreateStreamRequest, ctx: CreateContext): CreatedStream | Rejection {
  const parsed = parseTableName(request.tableName);
  if (typeof parsed === 'string') return reject(GrpcStatus.INVALID_ARGUMENT, parsed);
  // Unity Catalog names are case-insensitive (PROTOCOL.md §13): `MAIN.G.T` is `main.g.t`.
  const table = canonicalTableName(request.tableName);
  if (ctx.tableHeader === undefined) return reject(GrpcStatus.INVALID_ARGUMENT, `missing ${TABLE_HEADER} header`);
  if (canonicalTableName(ctx.tableHeader) !== table) {
    // INVALID_ARGUMENT rather than PERMISSION_DENIED: it is a client bug, and a grant cannot fix it.
    return reject(
      GrpcStatus.INVALID_ARGUMENT,
      `${TABLE_HEADER} header '${ctx.tableHeader}' does not match create_stream table_name '${request.tableName}'`,
    );
  }
  const denied = checkTableGrant(table, ctx);
  if (denied) return denied;
  const kind = KIND_BY_WIRE[request.recordType];
  if (!kind) {
    const name = request.recordType === WireRecordType.UNSPECIFIED ? 'RECORD_TYPE_UNSPECIFIED' : request.recordType;
    return reject(GrpcStatus.INVALID_ARGUMENT, `record_type ${name} is not supported; use PROTO or JSON`);
  }
  if (kind === 'proto') {
    const problem = checkDescriptor(request.descriptorProto);
    if (problem) return reject(GrpcStatus.INVALID_ARGUMENT, problem);
  }
  const unavailable = unavailableTable(table, ctx.catalog);
  if (unavailable) return unavailable;
  // A Unity Catalog table is a Delta table with a schema; other names are schemaless in-memory
  // tables, which exist only when created up front or, with auto-creation on, on first use.
  const catalogTable = ctx.catalog.table(table);
  if (catalogTable) {
    const delta = openDeltaTarget(catalogTable, kind, request.descriptorProto, ctx.sinks);
    if (isRejection(delta)) return delta;
    ctx.tables.mirror(table);
    return { tableName: table, kind, delta };
  }
  const opened = openSchemalessTable(table, ctx.tables);
  return isRejection(opened) ? opened : { tableName: table, kind };
}

/**
 * The schemaless in-memory table `table` (canonical name), for EphemeralStream and Arrow Flight
 * alike: NOT_FOUND naming the table when it does not exist (and is not auto-created), as the
 * real service answers; INVALID_ARGUMENT for a name auto-creation refuses.
 */
export function openSchemalessTable(table: string, tables: TableRegistry): Rejection | undefined {
  const opened = tables.open(table);
  if (opened.opened) return undefined;
  if (opened.invalid) return reject(GrpcStatus.INVALID_ARGUMENT, opened.invalid);
  return reject(GrpcStatus.NOT_FOUND, `table ${table} does not exist`);
}

/**
 * A stream to a table whose Delta log could not be read at start, shared by EphemeralStream and
 * Arrow Flight: FAILED_PRECONDITION ("do not retry until the state is fixed"), naming the table,
 * what is wrong and what to do; never an in-memory table of the same name instead.
 */
export function unavailableTable(table: string, catalog: UnityCatalog): Rejection | undefined {
  const reason = catalog.unavailableReason(table);
  return reason === undefined ? undefined : reject(GrpcStatus.FAILED_PRECONDITION, reason);
}

/** What the grant check needs: the call's token and who may still use it. */
export type GrantContext = Pick<CreateContext, 'token' | 'principals' | 'isRevoked'>;

/**
 * The permission half of opening a stream on `table` (a well-formed name), shared by
 * EphemeralStream and Arrow Flight: a revoked principal, or a token without a grant on the
 * table, is PERMISSION_DENIED. Nothing to check when auth is off (no token).
 */
export function checkTableGrant(table: string, ctx: GrantContext): Rejection | undefined {
  const token = ctx.token;
  if (!token) return undefined;
  if (ctx.isRevoked(token.clientId)) {
    return reject(GrpcStatus.PERMISSION_DENIED, `the grants of principal ${token.clientId} were revoked`);
  }
  const principal = ctx.principals.find((p) => p.clientId === token.clientId);
  // Grants name tables case-insensitively too: one on `main.g.t` covers a stream to `MAIN.G.T`.
  const lower = canonicalTableName;
  const denial = denyTableAccess(
    principal?.tables ? { ...principal, tables: principal.tables.map(lower) } : principal,
    {
      ...token,
      authorizationDetails: token.authorizationDetails.map((d) => ({
        ...d,
        object_full_path: lower(d.object_full_path),
      })),
    },
    lower(table),
  );
  return denial ? reject(GrpcStatus.PERMISSION_DENIED, denial) : undefined;
}

export interface OpenStream {
  readonly id: string;
  readonly tableName: string;
  readonly kind: RecordKind;
  /** The wire offset_id the next request must carry. */
  readonly nextOffset: number;
}

/**
 * Checks one ingest request and returns its records ready to store. The whole request is
 * validated before anything is stored: a request is durable all or nothing.
 */
export function checkIngest(request: IngestRequest, stream: OpenStream): StoredRecord[] | Rejection {
  const framing = checkIngestFraming(request, stream);
  if (typeof framing !== 'number') return framing;
  const offset = request.offsetId;
  const kind = stream.kind;
  const stored: StoredRecord[] = [];
  for (const [batchIndex, bytes] of request.records.entries()) {
    let payload: string | Uint8Array;
    let problem: string | undefined;
    if (kind === 'json') {
      const parsed = parseJsonRecord(bytes);
      if ('error' in parsed) problem = parsed.error;
      payload = 'text' in parsed ? parsed.text : '';
    } else {
      problem = checkProtoRecord(bytes);
      payload = new Uint8Array(bytes); // a copy: `bytes` is a view into grpc-js's receive buffer
    }
    if (problem) {
      const where = request.kind === 'ingestBatch' ? ` (record ${batchIndex} of the batch)` : '';
      return reject(GrpcStatus.INVALID_ARGUMENT, `invalid record at offset_id ${offset}${where}: ${problem}`);
    }
    stored.push({
      tableName: stream.tableName,
      streamId: stream.id,
      offsetId: offset,
      batchIndex,
      recordType: kind,
      payload,
    });
  }
  return stored;
}

/**
 * The checks that need no look at the payloads (offset order, record type), for ack-only
 * emulators (`storeRecords: false`): returns the request's record count. Skipping the payloads
 * keeps the server's per-byte work, and so its share of a benchmark machine, near zero.
 */
export function checkIngestFraming(request: IngestRequest, stream: OpenStream): number | Rejection {
  const offset = request.offsetId;
  if (offset !== stream.nextOffset) {
    return reject(GrpcStatus.INVALID_ARGUMENT, `offset_id out of order: expected ${stream.nextOffset}, got ${offset}`);
  }
  const kind = KIND_BY_WIRE[request.recordType];
  if (kind !== stream.kind) {
    return reject(
      GrpcStatus.INVALID_ARGUMENT,
      `offset_id ${offset} carries ${kind ?? 'unknown'} records but stream ${stream.id} was created for ${stream.kind} records`,
    );
  }
  return request.records.length;
}

export function isRejection(value: unknown): value is Rejection {
  return typeof value === 'object' && value !== null && (value as Partial<Rejection>).reject === true;
}
