/**
 * `zerobus ingest --arrow`: records, as the input layer makes them (coerce.ts), checked against
 * the table's columns and gathered into Arrow record batches of the stream's schema.
 *
 * The checks are the record mode's (the SDK's client-side schema check, whose value forms the
 * coercers produce): the same types are accepted and refused, with messages of the same shape
 * (`field "score": expected DOUBLE, got string "hot"`), so a file fails at the same row in both
 * modes. One difference: FLOAT/DOUBLE NaN and ±Infinity are kept (Arrow carries them; JSON
 * records cannot).
 *
 * Values are exact: the column buffers are written here (typed arrays, validity bitmaps,
 * offsets) rather than by apache-arrow's `vectorFromArray`, which takes timestamps as `Date`s or
 * epoch milliseconds. TIMESTAMP is BigInt64 microseconds (a Parquet or ISO-8601 microsecond
 * stays one), BIGINT BigInt64, DECIMAL the 128-bit unscaled value from its exact text, DATE Int32
 * days; nested ARRAY, MAP and STRUCT values are written the same way.
 *
 * A record is checked and converted whole before any of it is appended, so a bad record leaves
 * the batch as it was: the rows before it can still be sent.
 */

import type { DeltaType, StructField, TableSchema } from '@zerobus/sdk/schema';
import { parseDateText, parseDecimalText, parseTimestampText, toUnscaled } from '@zerobus/sdk/schema';
import { type Data, type DataType, type Field, makeData, RecordBatch, type Schema, Struct } from 'apache-arrow';
import { InputError } from './coerce.js';

// --- faults with a field path (innermost segment first) ----------------------------------------

class Fault extends Error {
  readonly segments: string[] = [];
}

function within(error: unknown, segment: string): unknown {
  if (error instanceof Fault) error.segments.push(segment);
  return error;
}

function pathOf(fault: Fault): string {
  let out = '';
  for (let i = fault.segments.length - 1; i >= 0; i--) {
    const segment = fault.segments[i]!;
    out += segment.startsWith('[') || out === '' ? segment : `.${segment}`;
  }
  return out;
}

function indexSegment(index: number | string): string {
  if (typeof index === 'number') return `[${index}]`;
  return `[${JSON.stringify(index.length > 40 ? `${index.slice(0, 40)}…` : index)}]`;
}

/** `string "hot"`, `number 1.5`, `array (3 items)`: short, never a whole value. */
function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'bigint': {
      const text = value.toString();
      return `bigint ${text.length > 40 ? `${text.slice(0, 40)}…` : text}n`;
    }
    case 'undefined':
      return 'undefined';
    case 'object':
      break;
    default:
      return typeof value;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array (${value.length} items)`;
  if (value instanceof Uint8Array) return `${value.constructor.name} (${value.byteLength} bytes)`;
  if (value instanceof Map) return `Map (${value.size} entries)`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'invalid Date' : 'Date';
  const keys = Object.keys(value as object);
  const shown = keys.slice(0, 5).map((k) => (k.length > 20 ? `${k.slice(0, 20)}…` : k));
  return `object {${shown.join(', ')}${keys.length > 5 ? ', …' : ''}}`;
}

function expected(what: string, value: unknown, why = ''): Fault {
  return new Fault(`expected ${what}, got ${describeValue(value)}${why}`);
}

// --- type labels -------------------------------------------------------------------------------

const PRIMITIVE_LABELS: Record<string, string> = {
  byte: 'TINYINT',
  short: 'SMALLINT',
  integer: 'INT',
  long: 'BIGINT',
};

function label(type: DeltaType): string {
  switch (type.kind) {
    case 'primitive':
      return PRIMITIVE_LABELS[type.name] ?? type.name.toUpperCase();
    case 'decimal':
      return `DECIMAL(${type.precision},${type.scale})`;
    case 'array':
      return `ARRAY<${label(type.elementType)}>`;
    case 'map':
      return `MAP<${label(type.keyType)},${label(type.valueType)}>`;
    case 'struct':
      return type.fields.length <= 4
        ? `STRUCT<${type.fields.map((f) => `${f.name}:${label(f.type)}`).join(',')}>`
        : `STRUCT<${type.fields
            .slice(0, 4)
            .map((f) => `${f.name}:${label(f.type)}`)
            .join(',')},...>`;
  }
}

// --- values: checked and converted to the forms the column builders write ----------------------

/**
 * One set value (not null or undefined) → its column form: number (TINYINT/SMALLINT/INT, FLOAT,
 * DOUBLE, DATE days), bigint (BIGINT, TIMESTAMP microseconds, DECIMAL unscaled), boolean, string
 * (STRING, VARIANT JSON text), Uint8Array, an array (ARRAY), [key, value] pairs (MAP), values in
 * field order (STRUCT). Throws a Fault.
 */
type Convert = (value: unknown) => unknown;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^[+-]?\d+$/;
const CANONICAL_INTEGER = /^(?:0|-?[1-9]\d*)$/;
const MS_PER_DAY = 86_400_000;
const OUT_OF_INT64 = ', which is outside the 64-bit range';

function int32Like(name: string, min: number, max: number): Convert {
  const range = `, which is outside ${name}'s range ${min} to ${max}`;
  return (v) => {
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) throw expected(name, v, ', which is not an integer');
      if (v < min || v > max) throw expected(name, v, range);
      return v;
    }
    if (typeof v === 'bigint') {
      if (v < BigInt(min) || v > BigInt(max)) throw expected(name, v, range);
      return Number(v);
    }
    throw expected(name, v);
  };
}

