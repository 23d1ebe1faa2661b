import { sep } from 'node:path';

/** Why a Delta table operation failed, for callers that react differently to each. */
export type DeltaErrorCode =
  | 'TABLE_EXISTS' // create() found a table (a commit 0) already there
  | 'NOT_A_TABLE' // open() found no Delta log
  | 'CORRUPT_LOG' // the log cannot be replayed: missing versions, unreadable lines, no metaData
  | 'UNSUPPORTED' // a protocol feature this writer does not implement
  | 'CONFLICT' // another writer changed the table's schema or protocol under an append
  | 'INVALID_BATCH' // a batch whose shape or values do not fit the schema
  | 'ENCODER_FAILED'; // the thread encoding the batch died or could not start

export class DeltaTableError extends Error {
  override readonly name: string = 'DeltaTableError';

  constructor(
    readonly code: DeltaErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A damaged `_delta_log`: a missing version, an unparseable commit or checkpoint, a checkpoint or
 * commit whose data files are gone. `table` names the table (never a server path), `version` the
 * log version at fault and `reason` what is wrong with it, so that a server can keep serving its
 * other tables and report this one as unavailable.
 */
export class DeltaLogError extends DeltaTableError {
  override readonly name: string = 'DeltaLogError';

  constructor(
    readonly table: string,
    readonly version: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super('CORRUPT_LOG', `Delta table ${table}, version ${version}: ${reason}`, options);
  }
}

/**
 * How errors name a table directory: `catalog.schema.table` from the last three path segments,
 * which is the name in the emulator's data directory layout (`<data>/<catalog>/<schema>/<table>`);
 * never the absolute path, which clients must not see.
 */
export function tableLabel(dir: string): string {
  return dir.split(sep).filter(Boolean).slice(-3).join('.');
}
