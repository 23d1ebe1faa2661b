/**
 * Client-side record checks from the table schema (`TableProperties` `{ schema }`, option
 * `validate`): every record is checked and converted before it is queued, so a bad value fails
 * the ingest call itself, naming the record, the field path (`readings[2].temp`, `tags["k"]`),
 * the expected type and the value (shortened, see value-describe.ts), instead of failing the
 * stream later with a server rejection. The converted record then goes through the stream's
 * encoder unchanged (JSON serializer or descriptor-driven proto encoder).
 *
 * Values per column type (schema-scalars.ts and schema-integers.ts have the details):
 * - TINYINT/SMALLINT/INT: integer numbers (or bigints) within the type's range.
 * - BIGINT: safe-integer numbers, bigints, integer text, protobufjs Longs, within int64.
 * - FLOAT/DOUBLE: numbers; NaN and ±Infinity only on proto streams (JSON cannot carry them);
 *   a finite value beyond the FLOAT range is refused.
 * - BOOLEAN: booleans. STRING: strings. BINARY: Uint8Array/Buffer (base64 in JSON, bytes in proto).
 * - DATE: a `Date` (its UTC calendar day), integer days, or `YYYY-MM-DD` text → integer days.
 * - TIMESTAMP/TIMESTAMP_NTZ: a `Date`, integer microseconds (number, bigint, text), or ISO-8601
 *   text (with an offset for TIMESTAMP, without for TIMESTAMP_NTZ) → integer microseconds.
 * - DECIMAL(p,s): a number, bigint or decimal text → exact plain text with s fractional digits;
 *   too many fractional digits or too many digits before the point is refused, never rounded.
 * - VARIANT: JSON text (checked to parse) as given, or any other value → its JSON text.
 * - ARRAY: arrays. MAP: `Map` or plain object, keys checked against the key type (STRING, or
 *   integral: numbers, bigints, canonical integer text). STRUCT and the record itself: objects
 *   (class instances count own properties; on JSON streams `toJSON()` is applied first, as the
 *   serializer would); a key that is no field is an error naming it, a missing or null NOT NULL
 *   field is an error; `null`/`undefined` for a nullable field means "not set".
 * - Proto streams cannot carry a null inside an array or as a map value: refused here, naming
 *   it. Keys may also be the camelCase form of a column name there, as the proto encoder allows.
 *
 * Compiled once per schema and mode into a tree of closures (as the server compiles its
 * decoders), so a record costs a walk of prepared checks. Nothing the user passed is modified:
 * an object or array with a converted value is copied (copy-on-write), others are sent as given.
 */

import { NonRetriableError } from '../errors.js';
// Types are named in SQL spelling (`DECIMAL(10,2)`), as generated files and mapping errors name them.
import { sqlTypeLabel as typeLabel } from '../schema/proto-notes.js';
import type { DeltaType, TableSchema } from '../schema/types.js';
import { addSegment, indexSegment, RecordFault, toRecordError } from './fault.js';
import { compileMapKey } from './schema-integers.js';
import { type CheckMode, type Convert, compileScalar } from './schema-scalars.js';
import { checkFields, compileStruct, objectFields } from './schema-struct.js';
import { describeValue } from './value-describe.js';

export type { CheckMode } from './schema-scalars.js';

const expected = RecordFault.expected;

/** Checks and converts one record; throws RecordFault. */
export type RecordCheck = (record: unknown) => unknown;

function compileStructType(type: Extract<DeltaType, { kind: 'struct' }>, mode: CheckMode, path: string): Convert {
  const check = compileStruct(type.fields, mode, path, compileType);
  const label = typeLabel(type);
  return (v) => {
    const obj = objectFields(v, mode);
    if (!obj) throw expected(`${label} (an object)`, v);
    return checkFields(check, obj);
  };
}