const convertLong: Convert = (v) => {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return BigInt(v);
    throw expected(
      'BIGINT',
      v,
      Number.isInteger(v) ? ', which is not a safe integer (give it as text)' : ', which is not an integer',
    );
  }
  const n = typeof v === 'bigint' ? v : typeof v === 'string' && INTEGER_TEXT.test(v) ? BigInt(v) : undefined;
  if (n === undefined) throw expected('BIGINT (an integer or integer text)', v);
  if (n < INT64_MIN || n > INT64_MAX) throw expected('BIGINT', v, OUT_OF_INT64);
  return n;
};

function floating(single: boolean): Convert {
  const name = single ? 'FLOAT' : 'DOUBLE';
  return (v) => {
    if (typeof v !== 'number') throw expected(name, v);
    if (single && Number.isFinite(v) && !Number.isFinite(Math.fround(v))) {
      throw expected(name, v, ', which is outside the FLOAT range');
    }
    return v;
  };
}

const DATE_FORMS = 'DATE (a Date, integer days since 1970-01-01 or "YYYY-MM-DD" text)';

const convertDate: Convert = (v) => {
  if (v instanceof Date) {
    const ms = v.getTime();
    if (Number.isNaN(ms)) throw expected(DATE_FORMS, v);
    return Math.floor(ms / MS_PER_DAY);
  }
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) return v;
    throw expected(DATE_FORMS, v, Number.isInteger(v) ? ', which is outside the 32-bit range' : '');
  }
  if (typeof v === 'string') {
    const days = parseDateText(v);
    if (days !== undefined) return days;
    throw expected(DATE_FORMS, v, ', which is not a valid YYYY-MM-DD date');
  }
  throw expected(DATE_FORMS, v);
};

function timestamp(zoned: boolean): Convert {
  const name = zoned ? 'TIMESTAMP' : 'TIMESTAMP_NTZ';
  const forms = `${name} (a Date, integer microseconds since the epoch, or ISO-8601 text ${zoned ? 'with' : 'without'} a UTC offset)`;
  const inRange = (n: bigint, v: unknown) => {
    if (n < INT64_MIN || n > INT64_MAX) throw expected(name, v, OUT_OF_INT64);
    return n;
  };
  return (v) => {
    if (typeof v === 'bigint') return inRange(v, v);
    if (typeof v === 'number') {
      if (Number.isSafeInteger(v)) return BigInt(v);
      throw expected(
        name,
        v,
        Number.isInteger(v) ? ', which is not a safe integer (give it as text)' : ', which is not an integer',
      );
    }
    if (v instanceof Date) {
      const ms = v.getTime();
      if (Number.isNaN(ms)) throw expected(forms, v);
      return BigInt(ms) * 1000n;
    }
    if (typeof v === 'string') {
      if (INTEGER_TEXT.test(v)) return inRange(BigInt(v), v);
      const micros = parseTimestampText(v, zoned);
      if (typeof micros === 'string') throw expected(forms, v, `, which ${micros}`);
      return inRange(micros, v);
    }
    throw expected(forms, v);
  };
}

