/**
 * Proto test fixtures: a `.proto` text parsed by protobufjs (to encode payloads) and the same
 * message type as a self-contained DescriptorProto built with protobuf-es (what a client sends
 * in create_stream). Every type the record uses must be nested inside the record's message;
 * type names are written fully qualified with the package, as protoc would.
 */

import { create, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import {
  type DescriptorProto,
  DescriptorProtoSchema,
  type EnumDescriptorProto,
  EnumDescriptorProtoSchema,
  FieldDescriptorProtoSchema,
  FieldDescriptorProto_Label as Label,
  MessageOptionsSchema,
  FieldDescriptorProto_Type as T,
} from '@bufbuild/protobuf/wkt';
import protobuf from 'protobufjs';

interface FieldInit {
  type: T;
  typeName?: string;
}

const SCALARS: Record<string, T> = {
  double: T.DOUBLE,
  float: T.FLOAT,
  int64: T.INT64,
  uint64: T.UINT64,
  int32: T.INT32,
  fixed64: T.FIXED64,
  fixed32: T.FIXED32,
  bool: T.BOOL,
  string: T.STRING,
  bytes: T.BYTES,
  uint32: T.UINT32,
  sfixed32: T.SFIXED32,
  sfixed64: T.SFIXED64,
  sint32: T.SINT32,
  sint64: T.SINT64,
};

function entryName(fieldName: string): string {
  return `${fieldName.replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase())}Entry`;
}

function scalarOrNamed(
  type: protobuf.Type,
  typeName: string,
  resolved: protobuf.Type | protobuf.Enum | null,
): FieldInit {
  const scalar = SCALARS[typeName];
  if (scalar !== undefined) return { type: scalar };
  if (!resolved) throw new Error(`unresolved type ${typeName} in ${type.fullName}`);
  return {
    type: resolved instanceof protobuf.Enum ? T.ENUM : T.MESSAGE,
    typeName: resolved.fullName, // `.pkg.Row.Nested`
  };
}

function enumProto(e: protobuf.Enum): EnumDescriptorProto {
  return create(EnumDescriptorProtoSchema, {
    name: e.name,
    value: Object.entries(e.values).map(([name, number]) => ({ name, number })),
  });
}

function messageProto(type: protobuf.Type): DescriptorProto {
  const nested: DescriptorProto[] = [];
  const enums: EnumDescriptorProto[] = [];
  for (const n of type.nestedArray) {
    if (n instanceof protobuf.Type) nested.push(messageProto(n));
    else if (n instanceof protobuf.Enum) enums.push(enumProto(n));
  }
  const oneofs = type.oneofsArray;
  const fields = type.fieldsArray.map((f) => {
    const base: { name: string; number: number; oneofIndex?: number } = { name: f.name, number: f.id };
    const oneofIndex = f.partOf ? oneofs.indexOf(f.partOf) : -1;
    if (oneofIndex >= 0) base.oneofIndex = oneofIndex;
    if (f instanceof protobuf.MapField) {
      const entry = entryName(f.name);
      nested.push(
        create(DescriptorProtoSchema, {
          name: entry,
          options: create(MessageOptionsSchema, { mapEntry: true }),
          field: [
            create(FieldDescriptorProtoSchema, {
              name: 'key',
              number: 1,
              label: Label.OPTIONAL,
              ...scalarOrNamed(type, f.keyType, null),
            }),
            create(FieldDescriptorProtoSchema, {
              name: 'value',
              number: 2,
              label: Label.OPTIONAL,
              ...scalarOrNamed(type, f.type, f.resolvedType),
            }),
          ],
        }),
      );
      return create(FieldDescriptorProtoSchema, {
        ...base,
        label: Label.REPEATED,
        type: T.MESSAGE,
        typeName: `${type.fullName}.${entry}`,
      });
    }
    const label = f.repeated ? Label.REPEATED : f.required ? Label.REQUIRED : Label.OPTIONAL;
    return create(FieldDescriptorProtoSchema, { ...base, label, ...scalarOrNamed(type, f.type, f.resolvedType) });
  });
  return create(DescriptorProtoSchema, {
    name: type.name,
    field: fields,
    nestedType: nested,
    enumType: enums,
    oneofDecl: oneofs.map((o) => ({ name: o.name })),
  });
}

export interface ProtoFixture {
  readonly type: protobuf.Type;
  readonly descriptorProto: DescriptorProto;
  /** The serialized DescriptorProto, as create_stream carries it. */
  readonly descriptor: Uint8Array;
  /** Encodes a record (64-bit values as decimal strings: protobufjs ignores bigint). */
  encode(record: Record<string, unknown>): Uint8Array;
}

/** Parses `source` (proto2; its messages in `package test`) and returns the message `name`. */
export function protoFixture(source: string, name = 'Row'): ProtoFixture {
  const text = source.includes('syntax') ? source : `syntax = "proto2";\npackage test;\n${source}`;
  const root = protobuf.parse(text, { keepCase: true }).root;
  root.resolveAll();
  const type = root.lookupType(name.includes('.') ? name : `test.${name}`);
  const descriptorProto = messageProto(type);
  return {
    type,
    descriptorProto,
    descriptor: toBinary(DescriptorProtoSchema, descriptorProto),
    encode: (record) => type.encode(type.fromObject(record)).finish(),
  };
}

/** Serializes a hand-built DescriptorProto. */
export function descriptorBytes(init: MessageInitShape<typeof DescriptorProtoSchema>): Uint8Array {
  return toBinary(DescriptorProtoSchema, create(DescriptorProtoSchema, init));
}

export { Label, T };
