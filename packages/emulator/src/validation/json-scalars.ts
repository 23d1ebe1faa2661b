/**
 * JSON values of the primitive and decimal column types → NormalizedValue. The value forms
 * follow PROTOCOL.md §7, with these documented additions:
 *
 * - byte/short/integer: JSON numbers that are integers within the type's range (`1.0` is an
 *   integer, `1.5` is not). Strings are not accepted: JSON numbers carry 32 bits exactly.
 * - long: an integral JSON number or a decimal-integer string, within int64 → bigint.
 * - float/double: a JSON number, or one of the strings "NaN", "Infinity", "-Infinity" (JSON has
 *   no literal for them; Spark's JSON reader accepts the same words). A float is rounded to
 *   32 bits (what will be stored); a finite value beyond the float range is rejected, as is a
 *   number beyond the double range (`1e400`).
 * - date: integer days since 1970-01-01 (int32), or a "YYYY-MM-DD" string.
 * - timestamp/timestamp_ntz: integer microseconds since the epoch as a number or decimal
 *   string (int64) → bigint, or ISO-8601 text; see temporal.ts for the time-zone rules.
 * - decimal(p,s): a JSON number or a decimal string (`"-12.5"`, `"1e3"`), converted exactly
 *   from its text. More than s fractional digits (non-zero) is rejected, not rounded, and so is
 *   an unscaled value with more than p digits.
 * - binary: base64 text (standard or URL-safe alphabet) → Uint8Array.
 * - variant: a string is JSON text, checked to parse and stored as sent; any other JSON value
 *   (object, array, number, boolean) is stored as its compact JSON text, numbers exactly as
 *   written. JSON null in a nullable variant column is SQL NULL; the string "null" is the
 *   variant JSON null.
 *
 * Numbers arrive as JS numbers from the fast parse, which json-text.ts only uses when every
 * number in the record is exact as a double, or as `NumberText` from the lossless parse.
 */

import { parseDateText, parseDecimalText, parseTimestampText, toUnscaled } from '@zerobus/sdk/schema';
import { decodeBase64 } from './base64.js';
import { describeJson } from './describe.js';
import { Invalid } from './errors.js';
import { BYTE_RANGE, INT_RANGE, type IntRange, inInt64, parseIntegerText, SHORT_RANGE } from './integers.js';
import { NumberText, stringifyJson } from './json-text.js';
import type { DeltaType } from './schema-types.js';

/** Converts one non-null JSON value; throws `Invalid` when it does not fit. */
export type JsonConvert = (value: unknown) => unknown;

/** `expected <what>, got <the value>[why]`. */
export function expected(what: string, value: unknown, why = ''): Invalid {
  return new Invalid(`expected ${what}, got ${describeJson(value)}${why}`);
}

// ---- integers ----

/** The exact integer a JSON number denotes (`1.0`, `1e3` included), or undefined when it has a fraction. */
function integralNumber(value: NumberText): bigint | undefined {
  const parts = parseDecimalText(value.text);
  if (!parts) return undefined;
  const unscaled = toUnscaled(parts, 40, 0); // 40 digits: beyond every range checked here
  if (unscaled === 'fraction') return undefined;
  return unscaled === 'overflow' ? (parts.negative ? -(10n ** 40n) : 10n ** 40n) : unscaled;
}

function int32Like(name: string, range: IntRange): JsonConvert {
  const what = `${name} (an integer from ${range.min} to ${range.max})`;
  const min = BigInt(range.min);
  const max = BigInt(range.max);
  return (v) => {
    if (typeof v === 'number') {
      if (Number.isInteger(v) && v >= range.min && v <= range.max) return v + 0; // + 0 turns -0 into 0
    } else if (v instanceof NumberText) {
      const n = integralNumber(v);
      if (n !== undefined && n >= min && n <= max) return Number(n);
    }
    throw expected(what, v);
  };
}

/** An int64 from an integral JSON number or decimal-integer text; undefined when `v` is neither. */
function int64Of(v: unknown): bigint | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : undefined;
  if (v instanceof NumberText) return integralNumber(v);
  if (typeof v === 'string') return parseIntegerText(v);
  return undefined;
}

const convertLong: JsonConvert = (v) => {
  const n = int64Of(v);
  if (n !== undefined && inInt64(n)) return n;
  throw expected('long (a 64-bit integer, as a number or decimal string)', v);
};

// ---- floating point ----

const FLOAT_MAX = 3.4028234663852886e38;

function specialFloat(v: string): number | undefined {
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  return undefined;
}

