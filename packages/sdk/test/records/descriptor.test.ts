import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  clone,
  create,
  createFileRegistry,
  type DescMessage,
  fromBinary,
  isFieldSet,
  toBinary,
} from '@bufbuild/protobuf';
import {
  type DescriptorProto,
  DescriptorProtoSchema,
  Edition,
  FeatureSet_FieldPresence,
  FeatureSet_MessageEncoding,
  type FieldDescriptorProto,
  FieldDescriptorProtoSchema,
  FieldOptionsSchema,
  FileDescriptorProtoSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
} from '@bufbuild/protobuf/wkt';
import protobuf from 'protobufjs';
import { NonRetriableError } from '../../src/errors.js';
import { createRecordEncoder, type DescriptorInput } from '../../src/records/encoder.js';
import {
  assertDescriptorError,
  esMessage,
  field,
  hex,
  messagesOf,
  pbjsEncode,
  readingFile,
  readingSchema,
  readingType,
} from './fixtures.js';

function normalized(descriptor: DescriptorInput): DescriptorProto {
  return fromBinary(DescriptorProtoSchema, createRecordEncoder('proto', descriptor).descriptorProto!);
}

/** Compiles a normalized DescriptorProto on its own, as a receiver would. */
function compileAlone(proto: DescriptorProto): DescMessage {
  const file = create(FileDescriptorProtoSchema, { name: 'alone.proto', syntax: 'proto2', messageType: [proto] });
  const message = createFileRegistry(file, () => undefined).getMessage(proto.name);
  assert.ok(message);
  return message;
}

/** Declared names and every type_name in a DescriptorProto; all references must resolve inside it. */
function assertSelfContained(proto: DescriptorProto): void {
  const declared = new Set<string>();
  for (const [name, message] of messagesOf(proto)) {
    declared.add(`.${name}`);
    for (const e of message.enumType) declared.add(`.${name}.${e.name}`);
  }
  for (const [name, message] of messagesOf(proto)) {
    for (const f of message.field) {
      if (f.typeName) assert.ok(declared.has(f.typeName), `${name}.${f.name} refers to ${f.typeName}`);
    }
  }
  compileAlone(proto);
}

function packedOption(f: FieldDescriptorProto): boolean | '-' {
  return f.options && isFieldSet(f.options, FieldOptionsSchema.field.packed) ? f.options.packed : '-';
}

/** What matters to encoding, per message: fields with number, label, type, target and packing. */
function shape(proto: DescriptorProto): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, message] of [...messagesOf(proto)].sort(([a], [b]) => a.localeCompare(b))) {
    out[name] = [...message.field]
      .sort((a, b) => a.number - b.number)
      .map(
        (f) =>
          `${f.name}=${f.number} ${Label[f.label]} ${Type[f.type]} ${f.typeName} packed:${packedOption(f)} oneof:${isFieldSet(f, FieldDescriptorProtoSchema.field.oneofIndex) ? f.oneofIndex : '-'}`,
      );
    out[`${name} enums`] = message.enumType
      .map((e) => `${e.name}(${e.value.map((v) => `${v.name}=${v.number}`).join(',')})`)
      .sort();
  }
  return out;
}

const COMMON = `
syntax = "proto3";
package common.v1;
message Location { double lat = 1; double lon = 2; }
enum Unit { UNIT_UNSPECIFIED = 0; CELSIUS = 1; }
message Outer {
  message Sub { Unit unit = 1; Outer back = 2; }
  Sub sub = 1;
}
message A { B b = 1; }
message B { A a = 1; Unit u = 2; }
`;

const MAIN = `
syntax = "proto3";
package app;
import "common.proto";
message Event {
  common.v1.Location loc = 1;
  common.v1.Unit unit = 2;
  common.v1.Outer.Sub sub = 3;
  Event parent = 4;
  Nested nested = 5;
  common.v1.A a = 6;
  Location local = 7;
  repeated int32 xs = 8;
  optional int32 maybe = 9;
  oneof pick { string s = 10; int64 n = 11; }
  repeated int32 loose = 12 [packed = false];
  message Nested { common.v1.Location where = 1; }
  message Location { string name = 1; }
}
`;

function eventType(): protobuf.Type {
  const root = new protobuf.Root();
  protobuf.parse(COMMON, root, { keepCase: true });
  protobuf.parse(MAIN, root, { keepCase: true });
  return root.lookupType('app.Event');
}

