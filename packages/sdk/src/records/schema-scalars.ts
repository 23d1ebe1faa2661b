/**
 * Client-side checks of primitive and decimal column values (see schema-check.ts for the rules
 * as a whole): each converter takes one set value (not null or undefined) and returns the form
 * the stream's encoder sends for the column's PROTOCOL.md §7 type, or throws a RecordFault
 * naming the expected type. The returned forms are exactly what the JSON serializer and the
 * proto encoder accept for the generated descriptor's field types (int32 for DATE, int64 for
 * TIMESTAMP, string for DECIMAL and VARIANT), so neither needs to know about the schema.
 *
 * Converters are built once per column when a stream's schema is compiled: the per-record work
 * is a `typeof` test or two and, only where something is converted, the conversion.
 */

import { parseDecimalText, toDecimalText } from '../schema/decimal-text.js';
import { parseDateText, parseTimestampText } from '../schema/temporal.js';
import type { DeltaType } from '../schema/types.js';
import { RecordFault } from './fault.js';
import { serializeValue } from './json-serializer.js';
import { ProtoWriter } from './proto-writer.js';
import {
  convertLong,
  INT32_MAX,
  INT32_MIN,
  inInt64,
  int32Like,
  integerText,
  longValue,
  OUT_OF_INT64,
} from './schema-integers.js';
import { isLongLike } from './value-describe.js';

/** Checks one set value and returns what to send for it; throws RecordFault. */
export type Convert = (value: unknown) => unknown;

export type CheckMode = 'json' | 'proto';

const expected = RecordFault.expected;

// ---- floating point, boolean, string, binary ----

function floating(single: boolean, mode: CheckMode): Convert {
  const label = single ? 'FLOAT' : 'DOUBLE';
  return (v) => {
    if (typeof v !== 'number') throw expected(label, v);
    if (!Number.isFinite(v)) {
      // JSON has no literal for NaN or ±Infinity; protobuf floats carry them.
      if (mode === 'json') throw expected(label, v, ', which JSON cannot carry (a proto stream can)');
      return v;
    }
    if (single && !Number.isFinite(Math.fround(v))) throw expected(label, v, ', which is outside the FLOAT range');
    return v;
  };
}

const convertBoolean: Convert = (v) => {
  if (typeof v === 'boolean') return v;
  throw expected('BOOLEAN', v);
};

const convertString: Convert = (v) => {
  if (typeof v === 'string') return v;
  throw expected('STRING', v);
};

// Strings are refused rather than guessed at: base64 and UTF-8 text would both be plausible.
const convertBinary: Convert = (v) => {
  if (v instanceof Uint8Array) return v; // Buffer included; JSON sends base64, protobuf bytes
  throw expected('BINARY (a Uint8Array or Buffer)', v);
};

// ---- dates and timestamps ----

const MS_PER_DAY = 86_400_000;
const DATE_FORMS = 'DATE (a Date, integer days since 1970-01-01 or "YYYY-MM-DD" text)';

/**
 * A `Date` is the UTC calendar day it falls on: floor(ms / day), so 1969-12-31T23:59Z is day -1.
 * Beware local-midnight dates (`new Date(2024, 0, 1)` east of UTC is the day before in UTC).
 */
const convertDate: Convert = (v) => {
  if (v instanceof Date) {
    const ms = v.getTime();
    if (Number.isNaN(ms)) throw expected(DATE_FORMS, v);
    return Math.floor(ms / MS_PER_DAY);
  }
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX) return v;
    throw expected(DATE_FORMS, v, Number.isInteger(v) ? ', which is outside the 32-bit range' : '');
  }
  if (typeof v === 'string') {
    const days = parseDateText(v);
    if (days !== undefined) return days;
    throw expected(DATE_FORMS, v, ', which is not a valid YYYY-MM-DD date');
  }
  throw expected(DATE_FORMS, v);
};

/**
 * A `Date` is its instant in microseconds (always a multiple of 1000: a Date holds
 * milliseconds); for TIMESTAMP_NTZ that is its UTC wall-clock reading. Safe results stay
 * numbers (cheaper to send), the rest become bigints.
 */
