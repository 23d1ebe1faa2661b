/**
 * Checked writers for protobuf scalar values: each accepts the JavaScript forms documented on
 * `createRecordEncoder`, writes the value (without its tag) and throws a RecordFault naming the
 * expected type for anything else. Nothing is coerced silently: `"1"` is not a number, `1` is
 * not a boolean, 1.5 is not an integer.
 */

import { ScalarType } from '@bufbuild/protobuf';
import { RecordFault } from './fault.js';
import type { ProtoWriter } from './proto-writer.js';
import { isLongLike } from './value-describe.js';

export type ValueWriter = (w: ProtoWriter, value: unknown) => void;

export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

export function scalarWireType(type: ScalarType): number {
  switch (type) {
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WireType.I64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return WireType.I32;
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return WireType.LEN;
    default:
      return WireType.VARINT;
  }
}

/** Bytes per element for fixed-width scalars (packed arrays then know their length up front). */
export function fixedWidth(type: ScalarType): number {
  const wt = scalarWireType(type);
  return wt === WireType.I64 ? 8 : wt === WireType.I32 ? 4 : 0;
}

export const SCALAR_NAMES: Record<ScalarType, string> = {
  [ScalarType.DOUBLE]: 'double',
  [ScalarType.FLOAT]: 'float',
  [ScalarType.INT64]: 'int64',
  [ScalarType.UINT64]: 'uint64',
  [ScalarType.INT32]: 'int32',
  [ScalarType.FIXED64]: 'fixed64',
  [ScalarType.FIXED32]: 'fixed32',
  [ScalarType.BOOL]: 'bool',
  [ScalarType.STRING]: 'string',
  [ScalarType.BYTES]: 'bytes',
  [ScalarType.UINT32]: 'uint32',
  [ScalarType.SFIXED32]: 'sfixed32',
  [ScalarType.SFIXED64]: 'sfixed64',
  [ScalarType.SINT32]: 'sint32',
  [ScalarType.SINT64]: 'sint64',
};

const INT64_FORMS = 'a safe integer number, bigint, decimal string or Long';
const INT_MIN = -0x80000000;
const INT_MAX = 0x7fffffff;
const UINT_MAX = 0xffffffff;
const TWO_32 = 0x100000000;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U64_MAX = 2n ** 64n - 1n;
const DECIMAL = /^-?\d{1,20}$/;

function outOfRange(type: string, value: unknown, why = 'out of range'): RecordFault {
  const fault = RecordFault.mismatch(type, value);
  return new RecordFault(`${fault.template} (${why})`);
}

// The two halves of the last 64-bit value split by `split64`. Module state instead of a
// returned tuple keeps the hot path allocation-free; encoding is synchronous, so it is safe.
let lo = 0;
let hi = 0;

function splitBigInt(value: bigint, type: string, unsigned: boolean, original: unknown): void {
  if (unsigned ? value < 0n || value > U64_MAX : value < I64_MIN || value > I64_MAX) {
    throw outOfRange(type, original);
  }
  const bits = BigInt.asUintN(64, value);
  lo = Number(bits & 0xffffffffn);
  hi = Number(bits >> 32n);
}

function split64(value: unknown, type: string, unsigned: boolean): void {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw outOfRange(
        type,
        value,
        Number.isInteger(value) ? 'not a safe integer: pass a bigint or a string' : 'not an integer',
      );
    }
    if (unsigned && value < 0) throw outOfRange(type, value);
    lo = value >>> 0;
    hi = Math.floor(value / TWO_32) >>> 0;
  } else if (typeof value === 'bigint') {
    splitBigInt(value, type, unsigned, value);
  } else if (typeof value === 'string') {
    if (!DECIMAL.test(value)) throw RecordFault.mismatch(`${type} (${INT64_FORMS})`, value);
    splitBigInt(BigInt(value), type, unsigned, value);
  } else if (isLongLike(value)) {
    lo = value.low >>> 0;
    hi = value.high >>> 0;
    // A Long's own signedness says how to read its top bit; reject values the field cannot hold.
    if (hi >= 0x80000000 && Boolean(value.unsigned) !== unsigned) throw outOfRange(type, value);
  } else {
    throw RecordFault.mismatch(`${type} (${INT64_FORMS})`, value);
  }
}

