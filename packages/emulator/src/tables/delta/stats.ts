/**
 * Per-file statistics for a Delta `add` action (`{numRecords, minValues, maxValues, nullCount}`),
 * computed from the batch's values, which are what the file holds. Readers skip files with these,
 * so every bound must hold for every value in the file; where a bound cannot be exact, it is
 * widened (timestamps to whole milliseconds, long strings to a prefix) or left out.
 *
 * Coverage, as Delta writers do it:
 * - min/max: numbers, decimals, dates, timestamps, strings, recursing into structs;
 * - nullCount only: boolean, binary, variant, array, map (no useful order or no scalar value);
 * - a float/double column holding NaN or ±Infinity gets no min/max (JSON cannot write them and
 *   NaN has no place in the order); dates and timestamps outside years 1–9999 likewise, since
 *   the stats format has no spelling for them.
 *
 * Longs and decimals are written as exact JSON numbers by {@link statsJson}: `JSON.stringify`
 * cannot write a bigint, and going through a double would round them.
 */

import type { DeltaType, TableSchema } from '@zerobus/sdk/schema';

/** A JSON number whose text is written as is (an exact decimal). */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export interface FileStats {
  readonly numRecords: number;
  readonly minValues: StatsObject;
  readonly maxValues: StatsObject;
  readonly nullCount: StatsObject;
}

type StatsValue = number | bigint | string | JsonNumber | StatsObject;
interface StatsObject {
  [key: string]: StatsValue;
}

/** Delta's default `dataSkippingStringPrefixLength`: string bounds keep this many characters. */
export const STRING_PREFIX_LENGTH = 32;

const MAX_CODE_POINT = String.fromCodePoint(0x10ffff);
/** 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z, the range a stats timestamp can spell. */
const MIN_MILLIS = -62_135_596_800_000;
const MAX_MILLIS = 253_402_300_799_999;
const DAY_MILLIS = 86_400_000;

export function fileStats(schema: TableSchema, columns: readonly (readonly unknown[])[], rowCount: number): FileStats {
  const stats: FileStats = { numRecords: rowCount, minValues: {}, maxValues: {}, nullCount: {} };
  schema.fields.forEach((field, i) => {
    collect(field.name, field.type, columns[i] ?? [], stats.minValues, stats.maxValues, stats.nullCount);
  });
  return stats;
}

/** Adds the stats of one column (values of `type`, nulls included) under `name` in each object. */
function collect(
  name: string,
  type: DeltaType,
  values: readonly unknown[],
  min: StatsObject,
  max: StatsObject,
  nulls: StatsObject,
): void {
  if (type.kind === 'struct') {
    const childMin: StatsObject = {};
    const childMax: StatsObject = {};
    const childNulls: StatsObject = {};
    for (const field of type.fields) {
      // A field of a null struct is null too: that is how a reader evaluating `s.a IS NULL` sees it.
      const childValues = values.map((v) =>
        v === null || v === undefined ? null : (v as Record<string, unknown>)[field.name],
      );
      collect(field.name, field.type, childValues, childMin, childMax, childNulls);
    }
    if (Object.keys(childMin).length > 0) put(min, name, childMin);
    if (Object.keys(childMax).length > 0) put(max, name, childMax);
    put(nulls, name, childNulls);
    return;
  }
  const bounds = boundsOf(type, values);
  put(nulls, name, bounds.nulls);
  if (bounds.min !== undefined && bounds.max !== undefined) {
    put(min, name, bounds.min);
    put(max, name, bounds.max);
  }
}

/** Sets a key as an own property even when it is `__proto__` (a legal column name). */
function put(o: StatsObject, key: string, value: StatsValue): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

interface Bounds {
  nulls: number;
  min?: StatsValue | undefined;
  max?: StatsValue | undefined;
}

function boundsOf(type: Exclude<DeltaType, { kind: 'struct' }>, values: readonly unknown[]): Bounds {
  if (type.kind === 'decimal') {
    const { nulls, min, max } = extremes(values as readonly (bigint | null)[], compareNumbers);
    if (min === undefined || max === undefined) return { nulls };
    return { nulls, min: decimalNumber(min, type.scale), max: decimalNumber(max, type.scale) };
  }
  if (type.kind !== 'primitive') return { nulls: countNulls(values) };
  switch (type.name) {
    case 'byte':
    case 'short':
    case 'integer':
    case 'long':
      return extremes(values as readonly (number | bigint | null)[], compareNumbers);
    case 'float':
    case 'double': {
      const b = extremes(values as readonly (number | null)[], compareNumbers);
      if (b.min === undefined || b.max === undefined) return { nulls: b.nulls };
      let hasNonFinite = false;
      for (const v of values) if (typeof v === 'number' && !Number.isFinite(v)) hasNonFinite = true;
      if (hasNonFinite) return { nulls: b.nulls };
      // A float column stores float32: its bounds are the rounded values, or a stored value could
      // lie outside them.
      return type.name === 'float' ? { nulls: b.nulls, min: Math.fround(b.min), max: Math.fround(b.max) } : b;
    }
    case 'date': {
      const b = extremes(values as readonly (number | null)[], compareNumbers);
      if (b.min === undefined || b.max === undefined) return { nulls: b.nulls };
      const lo = b.min * DAY_MILLIS;
      const hi = b.max * DAY_MILLIS;
      if (lo < MIN_MILLIS || hi > MAX_MILLIS) return { nulls: b.nulls };
      return { nulls: b.nulls, min: isoDate(lo), max: isoDate(hi) };
    }
    case 'timestamp':
    case 'timestamp_ntz': {
      const b = extremes(values as readonly (bigint | null)[], compareNumbers);
      if (b.min === undefined || b.max === undefined) return { nulls: b.nulls };
      // Millisecond precision: the min rounds down and the max up, so both still bound the values.
      const lo = floorDiv(b.min, 1000n);
      const hi = -floorDiv(-b.max, 1000n);
      if (lo < BigInt(MIN_MILLIS) || hi > BigInt(MAX_MILLIS)) return { nulls: b.nulls };
      const zone = type.name === 'timestamp' ? 'Z' : '';
      return { nulls: b.nulls, min: isoTimestamp(lo) + zone, max: isoTimestamp(hi) + zone };
    }
    case 'string': {
      const b = stringExtremes(values as readonly (string | null)[]);
      if (b.min === undefined || b.max === undefined) return { nulls: b.nulls };
      return { nulls: b.nulls, min: truncateMin(b.min), max: truncateMax(b.max) };
    }
    default:
      // boolean, binary and variant (JSON text whose order means nothing): null counts only.
      return { nulls: countNulls(values) };
  }
}

