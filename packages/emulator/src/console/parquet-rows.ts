/**
 * Rows of a Delta table's Parquet files as JSON-safe objects, read with hyparquet (pure
 * JavaScript, already a dependency): the console's "recent rows" and `zerobus tail` need no
 * DuckDB. Integers past 2^53 and decimals become strings, timestamps ISO strings, binary base64.
 */

import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';

export type JsonRow = Record<string, unknown>;

/** The rows of one Parquet file (all of them, or the last `last`). */
export async function readParquetRows(
  path: string,
  options: { last?: number; rows?: number } = {},
): Promise<JsonRow[]> {
  const file = await asyncBufferFromFile(path);
  const total = options.rows;
  const rowStart = options.last !== undefined && total !== undefined ? Math.max(0, total - options.last) : undefined;
  const rows = await parquetReadObjects({ file, ...(rowStart !== undefined && { rowStart }) });
  return rows.map((row) => jsonValue(row) as JsonRow);
}

/**
 * The newest `limit` rows over `files` (oldest first, with their row counts from the log),
 * newest first: only the files that hold them are read.
 */
export async function recentRows(files: readonly { path: string; rows: number }[], limit: number): Promise<JsonRow[]> {
  const out: JsonRow[] = [];
  for (let i = files.length - 1; i >= 0 && out.length < limit; i--) {
    const file = files[i] as { path: string; rows: number };
    const want = limit - out.length;
    const rows = await readParquetRows(file.path, { last: want, rows: file.rows });
    for (let r = rows.length - 1; r >= 0 && out.length < limit; r--) out.push(rows[r] as JsonRow);
  }
  return out;
}

/** A value hyparquet returned, in a form JSON.stringify keeps exactly. */
export function jsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), jsonValue(v)]));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = jsonValue(v);
    return out;
  }
  return value;
}