function int32Value(value: unknown, type: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw RecordFault.mismatch(`${type} (integer number)`, value);
  if (value < min || value > max) throw outOfRange(type, value);
  return value;
}

const writers: Record<ScalarType, ValueWriter> = {
  [ScalarType.DOUBLE]: (w, v) => {
    if (typeof v !== 'number') throw RecordFault.mismatch('double (number)', v);
    w.double(v);
  },
  [ScalarType.FLOAT]: (w, v) => {
    if (typeof v !== 'number') throw RecordFault.mismatch('float (number)', v);
    if (Number.isFinite(v) && !Number.isFinite(Math.fround(v))) throw outOfRange('float', v);
    w.float(v);
  },
  [ScalarType.INT64]: (w, v) => {
    if (typeof v === 'number' && v >= 0 && v <= INT_MAX && Number.isInteger(v)) return w.uint32(v);
    split64(v, 'int64', false);
    w.varint64(lo, hi);
  },
  [ScalarType.UINT64]: (w, v) => {
    if (typeof v === 'number' && v >= 0 && v <= INT_MAX && Number.isInteger(v)) return w.uint32(v);
    split64(v, 'uint64', true);
    w.varint64(lo, hi);
  },
  [ScalarType.SINT64]: (w, v) => {
    split64(v, 'sint64', false);
    const sign = hi >> 31; // zigzag: (n << 1) ^ (n >> 63) on the two halves
    w.varint64(((lo << 1) ^ sign) >>> 0, (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0);
  },
  [ScalarType.FIXED64]: (w, v) => {
    split64(v, 'fixed64', true);
    w.fixed64(lo, hi);
  },
  [ScalarType.SFIXED64]: (w, v) => {
    split64(v, 'sfixed64', false);
    w.fixed64(lo, hi);
  },
  [ScalarType.INT32]: (w, v) => w.int32(int32Value(v, 'int32', INT_MIN, INT_MAX)),
  [ScalarType.UINT32]: (w, v) => w.uint32(int32Value(v, 'uint32', 0, UINT_MAX)),
  [ScalarType.SINT32]: (w, v) => {
    const n = int32Value(v, 'sint32', INT_MIN, INT_MAX);
    w.uint32(((n << 1) ^ (n >> 31)) >>> 0);
  },
  [ScalarType.FIXED32]: (w, v) => w.fixed32(int32Value(v, 'fixed32', 0, UINT_MAX)),
  [ScalarType.SFIXED32]: (w, v) => w.fixed32(int32Value(v, 'sfixed32', INT_MIN, INT_MAX)),
  [ScalarType.BOOL]: (w, v) => {
    if (typeof v !== 'boolean') throw RecordFault.mismatch('bool (boolean)', v);
    w.byte(v ? 1 : 0);
  },
  [ScalarType.STRING]: (w, v) => {
    if (typeof v !== 'string') throw RecordFault.mismatch('string', v);
    w.string(v);
  },
  [ScalarType.BYTES]: (w, v) => {
    // Strings are refused rather than guessed at: UTF-8 text and base64 would both be plausible.
    if (!(v instanceof Uint8Array)) throw RecordFault.mismatch('bytes (Uint8Array or Buffer)', v);
    w.bytes(v);
  },
};

export function scalarWriter(type: ScalarType): ValueWriter {
  return writers[type];
}

/**
 * Map keys arrive as strings when the map is a plain object; turn them into the key type's
 * own form (the writers above do the checking).
 */
export function mapKeyFromString(type: ScalarType, key: string): unknown {
  switch (type) {
    case ScalarType.STRING:
      return key;
    case ScalarType.BOOL:
      return key === 'true' ? true : key === 'false' ? false : key;
    case ScalarType.INT32:
    case ScalarType.UINT32:
    case ScalarType.SINT32:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return DECIMAL.test(key) ? Number(key) : key;
    default:
      return key; // 64-bit keys: the writer parses decimal strings exactly
  }
}
