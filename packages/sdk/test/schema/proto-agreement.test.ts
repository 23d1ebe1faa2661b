/**
 * The three outputs describe one message: the .proto text (read by protobufjs, a parser of its
 * own), the DescriptorProto bytes (read back with @bufbuild/protobuf) and what the SDK and the
 * local server make of those bytes.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import {
  DescriptorProtoSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
} from '@bufbuild/protobuf/wkt';
import {
  parseTypeText,
  type StructField,
  schemaToDescriptorProto,
  schemaToProtoFile,
  type TableSchema,
} from '@zerobus/sdk/schema';
import { createProtoDecoder } from '../../../emulator/src/validation/index.js';
import { createRecordEncoder } from '../../src/records/encoder.js';
import {
  ALL_TYPES_RECORD,
  ALL_TYPES_SCHEMA,
  descriptorShapes,
  protobufJsShapes,
  sampleRecord,
} from './proto-fixtures.js';

const col = (name: string, typeText: string, nullable = true): StructField => ({
  name,
  type: parseTypeText(typeText),
  nullable,
});

/** Schemas whose names exercise de-duplication: PascalCase clashes, map entries, keywords, the parent's name. */
const NAMING_SCHEMAS: [string, TableSchema][] = [
  [
    'PascalCase clashes',
    {
      fields: [
        col('a_b', 'struct<x:int>'),
        col('aB', 'struct<x:int>'),
        col('__a_b', 'array<struct<y:string>>'),
        col('info_entry', 'struct<z:int>'),
        col('info', 'map<string,struct<w:int>>'),
      ],
    },
  ],
  [
    'a struct named like its parent and its own fields',
    { fields: [col('row', 'struct<row:struct<Row:int>,Row2:int>', false), col('_1', 'struct<m:map<int,string>>')] },
  ],
  [
    'keywords as column names',
    {
      fields: [
        col('message', 'int'),
        col('map', 'map<string,string>'),
        col('optional', 'array<int>'),
        col('required', 'struct<option:int,syntax:string>', false),
        col('group', 'bigint'),
        col('int32', 'string'),
      ],
    },
  ],
];

describe('.proto text, descriptor bytes, SDK and server agree', () => {
  for (const [what, schema, name] of [
    ['every column type', ALL_TYPES_SCHEMA, 'AllTypes'] as const,
    ...NAMING_SCHEMAS.map(([what, schema]) => [what, schema, 'Row'] as const),
  ]) {
    it(`protobufjs reads the .proto as the descriptor says: ${what}`, () => {
      const text = schemaToProtoFile(schema, { messageName: name });
      const bytes = schemaToDescriptorProto(schema, name);
      assert.deepEqual(protobufJsShapes(text, name), descriptorShapes(bytes));
    });

    it(`the SDK encodes and the local server decodes a record: ${what}`, () => {
      const bytes = schemaToDescriptorProto(schema, name);
      const record = schema === ALL_TYPES_SCHEMA ? ALL_TYPES_RECORD : sampleRecord(schema.fields);
      const payload = createRecordEncoder('proto', bytes).encode(record, 0);
      const row = createProtoDecoder(schema, bytes).decode(payload);
      assert.equal(row.length, schema.fields.length);
    });
  }

  it('the server reads DECIMAL text exactly and the other forms as the table needs them', () => {
    const bytes = schemaToDescriptorProto(ALL_TYPES_SCHEMA, 'AllTypes');
    const payload = createRecordEncoder('proto', bytes).encode(ALL_TYPES_RECORD, 0);
    const row = createProtoDecoder(ALL_TYPES_SCHEMA, bytes).decode(payload);
    const value = (name: string): unknown => row[ALL_TYPES_SCHEMA.fields.findIndex((f) => f.name === name)];
    assert.equal(value('price'), 123456n);
    assert.equal(value('big_price'), 12345678901234567890123456789012345678n);
    assert.equal(value('day'), 19_000);
    assert.equal(value('ts'), 1_764_000_000_123_456n);
    assert.equal(value('attrs'), '{"k":[1,2]}');
    assert.deepEqual(value('counts'), new Map([['x', 1]]));
    assert.deepEqual(value('device_info'), { model: 'm1', firmware: 7, location: { lat: 1.5, lon: -2.5 } });
  });

  it('the SDK sends the generated descriptor unchanged', () => {
    const bytes = schemaToDescriptorProto(ALL_TYPES_SCHEMA, 'AllTypes');
    const sent = createRecordEncoder('proto', bytes).descriptorProto as Uint8Array;
    assert.deepEqual(fromBinary(DescriptorProtoSchema, sent), fromBinary(DescriptorProtoSchema, bytes));
  });

  it('lays the descriptor out as protoc does: nested types, map entries, absolute names, JSON names', () => {
    const schema = { fields: [col('device_info', 'struct<a:int>'), col('by_id', 'map<bigint,struct<n:string>>')] };
    const root = fromBinary(DescriptorProtoSchema, schemaToDescriptorProto(schema, 'Row'));
    assert.equal(root.name, 'Row');
    const [info, byId] = root.field;
    assert.equal(info?.typeName, '.Row.DeviceInfo');
    assert.equal(info?.jsonName, 'deviceInfo');
    assert.equal(info?.label, Label.OPTIONAL);
    assert.equal(byId?.label, Label.REPEATED);
    assert.equal(byId?.type, Type.MESSAGE);
    assert.equal(byId?.typeName, '.Row.ByIdEntry');
    assert.equal(byId?.jsonName, 'byId');
    assert.deepEqual(
      root.nestedType.map((n) => n.name),
      ['ByIdEntry', 'DeviceInfo', 'ById'],
    );
    const entry = root.nestedType[0];
    assert.equal(entry?.options?.mapEntry, true);
    assert.deepEqual(
      entry?.field.map((f) => [f.name, f.number, f.label, f.type, f.typeName, f.jsonName]),
      [
        ['key', 1, Label.OPTIONAL, Type.INT64, '', 'key'],
        ['value', 2, Label.OPTIONAL, Type.MESSAGE, '.Row.ById', 'value'],
      ],
    );
  });
});