function extremes<T>(
  values: readonly (T | null)[],
  compare: (a: T, b: T) => number,
): { nulls: number; min?: T | undefined; max?: T | undefined } {
  let nulls = 0;
  let min: T | undefined;
  let max: T | undefined;
  for (const v of values) {
    if (v === null || v === undefined) {
      nulls++;
      continue;
    }
    if (min === undefined || compare(v, min) < 0) min = v;
    if (max === undefined || compare(v, max) > 0) max = v;
  }
  return { nulls, min, max };
}

/** Code units where UTF-16 order (`<`) and code point order can part: 0xD800 and above. */
const HIGH_UNITS = /[\ud800-\uffff]/;

/**
 * {@link extremes} in code point order, fast: at the first code unit two strings differ in, the
 * two orders disagree only if both units are ≥ 0xD800, so when either string has none (one
 * native regex scan per value) JavaScript's own `<` is exact, and {@link compareCodePoints} (a
 * loop over the common prefix, slow for long strings sharing a prefix) runs only between two
 * strings that both have such units.
 */
function stringExtremes(values: readonly (string | null)[]): { nulls: number; min?: string; max?: string } {
  let nulls = 0;
  let min: string | undefined;
  let max: string | undefined;
  let minHigh = false;
  let maxHigh = false;
  for (const v of values) {
    if (v === null || v === undefined) {
      nulls++;
      continue;
    }
    const high = HIGH_UNITS.test(v);
    if (min === undefined || (high && minHigh ? compareCodePoints(v, min) < 0 : v < min)) {
      min = v;
      minHigh = high;
    }
    if (max === undefined || (high && maxHigh ? compareCodePoints(v, max) > 0 : v > max)) {
      max = v;
      maxHigh = high;
    }
  }
  return min === undefined || max === undefined ? { nulls } : { nulls, min, max };
}

function countNulls(values: readonly unknown[]): number {
  let nulls = 0;
  for (const v of values) if (v === null || v === undefined) nulls++;
  return nulls;
}

function compareNumbers<T extends number | bigint>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compares strings in UTF-8 byte order, which is code point order. JavaScript's `<` compares
 * UTF-16 code units, which puts astral characters (surrogate pairs, 0xD800–0xDFFF) before
 * U+E000–U+FFFF: the two orders differ exactly there.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** The first `STRING_PREFIX_LENGTH` code points, as a string and its length in code units. */
function prefixEnd(s: string): number {
  let end = 0;
  for (let points = 0; points < STRING_PREFIX_LENGTH; points++) {
    if (end >= s.length) return s.length;
    end += (s.codePointAt(end) as number) > 0xffff ? 2 : 1;
  }
  return end;
}

/** A prefix is never greater than the string. */
function truncateMin(s: string): string {
  return s.slice(0, prefixEnd(s));
}

/**
 * prefix + U+10FFFF is greater than every string that starts with the prefix and continues with
 * a smaller code point; when the next code point is U+10FFFF itself, only the whole string works.
 */
function truncateMax(s: string): string {
  const end = prefixEnd(s);
  if (end === s.length) return s;
  if (s.codePointAt(end) === 0x10ffff) return s;
  return s.slice(0, end) + MAX_CODE_POINT;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function isoDate(millis: number): string {
  return new Date(millis).toISOString().slice(0, 10);
}

/** `YYYY-MM-DDTHH:MM:SS.SSS` (no zone). */
function isoTimestamp(millis: bigint): string {
  return new Date(Number(millis)).toISOString().slice(0, 23);
}

/** The unscaled value written as an exact decimal: 1234n at scale 2 is 12.34. */
export function decimalNumber(unscaled: bigint, scale: number): JsonNumber {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return new JsonNumber(negative ? `-${text}` : text);
}

/** JSON text of stats: like `JSON.stringify`, but bigints and {@link JsonNumber}s as exact numbers. */
export function statsJson(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof JsonNumber) return value.text;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`stats cannot hold ${value}`);
    return JSON.stringify(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(statsJson).join(',')}]`;
  if (typeof value === 'object') {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined) parts.push(`${JSON.stringify(k)}:${statsJson(v)}`);
    }
    return `{${parts.join(',')}}`;
  }
  throw new Error(`stats cannot hold a ${typeof value}`);
}
