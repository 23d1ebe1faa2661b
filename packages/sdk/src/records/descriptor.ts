/**
 * Descriptor normalization: whatever form the user gives the record's message type in, build
 * the one self-contained DescriptorProto that `create_stream` sends, and compile the encoder
 * from that same DescriptorProto. All three inputs thus take one path, and the server is told
 * exactly the schema the records were encoded with.
 *
 * - protobufjs `Type`: read by duck typing (descriptor-protobufjs.ts);
 * - protobuf-es `DescMessage`: its DescriptorProto plus those of the types it references
 *   (descriptor-es.ts);
 * - serialized DescriptorProto bytes: must already be self-contained. Type names may carry any
 *   package prefix or be relative; they are resolved inside the message. Bytes carry no syntax:
 *   they are read as proto2 unless a field is marked proto3 `optional`, which only proto3 has.
 */

import { create, createFileRegistry, type DescMessage, fromBinary, toBinary } from '@bufbuild/protobuf';
import { type DescriptorProto, DescriptorProtoSchema, FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { ZerobusError } from '../errors.js';
import { esLookup, esTypeSource } from './descriptor-es.js';
import { inlineDescriptor, invalidDescriptor, type TypeLookup, type TypeSource } from './descriptor-inline.js';
import { isProtobufJsType, protobufJsSources } from './descriptor-protobufjs.js';
import { describeValue } from './value-describe.js';

export interface NormalizedDescriptor {
  /** The self-contained DescriptorProto, in explicit proto2 form. */
  readonly proto: DescriptorProto;
  /** `proto`, serialized: the `descriptor_proto` of create_stream. */
  readonly bytes: Uint8Array;
  /** The record's message type, compiled from `proto` alone. */
  readonly message: DescMessage;
  /** The user's name for a type of `message` (inlined types are renamed), for error messages. */
  originalName(fullName: string): string;
}

const SYNTHETIC_FILE = 'zerobus_record.proto';

export function isDescMessage(value: unknown): value is DescMessage {
  const desc = value as DescMessage;
  return (
    typeof value === 'object' &&
    value !== null &&
    desc.kind === 'message' &&
    typeof desc.typeName === 'string' &&
    Array.isArray(desc.fields) &&
    typeof desc.proto === 'object'
  );
}

/** Builds a message type from a self-contained DescriptorProto, as the only message of a package-less file. */
function compileAlone(proto: DescriptorProto, syntax: 'proto2' | 'proto3'): DescMessage {
  const file = create(FileDescriptorProtoSchema, { name: SYNTHETIC_FILE, syntax, messageType: [proto] });
  let message: DescMessage | undefined;
  try {
    message = createFileRegistry(file, () => undefined).getMessage(proto.name);
  } catch (error) {
    throw invalidDescriptor(
      `descriptor of ${proto.name || 'a message'} is not usable: ${(error as Error).message}`,
      error,
    );
  }
  if (!message) throw invalidDescriptor(`descriptor does not define message ${proto.name}`);
  return message;
}

/** Full names (relative to the file) of every message and enum declared inside `proto`. */
function declaredNames(proto: DescriptorProto, prefix: string, into: Set<string>): Set<string> {
  into.add(prefix);
  for (const e of proto.enumType) into.add(`${prefix}.${e.name}`);
  for (const nested of proto.nestedType) declaredNames(nested, `${prefix}.${nested.name}`, into);
  return into;
}

/** Points every type_name of bytes-given descriptors at `.Root…`, whatever package or scope it was written in. */
function localizeNames(root: DescriptorProto): void {
  const names = declaredNames(root, root.name, new Set());
  const absolute = (typeName: string): string | undefined => {
    const segments = typeName.split('.');
    for (let i = 0; i < segments.length; i++) {
      if (segments[i] !== root.name) continue;
      const candidate = segments.slice(i).join('.');
      if (names.has(candidate)) return candidate;
    }
    return undefined;
  };
  const resolve = (typeName: string, scope: string): string | undefined => {
    if (typeName.startsWith('.')) return absolute(typeName.slice(1));
    for (let s = scope; ; ) {
      if (names.has(`${s}.${typeName}`)) return `${s}.${typeName}`;
      const dot = s.lastIndexOf('.');
      if (dot < 0) break;
      s = s.slice(0, dot);
    }
    return names.has(typeName) ? typeName : absolute(typeName);
  };
  const visit = (message: DescriptorProto, scope: string): void => {
    for (const field of message.field) {
      if (!field.typeName) continue;
      const resolved = resolve(field.typeName, scope);
      if (resolved === undefined) {
        throw invalidDescriptor(
          `field ${scope}.${field.name} refers to type ${field.typeName}, which is not nested in ${root.name}: ` +
            'DescriptorProto bytes must be self-contained (pass the protobufjs Type or protobuf-es schema instead ' +
            'to have referenced types inlined)',
        );
      }
      field.typeName = `.${resolved}`;
    }
    for (const nested of message.nestedType) visit(nested, `${scope}.${nested.name}`);
  };
  visit(root, root.name);
}

function usesProto3Optional(proto: DescriptorProto): boolean {
  return proto.field.some((f) => f.proto3Optional) || proto.nestedType.some(usesProto3Optional);
}

function bytesSources(bytes: Uint8Array): { root: TypeSource; lookup: TypeLookup } {
  let proto: DescriptorProto;
  try {
    proto = fromBinary(DescriptorProtoSchema, bytes);
  } catch (error) {
    throw invalidDescriptor(
      `descriptor bytes are not a serialized google.protobuf.DescriptorProto: ${(error as Error).message}`,
      error,
    );
  }
  if (!proto.name) throw invalidDescriptor('descriptor bytes hold a DescriptorProto without a message name');
  localizeNames(proto);
  const message = compileAlone(proto, usesProto3Optional(proto) ? 'proto3' : 'proto2');
  return { root: esTypeSource(message), lookup: () => undefined };
}

function sourcesOf(input: unknown): { root: TypeSource; lookup: TypeLookup } {
  if (input instanceof Uint8Array) return bytesSources(input);
  if (isDescMessage(input)) return { root: esTypeSource(input), lookup: esLookup(input) };
  if (isProtobufJsType(input)) return protobufJsSources(input);
  throw invalidDescriptor(
    `a descriptor must be a protobufjs Type, a protobuf-es message schema (DescMessage) or serialized DescriptorProto bytes, got ${describeValue(input)}`,
  );
}

export function normalizeDescriptor(input: unknown): NormalizedDescriptor {
  try {
    const { root, lookup } = sourcesOf(input);
    const { proto, originalName } = inlineDescriptor(root, lookup);
    const message = compileAlone(proto, 'proto2');
    return { proto, bytes: toBinary(DescriptorProtoSchema, proto), message, originalName };
  } catch (error) {
    if (error instanceof ZerobusError) throw error;
    throw invalidDescriptor(`descriptor is not usable: ${(error as Error).message}`, error);
  }
}
