/**
 * The protobuf record decoder: payload bytes → row, following the plan compiled from the
 * descriptor (proto-plan.ts). A hand-written wire walk rather than a generic protobuf
 * library: it decodes straight into column values (no intermediate message object), and
 * checks while it goes. Semantics are protobuf's where they exist:
 *
 * - Fields may come in any order; a singular scalar given twice keeps the last value, a
 *   singular message given twice is merged; repeated scalars are accepted packed or not.
 * - A member of a oneof clears the others.
 * - Map entries may omit key or value: they take the type's default (0, "", empty message).
 *
 * and stricter where silence would lose data: a field number the descriptor does not have is
 * rejected (a protobuf parser would keep it as an unknown field, but the table has nowhere to
 * store it, and dropping it silently hides a client/schema mismatch); so is a known field sent
 * with the wrong wire type, an enum number the enum does not define, and invalid UTF-8.
 */

import type { RecordDecoder, Row } from './decoder.js';
import { asRejection, Invalid, keySegment, rethrowAt } from './errors.js';
import { WIRE_DELIMITED, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT, WireCursor, wireTypeName } from './proto-cursor.js';
import { readDescriptor } from './proto-descriptor.js';
import {
  type FieldPlan,
  MAP,
  type MapPlan,
  MESSAGE,
  type MessagePlan,
  planMessage,
  REPEATED_MESSAGE,
  REPEATED_SCALAR,
  SCALAR,
} from './proto-plan.js';
import type { ValueReader } from './proto-scalars.js';
import type { TableSchema } from './schema-types.js';
import { structObject } from './struct-object.js';

function emptyValues(plan: MessagePlan): unknown[] {
  const values: unknown[] = [];
  for (let i = 0; i < plan.slots.length; i++) values.push(undefined);
  return values;
}

function wrongWireType(field: FieldPlan, wireType: number): Invalid {
  return new Invalid(
    `expected ${field.protoType} (wire type ${field.wireType}, ${wireTypeName(field.wireType)}), got wire type ${wireType} (${wireTypeName(wireType)})`,
  );
}

function unknownField(plan: MessagePlan, number: number, wireType: number): Invalid {
  return new Invalid(
    `unknown field number ${number} (wire type ${wireType}, ${wireTypeName(wireType)}): ${plan.typeName} has fields ${plan.fieldList}`,
  ).atSegment(`.#${number}`);
}

/** Decodes the fields between the cursor and `c.end` into `values` (one per slot, undefined = unset). */
function decodeFields(plan: MessagePlan, c: WireCursor, values: unknown[]): void {
  const byNumber = plan.byNumber;
  while (c.pos < c.end) {
    const tag = c.uint32();
    const number = tag >>> 3;
    const wireType = tag & 7;
    const field = number < byNumber.length ? byNumber[number] : plan.sparse?.get(number);
    if (field === undefined) {
      if (number === 0) throw new Invalid('invalid protobuf encoding: field number 0');
      throw unknownField(plan, number, wireType);
    }
    let index = -1; // element being read, for the path of a failing element
    try {
      switch (field.kind) {
        case SCALAR:
          if (wireType !== field.wireType) throw wrongWireType(field, wireType);
          values[field.slot] = (field.read as ValueReader)(c);
          break;
        case MESSAGE: {
          if (wireType !== WIRE_DELIMITED) throw wrongWireType(field, wireType);
          const message = field.message as MessagePlan;
          let sub = values[field.slot] as unknown[] | undefined;
          if (sub === undefined) {
            sub = emptyValues(message);
            values[field.slot] = sub;
          }
          decodeNested(message, c, sub);
          break;
        }
        case REPEATED_SCALAR: {
          let list = values[field.slot] as unknown[] | undefined;
          if (list === undefined) {
            list = [];
            values[field.slot] = list;
          }
          const read = field.read as ValueReader;
          if (wireType === field.wireType) {
            index = list.length;
            list.push(read(c));
          } else if (wireType === WIRE_DELIMITED && field.packable) {
            const end = c.delimitedEnd();
            const outer = c.end;
            c.end = end;
            while (c.pos < end) {
              index = list.length;
              list.push(read(c));
            }
            c.end = outer;
          } else {
            throw wrongWireType(field, wireType);
          }
          break;
        }
        case REPEATED_MESSAGE: {
          if (wireType !== WIRE_DELIMITED) throw wrongWireType(field, wireType);
          let list = values[field.slot] as unknown[] | undefined;
          if (list === undefined) {
            list = [];
            values[field.slot] = list;
          }
          index = list.length;
          list.push(decodeStruct(field.message as MessagePlan, c));
          break;
        }
        case MAP: {
          if (wireType !== WIRE_DELIMITED) throw wrongWireType(field, wireType);
          let map = values[field.slot] as Map<unknown, unknown> | undefined;
          if (map === undefined) {
            map = new Map();
            values[field.slot] = map;
          }
          decodeEntry(field.map as MapPlan, c, map);
          break;
        }
      }
    } catch (error) {
      if (index >= 0 && error instanceof Invalid) error.segments.push(`[${index}]`);
      rethrowAt(error, field.segment);
    }
    const siblings = field.oneofSiblings;
    if (siblings !== undefined) for (const s of siblings) values[s] = undefined;
  }
}

/** Decodes a length-delimited sub-message into `values`. */
function decodeNested(plan: MessagePlan, c: WireCursor, values: unknown[]): void {
  const end = c.delimitedEnd();
  const outer = c.end;
  c.end = end;
  decodeFields(plan, c, values);
  c.end = outer;
}

