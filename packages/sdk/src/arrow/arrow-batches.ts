/**
 * What an Arrow stream ingests, turned into record batches of the stream's schema, and those
 * batches into the IPC messages FlightData carries. Input forms: a `RecordBatch`, a `Table` (each
 * of its batches is sent, and acknowledged, on its own), or an array of plain objects, built into
 * one batch with the stream's schema by apache-arrow's `vectorFromArray` (its value forms apply:
 * numbers or bigints for Int64, `Date` or epoch milliseconds for timestamps and dates).
 */
import type { DataType, RecordBatch, Schema, Table } from 'apache-arrow';
import { InvalidRecordError } from '../errors.js';
import { parseDecimalText, toUnscaled } from '../schema/decimal-text.js';
import { type IpcMessage, splitIpcStream } from '../transport/flight-codec.js';
import type { Arrow } from './arrow-module.js';
import { checkBatchSchema } from './arrow-schema.js';

/**
 * What an Arrow stream ingests: an apache-arrow `RecordBatch`, a `Table` (each of its batches), or
 * an array of plain objects (one row each, keyed by column name) built into one batch with the
 * stream's schema.
 *
 * @example
 * ```ts
 * import type { ArrowInput } from '@zerobus/sdk';
 * import { Table } from 'apache-arrow';
 *
 * const inputs: ArrowInput[] = [
 *   recordBatch, // one batch: one offset
 *   new Table([recordBatch, recordBatch]), // each of its batches: two offsets
 *   [{ device: 'pump-7', temp: 21.5, at: new Date() }], // rows by column name: one batch, one offset
 * ];
 * for (const input of inputs) await arrowStream.ingestBatchOffset(input); // resolves with the last offset taken
 * ```
 */
export type ArrowInput = RecordBatch | Table | readonly Record<string, unknown>[];

/**
 * apache-arrow's Decimal builder only takes the unscaled value as little-endian 32-bit words;
 * top-level DECIMAL fields also take what the gRPC streams take: a number, bigint or decimal text,
 * converted exactly (refused, never rounded, when it has too many digits).
 */
function decimalWords(type: DataType, value: unknown): unknown {
  if (value === null || value === undefined || value instanceof Uint32Array) return value ?? null;
  const { precision, scale, bitWidth } = type as unknown as { precision: number; scale: number; bitWidth: number };
  const parts = parseDecimalText(typeof value === 'string' ? value : String(value));
  const unscaled = parts === undefined ? undefined : toUnscaled(parts, precision, scale);
  if (typeof unscaled !== 'bigint') {
    const why =
      unscaled === 'fraction'
        ? `more than ${scale} fractional digits`
        : unscaled === 'overflow'
          ? 'too many digits'
          : 'not a number';
    throw new Error(`${String(value)} does not fit DECIMAL(${precision},${scale}): ${why}`);
  }
  const words = new Uint32Array(bitWidth / 32);
  let x = unscaled < 0n ? (1n << BigInt(bitWidth)) + unscaled : unscaled;
  for (let w = 0; w < words.length; w++) {
    words[w] = Number(x & 0xffffffffn);
    x >>= 32n;
  }
  return words;
}

function fromObjects(
  arrow: Arrow,
  schema: Schema,
  rows: readonly Record<string, unknown>[],
  index: number,
): RecordBatch {
  const children = schema.fields.map((field) => {
    try {
      const isDecimal = field.type instanceof arrow.Decimal;
      return arrow.vectorFromArray(
        rows.map((row) => (isDecimal ? decimalWords(field.type, row[field.name]) : (row[field.name] ?? null))),
        field.type,
      ).data[0]!;
    } catch (error) {
      throw new InvalidRecordError(
        `batch ${index}: field "${field.name}" (${String(field.type)}): ${(error as Error).message}`,
        {
          recordIndex: index,
          field: field.name,
          cause: error,
        },
      );
    }
  });
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (!schema.fields.some((f) => f.name === key)) {
        throw new InvalidRecordError(`batch ${index}: field "${key}" is not in the stream's schema`, {
          recordIndex: index,
          field: key,
        });
      }
    }
  }
  const data = arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows.length, nullCount: 0, children });
  return new arrow.RecordBatch(schema, data);
}

/** The batches of one ingest call, checked against the stream's schema; empty ones are dropped. */
export function toRecordBatches(arrow: Arrow, schema: Schema, input: ArrowInput, index: number): RecordBatch[] {
  let batches: RecordBatch[];
  if (input instanceof arrow.RecordBatch) batches = [input];
  else if (input instanceof arrow.Table) batches = input.batches;
  else if (Array.isArray(input)) batches = [fromObjects(arrow, schema, input, index)];
  else {
    throw new InvalidRecordError(
      `batch ${index}: an Arrow stream takes a RecordBatch, a Table or an array of objects (from the same apache-arrow package as the SDK loads)`,
      { recordIndex: index },
    );
  }
  for (const batch of batches) checkBatchSchema(schema, batch.schema, index);
  return batches.filter((batch) => batch.numRows > 0);
}

/** The IPC message of the schema: the first FlightData of every call. */
export function schemaMessage(arrow: Arrow, schema: Schema): IpcMessage {
  const [message] = splitIpcStream(arrow.tableToIPC(new arrow.Table(schema), 'stream'));
  return message!;
}

/** The IPC record-batch message of `batch` (without its schema message). */
export function batchMessage(arrow: Arrow, batch: RecordBatch): IpcMessage {
  const messages = splitIpcStream(arrow.tableToIPC(new arrow.Table([batch]), 'stream'));
  // Schema first, then dictionary batches (if any), then the record batch.
  if (messages.length !== 2) {
    throw new InvalidRecordError('dictionary-encoded Arrow fields are not supported: decode them first', {
      recordIndex: 0,
    });
  }
  return messages[1]!;
}
