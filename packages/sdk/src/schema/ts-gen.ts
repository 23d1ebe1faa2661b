/**
 * A table schema as a TypeScript module: record interfaces, the descriptor bytes, the schema
 * and a ready `TableProperties`, printed from the same plan as the .proto text and the
 * descriptor (proto-plan.ts). Users get types for their records without protoc or a protobuf
 * code generator, and the descriptor can never be out of step with the interfaces.
 *
 * Value types are the forms the SDK takes at ingest time: `bigint | number` for BIGINT, a
 * `Date` or a number for DATE, a `Date`, bigint or number for TIMESTAMP, decimal text (or a
 * number/bigint) for DECIMAL.
 */

import { parseTableName } from '../table-name.js';
import { planToDescriptorProto } from './descriptor-gen.js';
import { commentLines, decimalExample, fieldNote, oneLine, valueForm } from './proto-notes.js';
import { type ProtoFieldPlan, type ProtoMessagePlan, type ProtoValuePlan, planProtoMessage } from './proto-plan.js';
import { SchemaError } from './schema-error.js';
import { LINE_WIDTH, type Literal, printLiteral, printStringConst } from './ts-literal.js';
import type { DeltaType, StructField, TableSchema } from './types.js';

/**
 * Options of {@link schemaToTypeScript}.
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * import { fetchTableSchema } from '@zerobus/sdk';
 * import { schemaToTypeScript, type TypeScriptModuleOptions } from '@zerobus/sdk/schema';
 *
 * // A build step: one module per table, regenerated when the tables change.
 * const modules: TypeScriptModuleOptions[] = [
 *   { tableName: 'main.iot.readings', messageName: 'Reading' },
 *   { tableName: 'main.iot.events', messageName: 'Event' },
 * ];
 * for (const options of modules) {
 *   const schema = await fetchTableSchema(options.tableName, { unityCatalogEndpoint, clientId, clientSecret });
 *   await writeFile(`src/generated/${options.messageName}.ts`, schemaToTypeScript(schema, options));
 * }
 * ```
 */
export interface TypeScriptModuleOptions {
  /** Name of the record message and of the record interface (an identifier), e.g. the table's name. */
  readonly messageName: string;
  /** `catalog.schema.table`: the module's `tableName` and its TableProperties' table. */
  readonly tableName: string;
}

/**
 * Names the root interface cannot take: words TypeScript reserves, and the global types the
 * module itself uses, which an interface of that name would shadow. Nested interfaces are
 * `Root_Child` (message names never contain `_`), so they cannot collide with these.
 */
const UNUSABLE_NAMES = new Set([
  ...'any unknown never number bigint boolean string symbol void object undefined null true false'.split(' '),
  ...'break case catch class const continue debugger default delete do else enum export extends finally for'.split(' '),
  ...'function if import in instanceof new return super switch this throw try typeof var while with'.split(' '),
  ...'implements interface let package private protected public static yield await type'.split(' '),
  ...'Date Map Record Uint8Array TableProperties TableSchema'.split(' '),
]);

const INDENT = '  ';

/**
 * The TypeScript module for a table's records; throws SchemaError as schemaToProtoFile does.
 * The module exports the record interface (named `messageName`), `tableName`,
 * `descriptorProto`, `tableSchema` and a ready `tableProperties`. Throws a `NonRetriableError`
 * (code `INVALID_TABLE_NAME`) for a `tableName` that is not `catalog.schema.table`.
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * import { fetchTableSchema } from '@zerobus/sdk';
 * import { SchemaError, schemaToTypeScript } from '@zerobus/sdk/schema';
 *
 * const schema = await fetchTableSchema('main.iot.readings', { unityCatalogEndpoint, clientId, clientSecret });
 * try {
 *   const source = schemaToTypeScript(schema, { messageName: 'Reading', tableName: 'main.iot.readings' });
 *   await writeFile('src/readings.ts', source); // exports Reading, tableSchema, tableProperties...
 * } catch (error) {
 *   if (!(error instanceof SchemaError)) throw error;
 *   console.error(`cannot generate: ${error.message}`); // e.g. a nested array, which protobuf cannot express
 * }
 * ```
 */