function compileArray(type: Extract<DeltaType, { kind: 'array' }>, mode: CheckMode, path: string): Convert {
  const element = compileType(type.elementType, mode, `${path}.element`);
  const label = typeLabel(type);
  const elementLabel = typeLabel(type.elementType);
  const nulls = type.containsNull;
  return (v) => {
    if (!Array.isArray(v)) throw expected(`${label} (an array)`, v);
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      if (item === undefined || item === null) {
        // JSON writes both as null; a protobuf repeated field has no way to hold one.
        if (!nulls) throw addSegment(expected(`${elementLabel} (the array holds no nulls)`, item), indexSegment(i));
        if (mode === 'proto') {
          throw addSegment(
            expected(elementLabel, item, ', which a proto stream cannot send in an array'),
            indexSegment(i),
          );
        }
        continue;
      }
      let converted: unknown;
      try {
        converted = element(item);
      } catch (error) {
        throw addSegment(error, indexSegment(i));
      }
      if (converted !== item) {
        out ??= v.slice();
        out[i] = converted;
      }
    }
    return out ?? v;
  };
}

function compileMap(type: Extract<DeltaType, { kind: 'map' }>, mode: CheckMode, path: string): Convert {
  const key = compileMapKey(type.keyType);
  if (!key) {
    throw new NonRetriableError(
      'INVALID_SCHEMA',
      `column "${path}": map keys of type ${typeLabel(type.keyType)} cannot be sent to Zerobus (STRING or integral key types only)`,
    );
  }
  const value = compileType(type.valueType, mode, `${path}.value`);
  const label = typeLabel(type);
  const valueLabel = typeLabel(type.valueType);
  const nulls = type.valueContainsNull;
  const stringKeys = type.keyType.kind === 'primitive' && type.keyType.name === 'string';
  // The path segment (`["key"]`) is only built when something is wrong: it costs a JSON.stringify.
  /** One entry's value converted; undefined means "not set" (both encoders skip the entry). */
  const entry = (item: unknown, k: unknown): unknown => {
    if (item === undefined) return undefined;
    try {
      if (item !== null) return value(item);
      if (!nulls) throw expected(`${valueLabel} (the map holds no null values)`, null);
      if (mode === 'proto') throw expected(valueLabel, null, ', which a proto stream cannot send as a map value');
      return null;
    } catch (error) {
      throw addSegment(error, indexSegment(String(k)));
    }
  };
  const checkKey = (k: unknown): unknown => {
    try {
      if (k === null || k === undefined) throw expected(`${typeLabel(type.keyType)} map key`, k);
      return key(k);
    } catch (error) {
      throw addSegment(error, indexSegment(String(k)));
    }
  };
  return (v) => {
    if (v instanceof Map) {
      // A Map is always rebuilt: its keys may change type (5n → 5) and copy-on-write would need two passes.
      const out = new Map<unknown, unknown>();
      for (const [k, item] of v) {
        const checkedKey = checkKey(k);
        const converted = entry(item, k);
        if (converted !== undefined) out.set(checkedKey, converted);
      }
      return out;
    }
    const proto = typeof v === 'object' && v !== null ? Object.getPrototypeOf(v) : undefined;
    if (proto !== Object.prototype && proto !== null) throw expected(`${label} (a Map or plain object)`, v);
    const obj = v as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    for (const k in obj) {
      const item = obj[k];
      if (item === undefined) continue;
      if (!stringKeys) checkKey(k); // object keys are text: checked, sent as they are
      const converted = entry(item, k);
      if (converted !== item) {
        out ??= { ...obj };
        out[k] = converted;
      }
    }
    return out ?? obj;
  };
}

/** The converter of any column type; `path` names the column in schema errors. */
function compileType(type: DeltaType, mode: CheckMode, path: string): Convert {
  switch (type?.kind) {
    case 'primitive':
    case 'decimal':
      return compileScalar(type, mode);
    case 'array':
      return compileArray(type, mode, path);
    case 'map':
      return compileMap(type, mode, path);
    case 'struct':
      return compileStructType(type, mode, path);
    default:
      throw new NonRetriableError('INVALID_SCHEMA', `column "${path}" has no valid type: ${describeValue(type)}`);
  }
}

