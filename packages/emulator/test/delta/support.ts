/** Helpers of the Delta tests: temp directories, random values of any type, stats checks. */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeltaType, StructField, TableSchema } from '@zerobus/sdk/schema';
import type { DeltaFileStats } from '../../../../test/support/delta-reader.js';
import type { ColumnBatch } from '../../src/tables/delta/delta-table.js';

/** Runs `body` with a fresh temporary directory, removed afterwards. */
export async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'zerobus-delta-'));
  try {
    return await body(dir);
  } finally {
    // Retries: a table's background upkeep may still be writing in it.
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  }
}

/** Rows (objects keyed by column name) → a ColumnBatch in schema order. */
export function toBatch(schema: TableSchema, rows: readonly Record<string, unknown>[]): ColumnBatch {
  return {
    rowCount: rows.length,
    columns: schema.fields.map((f) => rows.map((r) => (r[f.name] === undefined ? null : r[f.name]))),
  };
}

/** mulberry32: a seeded generator, so a failing case can be replayed. */
export function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHARS = [
  'a',
  'b',
  'Z',
  '0',
  ' ',
  'é',
  'ß',
  '日',
  '本',
  '\u{1F30D}',
  '\u{1F600}',
  '\uFFFD',
  '\uE000',
  '"',
  '\\',
  '\n',
];
export const MIN_DAY = -719_162; // 0001-01-01
export const MAX_DAY = 2_932_896; // 9999-12-31
export const MIN_MICROS = -62_135_596_800_000_000n;
export const MAX_MICROS = 253_402_300_799_999_999n;

/** A random value of `type` in its NormalizedValue form; null with probability 0.2 if allowed. */
export function randomValue(type: DeltaType, nullable: boolean, rand: () => number): unknown {
  if (nullable && rand() < 0.2) return null;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const big = (digits: number) => {
    let s = '';
    const n = int(1, digits);
    for (let i = 0; i < n; i++) s += String(int(0, 9));
    return rand() < 0.5 ? -BigInt(s) : BigInt(s);
  };
  switch (type.kind) {
    case 'decimal':
      return big(type.precision);
    case 'array':
      return Array.from({ length: int(0, 3) }, () => randomValue(type.elementType, type.containsNull, rand));
    case 'map': {
      const m = new Map<unknown, unknown>();
      for (let i = int(0, 3); i > 0; i--) {
        const key = randomValue(type.keyType, false, rand);
        if (![...m.keys()].some((k) => JSON.stringify(k, jsonBig) === JSON.stringify(key, jsonBig))) {
          m.set(key, randomValue(type.valueType, type.valueContainsNull, rand));
        }
      }
      return m;
    }
    case 'struct':
      return Object.fromEntries(type.fields.map((f) => [f.name, randomValue(f.type, f.nullable, rand)]));
    case 'primitive':
      switch (type.name) {
        case 'byte':
          return int(-128, 127);
        case 'short':
          return int(-32768, 32767);
        case 'integer':
          return int(-2147483648, 2147483647);
        case 'long':
          return BigInt.asIntN(64, (BigInt(int(0, 0xffffffff)) << 32n) | BigInt(int(0, 0xffffffff)));
        case 'float':
          return Math.fround((rand() - 0.5) * 10 ** int(0, 30));
        case 'double':
          return (rand() - 0.5) * 10 ** int(-5, 300);
        case 'boolean':
          return rand() < 0.5;
        case 'string':
          return Array.from({ length: int(0, 40) }, () => CHARS[int(0, CHARS.length - 1)]).join('');
        case 'binary':
          return Uint8Array.from({ length: int(0, 8) }, () => int(0, 255));
        case 'date':
          return int(MIN_DAY, MAX_DAY);
        case 'timestamp':
        case 'timestamp_ntz':
          return MIN_MICROS + BigInt(Math.floor(rand() * Number(MAX_MICROS - 999n - MIN_MICROS)));
        case 'variant':
          return JSON.stringify({
            n: int(0, 100),
            s: String(randomValue({ kind: 'primitive', name: 'string' }, false, rand)),
          });
      }
  }
}

function jsonBig(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}

/** What a reader gives back for a written value: floats are stored as float32. */
export function asRead(type: DeltaType, value: unknown): unknown {
  if (value === null) return null;
  switch (type.kind) {
    case 'primitive':
      return type.name === 'float' ? Math.fround(value as number) : value;
    case 'decimal':
      return value;
    case 'array':
      return (value as unknown[]).map((v) => asRead(type.elementType, v));
    case 'map':
      return new Map(
        [...(value as Map<unknown, unknown>)].map(([k, v]) => [asRead(type.keyType, k), asRead(type.valueType, v)]),
      );
    case 'struct':
      return Object.fromEntries(
        type.fields.map((f) => [f.name, asRead(f.type, (value as Record<string, unknown>)[f.name])]),
      );
  }
}

