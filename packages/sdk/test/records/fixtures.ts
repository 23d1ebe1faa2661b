/**
 * One record schema in three forms (protobufjs Type, protobuf-es schema built from a
 * hand-written FileDescriptorProto, DescriptorProto bytes) plus helpers shared by the tests.
 */

import assert from 'node:assert/strict';
import { create, createFileRegistry, type DescMessage } from '@bufbuild/protobuf';
import {
  type DescriptorProto,
  type FieldDescriptorProto,
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
} from '@bufbuild/protobuf/wkt';
import protobuf from 'protobufjs';
import { InvalidRecordError, NonRetriableError } from '../../src/errors.js';

export const READING_PROTO = `
syntax = "proto2";
package test.records;

enum Color { COLOR_UNSPECIFIED = 0; RED = 1; GREEN = 2; BLUE = 3; INFRARED = -1; }

message Location {
  optional double lat = 1;
  optional double lon = 2;
  optional string label = 3;
}

message Reading {
  required string device_name = 1;
  optional double temp = 2;
  optional float humidity = 3;
  optional int32 i32 = 4;
  optional int64 i64 = 5;
  optional uint32 u32 = 6;
  optional uint64 u64 = 7;
  optional sint32 s32 = 8;
  optional sint64 s64 = 9;
  optional fixed32 f32 = 10;
  optional fixed64 f64 = 11;
  optional sfixed32 sf32 = 12;
  optional sfixed64 sf64 = 13;
  optional bool ok = 14;
  optional bytes raw = 15;
  optional Color color = 16;
  optional Location where = 17;
  repeated int32 samples = 18;
  repeated sint64 deltas = 19 [packed = true];
  repeated double values = 20 [packed = true];
  repeated string tags = 21;
  repeated Location path = 22;
  repeated Color palette = 23 [packed = true];
  map<string, int64> counters = 24;
  map<int32, Location> places = 25;
  optional Detail detail = 26;
  oneof choice {
    string text = 27;
    int32 number = 28;
  }
  repeated fixed32 ticks = 29;
  map<string, Color> colors = 30;

  message Detail {
    required int32 level = 1;
    optional string note = 2;
    optional Detail next = 3;
  }
}
`;

/** The Reading type parsed by protobufjs; `keepCase` keeps proto field names as object keys. */
export function readingType(keepCase = true): protobuf.Type {
  return protobuf.parse(READING_PROTO, { keepCase }).root.lookupType('test.records.Reading');
}

type FieldInit = Partial<Omit<FieldDescriptorProto, '$typeName' | 'options'>> & { packed?: boolean };

export function field(name: string, number: number, type: Type, init: FieldInit = {}): object {
  const { packed, ...rest } = init;
  return {
    name,
    number,
    type,
    label: Label.OPTIONAL,
    ...rest,
    ...(packed === undefined ? {} : { options: { packed } }),
  };
}

export function mapEntry(name: string, key: Type, value: Type, valueTypeName?: string): object {
  return {
    name,
    field: [field('key', 1, key), field('value', 2, value, valueTypeName ? { typeName: valueTypeName } : {})],
    options: { mapEntry: true },
  };
}

const R = Label.REPEATED;

