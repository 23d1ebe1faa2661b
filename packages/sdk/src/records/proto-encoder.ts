/**
 * A protobuf encoder for plain objects, compiled once per message type from its descriptor.
 *
 * Compilation turns every field into a closure that writes its tag and value, so encoding a
 * record is a loop over precomputed field plans with no descriptor lookups. Fields are written
 * in field-number order, like protoc and protobufjs. Every value the user set (not `undefined`
 * or `null`) is written, zero values included, as proto2 requires: the descriptor is always the
 * normalized proto2 form (see descriptor-es.ts), so an explicit 0 reaches the table as 0, not
 * NULL, even where a proto3 encoder would have skipped it.
 */

import type { DescEnum, DescField, DescMessage } from '@bufbuild/protobuf';
import { FeatureSet_FieldPresence } from '@bufbuild/protobuf/wkt';
import { addSegment, indexSegment, RecordFault } from './fault.js';
import { checkKeys, type FieldPlan, type MessagePlan, oneofClash, readField } from './proto-keys.js';
import {
  fixedWidth,
  mapKeyFromString,
  SCALAR_NAMES,
  scalarWireType,
  scalarWriter,
  type ValueWriter,
  WireType,
} from './proto-scalars.js';
import type { ProtoWriter } from './proto-writer.js';

export type { MessagePlan } from './proto-keys.js';

const PROTOTYPE_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

/** protoc's default JSON name: `device_name` → `deviceName`. */
export function jsonNameOf(protoName: string): string {
  return protoName.replace(/_+([a-z0-9]?)/gi, (_m, c: string) => c.toUpperCase());
}

function tagOf(number: number, wireType: number): number {
  return ((number << 3) | wireType) >>> 0;
}

interface CompileContext {
  readonly plans: Map<string, MessagePlan>;
  /** The name to show users for a message type. */
  readonly displayName: (typeName: string) => string;
}

/** Compiles a message type (and, lazily, those it uses); `displayName` names types in errors. */
export function compileMessage(desc: DescMessage, displayName: (typeName: string) => string = (n) => n): MessagePlan {
  return compileWith(desc, { plans: new Map(), displayName });
}

function compileWith(desc: DescMessage, cache: CompileContext): MessagePlan {
  const cached = cache.plans.get(desc.typeName);
  if (cached) return cached;
  const plan: MessagePlan = { typeName: cache.displayName(desc.typeName), fields: [], byName: new Map() };
  cache.plans.set(desc.typeName, plan);
  const oneofBits = new Map(desc.oneofs.map((o, i) => [o, i < 31 ? 1 << i : 0]));
  const aliasesOf = (field: DescField) => [field.jsonName || jsonNameOf(field.name), field.localName];
  // A field's proto name always means that field: an alias (JSON or local name) that is another
  // field's proto name, or that two fields share (`a_b` and `aB` both give `aB`), is dropped, so
  // one key can never be written to two fields.
  const protoNames = new Set(desc.fields.map((f) => f.name));
  const aliasCount = new Map<string, number>();
  for (const field of desc.fields) {
    for (const alias of new Set(aliasesOf(field).filter((a) => a !== field.name))) {
      aliasCount.set(alias, (aliasCount.get(alias) ?? 0) + 1);
    }
  }
  const usable = (alias: string) => !protoNames.has(alias) && aliasCount.get(alias) === 1;
  for (const field of [...desc.fields].sort((a, b) => a.number - b.number)) {
    const names = [...new Set([field.name, ...aliasesOf(field).filter(usable)])];
    const fieldPlan: FieldPlan = {
      names,
      ownOnly: names.some((n) => PROTOTYPE_KEYS.has(n)),
      required: field.presence === FeatureSet_FieldPresence.LEGACY_REQUIRED,
      oneofBit: field.oneof ? (oneofBits.get(field.oneof) ?? 0) : 0,
      oneofName: field.oneof?.name,
      write: compileField(field, cache),
    };
    plan.fields.push(fieldPlan);
    for (const name of names) plan.byName.set(name, fieldPlan);
  }
  return plan;
}

function compileField(field: DescField, cache: CompileContext): ValueWriter {
  const n = field.number;
  switch (field.fieldKind) {
    case 'scalar':
      return tagged(tagOf(n, scalarWireType(field.scalar)), scalarWriter(field.scalar));
    case 'enum':
      return tagged(tagOf(n, WireType.VARINT), enumWriter(field.enum));
    case 'message':
      return messageWriter(n, field.message, field.delimitedEncoding, cache);
    case 'list': {
      if (field.listKind === 'message') {
        return listWriter(
          messageWriter(n, field.message, field.delimitedEncoding, cache),
          `message ${cache.displayName(field.message.typeName)}`,
        );
      }
      const [element, name, wireType] =
        field.listKind === 'enum'
          ? [enumWriter(field.enum), `enum ${field.enum.name}`, WireType.VARINT]
          : [scalarWriter(field.scalar), SCALAR_NAMES[field.scalar], scalarWireType(field.scalar)];
      if (field.packed) {
        const width = field.listKind === 'scalar' ? fixedWidth(field.scalar) : 0;
        return packedWriter(tagOf(n, WireType.LEN), element, width, name);
      }
      return listWriter(tagged(tagOf(n, wireType), element), name);
    }
    case 'map':
      return mapWriter(field, cache);
  }
}

function tagged(tag: number, write: ValueWriter): ValueWriter {
  return (w, v) => {
    w.uint32(tag);
    write(w, v);
  };
}

