/**
 * A batch's data file: its Parquet bytes and the Delta statistics of its `add` action. Pure CPU
 * work on values (no I/O), the same wherever it runs: on the event loop, or in a worker thread
 * of the encoding pool (tables/parquet-workers.ts), which imports only this module.
 */

import type { TableSchema } from '@zerobus/sdk/schema';
import { parquetWriteBuffer, type SchemaElement } from 'hyparquet-writer';
import { ENGINE_INFO } from './commit-log.js';
import { columnSources } from './parquet-schema.js';
import { fileStats, statsJson } from './stats.js';

/**
 * Snappy: built into hyparquet-writer, Spark's default, read by every Delta reader. Measured on a
 * 10-column table of ~220-byte rows (encode + stats + fsynced write, ext4, 2 cores), in rows/s
 * and bytes/row on disk, 100,000 | 1,000 rows per file:
 *   Snappy        147–163k | 120–129k, 75 | 79 B/row
 *   uncompressed  182–191k | 150–157k, 203 | 208 B/row
 *   ZSTD level 1  189–195k | 131–140k, 47 | 50 B/row (@bokuweb/zstd-wasm)
 * ZSTD is ~20% faster and ~37% smaller, but needs a WebAssembly dependency with an async start;
 * Snappy already runs well above the service's per-stream rate (PROTOCOL.md §8: 15k–100k
 * records/s), so the gain does not earn the dependency. Uncompressed files are 2.7× larger.
 */
const CODEC = 'SNAPPY' as const;
export const CODEC_SUFFIX = 'snappy';
/** One row group per 128k rows: few enough for readers, small enough to bound the writer's memory. */
const ROW_GROUP_ROWS = 131_072;

/** `columns[i]` holds the values of `schema.fields[i]`, in the NormalizedValue forms of types.ts. */
export interface ColumnBatch {
  readonly columns: readonly (readonly unknown[])[];
  readonly rowCount: number;
}

/** What one append writes: the file's bytes and its stats JSON. */
export interface EncodedDataFile {
  readonly bytes: Uint8Array;
  readonly stats: string;
}

/** Everything the encoding needs about the table: plain data, so it can be posted to a worker. */
export interface DataFileLayout {
  /** The logical schema (stats and column sources follow it). */
  readonly schema: TableSchema;
  /** The Parquet schema of the storage schema (parquet-schema.ts). */
  readonly parquetSchema: readonly SchemaElement[];
}

/** The Parquet bytes of a batch, as every data file of the emulator is written. */
export function encodeParquet(layout: DataFileLayout, batch: ColumnBatch): Uint8Array {
  return new Uint8Array(
    parquetWriteBuffer({
      schema: layout.parquetSchema as SchemaElement[],
      columnData: columnSources(layout.schema, batch.columns),
      codec: CODEC,
      rowGroupSize: ROW_GROUP_ROWS,
      createdBy: `${ENGINE_INFO} (hyparquet-writer)`,
    }),
  );
}

/** The batch's Parquet bytes and stats, computed on the calling thread. */
export function encodeDataFile(layout: DataFileLayout, batch: ColumnBatch): EncodedDataFile {
  const bytes = encodeParquet(layout, batch);
  return { bytes, stats: statsJson(fileStats(layout.schema, batch.columns, batch.rowCount)) };
}

/**
 * The encoder itself failed, not the batch: the thread that was encoding it died or could not
 * start. The commit fails (nothing acknowledged); the client replays on a new call.
 */
export class EncoderFailed extends Error {
  override readonly name = 'EncoderFailed';
}

/**
 * Encodes a batch off the calling thread, or on it: resolves to the file, rejects when the
 * encoding (or the thread doing it) failed.
 */
export type DataFileEncoder = (layout: DataFileLayout, batch: ColumnBatch) => Promise<EncodedDataFile>;

/** The encoder that runs on the calling thread (the default). */
export const encodeInline: DataFileEncoder = (layout, batch) => {
  try {
    return Promise.resolve(encodeDataFile(layout, batch));
  } catch (error) {
    return Promise.reject(error);
  }
};
