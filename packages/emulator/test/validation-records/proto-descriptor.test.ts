/** The descriptor checked against the table when a proto stream is created: SchemaMismatch naming the column. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { FieldDescriptorProtoSchema, MessageOptionsSchema } from '@bufbuild/protobuf/wkt';
import { createProtoDecoder } from '../../src/validation/index.js';
import { descriptorBytes, Label, protoFixture, T } from './support/proto.js';
import { mismatches } from './support/rejection.js';
import { array, col, map, notNull, prim, struct, table } from './support/types.js';
import { bytes, delimited, tag, text } from './support/wire.js';

const fixtureDecoder = (source: string, schema: ReturnType<typeof table>) =>
  createProtoDecoder(schema, protoFixture(source).descriptor);

describe('proto descriptor vs table', () => {
  it('every descriptor field must match a column by exact name', () => {
    mismatches(
      () =>
        fixtureDecoder(
          'message Row { optional int64 id = 1; optional string extra = 2; }',
          table(col('id', prim('long'))),
        ),
      'extra',
      /descriptor field "extra" \(number 2\) of Row matches no column: the table has no such column \(names are case-sensitive\)/,
    );
    mismatches(() => fixtureDecoder('message Row { optional int64 ID = 1; }', table(col('id', prim('long')))), 'ID');
    mismatches(
      () =>
        fixtureDecoder(
          'message Row { optional S s = 1; message S { optional int32 a = 1; optional int32 b = 2; } }',
          table(col('s', struct(col('a', prim('integer'))))),
        ),
      's.b',
      /struct s has no such field/,
    );
  });

  it('a NOT NULL column (or struct field) must have a field', () => {
    mismatches(
      () =>
        fixtureDecoder(
          'message Row { optional string name = 2; }',
          table(notNull('id', prim('long')), col('name', prim('string'))),
        ),
      'id',
      /^column "id": NOT NULL column has no field in the descriptor's message Row$/,
    );
    mismatches(
      () =>
        fixtureDecoder(
          'message Row { optional S s = 1; message S { optional int32 a = 1; } }',
          table(col('s', struct(col('a', prim('integer')), notNull('b', prim('string'))))),
        ),
      's.b',
      /NOT NULL struct field has no field in the descriptor's message Row\.S/,
    );
  });

  it('shapes must agree: repeated ↔ array, map field ↔ map, message ↔ struct', () => {
    const one = (field: string, type: ReturnType<typeof prim>) =>
      fixtureDecoder(`message Row { ${field} } `, table(col('v', type)));
    mismatches(
      () => one('optional int32 v = 1;', array(prim('integer'))),
      'v',
      /expected a repeated field for array<integer>, got int32 field "v"/,
    );
    mismatches(
      () => one('repeated int32 v = 1;', prim('integer')),
      'v',
      /expected a singular field for integer, got repeated int32 field "v"/,
    );
    mismatches(
      () => one('repeated int32 v = 1;', map(prim('string'), prim('integer'))),
      'v',
      /expected a protobuf map field/,
    );
    mismatches(() => one('map<string, int32> v = 1;', array(prim('integer'))), 'v', /got protobuf map field "v"/);
    mismatches(
      () => one('optional int32 v = 1;', struct(col('a', prim('integer')))),
      'v',
      /expected a message field for struct<a:integer>/,
    );
    mismatches(
      () => one('optional M v = 1; message M { optional int32 a = 1; }', prim('string')),
      'v',
      /for string, got message Row\.M field "v"/,
    );
    mismatches(
      () => one('repeated string v = 1;', array(struct(col('a', prim('integer'))))),
      'v',
      /expected a repeated message field/,
    );
    mismatches(
      () => one('repeated int64 v = 1;', array(prim('integer'))),
      'v.element',
      /for integer, got repeated int64 field "v"/,
    );
  });

  it('map keys must be string or integral, and map keys/values must fit their types', () => {
    const one = (field: string, type: ReturnType<typeof prim>) =>
      fixtureDecoder(`message Row { ${field} }`, table(col('m', type)));
    mismatches(
      () => one('map<bool, string> m = 1;', map(prim('boolean'), prim('string'))),
      'm.key',
      /map keys of type boolean cannot be protobuf map keys/,
    );
    mismatches(() => one('map<int32, string> m = 1;', map(prim('date'), prim('string'))), 'm.key');
    mismatches(
      () => one('map<string, string> m = 1;', map(prim('integer'), prim('string'))),
      'm.key',
      /for integer, got string field "key"/,
    );
    mismatches(
      () => one('map<string, double> m = 1;', map(prim('string'), prim('float'))),
      'm.value',
      /for float, got double field "value"/,
    );
    assert.ok(one('map<sint64, string> m = 1;', map(prim('long'), prim('string'))));
    assert.ok(one('map<uint32, string> m = 1;', map(prim('short'), prim('string'))));
  });

  it('arrays and maps inside arrays or map values are refused (protobuf cannot nest them without wrappers)', () => {
    mismatches(
      () => fixtureDecoder('message Row { repeated int32 v = 1; }', table(col('v', array(array(prim('integer')))))),
      'v',
      /array<array<integer>> as a column type cannot be written as a protobuf field/,
    );
    mismatches(
      () =>
        fixtureDecoder(
          'message Row { map<string, int32> v = 1; }',
          table(col('v', map(prim('string'), array(prim('integer'))))),
        ),
      'v',
      /cannot be written as a protobuf field/,
    );
  });

  it('refuses unusable descriptors: empty, not a DescriptorProto, unnamed, unresolvable types, groups, duplicates', () => {
    const schema = table(col('v', prim('integer')));
    mismatches(() => createProtoDecoder(schema, new Uint8Array(0)), undefined, /proto streams need descriptor_proto/);
    mismatches(
      () => createProtoDecoder(schema, new Uint8Array([0x0a, 0x09, 0x41])),
      undefined,
      /not a valid google\.protobuf\.DescriptorProto/,
    );
    mismatches(
      () => createProtoDecoder(schema, descriptorBytes({ field: [{ name: 'v', number: 1 }] })),
      undefined,
      /has no message name/,
    );
    mismatches(
      () =>
        createProtoDecoder(
          schema,
          descriptorBytes({
            name: 'Row',
            field: [{ name: 'v', number: 1, label: Label.OPTIONAL, type: T.MESSAGE, typeName: '.other.Point' }],
          }),
        ),
      'v',
      /refers to type \.other\.Point, which is not in the descriptor \(descriptor_proto must be self-contained\)/,
    );
    mismatches(
      () =>
        createProtoDecoder(
          table(col('v', struct(col('a', prim('integer'))))),
          descriptorBytes({
            name: 'Row',
            field: [{ name: 'v', number: 1, label: Label.OPTIONAL, type: T.GROUP, typeName: '.Row.V' }],
            nestedType: [{ name: 'V', field: [] }],
          }),
        ),
      'v',
      /uses groups, which are not supported/,
    );
    const int = { label: Label.OPTIONAL, type: T.INT32 };
    mismatches(
      () =>
        createProtoDecoder(
          table(col('v', prim('integer')), col('w', prim('integer'))),
          descriptorBytes({
            name: 'Row',
            field: [
              { name: 'v', number: 1, ...int },
              { name: 'w', number: 1, ...int },
            ],
          }),
        ),
      'w',
      /more than one field with number 1/,
    );
    mismatches(
      () => createProtoDecoder(schema, descriptorBytes({ name: 'Row', field: [{ name: 'v', number: 0, ...int }] })),
      'v',
      /invalid number 0/,
    );
  });

  it('resolves type names with any package prefix, relative names, and fields that only name their type', () => {
    const point = {
      name: 'Point',
      field: [{ name: 'x', number: 1, label: Label.OPTIONAL, type: T.DOUBLE }],
      enumType: [
        {
          name: 'Kind',
          value: [
            { name: 'A', number: 0 },
            { name: 'B', number: 1 },
          ],
        },
      ],
    };
    const schema = table(
      col('p', struct(col('x', prim('double')))),
      col('q', struct(col('x', prim('double')))),
      col('k', prim('string')),
    );
    const descriptor = descriptorBytes({
      name: 'Row',
      nestedType: [point],
      field: [
        { name: 'p', number: 1, label: Label.OPTIONAL, type: T.MESSAGE, typeName: '.some.pkg.Row.Point' },
        create(FieldDescriptorProtoSchema, { name: 'q', number: 2, label: Label.OPTIONAL, typeName: 'Point' }), // type unset
        { name: 'k', number: 3, label: Label.OPTIONAL, type: T.ENUM, typeName: 'Point.Kind' },
      ],
    });
    const decoder = createProtoDecoder(schema, descriptor);
    const x = [0x09, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f]; // x = 1.5
    assert.deepEqual(decoder.decode(bytes(delimited(1, x), delimited(2, x), tag(3, 0), 1)), [
      { x: 1.5 },
      { x: 1.5 },
      'B',
    ]);
  });

  it('map entry messages must have exactly a key and a value', () => {
    const descriptor = descriptorBytes({
      name: 'Row',
      nestedType: [
        {
          name: 'MEntry',
          options: create(MessageOptionsSchema, { mapEntry: true }),
          field: [{ name: 'key', number: 1, label: Label.OPTIONAL, type: T.STRING }],
        },
      ],
      field: [{ name: 'm', number: 1, label: Label.REPEATED, type: T.MESSAGE, typeName: '.Row.MEntry' }],
    });
    mismatches(
      () => createProtoDecoder(table(col('m', map(prim('string'), prim('string')))), descriptor),
      'm',
      /exactly a key \(1\) and a value \(2\)/,
    );
  });

  it('accepts a descriptor the SDK would send for the same table (end to end)', () => {
    const fixture = protoFixture('message Row { required int64 id = 1; optional string note = 2; }');
    const decoder = createProtoDecoder(
      table(notNull('id', prim('long')), col('note', prim('string'))),
      fixture.descriptor,
    );
    assert.deepEqual(decoder.decode(bytes(tag(1, 0), 7, delimited(2, text('hi')))), [7n, 'hi']);
  });
});
