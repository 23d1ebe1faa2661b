/**
 * Arrow schemas for Arrow streams: derived from a table's Delta columns (so users need not
 * write one), and compared with each batch's own schema before it is queued, so a batch that
 * does not fit fails the ingest call naming the field instead of failing the stream later.
 */
import type { DataType, Field, Schema } from 'apache-arrow';
import { InvalidRecordError } from '../errors.js';
import { SchemaError } from '../schema/schema-error.js';
import type { DeltaType, TableSchema } from '../schema/types.js';
import type { Arrow } from './arrow-module.js';

/** The Arrow type the local server (and Zerobus) takes for a Delta type, PROTOCOL.md §11. */
function arrowType(arrow: Arrow, type: DeltaType, path: string): DataType {
  switch (type.kind) {
    case 'primitive':
      switch (type.name) {
        case 'byte':
          return new arrow.Int8();
        case 'short':
          return new arrow.Int16();
        case 'integer':
          return new arrow.Int32();
        case 'long':
          return new arrow.Int64();
        case 'float':
          return new arrow.Float32();
        case 'double':
          return new arrow.Float64();
        case 'boolean':
          return new arrow.Bool();
        case 'string':
        case 'variant': // JSON text
          return new arrow.Utf8();
        case 'binary':
          return new arrow.Binary();
        case 'date':
          return new arrow.DateDay();
        case 'timestamp':
          return new arrow.TimestampMicrosecond('UTC');
        case 'timestamp_ntz':
          return new arrow.TimestampMicrosecond();
      }
      throw new SchemaError(`column "${path}": no Arrow type for ${String(type.name)}`, { field: path });
    case 'decimal':
      return new arrow.Decimal(type.scale, type.precision, 128);
    case 'array':
      return new arrow.List(
        new arrow.Field('element', arrowType(arrow, type.elementType, `${path}[]`), type.containsNull),
      );
    case 'map': {
      const key = new arrow.Field('key', arrowType(arrow, type.keyType, `${path}{key}`), false);
      const value = new arrow.Field(
        'value',
        arrowType(arrow, type.valueType, `${path}{value}`),
        type.valueContainsNull,
      );
      // Map_'s typing wants its entry struct's exact key/value types; ours are only known at run time.
      const entries = new arrow.Field('entries', new arrow.Struct([key, value]), false) as never;
      return new arrow.Map_(entries);
    }
    case 'struct':
      return new arrow.Struct(
        type.fields.map((f) => new arrow.Field(f.name, arrowType(arrow, f.type, `${path}.${f.name}`), f.nullable)),
      );
  }
}

/** The Arrow schema of a table: one field per column, nullability kept. */
export function arrowSchemaFromTable(arrow: Arrow, schema: TableSchema): Schema {
  return new arrow.Schema(
    schema.fields.map((f) => new arrow.Field(f.name, arrowType(arrow, f.type, f.name), f.nullable)),
  );
}

function describeField(field: Field): string {
  return `${field.name}: ${String(field.type)}`;
}

/**
 * Throws an InvalidRecordError (naming the batch and the first field that differs) unless the
 * batch's schema has the stream's fields, in order, with the same types. Nullability flags are
 * not compared (Arrow producers mark nearly every field nullable): the server checks the values,
 * and a null in a NOT NULL column fails the stream naming the row.
 */
export function checkBatchSchema(expected: Schema, actual: Schema, batchIndex: number): void {
  const fail = (message: string, field?: string): never => {
    throw new InvalidRecordError(`batch ${batchIndex}: ${message}`, { recordIndex: batchIndex, field });
  };
  const want = expected.fields;
  const got = actual.fields;
  for (let i = 0; i < Math.max(want.length, got.length); i++) {
    const w = want[i];
    const g = got[i];
    if (!g) fail(`field "${w!.name}" is missing (the stream's schema has ${describeField(w!)})`, w!.name);
    if (!w) fail(`field "${g!.name}" is not in the stream's schema`, g!.name);
    if (w!.name !== g!.name) fail(`field ${i} is "${g!.name}", the stream's schema has "${w!.name}" there`, g!.name);
    if (String(w!.type) !== String(g!.type)) {
      fail(`field "${g!.name}" is ${String(g!.type)}, the stream's schema has ${String(w!.type)}`, g!.name);
    }
  }
}