/** The same two files, written by hand as FileDescriptorProtos. */
function eventSchema(): DescMessage {
  const O = Label.OPTIONAL;
  const common = create(FileDescriptorProtoSchema, {
    name: 'common.proto',
    package: 'common.v1',
    syntax: 'proto3',
    messageType: [
      { name: 'Location', field: [field('lat', 1, Type.DOUBLE), field('lon', 2, Type.DOUBLE)] },
      {
        name: 'Outer',
        field: [field('sub', 1, Type.MESSAGE, { typeName: '.common.v1.Outer.Sub' })],
        nestedType: [
          {
            name: 'Sub',
            field: [
              field('unit', 1, Type.ENUM, { typeName: '.common.v1.Unit' }),
              field('back', 2, Type.MESSAGE, { typeName: '.common.v1.Outer' }),
            ],
          },
        ],
      },
      { name: 'A', field: [field('b', 1, Type.MESSAGE, { typeName: '.common.v1.B' })] },
      {
        name: 'B',
        field: [
          field('a', 1, Type.MESSAGE, { typeName: '.common.v1.A' }),
          field('u', 2, Type.ENUM, { typeName: '.common.v1.Unit' }),
        ],
      },
    ],
    enumType: [
      {
        name: 'Unit',
        value: [
          { name: 'UNIT_UNSPECIFIED', number: 0 },
          { name: 'CELSIUS', number: 1 },
        ],
      },
    ],
  } as never);
  const main = create(FileDescriptorProtoSchema, {
    name: 'main.proto',
    package: 'app',
    syntax: 'proto3',
    dependency: ['common.proto'],
    messageType: [
      {
        name: 'Event',
        field: [
          field('loc', 1, Type.MESSAGE, { typeName: '.common.v1.Location' }),
          field('unit', 2, Type.ENUM, { typeName: '.common.v1.Unit' }),
          field('sub', 3, Type.MESSAGE, { typeName: '.common.v1.Outer.Sub' }),
          field('parent', 4, Type.MESSAGE, { typeName: '.app.Event' }),
          field('nested', 5, Type.MESSAGE, { typeName: '.app.Event.Nested' }),
          field('a', 6, Type.MESSAGE, { typeName: '.common.v1.A' }),
          field('local', 7, Type.MESSAGE, { typeName: '.app.Event.Location' }),
          field('xs', 8, Type.INT32, { label: Label.REPEATED }),
          field('maybe', 9, Type.INT32, { label: O, proto3Optional: true, oneofIndex: 1 }),
          field('s', 10, Type.STRING, { oneofIndex: 0 }),
          field('n', 11, Type.INT64, { oneofIndex: 0 }),
          field('loose', 12, Type.INT32, { label: Label.REPEATED, packed: false }),
        ],
        oneofDecl: [{ name: 'pick' }, { name: '_maybe' }],
        nestedType: [
          { name: 'Nested', field: [field('where', 1, Type.MESSAGE, { typeName: '.common.v1.Location' })] },
          { name: 'Location', field: [field('name', 1, Type.STRING)] },
        ],
      },
    ],
  } as never);
  return esMessage(main, 'app.Event', [common]);
}

const eventRecord = {
  loc: { lat: 1, lon: 2 },
  unit: 'CELSIUS',
  sub: { unit: 1, back: { sub: { unit: 'CELSIUS' } } },
  parent: { local: { name: 'p' }, xs: [] },
  nested: { where: { lat: 3 } },
  a: { b: { a: { b: {} }, u: 1 } },
  local: { name: 'here' },
  xs: [1, 2, 300],
  maybe: 0,
  n: 12n,
  loose: [4, 5],
};