function enumWriter(desc: DescEnum): ValueWriter {
  const numbers = new Set(desc.values.map((v) => v.number));
  const byName = new Map(desc.values.map((v) => [v.name, v.number]));
  const shown = desc.values.slice(0, 6).map((v) => v.name);
  const expected = `enum ${desc.name} (${shown.join(', ')}${desc.values.length > 6 ? ', …' : ''} or their numbers)`;
  return (w, v) => {
    // Unknown numbers are refused: a server that reads the enum as closed would drop them.
    if (typeof v === 'number' && numbers.has(v)) return w.int32(v);
    const number = typeof v === 'string' ? byName.get(v) : undefined;
    if (number === undefined) throw RecordFault.mismatch(expected, v);
    w.int32(number);
  };
}

function messageWriter(n: number, desc: DescMessage, delimited: boolean, cache: CompileContext): ValueWriter {
  let plan: MessagePlan | undefined;
  if (delimited) {
    const start = tagOf(n, WireType.SGROUP);
    const end = tagOf(n, WireType.EGROUP);
    return (w, v) => {
      plan ??= compileWith(desc, cache);
      w.uint32(start);
      encodeMessage(plan, w, v);
      w.uint32(end);
    };
  }
  const tag = tagOf(n, WireType.LEN);
  return (w, v) => {
    plan ??= compileWith(desc, cache);
    w.uint32(tag);
    const at = w.fork();
    encodeMessage(plan, w, v);
    w.join(at);
  };
}

function expectArray(value: unknown, element: string): readonly unknown[] {
  if (!Array.isArray(value)) throw RecordFault.mismatch(`an array of ${element}`, value);
  return value;
}

function listWriter(writeOne: ValueWriter, element: string): ValueWriter {
  return (w, v) => {
    const list = expectArray(v, element);
    let i = 0;
    try {
      for (; i < list.length; i++) {
        const item = list[i];
        if (item == null) throw RecordFault.mismatch(element, item);
        writeOne(w, item);
      }
    } catch (error) {
      throw addSegment(error, indexSegment(i));
    }
  };
}

function packedWriter(tag: number, writeOne: ValueWriter, width: number, element: string): ValueWriter {
  return (w, v) => {
    const list = expectArray(v, element);
    if (list.length === 0) return;
    w.uint32(tag);
    const at = width > 0 ? -1 : w.fork();
    if (width > 0) w.uint32(list.length * width);
    let i = 0;
    try {
      for (; i < list.length; i++) writeOne(w, list[i]);
    } catch (error) {
      throw addSegment(error, indexSegment(i));
    }
    if (at >= 0) w.join(at);
  };
}

function mapWriter(field: DescField & { fieldKind: 'map' }, cache: CompileContext): ValueWriter {
  const keyType = field.mapKey;
  const writeKey = tagged(tagOf(1, scalarWireType(keyType)), scalarWriter(keyType));
  const writeValue =
    field.mapKind === 'message'
      ? messageWriter(2, field.message, false, cache)
      : field.mapKind === 'enum'
        ? tagged(tagOf(2, WireType.VARINT), enumWriter(field.enum))
        : tagged(tagOf(2, scalarWireType(field.scalar)), scalarWriter(field.scalar));
  const tag = tagOf(field.number, WireType.LEN);
  const writeEntry = (w: ProtoWriter, key: unknown, value: unknown, label: string): void => {
    if (value === undefined) return;
    try {
      if (value === null) throw new RecordFault('field "{path}" is null; map values cannot be null');
      w.uint32(tag);
      const at = w.fork();
      writeKey(w, typeof key === 'string' ? mapKeyFromString(keyType, key) : key);
      writeValue(w, value);
      w.join(at);
    } catch (error) {
      throw addSegment(error, indexSegment(label));
    }
  };
  return (w, v) => {
    if (v instanceof Map) {
      for (const [key, value] of v) writeEntry(w, key, value, String(key));
    } else if (typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v)) {
      const entries = v as Record<string, unknown>;
      for (const key in entries) writeEntry(w, key, entries[key], key);
    } else {
      throw RecordFault.mismatch('a map (plain object or Map)', v);
    }
  };
}

/** Reads the fields of a message value; class instances (protobufjs messages) count own properties only. */
function asFields(plan: MessagePlan, value: unknown): Record<string, unknown> {
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    ArrayBuffer.isView(value) ||
    value instanceof Map
  ) {
    throw RecordFault.mismatch(`message ${plan.typeName} (object)`, value);
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return value as Record<string, unknown>;
  const own: Record<string, unknown> = {};
  for (const key of Object.keys(value)) own[key] = (value as Record<string, unknown>)[key];
  return own;
}

/** Writes the fields of one message value (without its own tag or length). */
export function encodeMessage(plan: MessagePlan, w: ProtoWriter, value: unknown): void {
  const obj = asFields(plan, value);
  const fields = plan.fields;
  let found = 0;
  let oneofs = 0;
  let i = 0;
  try {
    for (; i < fields.length; i++) {
      const field = fields[i]!;
      let v = field.ownOnly ? undefined : obj[field.names[0]!];
      if (v === undefined && (field.ownOnly || field.names.length > 1)) v = readField(obj, field);
      if (v === undefined) {
        if (field.required) throw new RecordFault('required field "{path}" is missing');
        continue;
      }
      found++;
      if (v === null) {
        if (field.required) throw new RecordFault('required field "{path}" is null');
        continue;
      }
      if (field.oneofBit !== 0) {
        if ((oneofs & field.oneofBit) !== 0) throw oneofClash(plan, obj, field);
        oneofs |= field.oneofBit;
      }
      field.write(w, v);
    }
  } catch (error) {
    throw addSegment(error, fields[i]!.names[0]!);
  }
  // Every key must have been read above; if the counts differ, find the one that was not.
  let keys = 0;
  for (const _key in obj) keys++;
  if (keys !== found) checkKeys(plan, obj);
}