export function schemaToTypeScript(schema: TableSchema, options: TypeScriptModuleOptions): string {
  // A bad table name would make the generated module throw when imported: refuse it now.
  parseTableName(options.tableName);
  const plan = planProtoMessage(schema, options.messageName);
  if (UNUSABLE_NAMES.has(plan.name)) {
    throw new SchemaError(
      `message name ${JSON.stringify(plan.name)} cannot name the record interface in TypeScript (reserved, or ` +
        'used by the generated module); choose another message name',
    );
  }
  const descriptorLine =
    'export const descriptorProto: Uint8Array = Uint8Array.from(atob(descriptorBase64), (c) => c.charCodeAt(0));';
  const schemaHead = 'export const tableSchema: TableSchema = ';
  const sections = [
    `// Generated from table ${oneLine(options.tableName)} by zerobus generate-proto --lang ts; do not edit.`,
    "import { TableProperties } from '@zerobus/sdk';\nimport type { TableSchema } from '@zerobus/sdk/schema';",
    `/** The table the records go to. */\n${printStringConst('export const tableName', options.tableName)}`,
    ...interfaces(plan, `A record (one row) of table ${oneLine(options.tableName)}.`),
    printStringConst('const descriptorBase64', base64(planToDescriptorProto(plan))),
    `/** The record message as serialized google.protobuf.DescriptorProto (self-contained), for proto streams. */\n${descriptorLine}`,
    `/** The table's columns, for client-side checks and conversions. */\n${schemaHead}${printLiteral(
      { fields: schema.fields.map(fieldLiteral) },
      '',
      schemaHead.length,
      ';',
    )}`,
    '/** Ready to pass to `createStream`: its streams take `' +
      interfaceName(plan) +
      '` records, checked at compile time. */\n' +
      `export const tableProperties = new TableProperties<${interfaceName(plan)}>(tableName, descriptorProto, {\n` +
      '  schema: tableSchema,\n});',
  ];
  return `${sections.join('\n\n')}\n`;
}

/** Interface name of a message: its dotted full name with `_` (`Row_DeviceInfo`), unique in the module. */
function interfaceName(message: ProtoMessagePlan): string {
  return message.fullName.replaceAll('.', '_');
}

/** The interface of `message`, then those of its struct fields, depth first. */
function interfaces(message: ProtoMessagePlan, doc: string): string[] {
  const body = message.fields.map(propertyLines).join('\n');
  // A struct without fields: a type with no properties (an empty interface would accept any object).
  const declaration = body
    ? `export interface ${interfaceName(message)} {\n${body}\n}`
    : `export type ${interfaceName(message)} = Record<string, never>;`;
  const own = `${docComment(doc, '')}\n${declaration}`;
  const nested = message.fields.flatMap((field) => {
    if (field.value.kind !== 'message') return [];
    const what = field.map ? 'A value of column' : field.label === 'repeated' ? 'An element of column' : 'Column';
    return interfaces(field.value.message, `${what} ${field.path}.`);
  });
  return [own, ...nested];
}

/** A member of a property's type union; generics keep their arguments apart, for line breaking. */
interface TypeMember {
  readonly text: string;
  readonly generic?: { readonly name: string; readonly args: readonly string[] };
}

function generic(name: string, args: string[]): TypeMember {
  return { text: `${name}<${args.join(', ')}>`, generic: { name, args } };
}

function propertyLines(field: ProtoFieldPlan): string {
  const optional = field.column.nullable;
  const members = [...fieldTypes(field), ...(optional ? [{ text: 'null' }] : [])];
  const head = `${INDENT}${field.name}${optional ? '?' : ''}:`;
  const oneLine = `${head} ${members.map((m) => m.text).join(' | ')};`;
  const doc = [fieldNote(field.column.type, tsForm), ...commentLines(field.column.comment)];
  const text =
    oneLine.length <= LINE_WIDTH || members.length === 1
      ? oneLine
      : `${head}\n${members.map((m) => unionMemberLine(m, INDENT + INDENT)).join('\n')};`;
  return `${docComment(doc.join('\n'), INDENT)}\n${text}`;
}

