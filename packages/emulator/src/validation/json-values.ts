/**
 * JSON record values → NormalizedValue: one converter per table type, compiled once per stream
 * from the schema, so the per-record work is a walk of prepared closures with no type dispatch.
 * This file holds the containers and the fields of the record itself; json-scalars.ts the
 * primitive and decimal values.
 *
 * - array: a JSON array (null elements only when the type says containsNull).
 * - map: a JSON object, keys converted to the key type (string as is; byte/short/integer/long
 *   from canonical integer text such as "-5"); any other key type is refused when the decoder
 *   is created (SchemaMismatch), since object keys are text.
 * - struct, and the record: a JSON object; a key that is not a field is rejected, naming it; a
 *   NOT NULL field that is absent or null is rejected; a nullable one is null.
 */

import { fieldSegment, Invalid, keySegment, rethrowAt, SchemaMismatch } from './errors.js';
import { BYTE_RANGE, INT_RANGE, inInt64, SHORT_RANGE } from './integers.js';
import { compileScalar, expected, type JsonConvert } from './json-scalars.js';
import { NumberText } from './json-text.js';
import type { DeltaType, StructField } from './schema-types.js';
import { structObject } from './struct-object.js';
import { listNames, typeLabel } from './type-label.js';

interface FieldReader {
  readonly name: string;
  readonly segment: string;
  readonly nullable: boolean;
  /** The name is also a property of Object.prototype (`constructor`, `toString`): presence needs hasOwn. */
  readonly shadowed: boolean;
  readonly label: string;
  readonly convert: JsonConvert;
}

/** The compiled fields of the record or of one struct. */
export interface JsonFields {
  readonly readers: readonly FieldReader[];
  readonly names: readonly string[];
  readonly known: ReadonlySet<string>;
  /** How unknown-key messages name the container: `column of the table`, `field of reading`. */
  readonly owner: string;
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof NumberText);
}

function array(type: Extract<DeltaType, { kind: 'array' }>, path: string): JsonConvert {
  const element = compileJson(type.elementType, `${path}.element`);
  const label = typeLabel(type);
  const elementLabel = typeLabel(type.elementType);
  const containsNull = type.containsNull;
  return (v) => {
    if (!Array.isArray(v)) throw expected(label, v);
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      if (item === null) {
        if (!containsNull) throw expected(`${elementLabel} (the array holds no nulls)`, null).atSegment(`[${i}]`);
        out[i] = null;
        continue;
      }
      try {
        out[i] = element(item);
      } catch (error) {
        rethrowAt(error, `[${i}]`);
      }
    }
    return out;
  };
}

/** Map keys arrive as JSON object keys (text): the key types that text can denote exactly. */
function mapKey(type: DeltaType, path: string): (key: string) => unknown {
  if (type.kind === 'primitive') {
    switch (type.name) {
      case 'string':
        return (key) => key;
      case 'byte':
      case 'short':
      case 'integer': {
        const range = type.name === 'byte' ? BYTE_RANGE : type.name === 'short' ? SHORT_RANGE : INT_RANGE;
        return (key) => {
          const n = canonicalInteger(key);
          if (n !== undefined && n >= range.min && n <= range.max) return Number(n);
          throw expected(`a ${type.name} map key (integer text from ${range.min} to ${range.max})`, key);
        };
      }
      case 'long':
        return (key) => {
          const n = canonicalInteger(key);
          if (n !== undefined && inInt64(n)) return n;
          throw expected('a long map key (64-bit integer text)', key);
        };
    }
  }
  throw new SchemaMismatch(
    path,
    `map keys of type ${typeLabel(type)} are not supported in JSON records (object keys are text: use string or an integral key type)`,
  );
}

/** `0`, `-5`, `42`: one spelling per integer, so two keys never denote the same map key. */
const CANONICAL_INTEGER = /^(?:0|-?[1-9]\d*)$/;

function canonicalInteger(text: string): bigint | undefined {
  return CANONICAL_INTEGER.test(text) ? BigInt(text) : undefined;
}