function compileRecordCheck(schema: TableSchema, mode: CheckMode): RecordCheck {
  if (typeof schema !== 'object' || schema === null || !Array.isArray(schema.fields)) {
    throw new NonRetriableError(
      'INVALID_SCHEMA',
      `a table schema is { fields: StructField[] }, got ${describeValue(schema)}`,
    );
  }
  const check = compileStruct(schema.fields, mode, undefined, compileType);
  return (record) => {
    const obj = objectFields(record, mode);
    if (!obj) throw new RecordFault(`expected an object with the table's columns, got ${describeValue(record)}`);
    return checkFields(check, obj);
  };
}

// Streams to one table are often created again (recreateStream, several streams): compile once.
const cache = new WeakMap<TableSchema, Partial<Record<CheckMode, RecordCheck>>>();

/** The record check of `schema` for a stream of `mode`, compiled on first use. */
export function recordCheck(schema: TableSchema, mode: CheckMode): RecordCheck {
  const entry = (typeof schema === 'object' && schema !== null && cache.get(schema)) || {};
  const cached = entry[mode];
  if (cached) return cached;
  const check = compileRecordCheck(schema, mode); // throws for anything but a schema object
  entry[mode] = check;
  cache.set(schema, entry);
  return check;
}

/**
 * The SDK's client-side record check (the `validate` option), for tools that convert records
 * themselves (`zerobus ingest --arrow`). The returned function checks one record against
 * `schema` as a stream of `mode` would and returns it converted to the forms that stream sends:
 * TINYINT/SMALLINT/INT and DATE (days) as numbers, BIGINT and TIMESTAMP/TIMESTAMP_NTZ
 * (microseconds) as numbers or bigints (integer text becomes a bigint), DECIMAL as exact decimal
 * text, VARIANT as JSON text, BINARY as a Uint8Array, ARRAY as an array, MAP as a `Map` or a
 * plain object (object keys stay text), STRUCT and the record as objects. Values that need no
 * conversion are returned as given. A record that does not fit throws an `InvalidRecordError`
 * naming `recordIndex` (default 0) and the field path.
 *
 * @param schema - The table's columns.
 * @param mode - The stream's record type: `'json'` (NaN and ±Infinity refused) or `'proto'`
 *   (no nulls inside arrays or as map values; camelCase keys accepted).
 * @returns The check of one record.
 *
 * @example
 * ```ts
 * import { InvalidRecordError } from '@zerobus/sdk';
 * import { createRecordCheck, schemaFromUcColumns } from '@zerobus/sdk/schema';
 *
 * const schema = schemaFromUcColumns([
 *   { name: 'device', type_text: 'string', nullable: false },
 *   { name: 'day', type_text: 'date' },
 *   { name: 'price', type_text: 'decimal(10,2)' },
 * ]);
 * const check = createRecordCheck(schema, 'json');
 * check({ device: 'pump-7', day: '2024-03-01', price: 12.5 }); // { device: 'pump-7', day: 19783, price: '12.50' }
 * try {
 *   check({ device: 'pump-7', price: 12.345 }, 3);
 * } catch (error) {
 *   if (!(error instanceof InvalidRecordError)) throw error;
 *   // record 3: field "price": expected DECIMAL(10,2), got number 12.345,
 *   // which has more than 2 fractional digits (values are not rounded)
 *   console.error(error.message, error.recordIndex, error.field); // recordIndex 3, field 'price'
 * }
 * ```
 */
export function createRecordCheck(
  schema: TableSchema,
  mode: 'json' | 'proto',
): (record: unknown, recordIndex?: number) => unknown {
  const check = recordCheck(schema, mode);
  return (record, recordIndex = 0) => {
    try {
      return check(record);
    } catch (error) {
      throw toRecordError(error, recordIndex);
    }
  };
}
