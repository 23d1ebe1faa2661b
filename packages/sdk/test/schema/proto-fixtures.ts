/**
 * Shared by the generator tests: a table with every column type, a record for any schema, and
 * the field-by-field shape of a message as protobufjs reads the .proto text and as the
 * DescriptorProto bytes say it (the two must be equal).
 */

import { fromBinary } from '@bufbuild/protobuf';
import {
  type DescriptorProto,
  DescriptorProtoSchema,
  type FieldDescriptorProto,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
} from '@bufbuild/protobuf/wkt';
import { type DeltaType, type StructField, schemaFromUcColumns, type TableSchema } from '@zerobus/sdk/schema';
import protobuf from 'protobufjs';
import { decimalExample } from '../../src/schema/proto-notes.js';

/** Every column type of PROTOCOL.md §7, NOT NULL and nullable, nested structs, arrays and maps. */
export const ALL_TYPES_SCHEMA: TableSchema = schemaFromUcColumns([
  { name: 'id', type_text: 'bigint', nullable: false, comment: 'Row key; it is "unique".' },
  { name: 'tiny', type_text: 'tinyint' },
  { name: 'small', type_text: 'smallint' },
  { name: 'num', type_text: 'int', nullable: false },
  { name: 'ratio', type_text: 'float' },
  { name: 'amount', type_text: 'double' },
  { name: 'ok', type_text: 'boolean' },
  { name: 'name', type_text: 'string' },
  { name: 'code', type_text: 'varchar(8)' },
  { name: 'initial', type_text: 'char(1)' },
  { name: 'payload', type_text: 'binary' },
  { name: 'day', type_text: 'date' },
  { name: 'ts', type_text: 'timestamp', nullable: false },
  { name: 'local_ts', type_text: 'timestamp_ntz' },
  { name: 'price', type_text: 'decimal(10,2)' },
  { name: 'big_price', type_text: 'decimal(38,18)', nullable: false },
  { name: 'attrs', type_text: 'variant' },
  {
    name: 'device_info',
    type_text: 'struct<model:string not null,firmware:int,location:struct<lat:double,lon:double>>',
    comment: 'Where the reading came from.\nSecond line.',
  },
  { name: 'readings', type_text: 'array<struct<at:timestamp not null,value:double>>' },
  { name: 'tags', type_text: 'array<string>', nullable: false },
  { name: 'counts', type_text: 'map<string,int>' },
  { name: 'owners', type_text: 'map<bigint,struct<name:string,since:date>>' },
]);

export const ALL_TYPES_RECORD = {
  id: 1n,
  tiny: -128,
  small: 32767,
  num: -2147483648,
  ratio: 1.5,
  amount: 2.25,
  ok: true,
  name: 'héllo',
  code: 'ABC',
  initial: 'x',
  payload: new Uint8Array([0, 1, 255]),
  day: 19_000,
  ts: 1_764_000_000_123_456n,
  local_ts: -1n,
  price: '1234.56',
  big_price: '12345678901234567890.123456789012345678',
  attrs: '{"k":[1,2]}',
  device_info: { model: 'm1', firmware: 7, location: { lat: 1.5, lon: -2.5 } },
  readings: [{ at: 5n, value: 0.5 }, { at: 6n }],
  tags: ['a', 'b'],
  counts: { x: 1 },
  owners: new Map([[9n, { name: 'n', since: 1 }]]),
};

/** A value every column of `type` accepts (the server checks ranges, decimal text and JSON). */
export function sampleValue(type: DeltaType): unknown {
  switch (type.kind) {
    case 'decimal':
      return decimalExample(type.precision, type.scale);
    case 'array':
      return [sampleValue(type.elementType)];
    case 'map': {
      const key = type.keyType.kind === 'primitive' && type.keyType.name === 'string' ? 'k' : '1';
      return { [key]: sampleValue(type.valueType) };
    }
    case 'struct':
      return sampleRecord(type.fields);
    case 'primitive':
      switch (type.name) {
        case 'long':
        case 'timestamp':
        case 'timestamp_ntz':
          return 4n;
        case 'float':
        case 'double':
          return 1.5;
        case 'boolean':
          return true;
        case 'string':
          return 's';
        case 'variant':
          return '{"a":1}';
        case 'binary':
          return new Uint8Array([1, 2]);
        default:
          return 3;
      }
  }
}

export function sampleRecord(fields: readonly StructField[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f.name, sampleValue(f.type)]));
}

/** One field as both sides describe it. `type` is a scalar name or the message's full name (`.Row.Info`). */
export interface FieldShape {
  readonly name: string;
  readonly number: number;
  readonly label: 'optional' | 'required' | 'repeated' | 'map';
  readonly type: string;
  readonly keyType?: string;
}

/** Every message (map entries excepted) by full name, with its fields in number order. */
export type MessageShapes = Map<string, FieldShape[]>;

const byNumber = (a: FieldShape, b: FieldShape): number => a.number - b.number;

function scalarName(field: FieldDescriptorProto): string {
  return field.type === Type.MESSAGE ? field.typeName : (Type[field.type] ?? '?').toLowerCase();
}

export function descriptorShapes(bytes: Uint8Array): MessageShapes {
  const root = fromBinary(DescriptorProtoSchema, bytes);
  const shapes: MessageShapes = new Map();
  const visit = (message: DescriptorProto, fullName: string): void => {
    const entries = new Map(
      message.nestedType.filter((n) => n.options?.mapEntry).map((n) => [`${fullName}.${n.name}`, n]),
    );
    const fields = message.field.map((f): FieldShape => {
      const entry = f.label === Label.REPEATED && f.type === Type.MESSAGE ? entries.get(f.typeName) : undefined;
      if (entry) {
        const [key, value] = entry.field as [FieldDescriptorProto, FieldDescriptorProto];
        return { name: f.name, number: f.number, label: 'map', type: scalarName(value), keyType: scalarName(key) };
      }
      const label = f.label === Label.REPEATED ? 'repeated' : f.label === Label.REQUIRED ? 'required' : 'optional';
      return { name: f.name, number: f.number, label, type: scalarName(f) };
    });
    shapes.set(fullName, fields.sort(byNumber));
    for (const nested of message.nestedType) {
      if (!nested.options?.mapEntry) visit(nested, `${fullName}.${nested.name}`);
    }
  };
  visit(root, `.${root.name}`);
  return shapes;
}

/** Parses the .proto text with protobufjs (an independent parser) and reads the message `name`. */
export function protobufJsShapes(text: string, name: string): MessageShapes {
  const root = protobuf.parse(text, { keepCase: true }).root;
  root.resolveAll();
  const shapes: MessageShapes = new Map();
  const visit = (type: protobuf.Type): void => {
    const fields = type.fieldsArray.map((f): FieldShape => {
      const typeName = f.resolvedType ? f.resolvedType.fullName : f.type;
      const base = { name: f.name, number: f.id, type: typeName };
      if (f instanceof protobuf.MapField) return { ...base, label: 'map', keyType: f.keyType };
      return { ...base, label: f.repeated ? 'repeated' : f.required ? 'required' : 'optional' };
    });
    shapes.set(type.fullName, fields.sort(byNumber));
    for (const nested of type.nestedArray) if (nested instanceof protobuf.Type) visit(nested);
  };
  visit(root.lookupType(name));
  return shapes;
}
