/**
 * Input files as streams of records, never whole in memory: NDJSON and CSV are read in chunks
 * from a file or standard input, Parquet one row group at a time (hyparquet reads the byte
 * ranges it needs). Each item keeps its position — the line (NDJSON, CSV) and the data record
 * number that `--skip` counts (NDJSON lines, CSV data rows, Parquet rows) — so that a bad record
 * is reported where it is and an interrupted run can be resumed exactly.
 */
import type { Readable } from 'node:stream';
import type { TableSchema } from '@zerobus/sdk/schema';
import { Parser } from 'csv-parse';
import {
  asyncBufferFromFile,
  type FileMetaData,
  parquetMetadataAsync,
  parquetRead,
  type SchemaElement,
} from 'hyparquet';
import { csvRowCoercer, InputError, jsonRecordCoercer, parquetRowCoercer } from './coerce.js';
import { parseExactJson } from './exact-json.js';
import { csvHint, WrongFormatError } from './format-hint.js';

export type InputFormat = 'ndjson' | 'csv' | 'parquet';

export interface InputItem {
  /** The data record number from 1, as `--skip` counts: NDJSON line, CSV data row, Parquet row. */
  readonly ordinal: number;
  /** The line the record starts on (NDJSON, CSV). */
  readonly line: number | undefined;
  /** The line's text, the row's cells or the Parquet row. */
  readonly raw: unknown;
  /** Input bytes read once this item is (for Parquet, estimated from the rows read). */
  readonly bytesRead: number;
}

/**
 * An input problem at a known place: a line that is not JSON, a CSV syntax error, a bad value.
 * `code` (for --json): INVALID_RECORD for one record, INVALID_INPUT where the reading itself
 * failed, TOO_MANY_BAD_RECORDS past --max-bad-records.
 */
export class LocatedInputError extends Error {
  override readonly name = 'LocatedInputError';
  constructor(
    readonly reason: string,
    readonly ordinal: number,
    readonly line: number | undefined,
    readonly code = 'INVALID_RECORD',
  ) {
    super(reason);
  }
}

export interface InputSource {
  /** For messages: the file name, or `stdin`. */
  readonly name: string;
  /** What `--skip` counts, for messages: `line` (NDJSON) or `row` (CSV data rows, Parquet rows). */
  readonly unit: 'line' | 'row';
  /** The input's size when known (a file), for the progress percentage. */
  readonly totalBytes: number | undefined;
  /** Bytes that `--skip` passed over (known once the first record after them is read). */
  readonly skippedBytes: number;
  /** Items after the first `skip`, in batches; throws LocatedInputError where the input is malformed. */
  items(): AsyncIterable<readonly InputItem[]>;
  /** The record of an item (undefined: no record, e.g. a blank line); throws InputError. */
  decode(item: InputItem): unknown;
}

/**
 * The next chunk of input items, or the reason reading stopped as a LocatedInputError (a source
 * error without a position is placed just after the last item read, `lastOrdinal`).
 */
export async function nextItems(
  iterator: AsyncIterator<readonly InputItem[]>,
  lastOrdinal: number,
): Promise<IteratorResult<readonly InputItem[]> | LocatedInputError> {
  try {
    return await iterator.next();
  } catch (error) {
    return error instanceof LocatedInputError
      ? error
      : new LocatedInputError(
          `cannot read the input: ${(error as Error).message}`,
          lastOrdinal + 1,
          undefined,
          'INVALID_INPUT',
        );
  }
}

export interface SourceOptions {
  readonly name: string;
  readonly schema: TableSchema;
  readonly skip: number;
  readonly totalBytes: number | undefined;
}

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;
const BLANK = /^\s*$/;

// --- NDJSON -------------------------------------------------------------------------------------

