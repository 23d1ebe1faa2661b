/**
 * The Delta protocol's schema serialization (`metaData.schemaString`) ⇄ {@link TableSchema}.
 * Reading validates everything: a schema string comes from disk or from another writer, and a
 * half-understood schema would write files no reader can use.
 */

import { SchemaError } from './schema-error.js';
import { MAX_DECIMAL_PRECISION } from './type-text-parser.js';
import type { DeltaType, PrimitiveTypeName, StructField, TableSchema } from './types.js';

/**
 * A field of a Delta `struct` type, as the schema JSON writes it. Unity Catalog's `type_json` of
 * a column is one.
 *
 * @example
 * ```ts
 * import { type DeltaStructFieldJson, deltaTypeFromJson } from '@zerobus/sdk/schema';
 *
 * // A column of a Unity Catalog table response; its type_json keeps what type_text cannot say.
 * const column = {
 *   name: 'tags',
 *   type_text: 'array<string>',
 *   type_json: '{"name":"tags","type":{"type":"array","elementType":"string","containsNull":false},"nullable":true,"metadata":{}}',
 * };
 * const field = JSON.parse(column.type_json) as DeltaStructFieldJson;
 * const type = deltaTypeFromJson(field.type, field.name); // an array with containsNull: false
 * ```
 */
export interface DeltaStructFieldJson {
  /** The field name. */
  readonly name: string;
  /** The field type. */
  readonly type: DeltaTypeJson;
  /** Whether the field may be null. */
  readonly nullable: boolean;
  /** Free-form; the model keeps only `comment`. */
  readonly metadata: { readonly [key: string]: unknown };
}

/**
 * A Delta `struct` type in the schema JSON (a table's schema is one).
 *
 * @example
 * ```ts
 * import { type DeltaStructTypeJson, fromDeltaSchemaJson } from '@zerobus/sdk/schema';
 *
 * // A test fixture's schema, type-checked as Delta writes it.
 * const readings: DeltaStructTypeJson = {
 *   type: 'struct',
 *   fields: [
 *     { name: 'device', type: 'string', nullable: false, metadata: {} },
 *     {
 *       name: 'temps',
 *       type: { type: 'array', elementType: 'double', containsNull: false },
 *       nullable: true,
 *       metadata: { comment: 'degrees Celsius' },
 *     },
 *   ],
 * };
 * const schema = fromDeltaSchemaJson(readings); // the object works as well as its JSON text
 * ```
 */
export interface DeltaStructTypeJson {
  /** Always `struct`. */
  readonly type: 'struct';
  /** Its fields, in order. */
  readonly fields: readonly DeltaStructFieldJson[];
}

/**
 * A Delta `array` type in the schema JSON.
 *
 * @example
 * ```ts
 * import { type DeltaArrayTypeJson, deltaTypeFromJson, typeText } from '@zerobus/sdk/schema';
 *
 * // An array whose elements are never null: the schema JSON can say so, type text cannot.
 * const temps: DeltaArrayTypeJson = { type: 'array', elementType: 'double', containsNull: false };
 * const type = deltaTypeFromJson(temps);
 * // { kind: 'array', elementType: { kind: 'primitive', name: 'double' }, containsNull: false }
 * typeText(type); // 'array<double>': read back as nullable elements
 * ```
 */
export interface DeltaArrayTypeJson {
  /** Always `array`. */
  readonly type: 'array';
  /** The type of its elements. */
  readonly elementType: DeltaTypeJson;
  /** Whether elements may be null. */
  readonly containsNull: boolean;
}

/**
 * A Delta `map` type in the schema JSON.
 *
 * @example
 * ```ts
 * import {
 *   type DeltaMapTypeJson,
 *   type DeltaTypeJson,
 *   schemaFromUcColumns,
 *   toDeltaSchemaObject,
 * } from '@zerobus/sdk/schema';
 *
 * const isMap = (type: DeltaTypeJson): type is DeltaMapTypeJson => typeof type === 'object' && type.type === 'map';
 * const schema = schemaFromUcColumns([{ name: 'attrs', type_text: 'map<string,double>' }]);
 * for (const field of toDeltaSchemaObject(schema).fields) {
 *   if (isMap(field.type)) console.log(field.name, field.type.keyType, field.type.valueType); // attrs string double
 * }
 * ```
 */
export interface DeltaMapTypeJson {
  /** Always `map`. */
  readonly type: 'map';
  /** The type of its keys. */
  readonly keyType: DeltaTypeJson;
  /** The type of its values. */
  readonly valueType: DeltaTypeJson;
  /** Whether values may be null. */
  readonly valueContainsNull: boolean;
}