function map(type: Extract<DeltaType, { kind: 'map' }>, path: string): JsonConvert {
  const key = mapKey(type.keyType, `${path}.key`);
  const value = compileJson(type.valueType, `${path}.value`);
  const label = typeLabel(type);
  const valueLabel = typeLabel(type.valueType);
  const containsNull = type.valueContainsNull;
  return (v) => {
    if (!isJsonObject(v)) throw expected(`${label} (a JSON object)`, v);
    const out = new Map<unknown, unknown>();
    for (const k of Object.keys(v)) {
      const segment = keySegment(k);
      let converted: unknown;
      try {
        converted = key(k);
      } catch (error) {
        rethrowAt(error, segment);
      }
      const item = v[k];
      if (item === null) {
        if (!containsNull) throw expected(`${valueLabel} (the map holds no null values)`, null).atSegment(segment);
        out.set(converted, null);
        continue;
      }
      try {
        out.set(converted, value(item));
      } catch (error) {
        rethrowAt(error, segment);
      }
    }
    return out;
  };
}

function struct(type: Extract<DeltaType, { kind: 'struct' }>, path: string): JsonConvert {
  const fields = compileFields(type.fields, path);
  const label = typeLabel(type);
  return (v) => {
    if (!isJsonObject(v)) throw expected(`${label} (a JSON object)`, v);
    return structObject(fields.names, readFields(fields, v));
  };
}

/** The converter of a table type; `path` names the column in SchemaMismatch errors. */
export function compileJson(type: DeltaType, path: string): JsonConvert {
  switch (type.kind) {
    case 'array':
      return array(type, path);
    case 'map':
      return map(type, path);
    case 'struct':
      return struct(type, path);
    default:
      return compileScalar(type);
  }
}

// ---- the fields of a record or struct ----

export function compileFields(fields: readonly StructField[], path: string | undefined): JsonFields {
  const readers = fields.map((field): FieldReader => {
    const fieldPath = path === undefined ? field.name : `${path}.${field.name}`;
    return {
      name: field.name,
      segment: fieldSegment(field.name),
      nullable: field.nullable,
      shadowed: field.name in Object.prototype,
      label: typeLabel(field.type),
      convert: compileJson(field.type, fieldPath),
    };
  });
  const names = fields.map((f) => f.name);
  return {
    readers,
    names,
    known: new Set(names),
    owner: path === undefined ? 'column of the table' : `field of ${path}`,
  };
}

/** The values of `fields` in `object`, in field order; throws `Invalid` naming the field. */
export function readFields(fields: JsonFields, object: Record<string, unknown>): unknown[] {
  const readers = fields.readers;
  const out = new Array<unknown>(readers.length);
  let present = 0;
  for (let i = 0; i < readers.length; i++) {
    const reader = readers[i] as FieldReader;
    const value = reader.shadowed && !Object.hasOwn(object, reader.name) ? undefined : object[reader.name];
    if (value === undefined) {
      if (!reader.nullable)
        throw new Invalid(`expected ${reader.label} (NOT NULL), got no value`).atSegment(reader.segment);
      out[i] = null;
      continue;
    }
    present++;
    if (value === null) {
      if (!reader.nullable)
        throw new Invalid(`expected ${reader.label} (NOT NULL), got null`).atSegment(reader.segment);
      out[i] = null;
      continue;
    }
    try {
      out[i] = reader.convert(value);
    } catch (error) {
      rethrowAt(error, reader.segment);
    }
  }
  if (present !== Object.keys(object).length) throw unknownKey(fields, object);
  return out;
}

function unknownKey(fields: JsonFields, object: Record<string, unknown>): Invalid {
  const key = Object.keys(object).find((k) => !fields.known.has(k)) as string;
  return new Invalid(`unknown field: not a ${fields.owner} (expected one of: ${listNames(fields.names)})`).atSegment(
    fieldSegment(key),
  );
}
