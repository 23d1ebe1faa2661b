/**
 * Which protobuf field types may carry which column types, and the reader of each pair: the
 * wire value decoded and turned into the column's NormalizedValue in one closure, with range
 * checks only where the field can hold values the column cannot.
 *
 * Accepted pairs (beyond PROTOCOL.md §7's one type per column):
 * - byte/short/integer ← int32, sint32, sfixed32, and uint32/fixed32 (range-checked per value),
 *   and enum (the value's number).
 * - long ← the int64 family (int64, sint64, sfixed64; uint64/fixed64 range-checked to int64),
 *   the int32 family (lossless widening), enum.
 * - date ← int32, sint32, sfixed32 (signed: dates before 1970 are negative).
 * - timestamp/timestamp_ntz ← the int64 family (microseconds).
 * - float ← float only: a double field would be narrowed, silently losing precision.
 * - double ← double, float (widening is exact).
 * - boolean ← bool (any non-zero varint is true, as protobuf reads it).
 * - string ← string, enum (the value's name); variant ← string holding JSON text (checked).
 * - binary ← bytes.
 * - decimal(p,s) ← string holding decimal text (exact, as in JSON), or any 32/64-bit integer
 *   type carrying the integral value (scaled by 10^s). The official tools map no proto type to
 *   DECIMAL (§7 calls it a gap); these are the lossless choices. double is refused: inexact.
 * Narrowing across widths (int64 → integer, double → float) is refused at stream creation:
 * such a descriptor was made for a different table.
 */

import { FieldDescriptorProto_Type as T } from '@bufbuild/protobuf/wkt';
import { parseDecimalText, toUnscaled } from '@zerobus/sdk/schema';
import { describeDecoded } from './describe.js';
import { Invalid } from './errors.js';
import { BYTE_RANGE, INT_RANGE, INT64_MAX, type IntRange, SHORT_RANGE } from './integers.js';
import {
  int64Of,
  sint32Of,
  sint64Of,
  uint64Of,
  WIRE_DELIMITED,
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_VARINT,
  type WireCursor,
} from './proto-cursor.js';
import type { DeltaType } from './schema-types.js';
import { typeLabel } from './type-label.js';

/** Reads one wire value (the tag already read) and returns the column value; throws `Invalid`. */
export type ValueReader = (c: WireCursor) => unknown;

export interface ScalarPlan {
  readonly wireType: number;
  readonly read: ValueReader;
}

/** The enum of an enum-typed field: its value numbers and names. */
export interface EnumValues {
  readonly typeName: string;
  readonly names: ReadonlyMap<number, string>;
}

export function wireTypeOf(type: T): number {
  switch (type) {
    case T.DOUBLE:
    case T.FIXED64:
    case T.SFIXED64:
      return WIRE_FIXED64;
    case T.FLOAT:
    case T.FIXED32:
    case T.SFIXED32:
      return WIRE_FIXED32;
    case T.STRING:
    case T.BYTES:
    case T.MESSAGE:
    case T.GROUP:
      return WIRE_DELIMITED;
    default:
      return WIRE_VARINT;
  }
}

export function protoTypeName(type: T): string {
  return (T[type] ?? `type ${type}`).toLowerCase();
}

// ---- sources: one wire value as a plain number / bigint ----

type NumberSource = (c: WireCursor) => number;
type BigSource = (c: WireCursor) => bigint;

const INT32_SOURCES = new Map<T, { read: NumberSource; unsigned: boolean }>([
  [T.INT32, { read: (c) => c.uint32() | 0, unsigned: false }],
  [T.SINT32, { read: (c) => sint32Of(c.uint32()), unsigned: false }],
  [T.SFIXED32, { read: (c) => c.fixed32() | 0, unsigned: false }],
  [T.UINT32, { read: (c) => c.uint32(), unsigned: true }],
  [T.FIXED32, { read: (c) => c.fixed32(), unsigned: true }],
]);

