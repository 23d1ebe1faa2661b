/**
 * Input values → what the SDK's client-side check (option `validate`) accepts for each column
 * type. The SDK does the real checking and converting (ranges, dates, decimals, NOT NULL,
 * unknown columns); this module only bridges what a file format cannot express:
 *
 * - CSV: every cell is text. Integers, floats, booleans and dates become numbers and booleans;
 *   TIMESTAMP, DECIMAL and VARIANT text is passed on (the SDK parses ISO-8601, exact decimal
 *   text and JSON text); BINARY is base64; ARRAY/MAP/STRUCT cells hold JSON text. An unquoted
 *   empty cell is "not set" (null); a quoted empty cell is an empty STRING. Text that does not
 *   look like the column's type is passed on unchanged, for the SDK to refuse with its message.
 * - JSON: long numbers arrive exact (exact-json.ts) and become what the column wants (a double,
 *   exact decimal text, a bigint); BINARY values are base64 text, as on the Zerobus JSON wire.
 * - Parquet: int64 → float columns, dates, and bytes ↔ text where the file and table differ.
 *
 * Header and Parquet column names are matched to the table's columns exactly, else ignoring
 * case. A value that cannot be bridged (bad base64, a CSV cell that is not JSON) throws an
 * {@link InputError} naming the field.
 */
import type { DeltaType, StructField, TableSchema } from '@zerobus/sdk/schema';
import { parseExactJson, RawNumber } from './exact-json.js';

/** A record that cannot be read: the message names the field when there is one. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(field === undefined ? message : `field "${field}": ${message}`);
  }
}

/** Raised inside converters; collects the field path while it unwinds (innermost first). */
class Fault extends Error {
  readonly segments: string[] = [];
}

function withSegment<T>(segment: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof Fault) error.segments.push(segment);
    throw error;
  }
}

function faultPath(fault: Fault): string {
  let out = '';
  for (let i = fault.segments.length - 1; i >= 0; i--) {
    const segment = fault.segments[i]!;
    out += segment.startsWith('[') || out === '' ? segment : `.${segment}`;
  }
  return out;
}

type Convert = (value: unknown) => unknown;
type ScalarFor = (type: Extract<DeltaType, { kind: 'primitive' | 'decimal' }>) => Convert;

const identity: Convert = (v) => v;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function typeLabel(type: DeltaType): string {
  switch (type.kind) {
    case 'primitive':
      return type.name.toUpperCase();
    case 'decimal':
      return `DECIMAL(${type.precision},${type.scale})`;
    default:
      return type.kind.toUpperCase();
  }
}

// --- containers (shared by every input kind) ----------------------------------------------------

function mapValues(obj: Record<string, unknown>, convert: (key: string) => Convert | undefined): unknown {
  let out: Record<string, unknown> | undefined;
  for (const key in obj) {
    const value = obj[key];
    const conv = convert(key);
    if (conv === undefined || value === undefined || value === null) continue;
    const converted = withSegment(key, () => conv(value));
    if (converted !== value) {
      out ??= { ...obj };
      out[key] = converted;
    }
  }
  return out ?? obj;
}

function compile(type: DeltaType, scalar: ScalarFor, unknown: Convert): Convert {
  switch (type.kind) {
    case 'primitive':
    case 'decimal':
      return scalar(type);
    case 'array': {
      const element = compile(type.elementType, scalar, unknown);
      return (v) => {
        if (!Array.isArray(v)) return v;
        let out: unknown[] | undefined;
        for (let i = 0; i < v.length; i++) {
          const item: unknown = v[i];
          if (item === undefined || item === null) continue;
          const converted = withSegment(`[${i}]`, () => element(item));
          if (converted !== item) {
            out ??= v.slice();
            out[i] = converted;
          }
        }
        return out ?? v;
      };
    }
    case 'map': {
      const value = compile(type.valueType, scalar, unknown);
      return (v) => {
        if (v instanceof Map) {
          const out = new Map<unknown, unknown>();
          for (const [k, item] of v) {
            out.set(
              k,
              item === null || item === undefined ? item : withSegment(`[${JSON.stringify(k)}]`, () => value(item)),
            );
          }
          return out;
        }
        return isPlainObject(v) ? mapValues(v, () => value) : v;
      };
    }
    case 'struct':
      return compileStruct(type.fields, scalar, unknown);
  }
}

function compileStruct(fields: readonly StructField[], scalar: ScalarFor, unknown: Convert): Convert {
  const byName = new Map(fields.map((f) => [f.name, compile(f.type, scalar, unknown)]));
  const lookup = (key: string) => byName.get(key) ?? unknown;
  return (v) => (isPlainObject(v) ? mapValues(v, lookup) : v);
}

