/**
 * Turns a message type and the types it references into ONE self-contained DescriptorProto:
 * `create_stream` carries a single DescriptorProto (PROTOCOL.md §1), so every message or enum
 * declared outside the record's message is copied in as a nested type and every `type_name`
 * is rewritten to point at the copy.
 *
 * Names are rewritten as if the record's message were the only message of a file without a
 * package (`.Record`, `.Record.Nested`), since the receiver knows neither file nor package.
 * Each referenced type is copied once; recursion and cycles resolve to that one copy.
 */

import type { DescriptorProto, EnumDescriptorProto } from '@bufbuild/protobuf/wkt';
import { NonRetriableError } from '../errors.js';

/** A named type the inliner may copy; `copy()` returns a fresh object it may change. */
export interface TypeSource {
  /** Fully qualified name without the leading dot. */
  readonly fullName: string;
  readonly kind: 'message' | 'enum';
  /** Full name of the message it is nested in, if any. */
  readonly parent: string | undefined;
  copy(): DescriptorProto | EnumDescriptorProto;
}

export type TypeLookup = (fullName: string) => TypeSource | undefined;

export function trimDot(typeName: string): string {
  return typeName.startsWith('.') ? typeName.slice(1) : typeName;
}

function isWithin(name: string, scope: string): boolean {
  return name === scope || name.startsWith(`${scope}.`);
}

function forEachMessage(proto: DescriptorProto, visit: (message: DescriptorProto) => void): void {
  visit(proto);
  for (const nested of proto.nestedType) forEachMessage(nested, visit);
}

export function invalidDescriptor(message: string, cause?: unknown): NonRetriableError {
  return new NonRetriableError('INVALID_DESCRIPTOR', message, cause === undefined ? {} : { cause });
}

interface Copied {
  readonly source: TypeSource;
  readonly proto: DescriptorProto | EnumDescriptorProto;
}

export interface InlinedDescriptor {
  readonly proto: DescriptorProto;
  /** The user's own full name of an inlined type (`Record.Location` → `common.v1.Location`), for messages. */
  originalName(fullName: string): string;
}

/** Replaces the longest prefix of `name` found in `names` (on dot boundaries). */
function replacePrefix(name: string, names: Map<string, string>): string | undefined {
  for (let prefix = name; ; ) {
    const target = names.get(prefix);
    if (target !== undefined) return `${target}${name.slice(prefix.length)}`;
    const dot = prefix.lastIndexOf('.');
    if (dot < 0) return undefined;
    prefix = prefix.slice(0, dot);
  }
}

export function inlineDescriptor(root: TypeSource, lookup: TypeLookup): InlinedDescriptor {
  const rootProto = root.copy() as DescriptorProto;
  const rootName = rootProto.name;

  // Every type reachable from the root (through the copies' fields, nested types included).
  const closure = new Map<string, Copied>();
  const collect = (proto: DescriptorProto): void => {
    forEachMessage(proto, (message) => {
      message.extension = []; // extensions name outside extendees and encode nothing here
      for (const field of message.field) {
        if (!field.typeName) continue;
        const name = trimDot(field.typeName);
        if (isWithin(name, root.fullName) || closure.has(name)) continue;
        const source = lookup(name);
        if (!source) {
          throw invalidDescriptor(
            `field ${message.name}.${field.name} refers to type ${field.typeName}, which cannot be found`,
          );
        }
        const copy = source.copy();
        closure.set(name, { source, proto: copy });
        if (source.kind === 'message') collect(copy as DescriptorProto);
      }
    });
  };
  collect(rootProto);

  // A type nested in another copied type travels inside that copy; the others become units.
  const hasCopiedAncestor = (source: TypeSource): boolean => {
    for (let parent = source.parent; parent !== undefined; parent = lookup(parent)?.parent) {
      if (closure.has(parent)) return true;
    }
    return false;
  };
  const taken = new Set<string>([
    ...rootProto.nestedType.map((m) => m.name),
    ...rootProto.enumType.map((e) => e.name),
    ...rootProto.field.map((f) => f.name),
    ...rootProto.oneofDecl.map((o) => o.name),
  ]);
  const renamed = new Map<string, string>([[root.fullName, rootName]]);
  const units: Copied[] = [];
  for (const [fullName, copied] of closure) {
    if (hasCopiedAncestor(copied.source)) continue;
    const base = copied.proto.name;
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    copied.proto.name = name;
    renamed.set(fullName, `${rootName}.${name}`);
    units.push(copied);
  }

  // The longest renamed prefix of a name decides where it now lives.
  const rename = (typeName: string): string => {
    const name = replacePrefix(trimDot(typeName), renamed);
    if (name === undefined) throw invalidDescriptor(`type ${typeName} could not be inlined`);
    return `.${name}`;
  };
  const rewrite = (proto: DescriptorProto): void => {
    forEachMessage(proto, (message) => {
      for (const field of message.field) if (field.typeName) field.typeName = rename(field.typeName);
    });
  };
  rewrite(rootProto);
  for (const unit of units) {
    if (unit.source.kind === 'message') {
      rewrite(unit.proto as DescriptorProto);
      rootProto.nestedType.push(unit.proto as DescriptorProto);
    } else {
      rootProto.enumType.push(unit.proto as EnumDescriptorProto);
    }
  }
  const original = new Map([...renamed].map(([from, to]) => [to, from]));
  return { proto: rootProto, originalName: (fullName) => replacePrefix(fullName, original) ?? fullName };
}