const INT64_SOURCES = new Map<T, { read: BigSource; unsigned: boolean }>([
  [
    T.INT64,
    {
      read: (c) => {
        c.varint64();
        return int64Of(c.lo, c.hi);
      },
      unsigned: false,
    },
  ],
  [
    T.SINT64,
    {
      read: (c) => {
        c.varint64();
        return sint64Of(c.lo, c.hi);
      },
      unsigned: false,
    },
  ],
  [
    T.SFIXED64,
    {
      read: (c) => {
        c.fixed64();
        return int64Of(c.lo, c.hi);
      },
      unsigned: false,
    },
  ],
  [
    T.UINT64,
    {
      read: (c) => {
        c.varint64();
        return uint64Of(c.lo, c.hi);
      },
      unsigned: true,
    },
  ],
  [
    T.FIXED64,
    {
      read: (c) => {
        c.fixed64();
        return uint64Of(c.lo, c.hi);
      },
      unsigned: true,
    },
  ],
]);

const SIGNED_INT32 = [T.INT32, T.SINT32, T.SFIXED32];
const ALL_INT32 = [...SIGNED_INT32, T.UINT32, T.FIXED32];
const ALL_INT64 = [T.INT64, T.SINT64, T.SFIXED64, T.UINT64, T.FIXED64];

function outOfRange(what: string, value: unknown): Invalid {
  return new Invalid(`expected ${what}, got ${describeDecoded(value)}`);
}

// ---- readers per column type ----

function int32Column(name: string, range: IntRange, type: T, values: EnumValues | undefined): ValueReader {
  const what = `${name} (an integer from ${range.min} to ${range.max})`;
  if (type === T.ENUM) return enumNumber(values as EnumValues, what, range);
  const source = (INT32_SOURCES.get(type) as { read: NumberSource }).read;
  if (range === INT_RANGE && (type === T.INT32 || type === T.SINT32 || type === T.SFIXED32)) return source;
  return (c) => {
    const v = source(c);
    if (v < range.min || v > range.max) throw outOfRange(what, v);
    return v;
  };
}

function enumNumber(values: EnumValues, what: string, range: IntRange): ValueReader {
  return (c) => {
    const v = c.uint32() | 0;
    if (!values.names.has(v)) throw new Invalid(`expected a value of enum ${values.typeName}, got unknown number ${v}`);
    if (v < range.min || v > range.max) throw outOfRange(what, v);
    return v;
  };
}

function longColumn(type: T, values: EnumValues | undefined, what: string): ValueReader {
  if (type === T.ENUM) {
    const read = enumNumber(values as EnumValues, what, INT_RANGE);
    return (c) => BigInt(read(c) as number);
  }
  const small = INT32_SOURCES.get(type);
  if (small) {
    const read = small.read;
    return (c) => BigInt(read(c));
  }
  const big = INT64_SOURCES.get(type) as { read: BigSource; unsigned: boolean };
  if (!big.unsigned) return big.read;
  const read = big.read;
  return (c) => {
    const v = read(c);
    if (v > INT64_MAX) throw outOfRange(what, v);
    return v;
  };
}

function decimalColumn(precision: number, scale: number, type: T): ValueReader {
  const what = `decimal(${precision},${scale})`;
  if (type === T.STRING) {
    return (c) => {
      const text = c.string();
      const parts = parseDecimalText(text);
      if (!parts) throw new Invalid(`expected ${what} as decimal text, got ${describeDecoded(text)}`);
      const unscaled = toUnscaled(parts, precision, scale);
      if (unscaled === 'fraction') {
        throw new Invalid(
          `expected ${what}, got ${describeDecoded(text)}, which has more than ${scale} fractional digits (values are not rounded)`,
        );
      }
      if (unscaled === 'overflow') {
        throw new Invalid(
          `expected ${what}, got ${describeDecoded(text)}, which has more than ${precision - scale} digits before the decimal point`,
        );
      }
      return unscaled;
    };
  }
  const factor = 10n ** BigInt(scale);
  const bound = 10n ** BigInt(precision);
  const small = INT32_SOURCES.get(type);
  const read: BigSource = small ? (c) => BigInt(small.read(c)) : (INT64_SOURCES.get(type) as { read: BigSource }).read;
  return (c) => {
    const v = read(c);
    const unscaled = v * factor;
    if (unscaled >= bound || unscaled <= -bound) {
      throw new Invalid(
        `expected ${what}, got ${v}, which has more than ${precision - scale} digits before the decimal point`,
      );
    }
    return unscaled;
  };
}