// --- JSON values --------------------------------------------------------------------------------

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function base64Bytes(text: string): Buffer {
  if (!BASE64.test(text) || text.replace(/=+$/, '').length % 4 === 1) {
    throw new Fault(
      `expected BINARY as base64 text, got ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`,
    );
  }
  return Buffer.from(text, 'base64');
}

/** RawNumbers anywhere in a value → doubles (for VARIANT values and keys that are no column). */
const plainNumbers: Convert = (v) => {
  if (v instanceof RawNumber) return Number(v.text);
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const converted = plainNumbers(v[i]);
      if (converted !== v[i]) {
        out ??= v.slice();
        out[i] = converted;
      }
    }
    return out ?? v;
  }
  return isPlainObject(v) ? mapValues(v, () => plainNumbers) : v;
};

const jsonScalar: ScalarFor = (type) => {
  if (type.kind === 'decimal') return (v) => (v instanceof RawNumber ? v.text : v);
  switch (type.name) {
    case 'float':
    case 'double':
      return (v) => (typeof v === 'bigint' ? Number(v) : v instanceof RawNumber ? Number(v.text) : v);
    case 'binary':
      return (v) => (typeof v === 'string' ? base64Bytes(v) : v);
    case 'variant':
      return plainNumbers;
    default:
      return (v) => (v instanceof RawNumber ? Number(v.text) : v);
  }
};

function hasBinary(type: DeltaType): boolean {
  switch (type.kind) {
    case 'primitive':
      return type.name === 'binary';
    case 'decimal':
      return false;
    case 'array':
      return hasBinary(type.elementType);
    case 'map':
      return hasBinary(type.keyType) || hasBinary(type.valueType);
    case 'struct':
      return type.fields.some((f) => hasBinary(f.type));
  }
}

function asInputError(error: unknown): unknown {
  if (!(error instanceof Fault)) return error;
  return new InputError(error.message, faultPath(error) || undefined);
}

/** Converts one parsed JSON record (see parseExactJson) for the table's columns. */
export function jsonRecordCoercer(schema: TableSchema): (value: unknown, exact: boolean) => unknown {
  const convert = compileStruct(schema.fields, jsonScalar, plainNumbers);
  // Without long numbers and BINARY columns, JSON values are already what the SDK takes.
  const binary = schema.fields.some((f) => hasBinary(f.type));
  return (value, exact) => {
    if (!exact && !binary) return value;
    try {
      return convert(value);
    } catch (error) {
      throw asInputError(error);
    }
  };
}

// --- CSV cells ----------------------------------------------------------------------------------

const INTEGER_TEXT = /^[+-]?\d+$/;
const FLOAT_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY_TEXT = /^([+-]?)inf(?:inity)?$/i;

