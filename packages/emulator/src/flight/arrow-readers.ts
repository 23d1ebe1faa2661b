/**
 * Arrow columns → NormalizedValue (`@zerobus/sdk/schema`), one reader per (Arrow type, table
 * type) pair, compiled once per call from the Arrow schema the client sent. Compiling is also
 * the type check: a pair that does not fit throws `SchemaMismatch` naming the column and both
 * types, so a call is refused at its schema message rather than at its first batch.
 *
 * Readers work on the raw buffers of apache-arrow's `Data` (values, offsets, bitmaps) so that
 * 64-bit integers, timestamps and decimals stay exact. The pairs that fit:
 *
 * - Int8/16/32/64 → byte/short/integer/long of the same or a wider width (widening is exact;
 *   narrowing is refused at the schema, whatever the values). Uint8/16/32 → an integral column
 *   strictly wider (Uint8 → short and up, Uint32 → long); Uint64 fits no column.
 * - Float32 → float or double; Float64 → double. Float16 fits no column.
 * - Bool → boolean.
 * - Utf8 / LargeUtf8 / Utf8View → string, and → variant, each value checked to be JSON text.
 * - Binary / LargeBinary / BinaryView / FixedSizeBinary → binary.
 * - Date32 → date; Date64 → date when every value is a whole number of days.
 * - Timestamp with a time zone (any zone: the values are UTC instants) → timestamp; Timestamp
 *   without one → timestamp_ntz. Units become microseconds exactly: s and ms are scaled up
 *   (refused beyond the 64-bit range), ns values must be whole microseconds — a value with
 *   nanoseconds is refused, not truncated (as ISO text with sub-microsecond digits is).
 * - Decimal(p, s) of any bit width → decimal(P, S) when s = S and p ≤ P; values beyond P
 *   digits are refused (Arrow does not enforce a decimal's precision).
 * - List / LargeList / FixedSizeList → array; Map → map; Struct → struct (fields by name, as
 *   for the table's columns: every Arrow field must exist, NOT NULL fields must be present).
 *   Element, value and field nullability is checked on the values, not on the Arrow schema's
 *   `nullable` flags (producers mark almost everything nullable).
 * - Dictionary-encoded fields are decoded: their value type must fit the column.
 * - Null (an all-null field) → any column; a NOT NULL one only ever sees it in empty batches,
 *   so a top-level NOT NULL column refuses it at the schema (see arrow-rows.ts).
 */

import { type Data, DataType, DateUnit, Precision, TimeUnit, Vector } from 'apache-arrow';
import { describeJson } from '../validation/describe.js';
import { fieldSegment, Invalid, keySegment, rethrowAt, SchemaMismatch } from '../validation/errors.js';
import { inInt64 } from '../validation/integers.js';
import type { DeltaType, StructField } from '../validation/schema-types.js';
import { structObject } from '../validation/struct-object.js';
import { listNames, typeLabel } from '../validation/type-label.js';
import { arrowTypeLabel } from './arrow-labels.js';

/**
 * The value at `index` of `data` (a slot the caller found valid) as a NormalizedValue; null
 * only for a null dictionary entry. Throws `Invalid` when the value does not fit the column.
 */
export type ValueReader = (data: Data, index: number) => unknown;

