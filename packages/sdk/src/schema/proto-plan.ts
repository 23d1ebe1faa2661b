/**
 * The one mapping pass from a table schema to protobuf (PROTOCOL.md §7): a plan tree of messages
 * and fields that the .proto text (proto-text.ts), the DescriptorProto bytes (descriptor-gen.ts)
 * and the TypeScript module (ts-gen.ts) are all printed from, so that they cannot disagree about
 * a name, a number, a label or a type. Every schema the official tools refuse, and every name
 * protobuf cannot carry, fails here with a SchemaError naming the column.
 *
 * Column paths in errors follow delta-json.ts: `a.b` for a struct field, `a[]` for the elements
 * of an array, `a{value}` for the values of a map.
 */

import { fieldNote, sqlTypeLabel } from './proto-notes.js';
import { SchemaError } from './schema-error.js';
import type { DeltaType, StructField, TableSchema } from './types.js';

export type ProtoScalarType = 'int32' | 'int64' | 'float' | 'double' | 'bool' | 'string' | 'bytes';

/** What one value of a field is: a scalar, or a nested message (for structs). */
export type ProtoValuePlan =
  | { readonly kind: 'scalar'; readonly type: ProtoScalarType; readonly delta: DeltaType }
  | { readonly kind: 'message'; readonly message: ProtoMessagePlan; readonly delta: DeltaType };

export interface ProtoMapPlan {
  readonly key: ProtoScalarType;
  readonly keyDelta: DeltaType;
  /** protoc's name for the synthetic entry message (`tags` → `TagsEntry`), fixed by the field name. */
  readonly entryName: string;
}

interface FieldPlanBase {
  /** The column (or struct field) the field carries. */
  readonly column: StructField;
  /** Dotted path of the column, for errors and comments. */
  readonly path: string;
  /** The column name itself: the server matches fields to columns by exact name. */
  readonly name: string;
  readonly number: number;
  /** One value: the element of a repeated field, the value of a map. */
  readonly value: ProtoValuePlan;
  /** The Delta type and how values are written, for comments: `DECIMAL(10,2): exact decimal text, e.g. "12.34"`. */
  readonly note: string;
}

/**
 * A field. Map fields are written `map<K,V>` with no label (on the wire they are repeated entry
 * messages); the others are optional (nullable), required (NOT NULL) or repeated (arrays).
 */
export type ProtoFieldPlan =
  | (FieldPlanBase & { readonly label: 'optional' | 'required' | 'repeated'; readonly map: undefined })
  | (FieldPlanBase & { readonly label: 'map'; readonly map: ProtoMapPlan });

export interface ProtoMessagePlan {
  /** The simple name. */
  readonly name: string;
  /** Dotted name from the root message: `Row.DeviceInfo`. */
  readonly fullName: string;
  readonly fields: readonly ProtoFieldPlan[];
  /** Messages of struct columns, nested in this one, in field order (map entries are not listed). */
  readonly messages: readonly ProtoMessagePlan[];
}

/** protobuf identifiers; also the only column names a field can carry unchanged. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** protobuf reserves field numbers 19000–19999 for its own implementation. */
const RESERVED_FIRST = 19_000;
const RESERVED_LAST = 19_999;

/** The number of the field at 0-based position `index`: column order from 1, skipping the reserved range. */
export function protoFieldNumber(index: number): number {
  const number = index + 1;
  return number >= RESERVED_FIRST ? number + (RESERVED_LAST - RESERVED_FIRST + 1) : number;
}

/**
 * protoc's CamelCase of a field name (as in its map entry names): `device_info` → `DeviceInfo`.
 * Only ASCII letters after an underscore are upper-cased, exactly as protoc does.
 */
export function protocCamelCase(fieldName: string): string {
  let out = '';
  let capNext = true;
  for (const c of fieldName) {
    if (c === '_') capNext = true;
    else {
      out += capNext && c >= 'a' && c <= 'z' ? c.toUpperCase() : c;
      capNext = false;
    }
  }
  return out;
}

/** The message name of a struct column before de-duplication; never empty, never starting with a digit. */
function messageBaseName(fieldName: string): string {
  const camel = protocCamelCase(fieldName);
  return /^[A-Za-z]/.test(camel) ? camel : `Message${camel}`;
}

function fail(path: string, problem: string): never {
  throw new SchemaError(`column ${JSON.stringify(path)}: ${problem}`, { field: path });
}

function notExpressible(path: string, type: DeltaType, why: string): never {
  return fail(path, `${sqlTypeLabel(type)} cannot be expressed in protobuf: ${why}`);
}

const SCALARS: Readonly<Record<Extract<DeltaType, { kind: 'primitive' }>['name'], ProtoScalarType>> = {
  byte: 'int32',
  short: 'int32',
  integer: 'int32',
  long: 'int64',
  float: 'float',
  double: 'double',
  boolean: 'bool',
  string: 'string',
  binary: 'bytes',
  date: 'int32', // days since 1970-01-01
  timestamp: 'int64', // microseconds since the epoch
  timestamp_ntz: 'int64',
  variant: 'string', // JSON text
};

/** Map keys protobuf allows that also have a Delta key type: integral and string (§7). */
const MAP_KEY_TYPES = new Set(['byte', 'short', 'integer', 'long', 'string']);

/**
 * Plans the record message of a table. `messageName` must be a protobuf identifier; nested
 * message names are derived from column names and made unique.
 */
