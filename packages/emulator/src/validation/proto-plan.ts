/**
 * Checks the stream's descriptor against the table and compiles the decoding plan, once per
 * stream. Every problem here is a SchemaMismatch naming the column: a descriptor that cannot
 * carry the table's rows is refused when the stream is created, before any record is sent.
 *
 * Rules:
 * - Every descriptor field names a column (or struct field) exactly, case-sensitively; a field
 *   without one is refused (its values would have nowhere to go).
 * - A NOT NULL column must have a field. A nullable column without one is always null.
 * - `required` on a nullable column is fine (and enforced per record, as proto2 does);
 *   `optional` on a NOT NULL column is allowed, but a record leaving it unset is rejected.
 * - struct ← message (recursively, same rules); array<T> ← repeated field of a type for T;
 *   map<K,V> ← protobuf map field (repeated map_entry message) with K a string or integral
 *   type. Arrays and maps inside arrays or map values cannot be written as protobuf fields
 *   (they would need wrapper messages), so such columns are refused.
 * - A repeated field never yields null: no elements is an empty array / map, whatever the
 *   column's nullability (protobuf cannot tell "empty" from "absent" for repeated fields).
 * - Groups are refused. Scalar type pairs: see proto-scalars.ts. proto2 default values are
 *   not applied: an unset field is null (absent), as the wire says.
 */

import {
  type DescriptorProto,
  type FieldDescriptorProto,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as T,
} from '@bufbuild/protobuf/wkt';
import { fieldSegment, SchemaMismatch } from './errors.js';
import { WIRE_DELIMITED } from './proto-cursor.js';
import {
  declaredType,
  inOneof,
  isNamedEnum,
  type NamedEnum,
  type NamedMessage,
  type RecordDescriptor,
} from './proto-descriptor.js';
import { type EnumValues, protoTypeName, scalarPlan, type ValueReader } from './proto-scalars.js';
import type { DeltaType, StructField } from './schema-types.js';
import { typeLabel } from './type-label.js';

export const SCALAR = 0;
export const MESSAGE = 1;
export const REPEATED_SCALAR = 2;
export const REPEATED_MESSAGE = 3;
export const MAP = 4;
export type FieldKind = typeof SCALAR | typeof MESSAGE | typeof REPEATED_SCALAR | typeof REPEATED_MESSAGE | typeof MAP;

export interface MapPlan {
  readonly keyWireType: number;
  readonly key: ValueReader;
  readonly valueWireType: number;
  /** Scalar values; undefined when values are messages. */
  readonly value: ValueReader | undefined;
  readonly valueMessage: MessagePlan | undefined;
  readonly valueNullable: boolean;
}

export interface FieldPlan {
  readonly number: number;
  readonly name: string;
  /** Index of the column (struct field) this field fills. */
  readonly slot: number;
  readonly segment: string;
  readonly kind: FieldKind;
  /** Wire type of one value (one element for repeated fields). */
  readonly wireType: number;
  /** Repeated scalars of varint/fixed types may come packed. */
  readonly packable: boolean;
  readonly read: ValueReader | undefined;
  readonly message: MessagePlan | undefined;
  readonly map: MapPlan | undefined;
  /** proto2 `required`: a record without it is not a valid message of the type. */
  readonly required: boolean;
  /** Slots of the other members of its oneof, cleared when this one is set (the last one wins). */
  readonly oneofSiblings: readonly number[] | undefined;
  /** `int64`, `message Row.Reading`: for messages. */
  readonly protoType: string;
}

export interface SlotPlan {
  readonly name: string;
  readonly segment: string;
  readonly nullable: boolean;
  readonly label: string;
  readonly field: FieldPlan | undefined;
}

export interface MessagePlan {
  readonly typeName: string;
  /** Column / struct field names in schema order (the keys of struct values). */
  readonly names: readonly string[];
  readonly slots: readonly SlotPlan[];
  /** Field plans by number, dense up to the largest number (sparse numbers use `sparse`). */
  readonly byNumber: readonly (FieldPlan | undefined)[];
  readonly sparse: ReadonlyMap<number, FieldPlan> | undefined;
  /** `1 (id), 2 (name)`: for unknown-field messages. */
  readonly fieldList: string;
}