function decimal(precision: number, scale: number): Convert {
  const name = `DECIMAL(${precision},${scale})`;
  const forms = `${name} (a number, bigint or decimal text)`;
  return (v) => {
    let text: string;
    if (typeof v === 'string') text = v;
    else if (typeof v === 'bigint') text = v.toString();
    else if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw expected(name, v, ', which is not a finite number');
      text = String(v); // the shortest text that reads back as this double: never rounded here
    } else throw expected(forms, v);
    const parts = parseDecimalText(text);
    if (!parts) throw expected(forms, v);
    const unscaled = toUnscaled(parts, precision, scale);
    if (unscaled === 'fraction') {
      throw expected(name, v, `, which has more than ${scale} fractional digits (values are not rounded)`);
    }
    if (unscaled === 'overflow') {
      throw expected(name, v, `, which has more than ${precision - scale} digits before the decimal point`);
    }
    return unscaled;
  };
}

/** JSON text of a value for a VARIANT column: bigints exact, bytes as base64, a Date as ISO text. */
function variantJson(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return String(v);
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : undefined;
    case 'bigint':
      return v.toString();
    case 'object':
      break;
    default:
      return undefined;
  }
  if (v === null) return 'null';
  if (v instanceof Uint8Array)
    return JSON.stringify(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'));
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : JSON.stringify(v.toISOString());
  const parts: string[] = [];
  if (Array.isArray(v)) {
    for (const item of v) {
      const text = variantJson(item ?? null);
      if (text === undefined) return undefined;
      parts.push(text);
    }
    return `[${parts.join(',')}]`;
  }
  const entries: Iterable<[unknown, unknown]> = v instanceof Map ? v : Object.entries(v as object);
  for (const [key, item] of entries) {
    if (item === undefined) continue;
    const text = variantJson(item);
    if (text === undefined) return undefined;
    parts.push(`${JSON.stringify(String(key))}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

const VARIANT_FORMS = 'VARIANT (JSON text, or a value JSON can represent)';

const convertVariant: Convert = (v) => {
  if (typeof v === 'string') {
    try {
      JSON.parse(v);
    } catch {
      throw expected(VARIANT_FORMS, v, ', which is not valid JSON');
    }
    return v;
  }
  const text = variantJson(v);
  if (text === undefined) throw expected(VARIANT_FORMS, v);
  return text;
};

function scalar(type: Extract<DeltaType, { kind: 'primitive' | 'decimal' }>): Convert {
  if (type.kind === 'decimal') return decimal(type.precision, type.scale);
  switch (type.name) {
    case 'byte':
      return int32Like('TINYINT', -128, 127);
    case 'short':
      return int32Like('SMALLINT', -32768, 32767);
    case 'integer':
      return int32Like('INT', -2147483648, 2147483647);
    case 'long':
      return convertLong;
    case 'float':
      return floating(true);
    case 'double':
      return floating(false);
    case 'boolean':
      return (v) => {
        if (typeof v === 'boolean') return v;
        throw expected('BOOLEAN', v);
      };
    case 'string':
      return (v) => {
        if (typeof v === 'string') return v;
        throw expected('STRING', v);
      };
    case 'binary':
      return (v) => {
        if (v instanceof Uint8Array) return v;
        throw expected('BINARY (a Uint8Array or Buffer)', v);
      };
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

/** Map keys: STRING keys are strings; integral keys are integers, bigints or canonical integer text. */
function mapKey(type: DeltaType): Convert {
  if (type.kind !== 'primitive') throw new Error(`map keys of type ${label(type)} are not supported`);
  if (type.name === 'string') {
    return (k) => {
      if (typeof k === 'string') return k;
      throw expected('STRING map key', k);
    };
  }
  const base = scalar(type);
  if (!['byte', 'short', 'integer', 'long'].includes(type.name)) {
    throw new Error(`map keys of type ${label(type)} are not supported`);
  }
  return (k) => {
    if (typeof k !== 'string') return base(k);
    if (!CANONICAL_INTEGER.test(k)) throw expected(`${label(type)} map key (integer text)`, k);
    return base(type.name === 'long' ? BigInt(k) : Number(k));
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 10).join(', ');
  return names.length > 10 ? `${shown}, … (${names.length - 10} more)` : shown;
}

/** An object's fields in the order of `fields`, each converted (null for not set); unknown keys are refused. */
function fieldsConverter(fields: readonly StructField[], top: boolean): (obj: Record<string, unknown>) => unknown[] {
  const converts = fields.map((f) => compile(f.type));
  const known = new Set(fields.map((f) => f.name));
  const unknown = top
    ? `no such column in the table (columns: ${listNames(fields.map((f) => f.name))})`
    : `no such field in the struct (fields: ${listNames(fields.map((f) => f.name))})`;
  return (obj) => {
    const out = new Array<unknown>(fields.length);
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      const v = Object.hasOwn(obj, field.name) ? obj[field.name] : undefined;
      if (v === undefined || v === null) {
        if (!field.nullable) {
          const fault = new Fault(`expected ${label(field.type)} (NOT NULL), got ${v === null ? 'null' : 'no value'}`);
          throw within(fault, field.name);
        }
        out[i] = null;
        continue;
      }
      try {
        out[i] = converts[i]!(v);
      } catch (error) {
        throw within(error, field.name);
      }
    }
    for (const key in obj) {
      if (obj[key] === undefined || known.has(key)) continue;
      throw within(new Fault(unknown), key.length > 40 ? `${key.slice(0, 40)}…` : key);
    }
    return out;
  };
}

function compile(type: DeltaType): Convert {
  switch (type.kind) {
    case 'primitive':
    case 'decimal':
      return scalar(type);
    case 'array': {
      const element = compile(type.elementType);
      const name = label(type);
      const elementName = label(type.elementType);
      return (v) => {
        if (!Array.isArray(v)) throw expected(`${name} (an array)`, v);
        return v.map((item: unknown, i) => {
          if (item === null || item === undefined) {
            if (type.containsNull) return null;
            throw within(expected(`${elementName} (the array holds no nulls)`, item), indexSegment(i));
          }
          try {
            return element(item);
          } catch (error) {
            throw within(error, indexSegment(i));
          }
        });
      };
    }
    case 'map': {
      const key = mapKey(type.keyType);
      const value = compile(type.valueType);
      const name = label(type);
      const valueName = label(type.valueType);
      const entry = (k: unknown, item: unknown): [unknown, unknown] => {
        try {
          if (k === null || k === undefined) throw expected(`${label(type.keyType)} map key`, k);
          const converted = key(k);
          if (item === null) {
            if (type.valueContainsNull) return [converted, null];
            throw expected(`${valueName} (the map holds no null values)`, null);
          }
          return [converted, value(item)];
        } catch (error) {
          throw within(error, indexSegment(String(k)));
        }
      };
      return (v) => {
        const entries: [unknown, unknown][] = [];
        if (v instanceof Map) {
          for (const [k, item] of v) if (item !== undefined) entries.push(entry(k, item));
        } else if (isPlainObject(v)) {
          for (const k in v) if (v[k] !== undefined) entries.push(entry(k, v[k]));
        } else {
          throw expected(`${name} (a Map or object)`, v);
        }
        return entries;
      };
    }
    case 'struct': {
      const fields = fieldsConverter(type.fields, false);
      const name = label(type);
      return (v) => {
        if (!isPlainObject(v)) throw expected(`${name} (an object)`, v);
        return fields(v);
      };
    }
  }
}

// --- column builders: converted values → Arrow Data ---------------------------------------------

interface ColumnBuilder {
  /** Appends one converted value, or null. */
  push(value: unknown): void;
  /** The values appended since the last call, as Arrow Data; starts afresh. */
  finish(): Data;
}

/** Validity of the values appended so far, packed into a bitmap at the end. */
class Validity {
  #valid: boolean[] = [];
  #nulls = 0;

  push(valid: boolean): void {
    this.#valid.push(valid);
    if (!valid) this.#nulls++;
  }

  /** `{ length, nullCount, nullBitmap? }` for makeData; resets. */
  take(): { length: number; nullCount: number; nullBitmap?: Uint8Array } {
    const valid = this.#valid;
    const nullCount = this.#nulls;
    this.#valid = [];
    this.#nulls = 0;
    if (nullCount === 0) return { length: valid.length, nullCount };
    return { length: valid.length, nullCount, nullBitmap: packBits(valid) };
  }
}

function packBits(bits: readonly boolean[]): Uint8Array {
  const out = new Uint8Array(Math.max(1, Math.ceil(bits.length / 8)));
  for (let i = 0; i < bits.length; i++) if (bits[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

// makeData's overloads want the exact DataType subclass; the types here are only known at run time.
const make = makeData as unknown as (props: Record<string, unknown>) => Data;

type TypedArrayOf<T> = { new (length: number): T };

/** Fixed-width values (integers, floats, days, microseconds) in a typed array; nulls are 0. */
function fixedWidth<T extends { [i: number]: number | bigint }>(
  type: DataType,
  ArrayType: TypedArrayOf<T>,
  zero: number | bigint,
): ColumnBuilder {
  let values: (number | bigint)[] = [];
  const validity = new Validity();
  return {
    push(value) {
      validity.push(value !== null);
      values.push(value === null ? zero : (value as number | bigint));
    },
    finish() {
      const data = new ArrayType(values.length);
      for (let i = 0; i < values.length; i++) data[i] = values[i]!;
      values = [];
      return make({ type, ...validity.take(), data });
    },
  };
}

function booleans(type: DataType): ColumnBuilder {
  let values: boolean[] = [];
  const validity = new Validity();
  return {
    push(value) {
      validity.push(value !== null);
      values.push(value === true);
    },
    finish() {
      const data = packBits(values);
      values = [];
      return make({ type, ...validity.take(), data });
    },
  };
}

/** DECIMAL(p,s) as 128-bit two's complement unscaled values, four little-endian 32-bit words each. */
function decimals(type: DataType): ColumnBuilder {
  let values: bigint[] = [];
  const validity = new Validity();
  return {
    push(value) {
      validity.push(value !== null);
      values.push(value === null ? 0n : (value as bigint));
    },
    finish() {
      const data = new Uint32Array(values.length * 4);
      for (let i = 0; i < values.length; i++) {
        let x = BigInt.asUintN(128, values[i]!);
        for (let w = 0; w < 4; w++) {
          data[i * 4 + w] = Number(x & 0xffffffffn);
          x >>= 32n;
        }
      }
      values = [];
      return make({ type, ...validity.take(), data });
    },
  };
}

/** STRING and VARIANT (UTF-8 text) or BINARY: 32-bit offsets into one byte buffer. */
function variableWidth(type: DataType, text: boolean): ColumnBuilder {
  let values: (string | Uint8Array | null)[] = [];
  const validity = new Validity();
  return {
    push(value) {
      validity.push(value !== null);
      values.push(value as string | Uint8Array | null);
    },
    finish() {
      const offsets = new Int32Array(values.length + 1);
      let size = 0;
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v !== null && v !== undefined) size += text ? Buffer.byteLength(v as string, 'utf8') : v.length;
        if (size > 0x7fffffff) throw new Error('an Arrow batch column holds more than 2 GiB: lower --batch-rows');
        offsets[i + 1] = size;
      }
      const data = Buffer.allocUnsafe(size);
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v === null || v === undefined) continue;
        if (text) data.write(v as string, offsets[i]!, 'utf8');
        else data.set(v as Uint8Array, offsets[i]!);
      }
      values = [];
      return make({
        type,
        ...validity.take(),
        valueOffsets: offsets,
        data: new Uint8Array(data.buffer, data.byteOffset, size),
      });
    },
  };
}

function childType(type: DataType, index: number): DataType {
  const child = (type.children as Field[] | undefined)?.[index];
  if (!child) throw new Error(`the Arrow type ${String(type)} has no child ${index}`);
  return child.type;
}

function lists(type: DataType, delta: Extract<DeltaType, { kind: 'array' }>): ColumnBuilder {
  const element = columnBuilder(delta.elementType, childType(type, 0));
  let offsets: number[] = [0];
  const validity = new Validity();
  return {
    push(value) {
      validity.push(value !== null);
      let end = offsets[offsets.length - 1]!;
      if (value !== null) {
        for (const item of value as unknown[]) element.push(item);
        end += (value as unknown[]).length;
      }
      offsets.push(end);
    },
    finish() {
      const valueOffsets = Int32Array.from(offsets);
      offsets = [0];
      return make({ type, ...validity.take(), valueOffsets, child: element.finish() });
    },
  };
}

function maps(type: DataType, delta: Extract<DeltaType, { kind: 'map' }>): ColumnBuilder {
  const entriesType = childType(type, 0);
  const keys = columnBuilder(delta.keyType, childType(entriesType, 0));
  const values = columnBuilder(delta.valueType, childType(entriesType, 1));
  let offsets: number[] = [0];
  let entries = 0;
  const validity = new Validity();
  return {
    push(value) {
      validity.push(value !== null);
      let end = offsets[offsets.length - 1]!;
      if (value !== null) {
        for (const [k, v] of value as [unknown, unknown][]) {
          keys.push(k);
          values.push(v);
        }
        end += (value as unknown[]).length;
      }
      entries = end;
      offsets.push(end);
    },
    finish() {
      const valueOffsets = Int32Array.from(offsets);
      const child = make({
        type: entriesType,
        length: entries,
        nullCount: 0,
        children: [keys.finish(), values.finish()],
      });
      offsets = [0];
      entries = 0;
      return make({ type, ...validity.take(), valueOffsets, child });
    },
  };
}

function structs(type: DataType, delta: Extract<DeltaType, { kind: 'struct' }>): ColumnBuilder {
  const children = delta.fields.map((f, i) => columnBuilder(f.type, childType(type, i)));
  const validity = new Validity();
  return {
    push(value) {
      validity.push(value !== null);
      for (let i = 0; i < children.length; i++) children[i]!.push(value === null ? null : (value as unknown[])[i]);
    },
    finish() {
      return make({ type, ...validity.take(), children: children.map((c) => c.finish()) });
    },
  };
}

function columnBuilder(delta: DeltaType, type: DataType): ColumnBuilder {
  switch (delta.kind) {
    case 'decimal':
      return decimals(type);
    case 'array':
      return lists(type, delta);
    case 'map':
      return maps(type, delta);
    case 'struct':
      return structs(type, delta);
    case 'primitive':
      switch (delta.name) {
        case 'byte':
          return fixedWidth(type, Int8Array, 0);
        case 'short':
          return fixedWidth(type, Int16Array, 0);
        case 'integer':
        case 'date':
          return fixedWidth(type, Int32Array, 0);
        case 'long':
        case 'timestamp':
        case 'timestamp_ntz':
          return fixedWidth(type, BigInt64Array, 0n);
        case 'float':
          return fixedWidth(type, Float32Array, 0);
        case 'double':
          return fixedWidth(type, Float64Array, 0);
        case 'boolean':
          return booleans(type);
        case 'string':
        case 'variant':
          return variableWidth(type, true);
        case 'binary':
          return variableWidth(type, false);
      }
  }
  throw new Error(`no Arrow column builder for ${label(delta)}`);
}

// --- batches ------------------------------------------------------------------------------------

/**
 * Rows of one table gathered into record batches of the Arrow stream's schema (its fields are
 * the table's columns, in order: `createArrowStream` derives it from the table).
 */
export class ArrowBatchBuilder {
  readonly schema: Schema;
  readonly #convert: (record: Record<string, unknown>) => unknown[];
  readonly #columns: ColumnBuilder[];
  #rows = 0;

  constructor(table: TableSchema, schema: Schema) {
    const names = schema.fields.map((f) => f.name);
    if (names.length !== table.fields.length || table.fields.some((f, i) => f.name !== names[i])) {
      throw new Error(
        `the Arrow stream's fields (${names.join(', ')}) are not the table's columns (${table.fields.map((f) => f.name).join(', ')})`,
      );
    }
    this.schema = schema;
    this.#convert = fieldsConverter(table.fields, true);
    this.#columns = table.fields.map((f, i) => columnBuilder(f.type, schema.fields[i]!.type));
  }

  /** Rows added since the last batch. */
  get length(): number {
    return this.#rows;
  }

  /**
   * Checks and converts one record (an object keyed by column names) and adds it to the batch
   * under way. Throws an InputError naming the field, adding nothing, when it does not fit.
   */
  add(record: unknown): void {
    if (!isPlainObject(record)) {
      throw new InputError(`expected an object with the table's columns, got ${describeValue(record)}`);
    }
    let values: unknown[];
    try {
      values = this.#convert(record);
    } catch (error) {
      if (!(error instanceof Fault)) throw error;
      throw new InputError(error.message, pathOf(error) || undefined);
    }
    for (let i = 0; i < values.length; i++) this.#columns[i]!.push(values[i]);
    this.#rows++;
  }

  /** The rows added since the last batch, as one RecordBatch; the next rows start a new one. */
  finish(): RecordBatch {
    const children = this.#columns.map((c) => c.finish());
    const length = this.#rows;
    this.#rows = 0;
    const data = make({ type: new Struct(this.schema.fields), length, nullCount: 0, children });
    return new RecordBatch(this.schema, data as Data<Struct>);
  }
}