/** A length-delimited sub-message as a finished struct value. */
function decodeStruct(plan: MessagePlan, c: WireCursor): Record<string, unknown> {
  const values = emptyValues(plan);
  decodeNested(plan, c, values);
  return structObject(plan.names, finish(plan, values));
}

/** Default encodings per wire type: a map entry without key or value reads its type's default from these. */
const DEFAULTS: Record<number, Uint8Array> = {
  [WIRE_VARINT]: new Uint8Array([0]),
  [WIRE_FIXED64]: new Uint8Array(8),
  [WIRE_DELIMITED]: new Uint8Array([0]),
  [WIRE_FIXED32]: new Uint8Array(4),
};

/** Runs `read` on the default encoding of `wireType`, then puts the cursor back. */
function readDefault<V>(c: WireCursor, wireType: number, read: (c: WireCursor) => V): V {
  const { buf, pos, end } = c;
  c.buf = DEFAULTS[wireType] as Uint8Array;
  c.pos = 0;
  c.end = c.buf.length;
  try {
    return read(c);
  } finally {
    c.buf = buf;
    c.pos = pos;
    c.end = end;
  }
}

function decodeEntry(plan: MapPlan, c: WireCursor, map: Map<unknown, unknown>): void {
  const end = c.delimitedEnd();
  const outer = c.end;
  c.end = end;
  // Find the (last) key and value first: the key names the entry in errors about its value.
  let keyAt = -1;
  let valueAt = -1;
  while (c.pos < end) {
    const tag = c.uint32();
    const number = tag >>> 3;
    const wireType = tag & 7;
    if (number === 1 && wireType === plan.keyWireType) keyAt = c.pos;
    else if (number === 2 && wireType === plan.valueWireType) valueAt = c.pos;
    else if (number === 1 || number === 2) {
      const expected = number === 1 ? plan.keyWireType : plan.valueWireType;
      throw new Invalid(
        `map entry ${number === 1 ? 'key' : 'value'} has wire type ${wireType} (${wireTypeName(wireType)}), expected ${expected} (${wireTypeName(expected)})`,
      );
    } else {
      throw new Invalid(`unknown field number ${number} in a map entry (only key = 1 and value = 2 exist)`);
    }
    c.skip(wireType);
  }
  let key: unknown;
  if (keyAt < 0) {
    key = readDefault(c, plan.keyWireType, plan.key);
  } else {
    c.pos = keyAt;
    key = plan.key(c);
  }
  try {
    let value: unknown;
    const message = plan.valueMessage;
    if (valueAt < 0) {
      value = message
        ? structObject(message.names, finish(message, emptyValues(message)))
        : readDefault(c, plan.valueWireType, plan.value as ValueReader);
    } else {
      c.pos = valueAt;
      value = message ? decodeStruct(message, c) : (plan.value as ValueReader)(c);
    }
    map.set(key, value);
  } catch (error) {
    rethrowAt(error, keySegment(key));
  }
  c.pos = end;
  c.end = outer;
}

function missing(slot: { label: string }, field: FieldPlan | undefined, why: string): Invalid {
  const which = field ? ` (field "${field.name}" = ${field.number} is not set)` : '';
  return new Invalid(`expected ${slot.label}${why}, got no value${which}`);
}

/** Turns raw slot values into column values: unset → null or rejection, messages → structs. In place. */
function finish(plan: MessagePlan, values: unknown[]): unknown[] {
  const slots = plan.slots;
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i] as MessagePlan['slots'][number];
    const field = slot.field;
    const value = values[i];
    if (field === undefined) {
      values[i] = null;
      continue;
    }
    switch (field.kind) {
      case SCALAR:
      case MESSAGE:
        if (value === undefined) {
          if (field.required) throw missing(slot, field, ' (a proto2 required field)').atSegment(slot.segment);
          if (!slot.nullable) throw missing(slot, field, ' (NOT NULL)').atSegment(slot.segment);
          values[i] = null;
        } else if (field.kind === MESSAGE) {
          const message = field.message as MessagePlan;
          try {
            values[i] = structObject(message.names, finish(message, value as unknown[]));
          } catch (error) {
            rethrowAt(error, slot.segment);
          }
        }
        break;
      case REPEATED_SCALAR:
      case REPEATED_MESSAGE:
        if (value === undefined) values[i] = [];
        break;
      case MAP:
        if (value === undefined) values[i] = new Map();
        break;
    }
  }
  return values;
}

/**
 * A decoder for protobuf records of `schema` written with the message type of `descriptorProto`
 * (a serialized DescriptorProto). Throws `SchemaMismatch` when the descriptor cannot carry the
 * table's rows; `decode` throws `RecordRejection`.
 */
export function createProtoDecoder(schema: TableSchema, descriptorProto: Uint8Array): RecordDecoder {
  const descriptor = readDescriptor(descriptorProto);
  const plan = planMessage(descriptor, descriptor.root, schema.fields, undefined);
  const cursor = new WireCursor();
  return {
    decode(payload: Uint8Array): Row {
      cursor.reset(payload);
      try {
        const values = emptyValues(plan);
        decodeFields(plan, cursor, values);
        return finish(plan, values);
      } catch (error) {
        throw asRejection(error);
      } finally {
        cursor.reset(EMPTY); // keep no reference to the caller's buffer
      }
    },
  };
}

const EMPTY = new Uint8Array(0);
