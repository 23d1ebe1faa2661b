/**
 * `zerobus ingest --arrow`: records, as the input layer makes them (coerce.ts), checked against
 * the table's columns and gathered into Arrow record batches of the stream's schema.
 *
 * The checks are the record mode's own: each record goes through the SDK's client-side schema
 * check for JSON streams (`createRecordCheck`), so the same values are accepted and refused, with
 * the same messages (`field "score": expected DOUBLE, got string "hot"`), and a file fails at the
 * same row in both modes (FLOAT/DOUBLE NaN and ±Infinity included: JSON records cannot carry
 * them, so they are refused here too).
 *
 * Values are exact: the column buffers are written here (typed arrays, validity bitmaps,
 * offsets) rather than by apache-arrow's `vectorFromArray`, which takes timestamps as `Date`s or
 * epoch milliseconds. The check's forms become column forms: TIMESTAMP is BigInt64 microseconds
 * (a Parquet or ISO-8601 microsecond stays one), BIGINT BigInt64, DECIMAL the 128-bit unscaled
 * value of its exact text, DATE Int32 days; nested ARRAY, MAP and STRUCT values are written the
 * same way.
 *
 * A record is checked and converted whole before any of it is appended, so a bad record leaves
 * the batch as it was: the rows before it can still be sent.
 */

import { InvalidRecordError } from '@zerobus/sdk';
import type { DeltaType, TableSchema } from '@zerobus/sdk/schema';
import { createRecordCheck, parseDecimalText, toUnscaled } from '@zerobus/sdk/schema';
import { type Data, type DataType, type Field, makeData, RecordBatch, type Schema, Struct } from 'apache-arrow';
import { InputError } from './coerce.js';

// --- column forms: the checked record's values as the column builders write them ---------------

/**
 * One set value (not null or undefined) of the checked record → its column form: number
 * (TINYINT/SMALLINT/INT, FLOAT, DOUBLE, DATE days), bigint (BIGINT, TIMESTAMP microseconds,
 * DECIMAL unscaled), boolean, string (STRING, VARIANT JSON text), Uint8Array, an array (ARRAY),
 * [key, value] pairs (MAP), values in field order (STRUCT).
 */
type ToColumn = (value: unknown) => unknown;

const same: ToColumn = (v) => v;
const toBigInt: ToColumn = (v) => BigInt(v as number | bigint | string);

function unscaledOf(precision: number, scale: number): ToColumn {
  return (v) => {
    const parts = parseDecimalText(v as string);
    const unscaled = parts && toUnscaled(parts, precision, scale);
    // The check gave exact text of this precision and scale: anything else is a bug, not bad input.
    if (typeof unscaled !== 'bigint') throw new Error(`DECIMAL(${precision},${scale}) text ${String(v)} was checked`);
    return unscaled;
  };
}

const orNull = (convert: ToColumn, v: unknown): unknown => (v === undefined || v === null ? null : convert(v));

/** The fields of a checked object (the record or a STRUCT value) in the order of `fields`. */
function fieldsToColumns(fields: readonly { name: string; type: DeltaType }[]): (obj: unknown) => unknown[] {
  const converts = fields.map((f) => toColumn(f.type));
  return (obj) => {
    const record = obj as Record<string, unknown>;
    return fields.map((f, i) => orNull(converts[i]!, Object.hasOwn(record, f.name) ? record[f.name] : undefined));
  };
}

function toColumn(type: DeltaType): ToColumn {
  switch (type.kind) {
    case 'decimal':
      return unscaledOf(type.precision, type.scale);
    case 'array': {
      const element = toColumn(type.elementType);
      return (v) => (v as unknown[]).map((item) => orNull(element, item));
    }
    case 'map': {
      // Keys: STRING as they are; integral keys may be numbers, bigints or (object keys) text.
      const keyType = type.keyType;
      const key: ToColumn =
        keyType.kind === 'primitive' && keyType.name === 'long'
          ? toBigInt
          : keyType.kind === 'primitive' && keyType.name !== 'string'
            ? Number
            : same;
      const value = toColumn(type.valueType);
      return (v) => {
        const entries: [unknown, unknown][] = [];
        const from: Iterable<[unknown, unknown]> = v instanceof Map ? v : Object.entries(v as object);
        for (const [k, item] of from) if (item !== undefined) entries.push([key(k), orNull(value, item)]);
        return entries;
      };
    }
    case 'struct':
      return fieldsToColumns(type.fields);
    case 'primitive':
      switch (type.name) {
        case 'long':
        case 'timestamp':
        case 'timestamp_ntz':
          return toBigInt;
        default:
          return same;
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
  throw new Error(`no Arrow column builder for ${JSON.stringify(delta)}`);
}

// --- batches ------------------------------------------------------------------------------------

/**
 * `record 0: field "tags[1]": expected INT, …` → an InputError of `expected INT, …` for the field
 * `tags[1]`: the record is named by its input position instead.
 */
function inputErrorOf(error: InvalidRecordError): InputError {
  const message = error.message.replace(/^record \d+:? ?/, '');
  const prefix = `field "${error.field}": `;
  if (error.field !== undefined && message.startsWith(prefix)) {
    return new InputError(message.slice(prefix.length), error.field);
  }
  return new InputError(message);
}

/**
 * Rows of one table gathered into record batches of the Arrow stream's schema (its fields are
 * the table's columns, in order: `createArrowStream` derives it from the table).
 */
export class ArrowBatchBuilder {
  readonly schema: Schema;
  readonly #check: (record: unknown) => unknown;
  readonly #toColumns: (record: unknown) => unknown[];
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
    this.#check = createRecordCheck(table, 'json');
    this.#toColumns = fieldsToColumns(table.fields);
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
    let checked: unknown;
    try {
      checked = this.#check(record);
    } catch (error) {
      throw error instanceof InvalidRecordError ? inputErrorOf(error) : error;
    }
    const values = this.#toColumns(checked);
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