/** The value of a slot, null when the slot is null. */
export function readSlot(read: ValueReader, data: Data, index: number): unknown {
  return data.getValid(index) ? read(data, index) : null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function mismatch(path: string, arrow: DataType, column: DeltaType, why = ''): SchemaMismatch {
  return new SchemaMismatch(
    path,
    `Arrow type ${arrowTypeLabel(arrow)} cannot be written to a column of type ${typeLabel(column)}${why}`,
  );
}

const INTEGRAL_BITS: Partial<Record<string, number>> = { byte: 8, short: 16, integer: 32, long: 64 };

/** The reader of `arrow` values for a column of type `column`; throws SchemaMismatch when they do not fit. */
export function compileReader(arrow: DataType, column: DeltaType, path: string): ValueReader {
  if (DataType.isDictionary(arrow)) return dictionary(compileReader(arrow.dictionary, column, path));
  if (DataType.isNull(arrow)) return () => null;
  switch (column.kind) {
    case 'primitive':
      return primitive(arrow, column, path);
    case 'decimal':
      return decimal(arrow, column, path);
    case 'array':
      return array(arrow, column, path);
    case 'map':
      return map(arrow, column, path);
    case 'struct':
      return struct(arrow, column, path);
  }
}

// ---- primitives ----

function primitive(arrow: DataType, column: Extract<DeltaType, { kind: 'primitive' }>, path: string): ValueReader {
  const name = column.name;
  const bits = INTEGRAL_BITS[name];
  if (bits !== undefined && DataType.isInt(arrow)) {
    const fits = arrow.isSigned ? arrow.bitWidth <= bits : arrow.bitWidth < bits;
    if (!fits) {
      throw mismatch(
        path,
        arrow,
        column,
        arrow.isSigned ? ' (integers are widened, never narrowed)' : ` (unsigned values need a wider column)`,
      );
    }
    if (bits < 64) return (data, index) => (data.values as Int32Array)[index];
    if (arrow.bitWidth === 64) return (data, index) => (data.values as BigInt64Array)[index];
    return (data, index) => BigInt((data.values as Int32Array)[index] as number);
  }
  if ((name === 'float' || name === 'double') && DataType.isFloat(arrow)) {
    if (arrow.precision === Precision.SINGLE || (arrow.precision === Precision.DOUBLE && name === 'double')) {
      return (data, index) => (data.values as Float64Array)[index];
    }
    throw mismatch(path, arrow, column);
  }
  if (name === 'boolean' && DataType.isBool(arrow)) {
    return (data, index) => {
      const bit = data.offset + index;
      return (((data.values as Uint8Array)[bit >> 3] as number) & (1 << (bit & 7))) !== 0;
    };
  }
  if (name === 'string' || name === 'variant') {
    const text = textReader(arrow);
    if (!text) throw mismatch(path, arrow, column);
    if (name === 'string') return text;
    return (data, index) => {
      const value = text(data, index) as string;
      try {
        JSON.parse(value);
      } catch {
        throw new Invalid(`expected variant (JSON text), got ${describeJson(value)}, which is not valid JSON`);
      }
      return value;
    };
  }
  if (name === 'binary') {
    const bytes = bytesReader(arrow);
    if (!bytes) throw mismatch(path, arrow, column);
    // A copy: the batch's buffers are views into the received message.
    return (data, index) => bytes(data, index).slice();
  }
  if (name === 'date' && DataType.isDate(arrow)) {
    if (arrow.unit === DateUnit.DAY) return (data, index) => (data.values as Int32Array)[index];
    return (data, index) => {
      const ms = (data.values as BigInt64Array)[index] as bigint;
      const days = ms / 86_400_000n;
      if (ms % 86_400_000n !== 0n || days < -2147483648n || days > 2147483647n) {
        throw new Invalid(`expected date, got Date64 ${ms} ms, which is not a whole number of days in the date range`);
      }
      return Number(days);
    };
  }
  if ((name === 'timestamp' || name === 'timestamp_ntz') && DataType.isTimestamp(arrow)) {
    const zoned = Boolean(arrow.timezone);
    if (zoned !== (name === 'timestamp')) {
      throw mismatch(
        path,
        arrow,
        column,
        zoned
          ? ' (a time zone makes it an instant: use a timestamp column, or drop the time zone)'
          : ' (no time zone makes it wall-clock time: use a timestamp_ntz column, or set a time zone such as UTC)',
      );
    }
    return timestamp(arrow.unit, name);
  }
  throw mismatch(path, arrow, column);
}

function offsetsOf(data: Data, index: number): [number, number] {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  return [Number(offsets[index]), Number(offsets[index + 1])];
}

/** Views of Utf8View/BinaryView go through apache-arrow's own getter (one Vector per Data). */
const viewVectors = new WeakMap<Data, Vector>();
function viewValue(data: Data, index: number): unknown {
  let vector = viewVectors.get(data);
  if (!vector) {
    vector = new Vector([data]);
    viewVectors.set(data, vector);
  }
  return vector.get(index);
}

function bytesReader(arrow: DataType): ((data: Data, index: number) => Uint8Array) | undefined {
  if (DataType.isBinary(arrow) || DataType.isLargeBinary(arrow) || DataType.isUtf8(arrow)) {
    return (data, index) => {
      const [start, end] = offsetsOf(data, index);
      return (data.values as Uint8Array).subarray(start, end);
    };
  }
  if (DataType.isFixedSizeBinary(arrow)) {
    const width = arrow.byteWidth;
    return (data, index) => (data.values as Uint8Array).subarray(index * width, (index + 1) * width);
  }
  if (DataType.isBinaryView(arrow)) return (data, index) => viewValue(data, index) as Uint8Array;
  return undefined;
}

function textReader(arrow: DataType): ValueReader | undefined {
  if (DataType.isUtf8View(arrow)) return viewValue;
  if (!DataType.isUtf8(arrow) && !DataType.isLargeUtf8(arrow)) return undefined;
  return (data, index) => {
    const [start, end] = offsetsOf(data, index);
    try {
      return utf8.decode((data.values as Uint8Array).subarray(start, end));
    } catch {
      throw new Invalid('expected a string, got bytes that are not valid UTF-8');
    }
  };
}

const MICROS_PER: Record<number, bigint> = {
  [TimeUnit.SECOND]: 1_000_000n,
  [TimeUnit.MILLISECOND]: 1_000n,
  [TimeUnit.MICROSECOND]: 1n,
};

function timestamp(unit: TimeUnit, name: string): ValueReader {
  if (unit === TimeUnit.NANOSECOND) {
    return (data, index) => {
      const nanos = (data.values as BigInt64Array)[index] as bigint;
      if (nanos % 1000n !== 0n) {
        throw new Invalid(
          `expected ${name} (microsecond precision), got ${nanos} ns, which is not a whole number of microseconds (values are not truncated)`,
        );
      }
      return nanos / 1000n;
    };
  }
  const factor = MICROS_PER[unit] ?? 1n;
  if (factor === 1n) return (data, index) => (data.values as BigInt64Array)[index];
  const unitName = unit === TimeUnit.SECOND ? 's' : 'ms';
  return (data, index) => {
    const value = (data.values as BigInt64Array)[index] as bigint;
    const micros = value * factor;
    if (!inInt64(micros)) {
      throw new Invalid(`expected ${name}, got ${value} ${unitName}, which is beyond the 64-bit microsecond range`);
    }
    return micros;
  };
}

// ---- decimal ----

function decimal(arrow: DataType, column: Extract<DeltaType, { kind: 'decimal' }>, path: string): ValueReader {
  if (!DataType.isDecimal(arrow)) throw mismatch(path, arrow, column);
  if (arrow.scale !== column.scale || arrow.precision > column.precision) {
    throw mismatch(path, arrow, column, ' (the scale must be the same and the precision at most the column’s)');
  }
  const bitWidth = arrow.bitWidth;
  const words = bitWidth / 32;
  const signBit = 1n << BigInt(bitWidth);
  const limit = 10n ** BigInt(column.precision);
  const label = typeLabel(column);
  return (data, index) => {
    const values = data.values as Uint32Array;
    const base = index * words;
    let value = 0n;
    for (let w = words - 1; w >= 0; w--) value = (value << 32n) | BigInt(values[base + w] as number);
    if (((values[base + words - 1] as number) & 0x80000000) !== 0) value -= signBit;
    if (value >= limit || value <= -limit) {
      throw new Invalid(`expected ${label}, got an unscaled value of more than ${column.precision} digits (${value})`);
    }
    return value;
  };
}

// ---- containers ----

/** Reads element `j` of a list's child (or a map's values) with the container's null rule. */
function element(read: ValueReader, child: Data, j: number, containsNull: boolean, what: string): unknown {
  const value = readSlot(read, child, j);
  if (value === null && !containsNull) throw new Invalid(`expected ${what}, got null`);
  return value;
}

function array(arrow: DataType, column: Extract<DeltaType, { kind: 'array' }>, path: string): ValueReader {
  if (!DataType.isList(arrow) && !DataType.isLargeList(arrow) && !DataType.isFixedSizeList(arrow)) {
    throw mismatch(path, arrow, column);
  }
  const read = compileReader(arrow.valueType, column.elementType, `${path}.element`);
  const { containsNull } = column;
  const what = `${typeLabel(column.elementType)} (the array holds no nulls)`;
  const size = DataType.isFixedSizeList(arrow) ? arrow.listSize : undefined;
  return (data, index) => {
    const child = data.children[0] as Data;
    const [start, end] = size === undefined ? offsetsOf(data, index) : [index * size, (index + 1) * size];
    const out = new Array<unknown>(end - start);
    for (let j = start; j < end; j++) {
      try {
        out[j - start] = element(read, child, j, containsNull, what);
      } catch (error) {
        rethrowAt(error, `[${j - start}]`);
      }
    }
    return out;
  };
}

function map(arrow: DataType, column: Extract<DeltaType, { kind: 'map' }>, path: string): ValueReader {
  if (!DataType.isMap(arrow)) throw mismatch(path, arrow, column);
  const [keyField, valueField] = arrow.children[0]?.type.children ?? [];
  if (!keyField || !valueField) throw mismatch(path, arrow, column, ' (its entries are not key/value structs)');
  const readKey = compileReader(keyField.type, column.keyType, `${path}.key`);
  const readValue = compileReader(valueField.type, column.valueType, `${path}.value`);
  const { valueContainsNull } = column;
  const keyWhat = `${typeLabel(column.keyType)} map key`;
  const valueWhat = `${typeLabel(column.valueType)} (the map holds no null values)`;
  return (data, index) => {
    const entries = data.children[0] as Data;
    const keys = entries.children[0] as Data;
    const values = entries.children[1] as Data;
    const [start, end] = offsetsOf(data, index);
    const out = new Map<unknown, unknown>();
    for (let j = start; j < end; j++) {
      const key = readSlot(readKey, keys, j);
      if (key === null) throw new Invalid(`expected a ${keyWhat}, got null`).atSegment(`[${j - start}]`);
      const segment = keySegment(key);
      if (out.has(key)) throw new Invalid('duplicate map key').atSegment(segment);
      try {
        out.set(key, element(readValue, values, j, valueContainsNull, valueWhat));
      } catch (error) {
        rethrowAt(error, segment);
      }
    }
    return out;
  };
}

/** How the values of a struct (or of a record batch) are read: one slot per table field. */
export interface FieldPlan {
  readonly names: readonly string[];
  /** Per table field: the index of its Arrow child, or -1 when the Arrow side has no such field. */
  readonly sources: readonly number[];
  readonly readers: readonly (ValueReader | undefined)[];
  readonly nullable: readonly boolean[];
  readonly labels: readonly string[];
  readonly segments: readonly string[];
}

/**
 * Matches Arrow fields to table fields by name: every Arrow field must be a table field, every
 * NOT NULL table field must be there. `owner` names the container in messages.
 */
export function planFields(
  arrowFields: readonly { readonly name: string; readonly type: DataType }[],
  fields: readonly StructField[],
  path: string | undefined,
  owner: string,
): FieldPlan {
  const byName = new Map<string, number>();
  arrowFields.forEach((field, i) => {
    const fieldPath = path === undefined ? field.name : `${path}.${field.name}`;
    if (byName.has(field.name)) throw new SchemaMismatch(fieldPath, 'the Arrow schema has this field twice');
    if (!fields.some((f) => f.name === field.name)) {
      throw new SchemaMismatch(
        fieldPath,
        `Arrow field is not a ${owner} (expected one of: ${listNames(fields.map((f) => f.name))})`,
      );
    }
    byName.set(field.name, i);
  });
  const sources: number[] = [];
  const readers: (ValueReader | undefined)[] = [];
  for (const field of fields) {
    const fieldPath = path === undefined ? field.name : `${path}.${field.name}`;
    const source = byName.get(field.name) ?? -1;
    if (source < 0 && !field.nullable) {
      const from = path === undefined ? 'the Arrow schema' : 'the Arrow struct';
      throw new SchemaMismatch(fieldPath, `NOT NULL (${typeLabel(field.type)}), but missing from ${from}`);
    }
    sources.push(source);
    readers.push(
      source < 0 ? undefined : compileReader((arrowFields[source] as { type: DataType }).type, field.type, fieldPath),
    );
  }
  return {
    names: fields.map((f) => f.name),
    sources,
    readers,
    nullable: fields.map((f) => f.nullable),
    labels: fields.map((f) => typeLabel(f.type)),
    segments: fields.map((f) => fieldSegment(f.name)),
  };
}

/** The values of one struct slot (or batch row) in table-field order; throws `Invalid` naming the field. */
export function readFields(plan: FieldPlan, children: readonly Data[], index: number): unknown[] {
  const { sources, readers } = plan;
  const out = new Array<unknown>(sources.length);
  for (let f = 0; f < sources.length; f++) {
    const source = sources[f] as number;
    let value: unknown = null;
    if (source >= 0) {
      try {
        value = readSlot(readers[f] as ValueReader, children[source] as Data, index);
      } catch (error) {
        rethrowAt(error, plan.segments[f] as string);
      }
    }
    if (value === null && !plan.nullable[f]) {
      throw new Invalid(`expected ${plan.labels[f]} (NOT NULL), got null`).atSegment(plan.segments[f] as string);
    }
    out[f] = value;
  }
  return out;
}

function struct(arrow: DataType, column: Extract<DeltaType, { kind: 'struct' }>, path: string): ValueReader {
  if (!DataType.isStruct(arrow)) throw mismatch(path, arrow, column);
  const plan = planFields(arrow.children, column.fields, path, `field of ${path}`);
  return (data, index) => structObject(plan.names, readFields(plan, data.children, index));
}

// ---- dictionaries ----

const UNSET = Symbol('unset');

/** Dictionary-encoded values: each dictionary entry is converted once, when first used. */
function dictionary(read: ValueReader): ValueReader {
  const converted = new WeakMap<Vector, unknown[]>();
  return (data, index) => {
    const dict = data.dictionary;
    if (!dict) throw new Invalid('dictionary-encoded value without a dictionary');
    let memo = converted.get(dict);
    if (!memo) {
      memo = new Array<unknown>(dict.length).fill(UNSET);
      converted.set(dict, memo);
    }
    const key = Number((data.values as Int32Array | BigInt64Array)[index]);
    if (!(key >= 0 && key < dict.length)) {
      throw new Invalid(`dictionary index ${key} is out of range (the dictionary has ${dict.length} values)`);
    }
    let value = memo[key];
    if (value === UNSET) {
      let k = key;
      let chunk = dict.data[0] as Data;
      for (const d of dict.data) {
        chunk = d;
        if (k < d.length) break;
        k -= d.length;
      }
      value = readSlot(read, chunk, k);
      memo[key] = value;
    }
    return value;
  };
}
