/**
 * What clients are told about server-side failures. Errors caught inside the emulator (a Delta
 * commit that hit a full disk, a table directory that vanished, an unexpected exception) carry
 * server file paths in their messages (`ENOSPC: no space left on device, write
 * '/var/lake/main/a/b/part-0.parquet'`). Clients get the table and the kind of failure instead
 * (`table main.a.b: disk full (ENOSPC) while committing`), and every gRPC status and HTTP error
 * passes through {@link scrubPaths} on its way out; the emulator's own call records
 * (`emulator.calls`) keep the full detail.
 */

import { DeltaTableError } from './tables/delta/errors.js';

/** File-system error codes, as a person would name the failure. */
const FILE_SYSTEM_FAILURES: Readonly<Record<string, string>> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied on the data directory',
  EPERM: 'operation not permitted on the data directory',
  EROFS: 'read-only file system',
  ENOENT: 'a file or directory is missing from the data directory',
  ENOTDIR: 'a directory in the data directory is not a directory',
  EISDIR: 'a file in the data directory is a directory',
  EIO: 'I/O error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EBUSY: 'a file in the data directory is busy',
};

/** Delta table failures, by DeltaTableError code. */
const DELTA_FAILURES: Readonly<Record<string, string>> = {
  NOT_A_TABLE: 'the Delta log is missing',
  CORRUPT_LOG: 'the Delta log is damaged',
  UNSUPPORTED: 'the table uses a Delta feature the emulator does not support',
  CONFLICT: 'another writer changed the table',
  INVALID_BATCH: 'the rows do not fit the table',
  ENCODER_FAILED: 'the Parquet encoder failed',
  TABLE_EXISTS: 'the table already exists',
};

// An absolute POSIX path of two segments or more, not inside a word, a URL or a relative path.
const POSIX_PATH = /(?<![\w.~:/-])\/[^\s/'"`<>()[\]{},;]+(?:\/[^\s/'"`<>()[\]{},;]*)+/g;
const FILE_URL = /file:\/\/[^\s'"`<>]*/g;
const WINDOWS_PATH = /\b[A-Za-z]:\\[^\s'"`<>]*/g;

/** The placeholder for a path; punctuation ending the sentence around it stays. */
function placeholder(path: string): string {
  return `<server path>${/[.:,;!?]*$/.exec(path)?.[0] ?? ''}`;
}

/** `text` with every absolute file path or file URL replaced by `<server path>`. */
export function scrubPaths(text: string): string {
  return text.replace(FILE_URL, placeholder).replace(WINDOWS_PATH, placeholder).replace(POSIX_PATH, placeholder);
}

/** The kind of failure `error` is, fit for a client: no paths, no stack. */
export function failureKind(error: unknown): string {
  if (error instanceof DeltaTableError) {
    return `${DELTA_FAILURES[error.code] ?? 'Delta table error'} (${error.code}): ${scrubPaths(error.message)}`;
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) {
    return `${FILE_SYSTEM_FAILURES[code] ?? 'file system error'} (${code})`;
  }
  return scrubPaths(error instanceof Error ? error.message : String(error));
}

/** The message of a failed commit for the client: `table main.a.b: disk full (ENOSPC) while committing`. */
export function commitFailure(table: string, error: unknown): string {
  return `table ${table}: ${failureKind(error)} while committing`;
}