function timestamp(zoned: boolean): Convert {
  const label = zoned ? 'TIMESTAMP' : 'TIMESTAMP_NTZ';
  const forms = `${label} (a Date, integer microseconds since the epoch, or ISO-8601 text ${zoned ? 'with' : 'without'} a UTC offset)`;
  return (v) => {
    if (v instanceof Date) {
      const ms = v.getTime();
      if (Number.isNaN(ms)) throw expected(forms, v);
      const micros = ms * 1000;
      return Number.isSafeInteger(micros) ? micros : BigInt(ms) * 1000n;
    }
    if (typeof v === 'number') {
      if (Number.isSafeInteger(v)) return v;
      throw expected(
        label,
        v,
        Number.isInteger(v) ? ', which is not a safe integer (pass a bigint or a string)' : ', which is not an integer',
      );
    }
    if (typeof v === 'bigint') {
      if (inInt64(v)) return v;
      throw expected(label, v, OUT_OF_INT64);
    }
    if (typeof v === 'string') {
      const n = integerText(v);
      if (typeof n === 'bigint') return n;
      if (n === 'range') throw expected(label, v, OUT_OF_INT64);
      const micros = parseTimestampText(v, zoned);
      if (typeof micros === 'string') throw expected(forms, v, `, which ${micros}`);
      if (inInt64(micros)) return micros;
      throw expected(label, v, OUT_OF_INT64);
    }
    if (isLongLike(v)) {
      const n = longValue(v);
      if (typeof n === 'bigint') return n;
      throw expected(label, v, OUT_OF_INT64);
    }
    throw expected(forms, v);
  };
}

// ---- decimal ----

/**
 * DECIMAL(p,s) becomes its exact plain text with s fractional digits (`"1234.50"`), which the
 * server's JSON decoder and the descriptor's `string` field both take. A number is read as its
 * shortest round-trip text (`String(0.1)` is "0.1"), so values are never rounded: 0.1 + 0.2 is
 * 0.30000000000000004 and is refused at a scale below 17, naming the digits it has too many of.
 */
function decimal(precision: number, scale: number): Convert {
  const label = `DECIMAL(${precision},${scale})`;
  const forms = `${label} (a number, bigint or decimal text)`;
  // Text already in the form sent (`-12.34` at scale 2, no leading zeros) skips the exact
  // parse and rebuild: one regular expression test instead of several string allocations.
  const integral = precision - scale === 0 ? '0' : `(?:0|[1-9]\\d{0,${precision - scale - 1}})`;
  const canonical = new RegExp(`^-?${integral}${scale > 0 ? `\\.\\d{${scale}}` : ''}$`);
  return (v) => {
    let text: string;
    if (typeof v === 'string') {
      if (canonical.test(v)) return v;
      text = v;
    } else if (typeof v === 'bigint') text = v.toString();
    else if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw expected(label, v, ', which is not a finite number');
      text = String(v);
    } else throw expected(forms, v);
    const parts = parseDecimalText(text);
    if (!parts) throw expected(forms, v);
    const out = toDecimalText(parts, precision, scale);
    if (out === 'fraction') {
      throw expected(label, v, `, which has more than ${scale} fractional digits (values are not rounded)`);
    }
    if (out === 'overflow') {
      throw expected(label, v, `, which has more than ${precision - scale} digits before the decimal point`);
    }
    return out;
  };
}

// ---- variant ----

const VARIANT_FORMS = 'VARIANT (JSON text, or a value JSON can represent)';
let variantWriter = new ProtoWriter(256);
let variantBusy = false;

/**
 * A string is taken as JSON text (checked to parse, sent as given, so `"null"` is the JSON null
 * and `'"hi"'` a JSON string); any other value becomes its JSON text by the SDK's serializer
 * rules (bigint exact, bytes as base64, Date as ISO text; NaN, cycles refused).
 */
const convertVariant: Convert = (v) => {
  if (typeof v === 'string') {
    try {
      JSON.parse(v);
    } catch {
      throw expected(VARIANT_FORMS, v, ', which is not valid JSON');
    }
    return v;
  }
  // A toJSON() inside the value could ingest on another stream and get here again.
  const reentrant = variantBusy;
  const w = reentrant ? new ProtoWriter(256) : variantWriter;
  variantBusy = true;
  w.reset();
  try {
    if (!serializeValue(w, v)) throw expected(VARIANT_FORMS, v);
    return w.buf.toString('utf8', 0, w.pos);
  } finally {
    if (!reentrant) {
      variantBusy = false;
      if (w.buf.length > 1 << 20) variantWriter = new ProtoWriter(256);
    }
  }
};

/** The converter of a primitive or decimal column type. */
export function compileScalar(type: Extract<DeltaType, { kind: 'primitive' | 'decimal' }>, mode: CheckMode): Convert {
  if (type.kind === 'decimal') return decimal(type.precision, type.scale);
  switch (type.name) {
    case 'byte':
      return int32Like('TINYINT', -128, 127);
    case 'short':
      return int32Like('SMALLINT', -32768, 32767);
    case 'integer':
      return int32Like('INT', INT32_MIN, INT32_MAX);
    case 'long':
      return convertLong;
    case 'float':
      return floating(true, mode);
    case 'double':
      return floating(false, mode);
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
