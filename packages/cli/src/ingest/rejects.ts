/**
 * `zerobus ingest --max-bad-records N --reject-file FILE`: up to N records that cannot be read or
 * do not fit the table (not JSON, a value of the wrong type, a missing NOT NULL column...) are
 * set aside instead of stopping the load, each written to FILE as one JSON line — where it was,
 * why, and the raw line, CSV cells or Parquet row — so that they can be fixed and loaded again.
 * The bad record after the N-th stops the load as a bad record does without the option. What
 * breaks the reading itself (a CSV syntax error, an unreadable file) or shows the wrong format
 * (WrongFormatError) always stops it. N = 0, the default, is the strict behaviour.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { InvalidRecordError } from '@zerobus/sdk';
import { UsageError } from '../args.js';
import { InputError } from './coerce.js';
import { WrongFormatError } from './format-hint.js';
import { type InputItem, LocatedInputError } from './sources.js';

/** Why a record was refused, without the SDK's `record 0:` (the record is named by its input position). */
export function reasonOf(error: unknown): string {
  if (error instanceof InvalidRecordError) return error.message.replace(/^record \d+:? ?/, '');
  if (error instanceof InputError) return error.message;
  return `cannot read: ${error instanceof Error ? error.message : String(error)}`;
}

/** JSON for raw rows: BIGINT values as text, bytes as base64 (Parquet rows hold both). */
function rawValue(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  return value;
}

export class Rejects {
  readonly max: number;
  readonly file: string | undefined;
  readonly #fd: number | undefined;
  #count = 0;

  /**
   * Opens `file`: emptied, so that it holds this run's rejects only, or with `append` (a run
   * resuming with --skip) added to, so that it keeps those of the run it resumes.
   */
  constructor(max: number, file?: string, append = false) {
    this.max = max;
    this.file = file;
    if (file === undefined) return;
    try {
      this.#fd = openSync(file, append ? 'a' : 'w', 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(`--reject-file ${file}: cannot write it (${code ?? 'error'})`);
    }
  }

  /** Records set aside so far. */
  get count(): number {
    return this.#count;
  }

  /**
   * The bad record `item` (its error `error`): set aside — written to the reject file — while
   * fewer than `max` are, returning undefined; else the LocatedInputError that stops the load.
   */
  take(item: InputItem, error: unknown, unit: 'line' | 'row'): LocatedInputError | undefined {
    const reason = reasonOf(error);
    if (error instanceof WrongFormatError || this.max === 0 || this.#fd === undefined) {
      return new LocatedInputError(reason, item.ordinal, item.line);
    }
    if (this.#count >= this.max) {
      const beyond = `${reason} (bad record ${this.#count + 1}: more than --max-bad-records ${this.max})`;
      return new LocatedInputError(beyond, item.ordinal, item.line, 'TOO_MANY_BAD_RECORDS');
    }
    this.#count++;
    // NDJSON records are numbered by line; CSV data rows and Parquet rows by row (CSV: and line).
    const where =
      unit === 'line'
        ? { line: item.ordinal }
        : { row: item.ordinal, ...(item.line !== undefined && { line: item.line }) };
    writeSync(this.#fd, `${JSON.stringify({ ...where, reason, raw: item.raw }, rawValue)}\n`);
    return undefined;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
  }
}
