/** Why a Delta table operation failed, for callers that react differently to each. */
export type DeltaErrorCode =
  | 'TABLE_EXISTS' // create() found a table (a commit 0) already there
  | 'NOT_A_TABLE' // open() found no Delta log
  | 'CORRUPT_LOG' // the log cannot be replayed: missing versions, unreadable lines, no metaData
  | 'UNSUPPORTED' // a protocol feature this writer does not implement
  | 'CONFLICT' // another writer changed the table's schema or protocol under an append
  | 'INVALID_BATCH'; // a batch whose shape or values do not fit the schema

export class DeltaTableError extends Error {
  override readonly name = 'DeltaTableError';

  constructor(
    readonly code: DeltaErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