const MAX_FIELD_NUMBER = 536870911;
const DENSE_LIMIT = 4096;

function join(path: string | undefined, name: string): string {
  return path === undefined ? name : `${path}.${name}`;
}

function fieldWords(field: FieldDescriptorProto, type: string): string {
  const label = field.label === Label.REPEATED ? 'repeated ' : '';
  return `${label}${type} field "${field.name}" (number ${field.number})`;
}

interface Resolved {
  readonly type: T;
  readonly message: NamedMessage | undefined;
  readonly enumType: NamedEnum | undefined;
  readonly words: string;
}

function resolveField(
  descriptor: RecordDescriptor,
  owner: NamedMessage,
  field: FieldDescriptorProto,
  path: string,
): Resolved {
  let type = declaredType(field);
  let message: NamedMessage | undefined;
  let enumType: NamedEnum | undefined;
  if (type === T.GROUP)
    throw new SchemaMismatch(path, `${fieldWords(field, 'group')} uses groups, which are not supported`);
  if (type === undefined || type === T.MESSAGE || type === T.ENUM) {
    const named = descriptor.resolve(field, owner.name);
    if (!named) {
      throw new SchemaMismatch(
        path,
        `field "${field.name}" of ${owner.name} refers to type ${field.typeName || '(none)'}, which is not in the descriptor (descriptor_proto must be self-contained)`,
      );
    }
    if (isNamedEnum(named)) {
      if (type === T.MESSAGE)
        throw new SchemaMismatch(path, `field "${field.name}" is a message field naming enum ${named.name}`);
      type = T.ENUM;
      enumType = named;
    } else {
      if (type === T.ENUM)
        throw new SchemaMismatch(path, `field "${field.name}" is an enum field naming message ${named.name}`);
      type = T.MESSAGE;
      message = named;
    }
  }
  const words =
    type === T.MESSAGE ? `message ${message?.name}` : type === T.ENUM ? `enum ${enumType?.name}` : protoTypeName(type);
  return { type, message, enumType, words };
}

function enumValues(named: NamedEnum | undefined): EnumValues | undefined {
  if (!named) return undefined;
  return { typeName: named.name, names: new Map(named.proto.value.map((v) => [v.number, v.name])) };
}

function isMapEntry(message: NamedMessage | undefined): boolean {
  return message?.proto.options?.mapEntry === true;
}

/** A scalar (primitive or decimal) plan, or SchemaMismatch. */
function scalarFor(column: DeltaType, resolved: Resolved, field: FieldDescriptorProto, path: string) {
  const plan = scalarPlan(column, resolved.type, enumValues(resolved.enumType));
  if ('expected' in plan) {
    throw new SchemaMismatch(path, `expected ${plan.expected}, got ${fieldWords(field, resolved.words)}`);
  }
  return plan;
}

function notExpressible(path: string, column: DeltaType, where: string): SchemaMismatch {
  return new SchemaMismatch(
    path,
    `${typeLabel(column)} ${where} cannot be written as a protobuf field (it would need a wrapper message)`,
  );
}