/**
 * A primitive is its name (`"long"`, `"decimal(10,2)"`), anything else an object.
 *
 * @example
 * ```ts
 * import { type DeltaTypeJson, deltaTypeToJson, parseTypeText } from '@zerobus/sdk/schema';
 *
 * function describe(type: DeltaTypeJson): string {
 *   if (typeof type === 'string') return type; // 'long', 'decimal(10,2)'...
 *   switch (type.type) {
 *     case 'array':
 *       return `array of ${describe(type.elementType)}${type.containsNull ? '' : ' (no nulls)'}`;
 *     case 'map':
 *       return `map from ${describe(type.keyType)} to ${describe(type.valueType)}`;
 *     case 'struct':
 *       return `struct of ${type.fields.map((field) => field.name).join(', ')}`;
 *   }
 * }
 * describe(deltaTypeToJson(parseTypeText('map<string,array<bigint>>'))); // 'map from string to array of long'
 * ```
 */
export type DeltaTypeJson = string | DeltaArrayTypeJson | DeltaMapTypeJson | DeltaStructTypeJson;

const PRIMITIVE_NAMES: ReadonlySet<string> = new Set<PrimitiveTypeName>([
  'byte',
  'short',
  'integer',
  'long',
  'float',
  'double',
  'boolean',
  'string',
  'binary',
  'date',
  'timestamp',
  'timestamp_ntz',
  'variant',
]);

/**
 * A type as the Delta schema JSON writes it (the inverse of {@link deltaTypeFromJson}).
 *
 * @example
 * ```ts
 * import { deltaTypeToJson, parseTypeText } from '@zerobus/sdk/schema';
 *
 * deltaTypeToJson(parseTypeText('bigint')); // 'long'
 * deltaTypeToJson(parseTypeText('map<string,decimal(10,2)>'));
 * // { type: 'map', keyType: 'string', valueType: 'decimal(10,2)', valueContainsNull: true }
 * ```
 */
export function deltaTypeToJson(type: DeltaType): DeltaTypeJson {
  switch (type.kind) {
    case 'primitive':
      return type.name;
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'array':
      return { type: 'array', elementType: deltaTypeToJson(type.elementType), containsNull: type.containsNull };
    case 'map':
      return {
        type: 'map',
        keyType: deltaTypeToJson(type.keyType),
        valueType: deltaTypeToJson(type.valueType),
        valueContainsNull: type.valueContainsNull,
      };
    case 'struct':
      return { type: 'struct', fields: type.fields.map(fieldToJson) };
  }
}

function fieldToJson(field: StructField): DeltaStructFieldJson {
  return {
    name: field.name,
    type: deltaTypeToJson(field.type),
    nullable: field.nullable,
    metadata: field.comment === undefined ? {} : { comment: field.comment },
  };
}

/**
 * The schema as the Delta `struct` object (before `JSON.stringify`).
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * import { fetchTableSchema } from '@zerobus/sdk';
 * import { toDeltaSchemaObject } from '@zerobus/sdk/schema';
 *
 * // A readable, diffable snapshot of the table's columns (read it back with fromDeltaSchemaJson).
 * const schema = await fetchTableSchema('main.iot.readings', { unityCatalogEndpoint, clientId, clientSecret });
 * await writeFile('readings.schema.json', `${JSON.stringify(toDeltaSchemaObject(schema), null, 2)}\n`);
 * ```
 */
export function toDeltaSchemaObject(schema: TableSchema): DeltaStructTypeJson {
  return { type: 'struct', fields: schema.fields.map(fieldToJson) };
}

/**
 * The schema as Delta's `schemaString`.
 *
 * @example
 * ```ts
 * import { randomUUID } from 'node:crypto';
 * import { schemaFromUcColumns, toDeltaSchemaJson } from '@zerobus/sdk/schema';
 *
 * const schema = schemaFromUcColumns([{ name: 'id', type_text: 'bigint', nullable: false }]);
 * toDeltaSchemaJson(schema);
 * // '{"type":"struct","fields":[{"name":"id","type":"long","nullable":false,"metadata":{}}]}'
 * // The metaData action of a new Delta table's first commit.
 * const metaData = {
 *   id: randomUUID(),
 *   format: { provider: 'parquet', options: {} },
 *   schemaString: toDeltaSchemaJson(schema),
 *   partitionColumns: [],
 *   configuration: {},
 *   createdTime: Date.now(),
 * };
 * ```
 */
export function toDeltaSchemaJson(schema: TableSchema): string {
  return JSON.stringify(toDeltaSchemaObject(schema));
}

/**
 * Reads a `schemaString` (text, or the already parsed object). Throws a {@link SchemaError} for
 * invalid JSON, a type the model cannot hold, or a schema that is not a struct.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { fromDeltaSchemaJson } from '@zerobus/sdk/schema';
 *
 * // A Delta table's first commit holds its metaData action (one JSON action per line).
 * const log = await readFile('/data/readings/_delta_log/00000000000000000000.json', 'utf8');
 * const actions = log.split('\n').filter(Boolean);
 * const metaData = actions
 *   .map((line) => JSON.parse(line) as { metaData?: { schemaString: string } })
 *   .find((action) => action.metaData !== undefined)?.metaData;
 * if (metaData === undefined) throw new Error('no metaData action');
 * const schema = fromDeltaSchemaJson(metaData.schemaString);
 * ```
 */
