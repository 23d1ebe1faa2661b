/**
 * Type sources for protobufjs reflection objects, read by duck typing so that the SDK does
 * not depend on protobufjs. DescriptorProtos are built from protobufjs's resolved view of each
 * field (`packed`, `required`, `delimited`, resolved types), in the explicit proto2 form the rest
 * of the records layer uses (see descriptor-es.ts).
 */

import { create } from '@bufbuild/protobuf';
import {
  type DescriptorProto,
  DescriptorProtoSchema,
  type EnumDescriptorProto,
  EnumDescriptorProtoSchema,
  type FieldDescriptorProto,
  FieldDescriptorProtoSchema,
  FieldOptionsSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
} from '@bufbuild/protobuf/wkt';
import { invalidDescriptor, type TypeLookup, type TypeSource, trimDot } from './descriptor-inline.js';

/** What the SDK needs to recognise a protobufjs `Type`; everything else is read by duck typing. */
export interface ProtobufJsTypeLike {
  readonly name: string;
  readonly fullName: string;
  readonly fieldsArray: readonly object[];
}

interface PbjsObject {
  readonly name: string;
  readonly fullName: string;
  readonly parent?: PbjsObject | null;
  readonly nestedArray?: readonly PbjsObject[];
}

interface PbjsType extends PbjsObject {
  readonly fieldsArray: readonly PbjsField[];
  readonly oneofsArray?: readonly PbjsOneof[];
  readonly root?: { resolveAll?(): unknown } | null;
  resolveAll?(): unknown;
}

interface PbjsEnum extends PbjsObject {
  readonly values: Record<string, number>;
}

interface PbjsOneof {
  readonly name: string;
  readonly fieldsArray?: readonly PbjsField[];
}

interface PbjsField {
  readonly name: string;
  readonly protoName?: string;
  readonly jsonName?: string;
  readonly id: number;
  readonly type: string;
  readonly repeated?: boolean;
  readonly required?: boolean;
  readonly rule?: string;
  readonly packed?: boolean;
  readonly delimited?: boolean;
  readonly map?: boolean;
  readonly keyType?: string;
  readonly resolvedType?: PbjsObject | null;
  readonly partOf?: PbjsOneof | null;
  readonly declaringField?: unknown;
  readonly options?: Record<string, unknown>;
  resolve?(): unknown;
}

const SCALARS: Record<string, Type> = {
  double: Type.DOUBLE,
  float: Type.FLOAT,
  int64: Type.INT64,
  uint64: Type.UINT64,
  int32: Type.INT32,
  fixed64: Type.FIXED64,
  fixed32: Type.FIXED32,
  bool: Type.BOOL,
  string: Type.STRING,
  bytes: Type.BYTES,
  uint32: Type.UINT32,
  sfixed32: Type.SFIXED32,
  sfixed64: Type.SFIXED64,
  sint32: Type.SINT32,
  sint64: Type.SINT64,
};

export function isProtobufJsType(value: unknown): value is ProtobufJsTypeLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as PbjsType).fieldsArray) &&
    typeof (value as PbjsType).fullName === 'string'
  );
}

function isType(value: unknown): value is PbjsType {
  return isProtobufJsType(value);
}

function isEnum(value: unknown): value is PbjsEnum {
  return (
    typeof value === 'object' && value !== null && !isType(value) && typeof (value as PbjsEnum).values === 'object'
  );
}

function isSyntheticOneof(oneof: PbjsOneof): boolean {
  const fields = oneof.fieldsArray ?? [];
  return fields.length === 1 && fields[0]?.options?.proto3_optional === true;
}

/** protoc's map entry name: `string_map` → `StringMapEntry`. */
function mapEntryName(fieldName: string): string {
  const camel = fieldName.replace(/_+([a-z0-9]?)/gi, (_m, c: string) => c.toUpperCase());
  return `${camel.charAt(0).toUpperCase()}${camel.slice(1)}Entry`;
}

function valueType(owner: PbjsType, field: PbjsField, typeName: string): { type: Type; typeName?: string } {
  const scalar = SCALARS[typeName];
  if (scalar !== undefined) return { type: scalar };
  if (!field.resolvedType) field.resolve?.();
  const resolved = field.resolvedType;
  if (!resolved) throw invalidDescriptor(`field ${owner.fullName}.${field.name}: type ${typeName} is not resolved`);
  if (isEnum(resolved)) return { type: Type.ENUM, typeName: resolved.fullName };
  const group = field.delimited ?? (resolved as { group?: boolean }).group === true;
  return { type: group ? Type.GROUP : Type.MESSAGE, typeName: resolved.fullName };
}