export function ndjsonSource(input: Readable, options: SourceOptions): InputSource {
  const coerce = jsonRecordCoercer(options.schema);
  const { skip } = options;
  let skippedBytes = 0;
  return {
    name: options.name,
    unit: 'line',
    totalBytes: options.totalBytes,
    get skippedBytes() {
      return skippedBytes;
    },
    async *items() {
      let line = 0;
      /** Where the current chunk starts in the input. */
      let offset = 0;
      /** The start of a line that continues in the next chunk. */
      let carry: Buffer[] = [];
      const text = (buf: Buffer, start: number, end: number) => {
        if (end > start && buf[end - 1] === CARRIAGE_RETURN) end--;
        return buf.toString('utf8', start, end);
      };
      for await (const buf of input as AsyncIterable<Buffer>) {
        let start = 0;
        if (offset === 0 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3; // byte order mark
        const items: InputItem[] = [];
        let nl = buf.indexOf(NEWLINE, start);
        if (nl !== -1 && carry.length > 0) {
          // The line carried over from earlier chunks ends in this one.
          line++;
          if (line > skip) {
            const whole = Buffer.concat([...carry, buf.subarray(0, nl)]);
            items.push({ ordinal: line, line, raw: text(whole, 0, whole.length), bytesRead: offset + nl + 1 });
          } else if (line === skip) {
            skippedBytes = offset + nl + 1;
          }
          carry = [];
          start = nl + 1;
          nl = buf.indexOf(NEWLINE, start);
        }
        while (nl !== -1) {
          line++;
          if (line > skip) items.push({ ordinal: line, line, raw: text(buf, start, nl), bytesRead: offset + nl + 1 });
          else if (line === skip) skippedBytes = offset + nl + 1;
          start = nl + 1;
          nl = buf.indexOf(NEWLINE, start);
        }
        if (start < buf.length) carry.push(start === 0 ? buf : buf.subarray(start));
        offset += buf.length;
        if (items.length > 0) yield items;
      }
      if (carry.length > 0) {
        line++;
        if (line > skip) {
          const last = Buffer.concat(carry);
          yield [{ ordinal: line, line, raw: text(last, 0, last.length), bytesRead: offset }];
        }
      }
    },
    decode(item) {
      const raw = item.raw as string;
      if (BLANK.test(raw)) return undefined;
      let parsed: ReturnType<typeof parseExactJson>;
      try {
        parsed = parseExactJson(raw);
      } catch (error) {
        const reason = `not valid JSON: ${(error as Error).message}`;
        const hint = item.line === 1 ? csvHint(raw) : undefined;
        throw hint === undefined ? new InputError(reason) : new WrongFormatError(`${reason}; ${hint}`);
      }
      return coerce(parsed.value, parsed.exact);
    },
  };
}

// --- CSV ----------------------------------------------------------------------------------------

interface CsvErrorLike {
  readonly code?: string;
  readonly lines?: number;
  readonly message: string;
}

export function csvSource(input: Readable, options: SourceOptions & { delimiter?: string | undefined }): InputSource {
  const { skip } = options;
  let coerce: ((cells: unknown[]) => object) | undefined;
  let columns = 0;
  let skippedBytes = 0;
  return {
    name: options.name,
    unit: 'row',
    totalBytes: options.totalBytes,
    get skippedBytes() {
      return skippedBytes;
    },
    async *items() {
      let pending: InputItem[] = [];
      let header = true;
      let row = 0;
      let endLine = 0;
      let emptyLines = 0;
      const parser = new Parser({
        bom: true,
        skip_empty_lines: true,
        // A row with too many or too few cells is one bad record (decode), not the end of the input.
        relax_column_count: true,
        ...(options.delimiter !== undefined && { delimiter: options.delimiter }),
        // An unquoted empty cell is null ("not set"); a quoted one is the empty string.
        cast: (value, context) => (value === '' && !context.quoting ? null : value),
        // Records are taken here, synchronously, rather than read from the stream: a syntax error
        // further on in the same chunk must not lose the good records before it.
        on_record: (record: unknown, context) => {
          const line = endLine + 1 + (context.empty_lines - emptyLines);
          endLine = context.lines;
          emptyLines = context.empty_lines;
          if (header) {
            header = false;
            coerce = csvRowCoercer(options.schema, record as (string | null)[]);
            columns = (record as unknown[]).length;
          } else {
            row++;
            if (row > skip) pending.push({ ordinal: row, line, raw: record, bytesRead: context.bytes });
            else if (row === skip) skippedBytes = context.bytes;
          }
          return null;
        },
      });
      let failed: CsvErrorLike | undefined;
      parser.on('error', (error: CsvErrorLike) => {
        failed ??= error;
      });
      const located = (error: CsvErrorLike) => {
        // csv-parse says "... on line 8" itself; the location goes in front instead.
        const reason = `not valid CSV: ${error.message.replace(/ (?:on|at) line \d+$/, '')}`;
        return new LocatedInputError(reason, row + 1, error.lines, 'INVALID_INPUT');
      };
      const write = (chunk: Buffer | undefined) =>
        new Promise<void>((resolve) => {
          if (chunk === undefined) {
            parser.once('finish', resolve);
            parser.once('error', () => resolve());
            parser.end();
          } else {
            parser.write(chunk, (error) => {
              if (error) failed ??= error as CsvErrorLike;
              resolve();
            });
          }
        });
      for await (const chunk of input as AsyncIterable<Buffer>) {
        await write(chunk);
        if (pending.length > 0) {
          yield pending;
          pending = [];
        }
        if (failed) throw located(failed);
      }
      await write(undefined);
      if (pending.length > 0) yield pending;
      if (failed) throw located(failed);
      if (header) throw new LocatedInputError('the CSV input has no header row (column names)', 1, 1, 'INVALID_INPUT');
    },
    decode(item) {
      const cells = item.raw as unknown[];
      if (cells.length !== columns) {
        throw new InputError(`not valid CSV: ${cells.length} fields where the header has ${columns}`);
      }
      return coerce!(cells);
    },
  };
}

// --- Parquet ------------------------------------------------------------------------------------

/** Raw numbers for dates and timestamps (hyparquet would make millisecond `Date`s): microseconds as bigint, days. */
const PARQUET_PARSERS = {
  timestampFromMilliseconds: (millis: bigint) => millis * 1000n,
  timestampFromMicroseconds: (micros: bigint) => micros,
  timestampFromNanoseconds: (nanos: bigint) => nanos / 1000n,
  dateFromDays: (days: number) => days,
};

/** How many schema elements the element at `index` spans: itself and its descendants. */
function subtreeSize(schema: readonly SchemaElement[], index: number): number {
  let size = 1;
  const children = schema[index]?.num_children ?? 0;
  for (let c = 0; c < children; c++) size += subtreeSize(schema, index + size);
  return size;
}

/**
 * hyparquet turns DECIMAL values into doubles, which hold 15 significant digits at most. For
 * top-level DECIMAL columns, the annotation is taken off the schema hyparquet reads with, so that
 * their raw unscaled values (int32, int64 or big-endian bytes) come through, to be made exact
 * decimal text with the file's scale (coerce.ts). Returns the metadata to read with and the
 * scale of each such column.
 */
function rawDecimalColumns(metadata: FileMetaData): { metadata: FileMetaData; scales: Map<string, number> } {
  const scales = new Map<string, number>();
  const schema = metadata.schema.slice();
  const columns = schema[0]?.num_children ?? 0;
  for (let c = 0, i = 1; c < columns && i < schema.length; c++) {
    const element = schema[i]!;
    const logical = element.logical_type?.type === 'DECIMAL' ? element.logical_type : undefined;
    const isDecimal = element.converted_type === 'DECIMAL' || logical !== undefined;
    if (isDecimal && !element.num_children && element.repetition_type !== 'REPEATED') {
      scales.set(element.name, element.scale ?? logical?.scale ?? 0);
      const { converted_type: _converted, logical_type: _logical, ...raw } = element;
      schema[i] = raw;
    }
    i += subtreeSize(schema, i);
  }
  return { metadata: scales.size === 0 ? metadata : { ...metadata, schema }, scales };
}

export async function parquetSource(path: string, options: SourceOptions): Promise<InputSource> {
  const file = await asyncBufferFromFile(path);
  const { metadata, scales } = rawDecimalColumns(await parquetMetadataAsync(file));
  const totalRows = Number(metadata.num_rows);
  const totalBytes = options.totalBytes ?? file.byteLength;
  const coerce = parquetRowCoercer(options.schema, scales);
  const { skip } = options;
  const bytesAt = (row: number) => (totalRows === 0 ? totalBytes : Math.round((totalBytes * row) / totalRows));
  return {
    name: options.name,
    unit: 'row',
    totalBytes,
    skippedBytes: bytesAt(Math.min(skip, totalRows)),
    async *items() {
      let groupStart = 0;
      for (const group of metadata.row_groups) {
        const groupEnd = groupStart + Number(group.num_rows);
        const rowStart = Math.max(groupStart, skip);
        if (rowStart < groupEnd) {
          // One row group at a time: its decoded rows are all this holds.
          const rows = await new Promise<Record<string, unknown>[]>((resolve, reject) => {
            parquetRead({
              file,
              metadata,
              rowStart,
              rowEnd: groupEnd,
              rowFormat: 'object',
              utf8: false,
              parsers: PARQUET_PARSERS,
              onComplete: resolve,
            }).catch(reject);
          });
          yield rows.map((raw, i) => ({
            ordinal: rowStart + i + 1,
            line: undefined,
            raw,
            bytesRead: bytesAt(rowStart + i + 1),
          }));
        }
        groupStart = groupEnd;
      }
    },
    decode(item) {
      return coerce(item.raw as Record<string, unknown>);
    },
  };
}
