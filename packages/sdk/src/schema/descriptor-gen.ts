/**
 * A table schema as a serialized google.protobuf.DescriptorProto: the `descriptor_proto` a
 * stream sends, built without protoc from the same plan as the .proto text (proto-plan.ts).
 *
 * It is laid out as protoc would compile the generated .proto: struct messages and map entry
 * messages (`options.map_entry = true`, fields `key` = 1 and `value` = 2) nested inside the
 * record message, type names fully qualified from the root (`.Row.DeviceInfo`, no package), JSON
 * names filled in. It is self-contained, which is what the SDK (records/descriptor.ts) and the
 * server (emulator validation/proto-descriptor.ts) require of descriptor bytes.
 */

import { create, toBinary } from '@bufbuild/protobuf';
import {
  type DescriptorProto,
  DescriptorProtoSchema,
  type FieldDescriptorProto,
  FieldDescriptorProtoSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
} from '@bufbuild/protobuf/wkt';
import { type ProtoMessagePlan, type ProtoScalarType, type ProtoValuePlan, planProtoMessage } from './proto-plan.js';
import type { TableSchema } from './types.js';

const SCALAR_TYPES: Readonly<Record<ProtoScalarType, Type>> = {
  int32: Type.INT32,
  int64: Type.INT64,
  float: Type.FLOAT,
  double: Type.DOUBLE,
  bool: Type.BOOL,
  string: Type.STRING,
  bytes: Type.BYTES,
};

const LABELS = { optional: Label.OPTIONAL, required: Label.REQUIRED, repeated: Label.REPEATED } as const;

/**
 * The serialized DescriptorProto of a table's record message; throws SchemaError as schemaToProtoFile does.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { TableProperties } from '@zerobus/sdk';
 * import { fromDeltaSchemaJson, schemaToDescriptorProto } from '@zerobus/sdk/schema';
 *
 * // Columns saved earlier (see toDeltaSchemaObject): no Unity Catalog call at startup.
 * const schema = fromDeltaSchemaJson(await readFile('readings.schema.json', 'utf8'));
 * const table = new TableProperties('main.iot.readings', schemaToDescriptorProto(schema, 'Reading'), { schema });
 * const stream = await sdk.createStream(clientId, clientSecret, table); // a proto stream, the default
 * await stream.ingestRecordOffset({ device: 'pump-7', temp: 21.5, price: '12.34' });
 * ```
 */
export function schemaToDescriptorProto(schema: TableSchema, messageName: string): Uint8Array {
  return planToDescriptorProto(planProtoMessage(schema, messageName));
}

/** The serialized DescriptorProto of a planned message (for generators that print the same plan as text too). */
export function planToDescriptorProto(plan: ProtoMessagePlan): Uint8Array {
  return toBinary(DescriptorProtoSchema, messageDescriptor(plan));
}

function messageDescriptor(message: ProtoMessagePlan): DescriptorProto {
  const entries: DescriptorProto[] = [];
  const fields = message.fields.map((field) => {
    if (field.map === undefined) return fieldDescriptor(field.name, field.number, LABELS[field.label], field.value);
    const entryName = field.map.entryName;
    entries.push(
      create(DescriptorProtoSchema, {
        name: entryName,
        field: [
          create(FieldDescriptorProtoSchema, {
            name: 'key',
            number: 1,
            label: Label.OPTIONAL,
            type: SCALAR_TYPES[field.map.key],
            jsonName: 'key',
          }),
          fieldDescriptor('value', 2, Label.OPTIONAL, field.value),
        ],
        options: { mapEntry: true },
      }),
    );
    return create(FieldDescriptorProtoSchema, {
      name: field.name,
      number: field.number,
      label: Label.REPEATED,
      type: Type.MESSAGE,
      typeName: `.${message.fullName}.${entryName}`,
      jsonName: jsonName(field.name),
    });
  });
  // protoc lists a map's entry where the map field is declared; the generated file declares
  // all fields before the nested messages, so entries come first.
  return create(DescriptorProtoSchema, {
    name: message.name,
    field: fields,
    nestedType: [...entries, ...message.messages.map(messageDescriptor)],
  });
}

function fieldDescriptor(name: string, number: number, label: Label, value: ProtoValuePlan): FieldDescriptorProto {
  const base = { name, number, label, jsonName: jsonName(name) };
  return value.kind === 'message'
    ? create(FieldDescriptorProtoSchema, { ...base, type: Type.MESSAGE, typeName: `.${value.message.fullName}` })
    : create(FieldDescriptorProtoSchema, { ...base, type: SCALAR_TYPES[value.type] });
}

/** protoc's default JSON name: underscores dropped, the next character upper-cased (`device_info` → `deviceInfo`). */
function jsonName(name: string): string {
  return name.replace(/_+(.?)/g, (_match, next: string) => next.toUpperCase());
}
