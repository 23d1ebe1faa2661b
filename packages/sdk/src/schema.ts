/**
 * `@zerobus/sdk/schema`: the table type model and its text forms — Unity Catalog `type_text`,
 * the UC `type_name` enum, and the Delta schema JSON (`schemaString`). Shared by the SDK and the
 * local server (`@zerobus/emulator`), so both read a table's schema one way. Also the generators
 * of a table's proto2 file, DescriptorProto bytes and TypeScript module (`zerobus generate-proto`),
 * and the SDK's client-side record check for tools that convert records themselves.
 *
 * A supported entry point, in the API reference beside `@zerobus/sdk` and with the same
 * compatibility promise: the modules `zerobus generate-proto --lang ts` writes import from it.
 *
 * @module @zerobus/sdk/schema
 */

export { createRecordCheck } from './records/schema-check.js';
export {
  type DecimalParts,
  parseDecimalText,
  toDecimalText,
  toUnscaled,
  type UnscaledResult,
} from './schema/decimal-text.js';
export {
  type DeltaArrayTypeJson,
  type DeltaMapTypeJson,
  type DeltaStructFieldJson,
  type DeltaStructTypeJson,
  type DeltaTypeJson,
  deltaTypeFromJson,
  deltaTypeToJson,
  fromDeltaSchemaJson,
  toDeltaSchemaJson,
  toDeltaSchemaObject,
} from './schema/delta-json.js';
export { schemaToDescriptorProto } from './schema/descriptor-gen.js';
export { type ProtoFileOptions, schemaToProtoFile } from './schema/proto-text.js';
export { SchemaError } from './schema/schema-error.js';
export { daysFromCivil, parseDateText, parseTimestampText } from './schema/temporal.js';
export { schemaToTypeScript, type TypeScriptModuleOptions } from './schema/ts-gen.js';
export { quoteFieldName, typeText, type UcTypeName, ucTypeName } from './schema/type-text.js';
export { MAX_DECIMAL_PRECISION, parseTypeText } from './schema/type-text-parser.js';
export {
  type DeltaType,
  type NormalizedValue,
  PRIMITIVE_TYPE_NAMES,
  type PrimitiveTypeName,
  type StructField,
  type TableSchema,
} from './schema/types.js';
export { schemaFromUcColumns, type UcColumn } from './schema/uc-columns.js';