function floating(single: boolean): JsonConvert {
  const name = single ? 'float' : 'double';
  const what = `${name} (a number, or "NaN", "Infinity", "-Infinity")`;
  return (v) => {
    let n: number | undefined;
    if (typeof v === 'number') n = v;
    else if (v instanceof NumberText) n = Number(v.text);
    else if (typeof v === 'string') {
      const special = specialFloat(v);
      if (special !== undefined) return special;
    }
    if (n === undefined) throw expected(what, v);
    if (single) {
      const f = Math.fround(n);
      if (Number.isFinite(f)) return f;
      throw expected(`float within ±${FLOAT_MAX}`, v);
    }
    if (Number.isFinite(n)) return n;
    throw expected('double within the double range', v);
  };
}

// ---- other primitives ----

const convertBoolean: JsonConvert = (v) => {
  if (typeof v === 'boolean') return v;
  throw expected('boolean', v);
};

const convertString: JsonConvert = (v) => {
  if (typeof v === 'string') return v;
  throw expected('string', v);
};

const convertBinary: JsonConvert = (v) => {
  if (typeof v === 'string') {
    const bytes = decodeBase64(v);
    if (bytes) return bytes;
    throw expected('binary as base64 text', v, ', which is not base64');
  }
  throw expected('binary (a base64 string)', v);
};

const DATE_WHAT = 'date (integer days since 1970-01-01, or "YYYY-MM-DD")';
const convertDateNumber = int32Like('date', INT_RANGE);
const convertDate: JsonConvert = (v) => {
  if (typeof v === 'string') {
    const days = parseDateText(v);
    if (days !== undefined) return days;
    throw expected(DATE_WHAT, v, ', which is not a valid date');
  }
  if (typeof v !== 'number' && !(v instanceof NumberText)) throw expected(DATE_WHAT, v);
  try {
    return convertDateNumber(v);
  } catch {
    throw expected(DATE_WHAT, v);
  }
};

function timestamp(zoned: boolean): JsonConvert {
  const name = zoned ? 'timestamp' : 'timestamp_ntz';
  const what = `${name} (integer microseconds since the epoch, or ISO-8601 text${zoned ? ' with a UTC offset' : ' without an offset'})`;
  return (v) => {
    const n = int64Of(v);
    if (n !== undefined) {
      if (inInt64(n)) return n;
      throw expected(what, v, ', which is outside the 64-bit range');
    }
    if (typeof v === 'string') {
      const micros = parseTimestampText(v, zoned);
      if (typeof micros === 'bigint') {
        if (inInt64(micros)) return micros;
      } else {
        throw expected(what, v, `, which ${micros}`);
      }
    }
    throw expected(what, v);
  };
}

function decimal(precision: number, scale: number): JsonConvert {
  const what = `decimal(${precision},${scale})`;
  const integerDigits = precision - scale;
  return (v) => {
    let text: string | undefined;
    if (typeof v === 'number') text = Number.isFinite(v) ? String(v) : undefined;
    else if (v instanceof NumberText) text = v.text;
    else if (typeof v === 'string') text = v;
    const parts = text === undefined ? undefined : parseDecimalText(text);
    if (!parts) throw expected(`${what} (a number or decimal string)`, v);
    const unscaled = toUnscaled(parts, precision, scale);
    if (unscaled === 'fraction') {
      throw expected(what, v, `, which has more than ${scale} fractional digits (values are not rounded)`);
    }
    if (unscaled === 'overflow') {
      throw expected(what, v, `, which has more than ${integerDigits} digits before the decimal point`);
    }
    return unscaled;
  };
}

const convertVariant: JsonConvert = (v) => {
  if (typeof v === 'string') {
    try {
      JSON.parse(v);
    } catch {
      throw expected('variant (JSON text, or any JSON value)', v, ', which is not valid JSON');
    }
    return v;
  }
  try {
    return stringifyJson(v);
  } catch (error) {
    // Serializing is recursive: a value nested tens of thousands deep overflows the stack.
    if (error instanceof RangeError) throw new Invalid('expected a variant value, got one nested too deeply to store');
    throw error;
  }
};

/** The converter of a primitive or decimal type. */
export function compileScalar(type: Exclude<DeltaType, { kind: 'array' | 'map' | 'struct' }>): JsonConvert {
  if (type.kind === 'decimal') return decimal(type.precision, type.scale);
  switch (type.name) {
    case 'byte':
      return int32Like('byte', BYTE_RANGE);
    case 'short':
      return int32Like('short', SHORT_RANGE);
    case 'integer':
      return int32Like('integer', INT_RANGE);
    case 'long':
      return convertLong;
    case 'float':
      return floating(true);
    case 'double':
      return floating(false);
    case 'boolean':
      return convertBoolean;
    case 'string':
      return convertString;
    case 'binary':
      return convertBinary;
    case 'date':
      return convertDate;
    case 'timestamp':
      return timestamp(true);
    case 'timestamp_ntz':
      return timestamp(false);
    case 'variant':
      return convertVariant;
  }
}
