/**
 * Type sources for protobuf-es v2 schemas (`DescMessage`): copies of their DescriptorProtos,
 * made explicit so they mean the same thing under proto2 rules.
 *
 * The DescriptorProto sent to the server carries no syntax or edition, and the normalized
 * descriptor is compiled as proto2. What proto3 and editions leave implicit is therefore written
 * out from protobuf-es's resolved view of each field: `required` labels (LEGACY_REQUIRED),
 * `packed` options (proto3 packs by default, proto2 does not), group encoding (DELIMITED).
 * Features and proto3 `optional` markers (and their synthetic oneofs) are dropped; under proto2
 * every singular field has presence already.
 */

import {
  clearField,
  clone,
  create,
  type DescEnum,
  type DescField,
  type DescFile,
  type DescMessage,
  isFieldSet,
} from '@bufbuild/protobuf';
import {
  type DescriptorProto,
  DescriptorProtoSchema,
  type EnumDescriptorProto,
  EnumDescriptorProtoSchema,
  FeatureSet_FieldPresence,
  type FieldDescriptorProto,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FieldDescriptorProtoSchema,
  FieldOptionsSchema,
} from '@bufbuild/protobuf/wkt';
import type { TypeLookup, TypeSource } from './descriptor-inline.js';

type Options = { features?: unknown } | undefined;

function dropFeatures(options: Options): void {
  if (options && 'features' in options) options.features = undefined;
}

function explicitField(proto: FieldDescriptorProto, field: DescField | undefined): void {
  if (proto.proto3Optional) {
    clearField(proto, FieldDescriptorProtoSchema.field.proto3Optional);
    clearField(proto, FieldDescriptorProtoSchema.field.oneofIndex);
  }
  dropFeatures(proto.options);
  if (!field) return;
  if (field.presence === FeatureSet_FieldPresence.LEGACY_REQUIRED) proto.label = FieldDescriptorProto_Label.REQUIRED;
  // Unpacked is the proto2 default, so only packing is written out.
  if (field.fieldKind === 'list' && field.packed) {
    proto.options ??= create(FieldOptionsSchema);
    proto.options.packed = true;
  } else if (proto.options) {
    clearField(proto.options, FieldOptionsSchema.field.packed);
  }
  const delimited =
    (field.fieldKind === 'message' || (field.fieldKind === 'list' && field.listKind === 'message')) &&
    field.delimitedEncoding;
  if (delimited) proto.type = FieldDescriptorProto_Type.GROUP;
}

function explicitMessage(proto: DescriptorProto, desc: DescMessage | undefined): void {
  dropFeatures(proto.options);
  // Synthetic oneofs exist only to mark proto3 `optional`; remove them and renumber the rest.
  const synthetic = new Set<number>();
  for (const f of proto.field) if (f.proto3Optional) synthetic.add(f.oneofIndex);
  const renumber: number[] = [];
  proto.oneofDecl = proto.oneofDecl.filter((oneof, i) => {
    renumber[i] = i - [...synthetic].filter((s) => s < i).length;
    dropFeatures(oneof.options);
    return !synthetic.has(i);
  });
  for (const f of proto.field) {
    explicitField(
      f,
      desc?.fields.find((d) => d.number === f.number),
    );
    if (isFieldSet(f, FieldDescriptorProtoSchema.field.oneofIndex))
      f.oneofIndex = renumber[f.oneofIndex] ?? f.oneofIndex;
  }
  for (const nested of proto.nestedType) {
    explicitMessage(
      nested,
      desc?.nestedMessages.find((m) => m.name === nested.name),
    );
  }
  for (const e of proto.enumType) explicitEnum(e);
}

function explicitEnum(proto: EnumDescriptorProto): void {
  dropFeatures(proto.options);
  for (const value of proto.value) dropFeatures(value.options);
}

function collectFile(file: DescFile, into: Map<string, DescMessage | DescEnum>, seen: Set<DescFile>): void {
  if (seen.has(file)) return;
  seen.add(file);
  const addMessage = (m: DescMessage): void => {
    into.set(m.typeName, m);
    for (const e of m.nestedEnums) into.set(e.typeName, e);
    for (const n of m.nestedMessages) addMessage(n);
  };
  for (const m of file.messages) addMessage(m);
  for (const e of file.enums) into.set(e.typeName, e);
  for (const dep of file.dependencies) collectFile(dep, into, seen);
}

export function esTypeSource(desc: DescMessage | DescEnum): TypeSource {
  return {
    fullName: desc.typeName,
    kind: desc.kind,
    parent: desc.parent?.typeName,
    copy: () => {
      if (desc.kind === 'enum') {
        const proto = clone(EnumDescriptorProtoSchema, desc.proto);
        explicitEnum(proto);
        return proto;
      }
      const proto = clone(DescriptorProtoSchema, desc.proto);
      explicitMessage(proto, desc);
      return proto;
    },
  };
}

/** Every message and enum visible from the schema's file and its imports, by full name. */
export function esLookup(desc: DescMessage): TypeLookup {
  const types = new Map<string, DescMessage | DescEnum>();
  collectFile(desc.file, types, new Set());
  types.set(desc.typeName, desc);
  return (fullName) => {
    const found = types.get(fullName);
    return found ? esTypeSource(found) : undefined;
  };
}