function planField(
  descriptor: RecordDescriptor,
  owner: NamedMessage,
  field: FieldDescriptorProto,
  column: StructField,
  slot: number,
  path: string,
): Omit<FieldPlan, 'oneofSiblings'> {
  const resolved = resolveField(descriptor, owner, field, path);
  const repeated = field.label === Label.REPEATED;
  const base = {
    number: field.number,
    name: field.name,
    slot,
    segment: fieldSegment(column.name),
    required: field.label === Label.REQUIRED,
    protoType: resolved.words,
  };
  const type = column.type;
  const none = { read: undefined, message: undefined, map: undefined };

  if (type.kind === 'map') {
    if (!repeated || !isMapEntry(resolved.message)) {
      throw new SchemaMismatch(
        path,
        `expected a protobuf map field for ${typeLabel(type)}, got ${fieldWords(field, resolved.words)}`,
      );
    }
    return {
      ...base,
      ...none,
      kind: MAP,
      wireType: WIRE_DELIMITED,
      packable: false,
      map: planMap(descriptor, resolved.message as NamedMessage, type, path),
    };
  }
  if (isMapEntry(resolved.message)) {
    throw new SchemaMismatch(
      path,
      `expected a field for ${typeLabel(type)}, got protobuf map field "${field.name}" (number ${field.number})`,
    );
  }
  if (type.kind === 'array') {
    if (!repeated) {
      throw new SchemaMismatch(
        path,
        `expected a repeated field for ${typeLabel(type)}, got ${fieldWords(field, resolved.words)}`,
      );
    }
    const element = type.elementType;
    if (element.kind === 'array' || element.kind === 'map') throw notExpressible(path, type, 'as a column type');
    if (element.kind === 'struct') {
      if (resolved.type !== T.MESSAGE) {
        throw new SchemaMismatch(
          path,
          `expected a repeated message field for ${typeLabel(type)}, got ${fieldWords(field, resolved.words)}`,
        );
      }
      const message = planMessage(descriptor, resolved.message as NamedMessage, element.fields, `${path}.element`);
      return { ...base, ...none, kind: REPEATED_MESSAGE, wireType: WIRE_DELIMITED, packable: false, message };
    }
    const scalar = scalarFor(element, resolved, field, `${path}.element`);
    return {
      ...base,
      ...none,
      kind: REPEATED_SCALAR,
      wireType: scalar.wireType,
      packable: scalar.wireType !== WIRE_DELIMITED,
      read: scalar.read,
    };
  }
  if (repeated) {
    throw new SchemaMismatch(
      path,
      `expected a singular field for ${typeLabel(type)}, got ${fieldWords(field, resolved.words)}`,
    );
  }
  if (type.kind === 'struct') {
    if (resolved.type !== T.MESSAGE) {
      throw new SchemaMismatch(
        path,
        `expected a message field for ${typeLabel(type)}, got ${fieldWords(field, resolved.words)}`,
      );
    }
    const message = planMessage(descriptor, resolved.message as NamedMessage, type.fields, path);
    return { ...base, ...none, kind: MESSAGE, wireType: WIRE_DELIMITED, packable: false, message };
  }
  const scalar = scalarFor(type, resolved, field, path);
  return { ...base, ...none, kind: SCALAR, wireType: scalar.wireType, packable: false, read: scalar.read };
}

function planMap(
  descriptor: RecordDescriptor,
  entry: NamedMessage,
  type: Extract<DeltaType, { kind: 'map' }>,
  path: string,
): MapPlan {
  const keyField = entry.proto.field.find((f) => f.number === 1);
  const valueField = entry.proto.field.find((f) => f.number === 2);
  if (!keyField || !valueField || entry.proto.field.length !== 2) {
    throw new SchemaMismatch(path, `map entry ${entry.name} must have exactly a key (1) and a value (2) field`);
  }
  const keyType = type.keyType;
  const integralKey = keyType.kind === 'primitive' && ['byte', 'short', 'integer', 'long'].includes(keyType.name);
  if (!(keyType.kind === 'primitive' && (keyType.name === 'string' || integralKey))) {
    throw new SchemaMismatch(
      `${path}.key`,
      `map keys of type ${typeLabel(keyType)} cannot be protobuf map keys (string or integral types only)`,
    );
  }
  const key = scalarFor(keyType, resolveField(descriptor, entry, keyField, `${path}.key`), keyField, `${path}.key`);
  const valueType = type.valueType;
  const valuePath = `${path}.value`;
  if (valueType.kind === 'array' || valueType.kind === 'map') throw notExpressible(path, type, 'as a column type');
  const resolvedValue = resolveField(descriptor, entry, valueField, valuePath);
  if (valueType.kind === 'struct') {
    if (resolvedValue.type !== T.MESSAGE) {
      throw new SchemaMismatch(
        valuePath,
        `expected a message value for ${typeLabel(valueType)}, got ${fieldWords(valueField, resolvedValue.words)}`,
      );
    }
    return {
      keyWireType: key.wireType,
      key: key.read,
      valueWireType: WIRE_DELIMITED,
      value: undefined,
      valueMessage: planMessage(descriptor, resolvedValue.message as NamedMessage, valueType.fields, valuePath),
      valueNullable: type.valueContainsNull,
    };
  }
  const value = scalarFor(valueType, resolvedValue, valueField, valuePath);
  return {
    keyWireType: key.wireType,
    key: key.read,
    valueWireType: value.wireType,
    value: value.read,
    valueMessage: undefined,
    valueNullable: type.valueContainsNull,
  };
}