export function planProtoMessage(schema: TableSchema, messageName: string): ProtoMessagePlan {
  if (typeof messageName !== 'string' || !IDENTIFIER.test(messageName)) {
    throw new SchemaError(
      `message name ${JSON.stringify(messageName)} is not a protobuf identifier (letters, digits and _, not starting with a digit)`,
    );
  }
  if (typeof schema !== 'object' || schema === null || !Array.isArray(schema.fields)) {
    throw new SchemaError('a table schema must be an object with a fields array');
  }
  return planMessage(schema.fields, messageName, messageName, '');
}

/** Plans one message: the table's columns, or the fields of a struct. `parentPath` is '' at the top. */
function planMessage(
  columns: readonly StructField[],
  name: string,
  fullName: string,
  parentPath: string,
): ProtoMessagePlan {
  const pathOf = (column: StructField): string => (parentPath === '' ? column.name : `${parentPath}.${column.name}`);

  // Names first: every later check can then print the name as is.
  const seen = new Map<string, string>();
  for (const column of columns) {
    const path = pathOf(column);
    if (typeof column.name !== 'string' || !IDENTIFIER.test(column.name)) {
      fail(
        path,
        'the name is not a protobuf field name (letters, digits and _, not starting with a digit); the server ' +
          'matches fields to columns by exact name, so the field cannot be renamed',
      );
    }
    const previous = seen.get(column.name.toLowerCase());
    if (previous !== undefined) fail(path, `duplicate column name (same as "${previous}" ignoring case)`);
    seen.set(column.name.toLowerCase(), column.name);
  }

  // Names taken in this message's scope. Fields and nested types share one symbol table in
  // protoc, and map entry names are fixed by protoc, so those are claimed before any struct
  // message is named.
  const taken = new Set<string>(columns.map((c) => c.name));
  const entryNames = new Map<StructField, string>();
  for (const column of columns) {
    if (column.type?.kind !== 'map') continue;
    const entryName = `${protocCamelCase(column.name)}Entry`;
    if (taken.has(entryName) || entryName === name) {
      const owner = entryName === name ? 'the message itself' : `"${entryName}" in the same message`;
      fail(pathOf(column), `protoc names this map's entry type ${entryName}, which clashes with ${owner}`);
    }
    taken.add(entryName);
    entryNames.set(column, entryName);
  }

  const messages: ProtoMessagePlan[] = [];
  /** A nested message for a struct found at `path`, named after `column` and unique in this scope. */
  const nestedMessage = (column: StructField, struct: Extract<DeltaType, { kind: 'struct' }>, path: string) => {
    const base = messageBaseName(column.name);
    // Its own fields and map entries live inside it; sharing their name would confuse readers and code generators.
    const inner = new Set(struct.fields.map((f) => f.name));
    for (const f of struct.fields) if (f.type?.kind === 'map') inner.add(`${protocCamelCase(f.name)}Entry`);
    let child = base;
    for (let n = 2; taken.has(child) || child === name || inner.has(child); n++) child = `${base}${n}`;
    taken.add(child);
    const message = planMessage(struct.fields, child, `${fullName}.${child}`, path);
    messages.push(message);
    return message;
  };
  const valuePlan = (column: StructField, t: DeltaType, valuePath: string): ProtoValuePlan =>
    t.kind === 'struct'
      ? { kind: 'message', message: nestedMessage(column, t, valuePath), delta: t }
      : { kind: 'scalar', type: scalarType(t, valuePath), delta: t };

  const fields = columns.map((column, index): ProtoFieldPlan => {
    const path = pathOf(column);
    const type = column.type;
    if (type === null || typeof type !== 'object') return fail(path, 'the column has no type');
    const base = { column, path, name: column.name, number: protoFieldNumber(index), note: fieldNote(type) };
    const single = column.nullable ? ('optional' as const) : ('required' as const);
    switch (type.kind) {
      case 'array': {
        const element = type.elementType;
        if (element.kind === 'array') notExpressible(path, type, 'nested arrays');
        if (element.kind === 'map') notExpressible(path, type, 'arrays of maps');
        return { ...base, label: 'repeated', value: valuePlan(column, element, `${path}[]`), map: undefined };
      }
      case 'map': {
        const { keyType, valueType } = type;
        if (keyType.kind !== 'primitive' || !MAP_KEY_TYPES.has(keyType.name)) {
          notExpressible(
            path,
            type,
            `map keys must be TINYINT, SMALLINT, INT, BIGINT or STRING, not ${sqlTypeLabel(keyType)}`,
          );
        }
        if (valueType.kind === 'array') notExpressible(path, type, 'map values that are arrays');
        if (valueType.kind === 'map') notExpressible(path, type, 'map values that are maps');
        const map = { key: SCALARS[keyType.name], keyDelta: keyType, entryName: entryNames.get(column) as string };
        return { ...base, label: 'map', value: valuePlan(column, valueType, `${path}{value}`), map };
      }
      default:
        return { ...base, label: single, value: valuePlan(column, type, path), map: undefined };
    }
  });
  return { name, fullName, fields, messages };
}

function scalarType(type: DeltaType, path: string): ProtoScalarType {
  switch (type.kind) {
    case 'primitive': {
      const scalar = SCALARS[type.name];
      if (scalar === undefined) fail(path, `unknown primitive type ${JSON.stringify(type.name)}`);
      return scalar;
    }
    case 'decimal':
      // No official tool maps DECIMAL (§7); exact decimal text loses nothing, and the server
      // converts it to the column's unscaled value exactly.
      return 'string';
    default:
      return fail(path, `unknown type kind ${JSON.stringify((type as { kind: unknown }).kind)}`);
  }
}