/** The formatters' layout of a union too long for one line: a member per line, a generic's arguments too if needed. */
function unionMemberLine(member: TypeMember, indent: string): string {
  const line = `${indent}| ${member.text}`;
  if (line.length <= LINE_WIDTH || member.generic === undefined) return line;
  const inner = indent + INDENT + INDENT;
  const args = member.generic.args.map((a, i) => `${inner}${a}${i < member.generic!.args.length - 1 ? ',' : ''}`);
  return [`${indent}| ${member.generic.name}<`, ...args, `${indent}${INDENT}>`].join('\n');
}

/** The members of the property's type union, `null` aside. */
function fieldTypes(field: ProtoFieldPlan): TypeMember[] {
  const value = valueTypes(field.value);
  const joined = value.join(' | ');
  if (field.map) return [generic('Map', [keyType(field.map.keyDelta), joined]), generic('Record', ['string', joined])];
  if (field.label === 'repeated') return [{ text: value.length > 1 ? `(${joined})[]` : `${joined}[]` }];
  return value.map((text) => ({ text }));
}

function valueTypes(value: ProtoValuePlan): string[] {
  return value.kind === 'message' ? [interfaceName(value.message)] : scalarTypes(value.delta);
}

function keyType(type: DeltaType): string {
  return type.kind === 'primitive' && type.name === 'string' ? 'string' : scalarTypes(type).join(' | ');
}

function scalarTypes(type: DeltaType): string[] {
  if (type.kind === 'decimal') return ['string', 'number', 'bigint'];
  if (type.kind !== 'primitive') return ['never'];
  switch (type.name) {
    case 'long':
      return ['bigint', 'number'];
    case 'boolean':
      return ['boolean'];
    case 'string':
    case 'variant':
      return ['string'];
    case 'binary':
      return ['Uint8Array'];
    case 'date':
      return ['Date', 'number'];
    case 'timestamp':
    case 'timestamp_ntz':
      return ['Date', 'bigint', 'number'];
    default:
      return ['number'];
  }
}

/** What a number (or string) means where the TypeScript type does not say it; the rest as in the .proto comments. */
function tsForm(type: DeltaType): string | undefined {
  if (type.kind === 'decimal') {
    return `exact decimal text when a string, e.g. "${decimalExample(type.precision, type.scale)}"`;
  }
  if (type.kind !== 'primitive') return undefined;
  switch (type.name) {
    case 'date':
      return 'days since 1970-01-01 when a number';
    case 'timestamp':
      return 'microseconds since the epoch when a number or bigint';
    case 'timestamp_ntz':
      return 'microseconds since 1970-01-01 00:00:00 (wall-clock time, no time zone) when a number or bigint';
    default:
      return valueForm(type);
  }
}

function docComment(text: string, indent: string): string {
  const lines = text.replaceAll('*/', '*\\/').split('\n');
  if (lines.length === 1) return `${indent}/** ${lines[0]} */`;
  return [`${indent}/**`, ...lines.map((l) => `${indent} *${l ? ` ${l}` : ''}`), `${indent} */`].join('\n');
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function typeLiteral(type: DeltaType): Literal {
  switch (type.kind) {
    case 'primitive':
      return { kind: 'primitive', name: type.name };
    case 'decimal':
      return { kind: 'decimal', precision: type.precision, scale: type.scale };
    case 'array':
      return { kind: 'array', elementType: typeLiteral(type.elementType), containsNull: type.containsNull };
    case 'map':
      return {
        kind: 'map',
        keyType: typeLiteral(type.keyType),
        valueType: typeLiteral(type.valueType),
        valueContainsNull: type.valueContainsNull,
      };
    case 'struct':
      return { kind: 'struct', fields: type.fields.map(fieldLiteral) };
  }
}

function fieldLiteral(field: StructField): Literal {
  const literal = { name: field.name, type: typeLiteral(field.type), nullable: field.nullable };
  return typeof field.comment === 'string' ? { ...literal, comment: field.comment } : literal;
}
