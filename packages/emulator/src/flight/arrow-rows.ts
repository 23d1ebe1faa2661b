/**
 * Record batches → rows. At the schema message, the Arrow schema is matched against the
 * table's columns (or, for a schemaless in-memory table, the table's columns are inferred from
 * it); per batch, every row becomes a NormalizedValue per column, or a rejection naming the row
 * and the field. Also the JSON text of a row that `records()` shows.
 */

import { MAX_DECIMAL_PRECISION } from '@zerobus/sdk/schema';
import { type Data, DataType, Precision, type RecordBatch, type Schema } from 'apache-arrow';
import type { Row } from '../validation/decoder.js';
import { Invalid, type RecordRejection, SchemaMismatch } from '../validation/errors.js';
import type { DeltaType, PrimitiveTypeName, StructField, TableSchema } from '../validation/schema-types.js';
import { arrowTypeLabel } from './arrow-labels.js';
import { type FieldPlan, planFields, readFields } from './arrow-readers.js';

/** How a call's record batches become rows of `table`. */
export interface BatchPlan {
  readonly table: TableSchema;
  readonly fields: FieldPlan;
}

/**
 * Checks an Arrow schema against a table's columns; throws `SchemaMismatch` naming the field or
 * column (every Arrow field must be a column, every NOT NULL column must be there, and the types
 * must fit: see arrow-readers.ts).
 */
export function planBatches(schema: Schema, table: TableSchema): BatchPlan {
  for (const field of schema.fields) {
    const column = table.fields.find((c) => c.name === field.name);
    if (column && !column.nullable && DataType.isNull(field.type)) {
      throw new SchemaMismatch(field.name, 'NOT NULL column cannot take an Arrow field of type Null');
    }
  }
  return { table, fields: planFields(schema.fields, table.fields, undefined, 'column of the table') };
}

/**
 * The columns of a schemaless table, from the Arrow schema: each Arrow type as the Delta type it
 * maps to (Int8 → byte ... Uint32 → long, Timestamp with a zone → timestamp...), nullability as
 * the Arrow fields declare it. Types with no Delta counterpart are refused (SchemaMismatch).
 */
export function inferTableSchema(schema: Schema): TableSchema {
  return {
    fields: schema.fields.map((f) => inferField(f.name, f.type, f.nullable, f.name)),
  };
}

function inferField(name: string, type: DataType, nullable: boolean, path: string): StructField {
  return { name, type: inferType(type, path), nullable: nullable || DataType.isNull(type) };
}

const INFERRED_INTS: Partial<Record<string, PrimitiveTypeName>> = {
  '8': 'byte',
  '16': 'short',
  '32': 'integer',
  '64': 'long',
  u8: 'short',
  u16: 'integer',
  u32: 'long',
};

function primitive(name: PrimitiveTypeName): DeltaType {
  return { kind: 'primitive', name };
}

function inferType(type: DataType, path: string): DeltaType {
  if (DataType.isDictionary(type)) return inferType(type.dictionary, path);
  if (DataType.isNull(type)) return primitive('string');
  if (DataType.isInt(type)) {
    const name = INFERRED_INTS[`${type.isSigned ? '' : 'u'}${type.bitWidth}`];
    if (name) return primitive(name);
  } else if (DataType.isFloat(type)) {
    if (type.precision === Precision.SINGLE) return primitive('float');
    if (type.precision === Precision.DOUBLE) return primitive('double');
  } else if (DataType.isBool(type)) {
    return primitive('boolean');
  } else if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isUtf8View(type)) {
    return primitive('string');
  } else if (
    DataType.isBinary(type) ||
    DataType.isLargeBinary(type) ||
    DataType.isBinaryView(type) ||
    DataType.isFixedSizeBinary(type)
  ) {
    return primitive('binary');
  } else if (DataType.isDate(type)) {
    return primitive('date');
  } else if (DataType.isTimestamp(type)) {
    return primitive(type.timezone ? 'timestamp' : 'timestamp_ntz');
  } else if (DataType.isDecimal(type)) {
    if (
      type.precision >= 1 &&
      type.precision <= MAX_DECIMAL_PRECISION &&
      type.scale >= 0 &&
      type.scale <= type.precision
    ) {
      return { kind: 'decimal', precision: type.precision, scale: type.scale };
    }
  } else if (DataType.isList(type) || DataType.isLargeList(type) || DataType.isFixedSizeList(type)) {
    const element = type.valueField;
    return {
      kind: 'array',
      elementType: inferType(element.type, `${path}.element`),
      containsNull: element.nullable || DataType.isNull(element.type),
    };
  } else if (DataType.isMap(type)) {
    const [key, value] = type.children[0]?.type.children ?? [];
    if (key && value) {
      return {
        kind: 'map',
        keyType: inferType(key.type, `${path}.key`),
        valueType: inferType(value.type, `${path}.value`),
        valueContainsNull: value.nullable || DataType.isNull(value.type),
      };
    }
  } else if (DataType.isStruct(type)) {
    return {
      kind: 'struct',
      fields: type.children.map((f) => inferField(f.name, f.type, f.nullable, `${path}.${f.name}`)),
    };
  }
  throw new SchemaMismatch(path, `Arrow type ${arrowTypeLabel(type)} has no Delta column type`);
}

