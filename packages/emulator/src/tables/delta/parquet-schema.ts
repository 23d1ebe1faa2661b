/**
 * Table schema → the flat Parquet schema list hyparquet-writer takes, and a batch's columns →
 * its `columnData`. The mapping is the one Spark/Delta writers use, so Spark, delta-rs and DuckDB
 * read the files with the types the Delta log declares:
 *
 * - byte/short: INT32 with `converted_type` INT_8/INT_16 only. hyparquet-writer 0.17.0 writes a
 *   footer DuckDB rejects for `logical_type: {type:'INTEGER', bitWidth: 8|16}`; the converted type
 *   alone carries the same meaning.
 * - timestamp: INT64 micros, UTC-adjusted, with TIMESTAMP_MICROS for old readers; timestamp_ntz:
 *   INT64 micros, not UTC-adjusted, and no converted type (TIMESTAMP_MICROS would mean UTC).
 * - decimal: the smallest physical type Spark uses for the precision (INT32 ≤ 9, INT64 ≤ 18,
 *   16-byte FIXED_LEN_BYTE_ARRAY ≤ 38), holding the unscaled value.
 * - array/map: the standard three-level LIST / MAP groups (`list.element`, `key_value.key/value`).
 * - variant: a UTF-8 string holding the JSON text; see `storageType` in protocol.ts for why.
 *
 * Column data needs no conversion: the NormalizedValue forms (types.ts) are what the writer takes
 * (bigint for INT64 and decimals, numbers for days, Uint8Array, Map, plain objects for structs).
 * Values are trusted to be normalized and valid (checked before they reach the table).
 */

import type { DeltaType, PrimitiveTypeName, StructField, TableSchema } from '@zerobus/sdk/schema';
import type { ColumnSource, SchemaElement } from 'hyparquet-writer';

type Repetition = 'REQUIRED' | 'OPTIONAL';

/** The whole Parquet schema, root first, depth-first (the Thrift `FileMetaData.schema` list). */
export function parquetSchema(schema: TableSchema): SchemaElement[] {
  const out: SchemaElement[] = [{ name: 'root', num_children: schema.fields.length }];
  for (const field of schema.fields) addField(out, field);
  return out;
}

function addField(out: SchemaElement[], field: StructField): void {
  addType(out, field.name, field.type, field.nullable ? 'OPTIONAL' : 'REQUIRED');
}

function addType(out: SchemaElement[], name: string, type: DeltaType, repetition: Repetition): void {
  switch (type.kind) {
    case 'primitive':
      out.push({ name, repetition_type: repetition, ...PRIMITIVES[type.name] });
      return;
    case 'decimal':
      out.push({ name, repetition_type: repetition, ...decimalElement(type.precision, type.scale) });
      return;
    case 'array':
      out.push({
        name,
        repetition_type: repetition,
        num_children: 1,
        converted_type: 'LIST',
        logical_type: { type: 'LIST' },
      });
      out.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
      addType(out, 'element', type.elementType, type.containsNull ? 'OPTIONAL' : 'REQUIRED');
      return;
    case 'map':
      out.push({
        name,
        repetition_type: repetition,
        num_children: 1,
        converted_type: 'MAP',
        logical_type: { type: 'MAP' },
      });
      out.push({ name: 'key_value', repetition_type: 'REPEATED', num_children: 2 });
      addType(out, 'key', type.keyType, 'REQUIRED'); // map keys are never null
      addType(out, 'value', type.valueType, type.valueContainsNull ? 'OPTIONAL' : 'REQUIRED');
      return;
    case 'struct':
      out.push({ name, repetition_type: repetition, num_children: type.fields.length });
      for (const child of type.fields) addField(out, child);
      return;
  }
}

const STRING: Omit<SchemaElement, 'name'> = {
  type: 'BYTE_ARRAY',
  converted_type: 'UTF8',
  logical_type: { type: 'STRING' },
};

const PRIMITIVES: Readonly<Record<PrimitiveTypeName, Omit<SchemaElement, 'name'>>> = {
  byte: { type: 'INT32', converted_type: 'INT_8' },
  short: { type: 'INT32', converted_type: 'INT_16' },
  integer: { type: 'INT32' },
  long: { type: 'INT64' },
  float: { type: 'FLOAT' },
  double: { type: 'DOUBLE' },
  boolean: { type: 'BOOLEAN' },
  string: STRING,
  binary: { type: 'BYTE_ARRAY' },
  date: { type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } },
  timestamp: {
    type: 'INT64',
    converted_type: 'TIMESTAMP_MICROS',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
  },
  timestamp_ntz: {
    type: 'INT64',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' },
  },
  variant: STRING,
};

function decimalElement(precision: number, scale: number): Omit<SchemaElement, 'name'> {
  const annotation = {
    converted_type: 'DECIMAL',
    precision,
    scale,
    logical_type: { type: 'DECIMAL', precision, scale },
  } as const;
  if (precision <= 9) return { type: 'INT32', ...annotation };
  if (precision <= 18) return { type: 'INT64', ...annotation };
  return { type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16, ...annotation };
}

/** The writer's `columnData` for a batch: one source per top-level column, values as they are. */
export function columnSources(schema: TableSchema, columns: readonly (readonly unknown[])[]): ColumnSource[] {
  return schema.fields.map((field, i) => ({
    name: field.name,
    // The writer only reads the array (and slices it per row group); the cast drops `readonly`.
    data: columns[i] as unknown as ColumnSource['data'],
    nullable: field.nullable,
  }));
}