/** The plan of `message` filling the columns (or struct fields) `columns`; `path` is the struct's column path. */
export function planMessage(
  descriptor: RecordDescriptor,
  message: NamedMessage,
  columns: readonly StructField[],
  path: string | undefined,
): MessagePlan {
  const proto: DescriptorProto = message.proto;
  const slotOf = new Map(columns.map((c, i) => [c.name, i]));
  const seenNumbers = new Set<number>();
  const seenNames = new Set<string>();
  const plans: Omit<FieldPlan, 'oneofSiblings'>[] = [];
  for (const field of proto.field) {
    const fieldPath = join(path, field.name);
    if (!Number.isInteger(field.number) || field.number < 1 || field.number > MAX_FIELD_NUMBER) {
      throw new SchemaMismatch(
        fieldPath,
        `field "${field.name}" of ${message.name} has invalid number ${field.number}`,
      );
    }
    if (seenNumbers.has(field.number)) {
      throw new SchemaMismatch(fieldPath, `${message.name} has more than one field with number ${field.number}`);
    }
    if (seenNames.has(field.name))
      throw new SchemaMismatch(fieldPath, `${message.name} has more than one field named "${field.name}"`);
    seenNumbers.add(field.number);
    seenNames.add(field.name);
    const slot = slotOf.get(field.name);
    if (slot === undefined) {
      const where = path === undefined ? 'the table has no such column' : `struct ${path} has no such field`;
      throw new SchemaMismatch(
        fieldPath,
        `descriptor field "${field.name}" (number ${field.number}) of ${message.name} matches no column: ${where} (names are case-sensitive)`,
      );
    }
    plans.push(planField(descriptor, message, field, columns[slot] as StructField, slot, fieldPath));
  }

  // Members of one oneof clear each other when set.
  const oneofSlots = new Map<number, number[]>();
  for (const field of proto.field) {
    if (!inOneof(field)) continue;
    const slots = oneofSlots.get(field.oneofIndex) ?? [];
    slots.push(slotOf.get(field.name) as number);
    oneofSlots.set(field.oneofIndex, slots);
  }
  const fieldPlans: FieldPlan[] = plans.map((plan, i) => {
    const field = proto.field[i] as FieldDescriptorProto;
    const group = inOneof(field) ? oneofSlots.get(field.oneofIndex) : undefined;
    const siblings = group?.filter((s) => s !== plan.slot);
    return { ...plan, oneofSiblings: siblings && siblings.length > 0 ? siblings : undefined };
  });

  const slots = columns.map((column, i): SlotPlan => {
    const field = fieldPlans.find((p) => p.slot === i);
    if (!field && !column.nullable) {
      throw new SchemaMismatch(
        join(path, column.name),
        `NOT NULL ${path === undefined ? 'column' : 'struct field'} has no field in the descriptor's message ${message.name}`,
      );
    }
    return {
      name: column.name,
      segment: fieldSegment(column.name),
      nullable: column.nullable,
      label: typeLabel(column.type),
      field,
    };
  });

  const maxNumber = fieldPlans.reduce((max, p) => Math.max(max, p.number), 0);
  const byNumber: (FieldPlan | undefined)[] = [];
  let sparse: Map<number, FieldPlan> | undefined;
  if (maxNumber < DENSE_LIMIT) {
    for (let n = 0; n <= maxNumber; n++) byNumber.push(fieldPlans.find((p) => p.number === n));
  } else {
    sparse = new Map(fieldPlans.map((p) => [p.number, p]));
  }
  const fieldList = [...fieldPlans]
    .sort((a, b) => a.number - b.number)
    .map((p) => `${p.number} (${p.name})`)
    .join(', ');
  return {
    typeName: message.name,
    names: columns.map((c) => c.name),
    slots,
    byNumber,
    sparse,
    fieldList: fieldList || 'none',
  };
}