/** The kinds whose stats carry min/max (Delta writers' coverage). */
function hasMinMax(type: DeltaType): boolean {
  if (type.kind === 'decimal') return true;
  if (type.kind !== 'primitive') return false;
  return !['boolean', 'binary', 'variant'].includes(type.name);
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');

/** A stats bound → a value comparable with the column's values (bigint, number, string bytes). */
function boundValue(type: DeltaType, bound: unknown): number | bigint | Buffer {
  if (type.kind === 'decimal') {
    const text = String(bound);
    const [whole = '', fraction = ''] = text.replace('-', '').split('.');
    assert.ok(fraction.length <= type.scale, `decimal bound ${text} has more than ${type.scale} decimals`);
    const unscaled = BigInt(whole + fraction.padEnd(type.scale, '0'));
    return text.startsWith('-') ? -unscaled : unscaled;
  }
  assert.equal(type.kind, 'primitive');
  const name = (type as { name: string }).name;
  switch (name) {
    case 'long':
      return BigInt(bound as number | bigint);
    case 'date':
      assert.match(String(bound), /^\d{4}-\d{2}-\d{2}$/);
      return Date.parse(`${bound}T00:00:00Z`) / 86_400_000;
    case 'timestamp':
      assert.match(String(bound), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      return BigInt(Date.parse(String(bound))) * 1000n;
    case 'timestamp_ntz':
      assert.match(String(bound), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/);
      return BigInt(Date.parse(`${bound}Z`)) * 1000n;
    case 'string':
      return utf8(String(bound));
    default:
      return bound as number;
  }
}

function compare(a: number | bigint | Buffer, b: number | bigint | Buffer): number {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return Buffer.compare(a, b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Checks one file's stats against the rows it holds: numRecords, every null count, and that the
 * bounds hold every value (and, where not widened, equal the extremes).
 */
export function checkStats(schema: TableSchema, rows: readonly Record<string, unknown>[], stats: DeltaFileStats) {
  assert.equal(stats.numRecords, rows.length);
  checkFields(schema.fields, rows, stats.minValues ?? {}, stats.maxValues ?? {}, stats.nullCount ?? {}, '');
}

function checkFields(
  fields: readonly StructField[],
  rows: readonly (Record<string, unknown> | null)[],
  min: Record<string, unknown>,
  max: Record<string, unknown>,
  nulls: Record<string, unknown>,
  path: string,
): void {
  for (const field of fields) {
    const where = `${path}${field.name}`;
    const values = rows.map((r) => (r === null ? null : (r[field.name] ?? null)));
    if (field.type.kind === 'struct') {
      checkFields(
        field.type.fields,
        values as (Record<string, unknown> | null)[],
        (min[field.name] ?? {}) as Record<string, unknown>,
        (max[field.name] ?? {}) as Record<string, unknown>,
        (nulls[field.name] ?? {}) as Record<string, unknown>,
        `${where}.`,
      );
      continue;
    }
    const present = values.filter((v) => v !== null);
    assert.equal(nulls[field.name], values.length - present.length, `nullCount of ${where}`);
    if (!hasMinMax(field.type) || present.length === 0) {
      assert.equal(min[field.name], undefined, `no min for ${where}`);
      assert.equal(max[field.name], undefined, `no max for ${where}`);
      continue;
    }
    const nonFinite = present.some((v) => typeof v === 'number' && !Number.isFinite(v));
    if (nonFinite) {
      assert.equal(min[field.name], undefined, `no min for ${where} (NaN/Infinity)`);
      continue;
    }
    assert.notEqual(min[field.name], undefined, `min of ${where}`);
    assert.notEqual(max[field.name], undefined, `max of ${where}`);
    const lo = boundValue(field.type, min[field.name]);
    const hi = boundValue(field.type, max[field.name]);
    const asComparable = (v: unknown) => (typeof v === 'string' ? utf8(v) : (v as number | bigint));
    const sorted = present.map(asComparable).sort(compare);
    const first = sorted[0] as number | bigint | Buffer;
    const last = sorted[sorted.length - 1] as number | bigint | Buffer;
    assert.ok(compare(lo, first) <= 0, `min of ${where}: ${min[field.name]} > ${first}`);
    assert.ok(compare(hi, last) >= 0, `max of ${where}: ${max[field.name]} < ${last}`);
    const kind = field.type.kind === 'primitive' ? field.type.name : 'decimal';
    if (kind === 'timestamp' || kind === 'timestamp_ntz') {
      // Millisecond precision: within one millisecond of the extremes.
      assert.ok((first as bigint) - (lo as bigint) < 1000n && (hi as bigint) - (last as bigint) < 1000n, where);
    } else if (kind === 'string') {
      const s = String(min[field.name]);
      assert.ok([...s].length <= 32, `min of ${where} is at most 32 characters`);
      const m = String(max[field.name]);
      // Truncated to 32 characters plus U+10FFFF, unless no such string bounds the values (then whole).
      assert.ok([...m].length <= 33 || present.includes(m), `max of ${where} is at most 32 characters + 1`);
    } else {
      assert.deepEqual(lo, first, `min of ${where} is the smallest value`);
      assert.deepEqual(hi, last, `max of ${where} is the largest value`);
    }
  }
}