function integerOf(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

const csvScalar: ScalarFor = (type) => {
  if (type.kind === 'decimal') return (v) => (typeof v === 'string' ? v.trim() : v);
  const text = (convert: (trimmed: string) => unknown): Convert => {
    return (v) => (typeof v === 'string' ? convert(v.trim()) : v);
  };
  switch (type.name) {
    case 'byte':
    case 'short':
    case 'integer':
    case 'long':
      return text((t) => (INTEGER_TEXT.test(t) ? integerOf(t) : t));
    case 'float':
    case 'double':
      return text((t) => {
        if (FLOAT_TEXT.test(t)) return Number(t);
        if (/^nan$/i.test(t)) return Number.NaN;
        const inf = INFINITY_TEXT.exec(t);
        return inf ? (inf[1] === '-' ? -Infinity : Infinity) : t;
      });
    case 'boolean':
      return text((t) => {
        const lower = t.toLowerCase();
        return lower === 'true' || lower === '1' ? true : lower === 'false' || lower === '0' ? false : t;
      });
    case 'binary':
      return text(base64Bytes);
    case 'date':
      return text((t) => (INTEGER_TEXT.test(t) ? Number(t) : t));
    case 'timestamp':
    case 'timestamp_ntz':
      return text((t) => t);
    default:
      // STRING keeps its spaces; VARIANT is JSON text, checked by the SDK.
      return identity;
  }
};

/** ARRAY, MAP and STRUCT cells hold JSON text, then convert as JSON values do. */
function csvNested(type: DeltaType): Convert {
  const json = compile(type, jsonScalar, plainNumbers);
  return (v) => {
    if (typeof v !== 'string') return v;
    let parsed: unknown;
    try {
      parsed = parseExactJson(v).value;
    } catch {
      const shown = v.length > 40 ? `${v.slice(0, 40)}…` : v;
      throw new Fault(`expected ${typeLabel(type)} as JSON text, got ${JSON.stringify(shown)}`);
    }
    return json(parsed);
  };
}

/** Resolves a header or Parquet column name to the table's column: exact, else ignoring case. */
function columnFor(fields: readonly StructField[], name: string): StructField | undefined {
  const exact = fields.find((f) => f.name === name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  const folded = fields.filter((f) => f.name.toLowerCase() === lower);
  return folded.length === 1 ? folded[0] : undefined;
}

/**
 * A converter of CSV rows (arrays of cells; null for an unquoted empty cell) into records,
 * given the header row. Cells of unknown columns are kept under their header name, for the
 * SDK to refuse naming them.
 */
export function csvRowCoercer(schema: TableSchema, header: readonly (string | null)[]): (cells: unknown[]) => object {
  const columns = header.map((raw, i) => {
    const name = raw ?? `column ${i + 1}`;
    const field = columnFor(schema.fields, name.trim());
    if (!field) return { name, convert: identity, text: true };
    const nested = field.type.kind === 'array' || field.type.kind === 'map' || field.type.kind === 'struct';
    const isText = field.type.kind === 'primitive' && (field.type.name === 'string' || field.type.name === 'variant');
    return { name: field.name, convert: nested ? csvNested(field.type) : csvScalar(field.type), text: isText };
  });
  return (cells) => {
    const record: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      const cell = cells[i];
      // Unquoted empty cells are null; a quoted empty cell is an empty string, which only text columns keep.
      if (cell === null || cell === undefined || (cell === '' && !column.text)) continue;
      try {
        record[column.name] = column.convert(cell);
      } catch (error) {
        if (error instanceof Fault) error.segments.push(column.name);
        throw asInputError(error);
      }
    }
    return record;
  };
}

// --- Parquet values -----------------------------------------------------------------------------

const MS_PER_DAY = 86_400_000;
const utf8 = new TextDecoder();

const parquetScalar: ScalarFor = (type) => {
  if (type.kind === 'decimal') return identity;
  switch (type.name) {
    case 'float':
    case 'double':
      return (v) => (typeof v === 'bigint' ? Number(v) : v);
    case 'date':
      return (v) => (v instanceof Date ? Math.floor(v.getTime() / MS_PER_DAY) : v);
    case 'string':
      return (v) => (v instanceof Uint8Array ? utf8.decode(v) : v);
    case 'binary':
      return (v) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v);
    default:
      return identity;
  }
};

/** The unscaled value of a raw Parquet DECIMAL: int32 (number), int64 (bigint), or big-endian two's complement bytes. */
function unscaledOf(raw: unknown): bigint {
  if (typeof raw === 'bigint') return raw;
  if (typeof raw === 'number' && Number.isInteger(raw)) return BigInt(raw);
  if (raw instanceof Uint8Array) {
    if (raw.length === 0) return 0n;
    let value = 0n;
    for (const byte of raw) value = (value << 8n) | BigInt(byte);
    return BigInt.asIntN(raw.length * 8, value);
  }
  throw new Fault(`cannot read the Parquet DECIMAL value ${String(raw)}`);
}

/** Exact decimal text of an unscaled value: `-1234` at scale 2 is "-12.34". */
export function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  if (scale <= 0) return `${negative ? '-' : ''}${digits}${'0'.repeat(-scale)}`;
  const padded = digits.padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

/**
 * A converter of Parquet rows (objects keyed by the file's column names) into records.
 * `rawDecimals`: file columns whose DECIMAL values come raw (unscaled), with their scale; they
 * become exact decimal text for DECIMAL columns, a double for others.
 */
export function parquetRowCoercer(
  schema: TableSchema,
  rawDecimals: ReadonlyMap<string, number> = new Map(),
): (row: Record<string, unknown>) => object {
  const byFileName = new Map<string, { name: string; convert: Convert }>();
  const entry = (key: string) => {
    let found = byFileName.get(key);
    if (!found) {
      const field = columnFor(schema.fields, key);
      const convert = field ? compile(field.type, parquetScalar, identity) : identity;
      const scale = rawDecimals.get(key);
      found = { name: field?.name ?? key, convert };
      if (scale !== undefined) {
        const exact = field?.type.kind === 'decimal';
        found.convert = (v) => {
          const text = decimalText(unscaledOf(v), scale);
          return convert(exact ? text : Number(text));
        };
      }
      byFileName.set(key, found);
    }
    return found;
  };
  return (row) => {
    const record: Record<string, unknown> = {};
    for (const key in row) {
      const value = row[key];
      if (value === null || value === undefined) continue;
      const { name, convert } = entry(key);
      try {
        record[name] = withSegment(name, () => convert(value));
      } catch (error) {
        throw asInputError(error);
      }
    }
    return record;
  };
}