describe('descriptor normalization', () => {
  it('gives the same encodings for a protobufjs Type, a protobuf-es schema and DescriptorProto bytes', () => {
    const record = {
      device_name: 'same',
      i64: 1n,
      color: 'RED',
      where: { lat: 1 },
      deltas: [1n, -2n],
      samples: [3],
      places: { '2': { label: 'two' } },
      colors: { c: 'BLUE' },
      detail: { level: 1, next: { level: 2 } },
      number: 5,
    };
    // Self-contained bytes written by hand, with package-qualified and relative type names.
    const file = readingFile();
    const reading = clone(DescriptorProtoSchema, file.messageType[1]!);
    reading.nestedType.push(clone(DescriptorProtoSchema, file.messageType[0]!));
    reading.enumType.push(file.enumType[0]!);
    for (const m of messagesOf(reading).values()) {
      for (const f of m.field) {
        if (f.typeName === '.test.records.Location') f.typeName = '.test.records.Reading.Location';
        if (f.typeName === '.test.records.Color') f.typeName = 'Color'; // relative: resolved from the field's scope
      }
    }
    const inputs: [string, DescriptorInput][] = [
      ['protobufjs', readingType()],
      ['protobufjs camelCase', readingType(false)],
      ['protobuf-es', readingSchema()],
      ['bytes (hand-written)', toBinary(DescriptorProtoSchema, reading)],
      ['bytes (normalized)', createRecordEncoder('proto', readingSchema()).descriptorProto!],
    ];
    const expected = hex(pbjsEncode(readingType(), record));
    const shapes = new Set<string>();
    for (const [name, input] of inputs) {
      const encoder = createRecordEncoder('proto', input);
      assert.equal(hex(encoder.encode(record, 0)), expected, name);
      const proto = normalized(input);
      assertSelfContained(proto);
      shapes.add(JSON.stringify(shape(proto)));
    }
    assert.equal(shapes.size, 1, [...shapes].join('\n'));
  });

  it('inlines referenced types from other files and packages, renames clashes and rewrites type_name', () => {
    for (const input of [eventSchema(), eventType()]) {
      const proto = normalized(input);
      assertSelfContained(proto);
      assert.equal(proto.name, 'Event');
      const names = [...messagesOf(proto).keys()].sort();
      // Sub travels inside Outer (also referenced, by Sub.back); A and B reference each other.
      assert.deepEqual(names, [
        'Event',
        'Event.A',
        'Event.B',
        'Event.Location',
        'Event.Location_2',
        'Event.Nested',
        'Event.Outer',
        'Event.Outer.Sub',
      ]);
      assert.deepEqual(
        proto.enumType.map((e) => e.name),
        ['Unit'],
      );
      const typeOf = (name: string) => proto.field.find((f) => f.name === name)?.typeName;
      assert.equal(typeOf('loc'), '.Event.Location_2');
      assert.equal(typeOf('local'), '.Event.Location');
      assert.equal(typeOf('sub'), '.Event.Outer.Sub');
      assert.equal(typeOf('parent'), '.Event');
      assert.equal(typeOf('unit'), '.Event.Unit');
      const nested = messagesOf(proto);
      assert.equal(nested.get('Event.Nested')!.field[0]!.typeName, '.Event.Location_2');
      assert.equal(nested.get('Event.B')!.field.find((f) => f.name === 'a')!.typeName, '.Event.A');
      assert.equal(nested.get('Event.Outer.Sub')!.field.find((f) => f.name === 'back')!.typeName, '.Event.Outer');
    }
    assert.deepEqual(shape(normalized(eventSchema())), shape(normalized(eventType())));
  });

  it('writes proto3 defaults out explicitly: packed options, no proto3 optional, no synthetic oneofs', () => {
    const proto = normalized(eventSchema());
    const byName = (name: string) => proto.field.find((f) => f.name === name)!;
    assert.equal(packedOption(byName('xs')), true);
    assert.equal(packedOption(byName('loose')), '-');
    assert.equal(byName('maybe').proto3Optional, false);
    assert.equal(byName('maybe').oneofIndex, 0);
    assert.ok(!proto.field.some((f) => f.proto3Optional));
    assert.deepEqual(
      proto.oneofDecl.map((o) => o.name),
      ['pick'],
    );
    assert.equal(byName('s').oneofIndex, 0);
  });

  it('encodes records of proto3 schemas as protobufjs does, and the original schema decodes them', () => {
    const schema = eventSchema();
    const bytes = createRecordEncoder('proto', schema).encode(eventRecord, 0);
    assert.equal(hex(createRecordEncoder('proto', eventType()).encode(eventRecord, 0)), hex(bytes));
    assert.equal(hex(bytes), hex(pbjsEncode(eventType(), eventRecord)));
    const decoded = fromBinary(schema, bytes) as unknown as { xs: number[]; maybe: number; pick: unknown };
    assert.deepEqual(decoded.xs, [1, 2, 300]);
    assert.equal(decoded.maybe, 0);
    assert.deepEqual(decoded.pick, { case: 'n', value: 12n });
    // Unlike protobufjs, a zero the user set in a proto3 field without presence is written: the
    // descriptor sent is proto2, where presence is explicit, so the table gets 0 rather than NULL.
    const zero = { local: { name: '' }, unit: 0 };
    assert.equal(hex(createRecordEncoder('proto', schema).encode(zero, 0)), '10003a020a00');
    assert.equal(hex(pbjsEncode(eventType(), zero)), '3a00');
    // The normalized descriptor alone decodes them too.
    const alone = fromBinary(compileAlone(normalized(schema)), bytes) as unknown as Record<string, unknown>;
    assert.deepEqual((alone.nested as { where: { lat: number } }).where.lat, 3);
  });

  it('names inlined types by their original names in errors', () => {
    const encoder = createRecordEncoder('proto', eventSchema());
    assert.throws(() => encoder.encode({ loc: { lat: 'x' } }, 0), /field "loc.lat" expects double/);
    assert.throws(() => encoder.encode({ loc: 5 }, 0), /expects message common\.v1\.Location/);
    assert.throws(() => encoder.encode({ sub: { nope: 1 } }, 0), /"sub.nope" is not a field of common\.v1\.Outer\.Sub/);
  });

  it('makes editions features explicit (required, packed, delimited)', () => {
    const file = create(FileDescriptorProtoSchema, {
      name: 'ed.proto',
      package: 'ed',
      syntax: 'editions',
      edition: Edition.EDITION_2023,
      messageType: [
        {
          name: 'M',
          field: [
            {
              ...field('req', 1, Type.INT32),
              options: { features: { fieldPresence: FeatureSet_FieldPresence.LEGACY_REQUIRED } },
            },
            field('xs', 2, Type.INT32, { label: Label.REPEATED }),
            {
              ...field('child', 3, Type.MESSAGE, { typeName: '.ed.M' }),
              options: { features: { messageEncoding: FeatureSet_MessageEncoding.DELIMITED } },
            },
          ],
        },
      ],
    } as never);
    const schema = esMessage(file, 'ed.M');
    const proto = normalized(schema);
    assert.equal(proto.field[0]!.label, Label.REQUIRED);
    assert.equal(proto.field[1]!.options?.packed, true);
    assert.equal(proto.field[2]!.type, Type.GROUP);
    assert.ok(!proto.field.some((f) => f.options?.features));
    const encoder = createRecordEncoder('proto', schema);
    const record = { req: 1, xs: [1, 2], child: { req: 2, child: { req: 3 } } };
    assert.equal(hex(encoder.encode(record, 0)), hex(toBinary(schema, create(schema, record as never))));
    assert.throws(() => encoder.encode({ xs: [] }, 0), /required field "req" is missing/);
  });

  it('encodes proto2 groups like protobufjs', () => {
    const G = protobuf
      .parse(
        'syntax = "proto2"; message G { optional group Item = 1 { optional int32 a = 2; } repeated group Row = 3 { optional string s = 4; } }',
        { keepCase: true },
      )
      .root.lookupType('G');
    const record = { item: { a: 7 }, row: [{ s: 'x' }, {}] };
    const encoder = createRecordEncoder('proto', G);
    assert.equal(hex(encoder.encode(record, 0)), hex(pbjsEncode(G, record)));
    assert.equal(normalized(G).field[0]!.type, Type.GROUP);
  });

  it('accepts a protobufjs Type built by hand, outside any Root', () => {
    const solo = new protobuf.Type('Solo')
      .add(new protobuf.Field('a', 1, 'int32', 'required'))
      .add(new protobuf.Field('xs', 2, 'int32', 'repeated'));
    const encoder = createRecordEncoder('proto', solo);
    assert.equal(hex(encoder.encode({ a: 1, xs: [1, 2] }, 0)), hex(solo.encode({ a: 1, xs: [1, 2] }).finish()));
    assert.throws(() => encoder.encode({ xs: [] }, 0), /required field "a" is missing/);
  });

  it('refuses bytes that are not a self-contained DescriptorProto', () => {
    assertDescriptorError(
      () => createRecordEncoder('proto', new Uint8Array([0xff, 0xff, 0xff])),
      'not a serialized google.protobuf.DescriptorProto',
    );
    assertDescriptorError(() => createRecordEncoder('proto', new Uint8Array(0)), 'without a message name');
    const outside = toBinary(DescriptorProtoSchema, readingFile().messageType[1]!);
    assertDescriptorError(
      () => createRecordEncoder('proto', outside),
      /refers to type \.test\.records\.Color, which is not nested in Reading/,
    );
    const broken = create(DescriptorProtoSchema, {
      name: 'X',
      field: [field('a', 1, Type.MESSAGE, { typeName: '.X.Missing' })],
    } as never);
    assertDescriptorError(() => createRecordEncoder('proto', toBinary(DescriptorProtoSchema, broken)), 'Missing');
  });

  it('refuses a missing or unusable descriptor in proto mode, and ignores descriptors in JSON mode', () => {
    assertDescriptorError(() => createRecordEncoder('proto', undefined), 'needs a descriptor');
    assertDescriptorError(() => createRecordEncoder('proto', { name: 'x' } as never), 'got object {name}');
    assertDescriptorError(() => createRecordEncoder('proto', 'message X {}' as never), 'got string');
    const unresolved = protobuf.parse('syntax = "proto2"; message U { optional Missing m = 1; }').root.lookupType('U');
    assertDescriptorError(() => createRecordEncoder('proto', unresolved), 'cannot be resolved');
    assert.throws(
      () => createRecordEncoder('xml' as never, undefined),
      (e: unknown) => e instanceof NonRetriableError && e.code === 'INVALID_OPTIONS',
    );
    const json = createRecordEncoder('json', readingType());
    assert.equal(json.mode, 'json');
    assert.equal(json.descriptorProto, undefined);
  });
});