export function fromDeltaSchemaJson(json: string | unknown): TableSchema {
  let parsed: unknown = json;
  if (typeof json === 'string') {
    try {
      parsed = JSON.parse(json);
    } catch (cause) {
      throw new SchemaError(`Delta schema is not valid JSON: ${(cause as Error).message}`, { cause });
    }
  }
  const type = deltaTypeFromJson(parsed, '');
  if (type.kind !== 'struct') throw new SchemaError(`Delta schema must be a struct, got ${describe(parsed)}`);
  return { fields: type.fields };
}

/**
 * Reads one Delta type; `path` names where it sits, for errors (empty for the top level).
 * Throws a {@link SchemaError}, whose `field` names the offending type's path when it has one.
 *
 * @example
 * ```ts
 * import { deltaTypeFromJson, SchemaError } from '@zerobus/sdk/schema';
 *
 * deltaTypeFromJson('decimal(10,2)'); // { kind: 'decimal', precision: 10, scale: 2 }
 * try {
 *   deltaTypeFromJson({ type: 'array', elementType: 'int', containsNull: true }, 'scores');
 * } catch (error) {
 *   // Delta schema field 'scores[]': unknown type 'int' (the Delta name is 'integer')
 *   if (error instanceof SchemaError) console.error(error.message, error.field); // field: 'scores[]'
 * }
 * ```
 */
export function deltaTypeFromJson(json: unknown, path = ''): DeltaType {
  const where = path === '' ? 'Delta schema' : `Delta schema field '${path}'`;
  const fail = (problem: string): never => {
    throw new SchemaError(`${where}: ${problem}`, path === '' ? {} : { field: path });
  };
  if (typeof json === 'string') {
    if (PRIMITIVE_NAMES.has(json)) return { kind: 'primitive', name: json as PrimitiveTypeName };
    const decimal = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(json);
    if (decimal) {
      const precision = Number(decimal[1]);
      const scale = Number(decimal[2]);
      if (precision < 1 || precision > MAX_DECIMAL_PRECISION || scale > precision) {
        fail(`invalid decimal '${json}' (precision 1..${MAX_DECIMAL_PRECISION}, scale 0..precision)`);
      }
      return { kind: 'decimal', precision, scale };
    }
    if (json === 'decimal') return { kind: 'decimal', precision: 10, scale: 0 };
    return fail(`unknown type '${json}'`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail(`a type must be a string or an object, got ${describe(json)}`);
  }
  const o = json as Record<string, unknown>;
  switch (o.type) {
    case 'array':
      return {
        kind: 'array',
        elementType: deltaTypeFromJson(o.elementType, `${path}[]`),
        containsNull: booleanProperty(o, 'containsNull', fail),
      };
    case 'map':
      return {
        kind: 'map',
        keyType: deltaTypeFromJson(o.keyType, `${path}{key}`),
        valueType: deltaTypeFromJson(o.valueType, `${path}{value}`),
        valueContainsNull: booleanProperty(o, 'valueContainsNull', fail),
      };
    case 'struct': {
      if (!Array.isArray(o.fields)) return fail(`struct 'fields' must be an array, got ${describe(o.fields)}`);
      const seen = new Set<string>();
      const fields = o.fields.map((f: unknown, i: number) => {
        const field = fieldFromJson(f, path, i);
        const key = field.name.toLowerCase();
        if (seen.has(key)) fail(`duplicate field name '${field.name}' (Delta names are case-insensitive)`);
        seen.add(key);
        return field;
      });
      return { kind: 'struct', fields };
    }
    default:
      return fail(`unknown type ${describe(o.type)}`);
  }
}

function fieldFromJson(json: unknown, parent: string, index: number): StructField {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SchemaError(`Delta schema: field #${index}${parent ? ` of '${parent}'` : ''} must be an object`);
  }
  const f = json as Record<string, unknown>;
  if (typeof f.name !== 'string' || f.name.length === 0) {
    throw new SchemaError(
      `Delta schema: field #${index}${parent ? ` of '${parent}'` : ''} needs a non-empty 'name', got ${describe(f.name)}`,
    );
  }
  const path = parent === '' ? f.name : `${parent}.${f.name}`;
  const fail = (problem: string): never => {
    throw new SchemaError(`Delta schema field '${path}': ${problem}`, { field: path });
  };
  const type = deltaTypeFromJson(f.type, path);
  const nullable = booleanProperty(f, 'nullable', fail);
  const metadata = f.metadata ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    fail(`'metadata' must be an object, got ${describe(metadata)}`);
  }
  const comment = (metadata as Record<string, unknown>).comment;
  return typeof comment === 'string' ? { name: f.name, type, nullable, comment } : { name: f.name, type, nullable };
}

function booleanProperty(o: Record<string, unknown>, key: string, fail: (problem: string) => never): boolean {
  const value = o[key];
  if (typeof value !== 'boolean') fail(`'${key}' must be a boolean, got ${describe(value)}`);
  return value as boolean;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value);
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