const readFloat: ValueReader = (c) => c.float();
const readDouble: ValueReader = (c) => c.double();
const readBool: ValueReader = (c) => {
  c.varint64();
  return (c.lo | c.hi) !== 0;
};
const readString: ValueReader = (c) => c.string();
const readBytes: ValueReader = (c) => c.bytes();
const readVariant: ValueReader = (c) => {
  const text = c.string();
  try {
    JSON.parse(text);
  } catch {
    throw new Invalid(`expected variant (JSON text), got ${describeDecoded(text)}, which is not valid JSON`);
  }
  return text;
};

function enumName(values: EnumValues): ValueReader {
  return (c) => {
    const v = c.uint32() | 0;
    const name = values.names.get(v);
    if (name === undefined) throw new Invalid(`expected a value of enum ${values.typeName}, got unknown number ${v}`);
    return name;
  };
}

/** The field types a primitive or decimal column accepts, with the words messages use for them. */
function accepted(column: DeltaType): { types: readonly T[]; words: string } {
  if (column.kind === 'decimal') {
    return { types: [T.STRING, ...ALL_INT32, ...ALL_INT64], words: 'string (decimal text) or an integer type' };
  }
  if (column.kind !== 'primitive') return { types: [], words: '' };
  switch (column.name) {
    case 'byte':
    case 'short':
    case 'integer':
      return { types: [...ALL_INT32, T.ENUM], words: 'int32, sint32, sfixed32, uint32, fixed32 or enum' };
    case 'long':
      return {
        types: [...ALL_INT64, ...ALL_INT32, T.ENUM],
        words: 'int64, sint64, sfixed64, uint64, fixed64 (or a 32-bit integer type or enum)',
      };
    case 'date':
      return { types: SIGNED_INT32, words: 'int32, sint32 or sfixed32 (days since 1970-01-01)' };
    case 'timestamp':
    case 'timestamp_ntz':
      return { types: ALL_INT64, words: 'int64, sint64, sfixed64, uint64 or fixed64 (microseconds since the epoch)' };
    case 'float':
      return { types: [T.FLOAT], words: 'float' };
    case 'double':
      return { types: [T.DOUBLE, T.FLOAT], words: 'double or float' };
    case 'boolean':
      return { types: [T.BOOL], words: 'bool' };
    case 'string':
      return { types: [T.STRING, T.ENUM], words: 'string or enum' };
    case 'variant':
      return { types: [T.STRING], words: 'string (JSON text)' };
    case 'binary':
      return { types: [T.BYTES], words: 'bytes' };
  }
}

/**
 * The plan for a primitive or decimal column filled by a field of proto `type`, or the
 * expectation it fails (for SchemaMismatch).
 */
export function scalarPlan(
  column: DeltaType,
  type: T,
  values: EnumValues | undefined,
): ScalarPlan | { expected: string } {
  const { types, words } = accepted(column);
  if (!types.includes(type)) return { expected: `a field of type ${words} for ${typeLabel(column)}` };
  const wireType = wireTypeOf(type);
  if (column.kind === 'decimal') return { wireType, read: decimalColumn(column.precision, column.scale, type) };
  if (column.kind !== 'primitive') throw new Error('unreachable: containers have no scalar plan');
  switch (column.name) {
    case 'byte':
      return { wireType, read: int32Column('byte', BYTE_RANGE, type, values) };
    case 'short':
      return { wireType, read: int32Column('short', SHORT_RANGE, type, values) };
    case 'integer':
      return { wireType, read: int32Column('integer', INT_RANGE, type, values) };
    case 'date':
      return { wireType, read: int32Column('date', INT_RANGE, type, values) };
    case 'long':
      return { wireType, read: longColumn(type, values, 'long (a 64-bit integer)') };
    case 'timestamp':
    case 'timestamp_ntz':
      return { wireType, read: longColumn(type, values, `${column.name} (microseconds within the 64-bit range)`) };
    case 'float':
      return { wireType, read: readFloat };
    case 'double':
      return { wireType, read: type === T.FLOAT ? readFloat : readDouble };
    case 'boolean':
      return { wireType, read: readBool };
    case 'string':
      return { wireType, read: type === T.ENUM ? enumName(values as EnumValues) : readString };
    case 'variant':
      return { wireType, read: readVariant };
    case 'binary':
      return { wireType, read: readBytes };
  }
}
