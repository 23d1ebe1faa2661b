/**
 * Reading the stream's `descriptor_proto`: a serialized google.protobuf.DescriptorProto holding
 * the record's message type with every type it uses nested inside it (PROTOCOL.md §1). This is
 * the cold path (once per stream), so it uses `@bufbuild/protobuf`'s generated descriptor
 * types; the hot path (records) has its own decoder (proto-decoder.ts).
 *
 * Type names are resolved the way the SDK writes and reads them (packages/sdk records/
 * descriptor.ts): the receiver knows neither file nor package, so an absolute name
 * (`.pkg.Row.Reading`) is found by the segment where the root message's name starts, and a
 * relative one (`Reading`) by protobuf's scope rules, innermost scope first.
 */

import { fromBinary, isFieldSet } from '@bufbuild/protobuf';
import {
  type DescriptorProto,
  DescriptorProtoSchema,
  type EnumDescriptorProto,
  type FieldDescriptorProto,
  type FieldDescriptorProto_Type,
  FieldDescriptorProtoSchema,
} from '@bufbuild/protobuf/wkt';
import { SchemaMismatch } from './errors.js';

export interface NamedMessage {
  /** Full name inside the root: `Row`, `Row.Reading`. */
  readonly name: string;
  readonly proto: DescriptorProto;
}

export interface NamedEnum {
  readonly name: string;
  readonly proto: EnumDescriptorProto;
}

export interface RecordDescriptor {
  readonly root: NamedMessage;
  /** The message or enum a field of the message named `scope` refers to, or undefined. */
  resolve(field: FieldDescriptorProto, scope: string): NamedMessage | NamedEnum | undefined;
}

export function isNamedEnum(type: NamedMessage | NamedEnum): type is NamedEnum {
  return 'value' in type.proto;
}

/** Whether `field` belongs to a real oneof (not the synthetic one of a proto3 `optional`). */
export function inOneof(field: FieldDescriptorProto): boolean {
  return isFieldSet(field, FieldDescriptorProtoSchema.field.oneofIndex) && !field.proto3Optional;
}

/** The field's declared type; unset in hand-made descriptors that only name the type, so undefined then. */
export function declaredType(field: FieldDescriptorProto): FieldDescriptorProto_Type | undefined {
  return isFieldSet(field, FieldDescriptorProtoSchema.field.type) ? field.type : undefined;
}

export function readDescriptor(bytes: Uint8Array): RecordDescriptor {
  if (bytes.length === 0) {
    throw new SchemaMismatch(undefined, 'proto streams need descriptor_proto (the record message descriptor)');
  }
  let root: DescriptorProto;
  try {
    root = fromBinary(DescriptorProtoSchema, bytes);
  } catch (error) {
    throw new SchemaMismatch(
      undefined,
      `descriptor_proto is not a valid google.protobuf.DescriptorProto (${(error as Error).message})`,
    );
  }
  if (!root.name) throw new SchemaMismatch(undefined, 'descriptor_proto has no message name');

  const types = new Map<string, NamedMessage | NamedEnum>();
  const collect = (message: DescriptorProto, name: string): void => {
    types.set(name, { name, proto: message });
    for (const e of message.enumType) types.set(`${name}.${e.name}`, { name: `${name}.${e.name}`, proto: e });
    for (const nested of message.nestedType) collect(nested, `${name}.${nested.name}`);
  };
  collect(root, root.name);

  const absolute = (typeName: string): NamedMessage | NamedEnum | undefined => {
    const segments = typeName.split('.');
    for (let i = 0; i < segments.length; i++) {
      if (segments[i] !== root.name) continue;
      const found = types.get(segments.slice(i).join('.'));
      if (found) return found;
    }
    return undefined;
  };

  return {
    root: { name: root.name, proto: root },
    resolve(field, scope) {
      const typeName = field.typeName;
      if (!typeName) return undefined;
      if (typeName.startsWith('.')) return absolute(typeName.slice(1));
      for (let s = scope; ; ) {
        const found = types.get(`${s}.${typeName}`);
        if (found) return found;
        const dot = s.lastIndexOf('.');
        if (dot < 0) break;
        s = s.slice(0, dot);
      }
      return types.get(typeName) ?? absolute(typeName);
    },
  };
}
