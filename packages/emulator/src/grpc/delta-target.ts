/**
 * Streams into Delta tables: at create_stream, the record decoder for the table's schema (and,
 * for protobuf, the client's descriptor, checked against the columns); per request, every
 * record turned into a row or the rejection that names the offset, the record and the field.
 */
import { GrpcStatus, type IngestRequest } from '@zerobus/sdk/wire';
import type { CatalogTable } from '../catalog/unity-catalog.js';
import { commitFailure } from '../client-errors.js';
import type { DeltaSinks } from '../tables/delta-sinks.js';
import { type GroupCommitter, TableDropped } from '../tables/group-commit.js';
import type { RecordKind } from '../tables/table-registry.js';
import {
  createJsonDecoder,
  createProtoDecoder,
  type RecordDecoder,
  RecordRejection,
  type Row,
  SchemaMismatch,
} from '../validation/index.js';
import { type Rejection, reject } from './stream-checks.js';

export interface DeltaTarget {
  readonly table: CatalogTable;
  readonly decoder: RecordDecoder;
  readonly committer: GroupCommitter;
}

export function openDeltaTarget(
  table: CatalogTable,
  kind: RecordKind,
  descriptorProto: Uint8Array | undefined,
  sinks: DeltaSinks,
): DeltaTarget | Rejection {
  let decoder: RecordDecoder;
  try {
    decoder =
      kind === 'json'
        ? createJsonDecoder(table.schema)
        : createProtoDecoder(table.schema, descriptorProto ?? new Uint8Array(0));
  } catch (error) {
    if (error instanceof SchemaMismatch) {
      const what = kind === 'json' ? 'JSON records cannot be written to' : 'descriptor does not match';
      return reject(GrpcStatus.INVALID_ARGUMENT, `${what} table ${table.info.full_name}: ${error.message}`);
    }
    throw error;
  }
  return { table, decoder, committer: sinks.committer(table) };
}

/** Decodes a whole request before anything is written: a request is durable all or nothing. */
export function decodeRows(target: DeltaTarget, request: IngestRequest): Row[] | Rejection {
  const rows: Row[] = [];
  for (const [index, payload] of request.records.entries()) {
    try {
      rows.push(target.decoder.decode(payload));
    } catch (error) {
      if (!(error instanceof RecordRejection)) throw error;
      const where = request.kind === 'ingestBatch' ? ` (record ${index} of the batch)` : '';
      return reject(
        GrpcStatus.INVALID_ARGUMENT,
        `invalid record at offset_id ${request.offsetId}${where}: ${error.message}`,
      );
    }
  }
  return rows;
}

/**
 * The status that ends a call whose request's commit failed: NOT_FOUND naming the table when it
 * was dropped (non-retriable: there is no table to replay into), else UNAVAILABLE (the client
 * replays the unacknowledged requests on a new call).
 */
export function commitFailureStatus(tableName: string, error: Error): [code: number, details: string] {
  if (error instanceof TableDropped) return [GrpcStatus.NOT_FOUND, error.message];
  return [GrpcStatus.UNAVAILABLE, commitFailure(tableName, error)];
}
