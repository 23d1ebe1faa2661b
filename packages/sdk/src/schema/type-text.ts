/**
 * {@link DeltaType} → Spark SQL / Unity Catalog `type_text`, and the UC `type_name` enum. The
 * parser of `type_text` is in type-text-parser.ts.
 */

import type { DeltaType, PrimitiveTypeName, StructField } from './types.js';

/** Spark SQL names of the primitive types, as Unity Catalog writes them in `type_text`. */
const PRIMITIVE_TEXT: Readonly<Record<PrimitiveTypeName, string>> = {
  byte: 'tinyint',
  short: 'smallint',
  integer: 'int',
  long: 'bigint',
  float: 'float',
  double: 'double',
  boolean: 'boolean',
  string: 'string',
  binary: 'binary',
  date: 'date',
  timestamp: 'timestamp',
  timestamp_ntz: 'timestamp_ntz',
  variant: 'variant',
};

/**
 * The canonical, lower-case `type_text` of a type: `bigint`, `decimal(10,2)`,
 * `array<struct<a:int,b:string>>`, `map<string,bigint>`. Struct fields carry ` not null` and
 * ` comment '...'` when set, so that `parseTypeText(typeText(t))` gives `t` back. Type text has no
 * syntax for `containsNull`/`valueContainsNull` false: arrays and maps read back as nullable.
 *
 * @example
 * ```ts
 * import { fetchTableSchema } from '@zerobus/sdk';
 * import { parseTypeText, typeText } from '@zerobus/sdk/schema';
 *
 * typeText(parseTypeText('ARRAY<STRUCT<a: INT NOT NULL>>')); // 'array<struct<a:int not null>>'
 * // Compares the column types a job expects with the table's, whatever their spelling.
 * const expected: Record<string, string> = { device: 'STRING', temp: 'Double', tags: 'ARRAY<VARCHAR(20)>' };
 * const { fields } = await fetchTableSchema('main.iot.readings', { unityCatalogEndpoint, clientId, clientSecret });
 * for (const [name, text] of Object.entries(expected)) {
 *   const column = fields.find((field) => field.name === name);
 *   const actual = column === undefined ? 'missing' : typeText(column.type);
 *   if (actual !== typeText(parseTypeText(text))) console.warn(`column ${name}: expected ${text}, found ${actual}`);
 * }
 * ```
 */
export function typeText(type: DeltaType): string {
  switch (type.kind) {
    case 'primitive':
      return PRIMITIVE_TEXT[type.name];
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'array':
      return `array<${typeText(type.elementType)}>`;
    case 'map':
      return `map<${typeText(type.keyType)},${typeText(type.valueType)}>`;
    case 'struct':
      return `struct<${type.fields.map(fieldText).join(',')}>`;
  }
}

function fieldText(field: StructField): string {
  let text = `${quoteFieldName(field.name)}:${typeText(field.type)}`;
  if (!field.nullable) text += ' not null';
  if (field.comment !== undefined) text += ` comment ${quoteString(field.comment)}`;
  return text;
}

/**
 * Backquotes a name unless it is a plain identifier.
 *
 * @example
 * ```ts
 * import { quoteFieldName, type TableSchema, typeText } from '@zerobus/sdk/schema';
 *
 * quoteFieldName('temp'); // 'temp'
 * quoteFieldName('device id'); // '`device id`'
 * // A CREATE TABLE statement for a schema, whatever its column names.
 * function createTable(name: string, schema: TableSchema): string {
 *   const columns = schema.fields.map(
 *     (field) => `${quoteFieldName(field.name)} ${typeText(field.type)}${field.nullable ? '' : ' NOT NULL'}`,
 *   );
 *   return `CREATE TABLE ${name} (${columns.join(', ')})`;
 * }
 * ```
 */
export function quoteFieldName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name.replaceAll('`', '``')}\``;
}

function quoteString(text: string): string {
  return `'${text.replace(/[\\'\n\r\t\0]/g, (c) => ESCAPES[c] ?? c)}'`;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\0': '\\0',
};

/**
 * Unity Catalog's `type_name` enum value for a type.
 *
 * @example
 * ```ts
 * import { parseTypeText, type UcTypeName, ucTypeName } from '@zerobus/sdk/schema';
 *
 * // How a CSV cell becomes a record value, by its column's type_name. The SDK's record check
 * // (option `validate`) accepts the text of the others (DECIMAL, DATE, TIMESTAMP, VARIANT...).
 * function csvValue(typeName: UcTypeName, cell: string): unknown {
 *   switch (typeName) {
 *     case 'BYTE': case 'SHORT': case 'INT': case 'FLOAT': case 'DOUBLE': return Number(cell);
 *     case 'LONG': return BigInt(cell);
 *     case 'BOOLEAN': return cell === 'true';
 *     case 'BINARY': return Buffer.from(cell, 'base64');
 *     case 'ARRAY': case 'MAP': case 'STRUCT': return JSON.parse(cell);
 *     default: return cell;
 *   }
 * }
 * csvValue(ucTypeName(parseTypeText('bigint')), '42'); // 42n
 * ```
 */
export type UcTypeName =
  | 'BYTE'
  | 'SHORT'
  | 'INT'
  | 'LONG'
  | 'FLOAT'
  | 'DOUBLE'
  | 'BOOLEAN'
  | 'STRING'
  | 'BINARY'
  | 'DATE'
  | 'TIMESTAMP'
  | 'TIMESTAMP_NTZ'
  | 'DECIMAL'
  | 'ARRAY'
  | 'MAP'
  | 'STRUCT'
  | 'VARIANT';

const PRIMITIVE_UC_NAME: Readonly<Record<PrimitiveTypeName, UcTypeName>> = {
  byte: 'BYTE',
  short: 'SHORT',
  integer: 'INT',
  long: 'LONG',
  float: 'FLOAT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  string: 'STRING',
  binary: 'BINARY',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  timestamp_ntz: 'TIMESTAMP_NTZ',
  variant: 'VARIANT',
};

/**
 * The Unity Catalog `type_name` of a type (the outermost kind only, as UC reports it).
 *
 * @example
 * ```ts
 * import { deltaTypeToJson, parseTypeText, typeText, ucTypeName } from '@zerobus/sdk/schema';
 *
 * // A column as Unity Catalog's REST API describes it.
 * const type = parseTypeText('array<decimal(10,2)>');
 * const column = {
 *   name: 'prices',
 *   position: 0,
 *   nullable: true,
 *   type_text: typeText(type), // 'array<decimal(10,2)>'
 *   type_name: ucTypeName(type), // 'ARRAY'
 *   type_json: JSON.stringify({ name: 'prices', type: deltaTypeToJson(type), nullable: true, metadata: {} }),
 * };
 * ```
 */
export function ucTypeName(type: DeltaType): UcTypeName {
  switch (type.kind) {
    case 'primitive':
      return PRIMITIVE_UC_NAME[type.name];
    case 'decimal':
      return 'DECIMAL';
    case 'array':
      return 'ARRAY';
    case 'map':
      return 'MAP';
    case 'struct':
      return 'STRUCT';
  }
}
