/**
 * Compaction of small data files: which files to merge (a size-tiered plan), and reading them back
 * into the column forms appends take, so that the merged file is written like any append.
 *
 * Tiers by row count (1–31, 32–1023, 1024–32767, …): a merge takes ≥ 32 files of one tier and
 * makes one file of a higher tier, so each row is rewritten about once per tier (a handful of
 * times in all), and a trickle of one-row commits keeps under ~31 small files per tier live —
 * the live file count grows with the logarithm of the commit count, not the count itself.
 *
 * Values are read exactly: hyparquet would turn decimals into doubles and timestamps into
 * millisecond Dates, so those columns are read as their raw physical values (their annotations
 * are dropped from the schema handed to the reader) and turned back into the NormalizedValue forms
 * here, guided by the table's stored types.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeltaType, TableSchema } from '@zerobus/sdk/schema';
import { type FileMetaData, parquetMetadata, parquetRead } from 'hyparquet';
import type { AddAction } from './commit-log.js';

/** A file smaller than this is "small", a candidate for merging. */
export const TARGET_FILE_BYTES = 8 * 1024 * 1024;
/** Files of one tier merged at once, at least (and at most {@link MAX_MERGE_FILES}). */
export const MIN_MERGE_FILES = 32;
const MAX_MERGE_FILES = 64;
/** Bounds the rows of one merge: its encoding is synchronous, and must not hold the event loop long. */
const MAX_MERGE_ROWS = 131_072;

const NUM_RECORDS = /"numRecords":(\d+)/;

function rowsOf(add: AddAction): number {
  const match = add.stats ? NUM_RECORDS.exec(add.stats) : null;
  // Without stats, guess from the size (tiny files are mostly footer).
  return match ? Number(match[1]) : Math.max(1, Math.floor(add.size / 64));
}

function tierOf(rows: number): number {
  return Math.floor(Math.log2(Math.max(1, rows)) / 5);
}

/** The files to merge next (in the order they were added), or undefined when none need it. */
export function planCompaction(files: Iterable<AddAction>): AddAction[] | undefined {
  const tiers = new Map<number, AddAction[]>();
  for (const add of files) {
    if (add.size >= TARGET_FILE_BYTES) continue;
    const tier = tierOf(rowsOf(add));
    const list = tiers.get(tier) ?? [];
    tiers.set(tier, list);
    list.push(add);
  }
  for (const tier of [...tiers.keys()].sort((a, b) => a - b)) {
    const candidates = tiers.get(tier) as AddAction[];
    if (candidates.length < MIN_MERGE_FILES) continue;
    const chosen: AddAction[] = [];
    let bytes = 0;
    let rows = 0;
    for (const add of candidates) {
      const more = rowsOf(add);
      if (chosen.length >= 2 && (bytes + add.size > TARGET_FILE_BYTES || rows + more > MAX_MERGE_ROWS)) break;
      chosen.push(add);
      bytes += add.size;
      rows += more;
      if (chosen.length === MAX_MERGE_FILES) break;
    }
    if (chosen.length >= 2) return chosen;
  }
  return undefined;
}

/** Whether every value of the schema can be read back exactly (map keys come back as text). */
export function canCompact(schema: TableSchema): boolean {
  const ok = (type: DeltaType): boolean => {
    switch (type.kind) {
      case 'primitive':
      case 'decimal':
        return true;
      case 'array':
        return ok(type.elementType);
      case 'struct':
        return type.fields.every((f) => ok(f.type));
      case 'map':
        return keyFromText(type.keyType, '0') !== undefined && ok(type.valueType);
    }
  };
  return schema.fields.every((f) => ok(f.type));
}

/** Reads data files (paths relative to `tableDir`) as columns of the stored schema, in order. */
export async function readColumns(
  tableDir: string,
  storage: TableSchema,
  files: readonly AddAction[],
  yieldBetweenFiles: () => Promise<void>,
): Promise<{ columns: unknown[][]; rowCount: number }> {
  const columns: unknown[][] = storage.fields.map(() => []);
  for (const add of files) {
    const bytes = await readFile(join(tableDir, decodeURIComponent(add.path)));
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const metadata = rawMetadata(parquetMetadata(file));
    const rows = await new Promise<unknown[][]>((resolve, reject) => {
      parquetRead({ file, metadata, utf8: false, onComplete: (data) => resolve(data as unknown[][]) }).catch(reject);
    });
    const names = topLevelNames(metadata.schema);
    storage.fields.forEach((field, c) => {
      const at = names.indexOf(field.name);
      if (at < 0) throw new Error(`data file ${add.path} lacks column '${field.name}'`);
      const column = columns[c] as unknown[];
      for (const row of rows) column.push(fromRaw(field.type, row[at]));
    });
    await yieldBetweenFiles();
  }
  return { columns, rowCount: columns[0]?.length ?? 0 };
}

/** The names of the top-level columns of a flattened Parquet schema (root first, depth-first). */
function topLevelNames(elements: FileMetaData['schema']): string[] {
  const names: string[] = [];
  let i = 1;
  const skip = (): void => {
    const children = elements[i]?.num_children ?? 0;
    i++;
    for (let c = 0; c < children; c++) skip();
  };
  while (i < elements.length) {
    names.push(elements[i]?.name as string);
    skip();
  }
  return names;
}

/** The metadata with the annotations that make hyparquet convert lossily removed. */
function rawMetadata(metadata: FileMetaData): FileMetaData {
  const lossy = new Set(['DECIMAL', 'DATE', 'TIMESTAMP_MILLIS', 'TIMESTAMP_MICROS']);
  const schema = metadata.schema.map((element) => {
    const logical = element.logical_type?.type;
    const dropLogical = logical === 'DECIMAL' || logical === 'DATE' || logical === 'TIMESTAMP';
    if (!dropLogical && !(element.converted_type && lossy.has(element.converted_type))) return element;
    const { converted_type: _c, logical_type: _l, ...rest } = element;
    return rest;
  });
  return { ...metadata, schema };
}

/** A raw value read by hyparquet → its NormalizedValue form for a column of `type`. */
function fromRaw(type: DeltaType, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  switch (type.kind) {
    case 'primitive':
      return value;
    case 'decimal':
      if (typeof value === 'bigint') return value;
      if (typeof value === 'number') return BigInt(value);
      return signedBigInt(value as Uint8Array);
    case 'array':
      return (value as unknown[]).map((v) => fromRaw(type.elementType, v));
    case 'struct': {
      const record = value as Record<string, unknown>;
      return Object.fromEntries(type.fields.map((f) => [f.name, fromRaw(f.type, record[f.name])]));
    }
    case 'map':
      return new Map(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [
          keyFromText(type.keyType, k),
          fromRaw(type.valueType, v),
        ]),
      );
  }
}

/** A map key back from the text hyparquet made of it (it builds maps as objects); undefined if it cannot. */
function keyFromText(type: DeltaType, text: string): unknown {
  if (type.kind === 'decimal') return type.precision <= 18 ? BigInt(text) : undefined;
  if (type.kind !== 'primitive') return undefined;
  switch (type.name) {
    case 'string':
    case 'variant':
      return text;
    case 'long':
    case 'timestamp':
    case 'timestamp_ntz':
      return BigInt(text);
    case 'boolean':
      return text === 'true';
    case 'binary':
      return new Uint8Array(text === '' ? [] : text.split(',').map(Number));
    default:
      return Number(text);
  }
}

function signedBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  const bits = BigInt(bytes.length * 8);
  return bytes.length > 0 && (bytes[0] as number) & 0x80 ? value - (1n << bits) : value;
}