function fieldProto(
  owner: PbjsType,
  field: PbjsField,
  oneofs: PbjsOneof[],
  entries: DescriptorProto[],
): FieldDescriptorProto {
  const name = field.protoName ?? field.name;
  const proto = create(FieldDescriptorProtoSchema, { name, number: field.id, label: Label.OPTIONAL });
  if (field.jsonName) proto.jsonName = field.jsonName;
  if (field.map) {
    const entryName = mapEntryName(name);
    const keyType = SCALARS[field.keyType ?? ''];
    if (keyType === undefined)
      throw invalidDescriptor(`map field ${owner.fullName}.${name} has key type ${field.keyType}`);
    entries.push(
      create(DescriptorProtoSchema, {
        name: entryName,
        field: [
          { name: 'key', number: 1, label: Label.OPTIONAL, type: keyType, jsonName: 'key' },
          {
            name: 'value',
            number: 2,
            label: Label.OPTIONAL,
            jsonName: 'value',
            ...valueType(owner, field, field.type),
          },
        ],
        options: { mapEntry: true },
      }),
    );
    proto.label = Label.REPEATED;
    proto.type = Type.MESSAGE;
    proto.typeName = `${owner.fullName}.${entryName}`;
    return proto;
  }
  Object.assign(proto, valueType(owner, field, field.type));
  if (field.repeated) {
    proto.label = Label.REPEATED;
    const packable =
      proto.type !== Type.STRING &&
      proto.type !== Type.BYTES &&
      proto.type !== Type.MESSAGE &&
      proto.type !== Type.GROUP;
    if (packable && (field.packed || field.options?.packed === true))
      proto.options = create(FieldOptionsSchema, { packed: true });
  } else if (field.required || field.rule === 'required') {
    proto.label = Label.REQUIRED;
  }
  const oneof = field.partOf ? oneofs.indexOf(field.partOf) : -1;
  if (oneof >= 0) proto.oneofIndex = oneof;
  return proto;
}

function messageProto(type: PbjsType): DescriptorProto {
  const nested: DescriptorProto[] = [];
  const enums: EnumDescriptorProto[] = [];
  for (const child of type.nestedArray ?? []) {
    if (isType(child)) nested.push(messageProto(child));
    else if (isEnum(child)) enums.push(enumProto(child));
  }
  const oneofs = (type.oneofsArray ?? []).filter((o) => !isSyntheticOneof(o));
  const fields = type.fieldsArray.filter((f) => !f.declaringField).map((f) => fieldProto(type, f, oneofs, nested));
  return create(DescriptorProtoSchema, {
    name: type.name,
    field: fields,
    nestedType: nested,
    enumType: enums,
    oneofDecl: oneofs.map((o) => ({ name: o.name })),
  });
}

function enumProto(e: PbjsEnum): EnumDescriptorProto {
  const values = Object.entries(e.values).map(([name, number]) => ({ name, number }));
  const aliased = new Set(values.map((v) => v.number)).size !== values.length;
  return create(EnumDescriptorProtoSchema, {
    name: e.name,
    value: values,
    ...(aliased ? { options: { allowAlias: true } } : {}),
  });
}

function pbjsSource(object: PbjsType | PbjsEnum): TypeSource {
  const parent = object.parent && isType(object.parent) ? trimDot(object.parent.fullName) : undefined;
  return isType(object)
    ? { fullName: trimDot(object.fullName), kind: 'message', parent, copy: () => messageProto(object) }
    : { fullName: trimDot(object.fullName), kind: 'enum', parent, copy: () => enumProto(object) };
}

function resolveFields(type: PbjsType): void {
  for (const field of type.fieldsArray) field.resolve?.();
  for (const child of type.nestedArray ?? []) if (isType(child)) resolveFields(child);
}

/** Resolves the protobufjs tree and returns the root type's source and a lookup over its whole root. */
export function protobufJsSources(input: ProtobufJsTypeLike): { root: TypeSource; lookup: TypeLookup } {
  const type = input as PbjsType;
  let top: PbjsObject = type;
  while (top.parent) top = top.parent;
  try {
    const resolvable = (type.root ?? top) as { resolveAll?(): unknown };
    if (typeof resolvable.resolveAll === 'function') resolvable.resolveAll();
  } catch (error) {
    // A Type built by hand outside any Root has no edition, and resolveAll() fails on its
    // features; its fields can still be resolved one by one (then the rule and `packed` option
    // decide, as in proto2).
    try {
      resolveFields(type);
    } catch {
      throw invalidDescriptor(
        `protobufjs type ${type.fullName} cannot be resolved: ${(error as Error).message}`,
        error,
      );
    }
  }
  const types = new Map<string, PbjsType | PbjsEnum>();
  const walk = (ns: PbjsObject): void => {
    for (const child of ns.nestedArray ?? []) {
      if (isType(child) || isEnum(child)) types.set(trimDot(child.fullName), child);
      walk(child);
    }
  };
  walk(top);
  types.set(trimDot(type.fullName), type);
  return {
    root: pbjsSource(type),
    lookup: (fullName) => {
      const found = types.get(fullName);
      return found ? pbjsSource(found) : undefined;
    },
  };
}
