/**
 * What an Arrow stream ingests, turned into record batches of the stream's schema, and those
 * batches into the IPC messages FlightData carries. Input forms: a `RecordBatch`, a `Table` (each
 * of its batches is sent, and acknowledged, on its own), or an array of plain objects, built into
 * one batch with the stream's schema by apache-arrow's `vectorFromArray` (its value forms apply:
 * numbers or bigints for Int64, `Date` or epoch milliseconds for timestamps and dates).
 */
import type { RecordBatch, Schema, Table } from 'apache-arrow';
import { InvalidRecordError } from '../errors.js';
import { type IpcMessage, splitIpcStream } from '../transport/flight-codec.js';
import type { Arrow } from './arrow-module.js';
import { checkBatchSchema } from './arrow-schema.js';

export type ArrowInput = RecordBatch | Table | readonly Record<string, unknown>[];

function fromObjects(
  arrow: Arrow,
  schema: Schema,
  rows: readonly Record<string, unknown>[],
  index: number,
): RecordBatch {
  const children = schema.fields.map((field) => {
    try {
      return arrow.vectorFromArray(
        rows.map((row) => row[field.name] ?? null),
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