/** A row the batch could not supply: its index in the batch and why. */
export interface RowRejection {
  readonly row: number;
  readonly error: RecordRejection;
}

/**
 * Every row of `batch` in column order, or the first row that does not fit. Anything else
 * thrown (buffers that contradict their offsets, say) means the batch itself is not valid.
 */
export function decodeBatchRows(plan: BatchPlan, batch: RecordBatch): Row[] | RowRejection {
  const children: readonly Data[] = batch.data.children;
  const rows: Row[] = new Array(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) {
    try {
      rows[i] = readFields(plan.fields, children, i);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      return { row: i, error: error.toRejection() };
    }
  }
  return rows;
}

// ---- the JSON text of a row ----

/**
 * A row as the JSON record a JSON stream would send for it (PROTOCOL.md §7 forms, which the
 * emulator's JSON validation accepts back): longs, timestamps (microseconds) and dates (days)
 * as exact integers, decimals as decimal text, binary as base64, non-finite floats as "NaN" /
 * "Infinity" / "-Infinity", variants as their JSON text, maps as objects (integral keys as
 * text; other key types as [key, value] pairs).
 */
export function rowJson(values: readonly unknown[], table: TableSchema): string {
  let out = '{';
  table.fields.forEach((field, i) => {
    out += `${i === 0 ? '' : ','}${JSON.stringify(field.name)}:${valueJson(values[i], field.type)}`;
  });
  return `${out}}`;
}

function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

function valueJson(value: unknown, type: DeltaType): string {
  if (value === null || value === undefined) return 'null';
  switch (type.kind) {
    case 'decimal':
      return JSON.stringify(decimalText(value as bigint, type.scale));
    case 'array':
      return `[${(value as unknown[]).map((v) => valueJson(v, type.elementType)).join(',')}]`;
    case 'map': {
      const entries = [...(value as Map<unknown, unknown>)];
      const keyKind = type.keyType.kind === 'primitive' ? type.keyType.name : '';
      if (['string', 'byte', 'short', 'integer', 'long'].includes(keyKind)) {
        return `{${entries.map(([k, v]) => `${JSON.stringify(String(k))}:${valueJson(v, type.valueType)}`).join(',')}}`;
      }
      return `[${entries.map(([k, v]) => `[${valueJson(k, type.keyType)},${valueJson(v, type.valueType)}]`).join(',')}]`;
    }
    case 'struct': {
      const object = value as Record<string, unknown>;
      return `{${type.fields.map((f) => `${JSON.stringify(f.name)}:${valueJson(object[f.name], f.type)}`).join(',')}}`;
    }
    case 'primitive':
      switch (type.name) {
        case 'float':
        case 'double':
          return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify(String(value));
        case 'binary':
          return JSON.stringify(Buffer.from(value as Uint8Array).toString('base64'));
        case 'string':
        case 'variant':
          return JSON.stringify(value);
        default:
          return String(value); // integers, dates, timestamps (bigint or number), booleans
      }
  }
}