/** The same schema as READING_PROTO, written by hand as a FileDescriptorProto (an independent oracle). */
export function readingFile(): FileDescriptorProto {
  return create(FileDescriptorProtoSchema, {
    name: 'test/records/reading.proto',
    package: 'test.records',
    syntax: 'proto2',
    enumType: [
      {
        name: 'Color',
        value: [
          { name: 'COLOR_UNSPECIFIED', number: 0 },
          { name: 'RED', number: 1 },
          { name: 'GREEN', number: 2 },
          { name: 'BLUE', number: 3 },
          { name: 'INFRARED', number: -1 },
        ],
      },
    ],
    messageType: [
      {
        name: 'Location',
        field: [field('lat', 1, Type.DOUBLE), field('lon', 2, Type.DOUBLE), field('label', 3, Type.STRING)],
      },
      {
        name: 'Reading',
        field: [
          field('device_name', 1, Type.STRING, { label: Label.REQUIRED }),
          field('temp', 2, Type.DOUBLE),
          field('humidity', 3, Type.FLOAT),
          field('i32', 4, Type.INT32),
          field('i64', 5, Type.INT64),
          field('u32', 6, Type.UINT32),
          field('u64', 7, Type.UINT64),
          field('s32', 8, Type.SINT32),
          field('s64', 9, Type.SINT64),
          field('f32', 10, Type.FIXED32),
          field('f64', 11, Type.FIXED64),
          field('sf32', 12, Type.SFIXED32),
          field('sf64', 13, Type.SFIXED64),
          field('ok', 14, Type.BOOL),
          field('raw', 15, Type.BYTES),
          field('color', 16, Type.ENUM, { typeName: '.test.records.Color' }),
          field('where', 17, Type.MESSAGE, { typeName: '.test.records.Location' }),
          field('samples', 18, Type.INT32, { label: R }),
          field('deltas', 19, Type.SINT64, { label: R, packed: true }),
          field('values', 20, Type.DOUBLE, { label: R, packed: true }),
          field('tags', 21, Type.STRING, { label: R }),
          field('path', 22, Type.MESSAGE, { label: R, typeName: '.test.records.Location' }),
          field('palette', 23, Type.ENUM, { label: R, typeName: '.test.records.Color', packed: true }),
          field('counters', 24, Type.MESSAGE, { label: R, typeName: '.test.records.Reading.CountersEntry' }),
          field('places', 25, Type.MESSAGE, { label: R, typeName: '.test.records.Reading.PlacesEntry' }),
          field('detail', 26, Type.MESSAGE, { typeName: '.test.records.Reading.Detail' }),
          field('text', 27, Type.STRING, { oneofIndex: 0 }),
          field('number', 28, Type.INT32, { oneofIndex: 0 }),
          field('ticks', 29, Type.FIXED32, { label: R }),
          field('colors', 30, Type.MESSAGE, { label: R, typeName: '.test.records.Reading.ColorsEntry' }),
        ],
        oneofDecl: [{ name: 'choice' }],
        nestedType: [
          {
            name: 'Detail',
            field: [
              field('level', 1, Type.INT32, { label: Label.REQUIRED }),
              field('note', 2, Type.STRING),
              field('next', 3, Type.MESSAGE, { typeName: '.test.records.Reading.Detail' }),
            ],
          },
          mapEntry('CountersEntry', Type.STRING, Type.INT64),
          mapEntry('PlacesEntry', Type.INT32, Type.MESSAGE, '.test.records.Location'),
          mapEntry('ColorsEntry', Type.STRING, Type.ENUM, '.test.records.Color'),
        ],
      },
    ],
  } as never);
}

/** A protobuf-es schema from a FileDescriptorProto (and its imports). */
export function esMessage(
  file: FileDescriptorProto,
  typeName: string,
  imports: FileDescriptorProto[] = [],
): DescMessage {
  const byName = new Map(imports.map((f) => [f.name, f]));
  const message = createFileRegistry(file, (name) => byName.get(name)).getMessage(typeName);
  assert.ok(message, `${typeName} not found`);
  return message;
}

export function readingSchema(): DescMessage {
  return esMessage(readingFile(), 'test.records.Reading');
}

/** Every message in a DescriptorProto, with its full name relative to the root. */
export function messagesOf(proto: DescriptorProto, prefix = proto.name): Map<string, DescriptorProto> {
  const out = new Map<string, DescriptorProto>([[prefix, proto]]);
  for (const nested of proto.nestedType) {
    for (const [k, v] of messagesOf(nested, `${prefix}.${nested.name}`)) out.set(k, v);
  }
  return out;
}

/** Asserts that fn throws an InvalidRecordError with this index, field and message fragment(s). */
export function assertRecordError(
  fn: () => unknown,
  recordIndex: number,
  fieldPath: string | undefined,
  ...fragments: (string | RegExp)[]
): InvalidRecordError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof InvalidRecordError, `expected InvalidRecordError, got ${String(caught)}`);
  assert.equal(caught.code, 'INVALID_RECORD');
  assert.equal(caught.retriable, false);
  assert.equal(caught.recordIndex, recordIndex);
  assert.equal(caught.field, fieldPath);
  assert.ok(caught.message.startsWith(`record ${recordIndex}`), caught.message);
  if (fieldPath !== undefined) assert.ok(caught.message.includes(`"${fieldPath}"`), caught.message);
  for (const fragment of fragments) {
    if (typeof fragment === 'string')
      assert.ok(caught.message.includes(fragment), `${caught.message} lacks ${fragment}`);
    else assert.match(caught.message, fragment);
  }
  return caught;
}

export function assertDescriptorError(fn: () => unknown, fragment?: string | RegExp): NonRetriableError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof NonRetriableError, `expected NonRetriableError, got ${String(caught)}`);
  assert.equal(caught.code, 'INVALID_DESCRIPTOR');
  if (typeof fragment === 'string') assert.ok(caught.message.includes(fragment), caught.message);
  else if (fragment) assert.match(caught.message, fragment);
  return caught;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** protobufjs's own encoding of a record (bigints as strings, which protobufjs parses into Longs). */
export function pbjsEncode(type: protobuf.Type, record: object): Uint8Array {
  return type.encode(type.fromObject(bigintsToStrings(record) as object)).finish();
}

function bigintsToStrings(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(bigintsToStrings);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array) && !(value instanceof Map)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bigintsToStrings(v)]));
  }
  return value;
}
