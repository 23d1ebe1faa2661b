/**
 * A table schema as a proto2 file, printed from the same plan as the descriptor bytes
 * (proto-plan.ts), so compiling this file with protoc yields the message the SDK sends. Output
 * is deterministic: the same schema always gives the same bytes, so generated files diff cleanly.
 */

import { commentLines, oneLine } from './proto-notes.js';
import { type ProtoFieldPlan, type ProtoMessagePlan, type ProtoValuePlan, planProtoMessage } from './proto-plan.js';
import type { TableSchema } from './types.js';

/**
 * Options of {@link schemaToProtoFile}.
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * import { fetchTableSchema } from '@zerobus/sdk';
 * import { type ProtoFileOptions, schemaToProtoFile } from '@zerobus/sdk/schema';
 *
 * const tableName = 'main.iot.readings';
 * const schema = await fetchTableSchema(tableName, { unityCatalogEndpoint, clientId, clientSecret });
 * const options: ProtoFileOptions = { messageName: 'Reading', tableName }; // the header names the table
 * await writeFile('proto/reading.proto', schemaToProtoFile(schema, options));
 * ```
 */
export interface ProtoFileOptions {
  /** Name of the record message (a protobuf identifier), e.g. the table's name. */
  readonly messageName: string;
  /** `catalog.schema.table`, named in the header comment. */
  readonly tableName?: string | undefined;
}

const INDENT = '  ';

/**
 * The proto2 file for a table's records; throws SchemaError (naming the column) for what protobuf cannot express.
 *
 * @example
 * ```ts
 * import { schemaFromUcColumns, schemaToProtoFile } from '@zerobus/sdk/schema';
 *
 * const schema = schemaFromUcColumns([
 *   { name: 'device', type_text: 'string', nullable: false },
 *   { name: 'price', type_text: 'decimal(10,2)' },
 * ]);
 * const proto = schemaToProtoFile(schema, { messageName: 'Reading' });
 * // proto, after its header comment:
 * // syntax = "proto2";
 * //
 * // message Reading {
 * //   required string device = 1; // STRING
 * //   optional string price = 2; // DECIMAL(10,2): exact decimal text, e.g. "12.34"
 * // }
 * ```
 */
export function schemaToProtoFile(schema: TableSchema, options: ProtoFileOptions): string {
  const plan = planProtoMessage(schema, options.messageName);
  const source = options.tableName === undefined ? 'a table schema' : `table ${oneLine(options.tableName)}`;
  const lines = [
    `// Generated from ${source} by zerobus generate-proto; do not edit.`,
    '// DECIMAL columns are strings holding the exact decimal text, DATE columns int32 days since',
    '// 1970-01-01, TIMESTAMP columns int64 microseconds since the epoch, VARIANT columns JSON text.',
    '',
    'syntax = "proto2";',
    '',
    ...messageLines(plan, ''),
  ];
  return `${lines.join('\n')}\n`;
}

function messageLines(message: ProtoMessagePlan, indent: string): string[] {
  const inner = indent + INDENT;
  const lines = [`${indent}message ${message.name} {`];
  for (const field of message.fields) {
    for (const line of commentLines(field.column.comment)) lines.push(`${inner}//${line ? ` ${line}` : ''}`);
    lines.push(`${inner}${fieldDeclaration(field)} // ${field.note}`);
  }
  for (const nested of message.messages) {
    if (lines.length > 1) lines.push('');
    lines.push(...messageLines(nested, inner));
  }
  lines.push(`${indent}}`);
  return lines;
}

function fieldDeclaration(field: ProtoFieldPlan): string {
  const value = typeRef(field.value);
  const type = field.map === undefined ? `${field.label} ${value}` : `map<${field.map.key}, ${value}>`;
  return `${type} ${field.name} = ${field.number};`;
}

/** Messages are always direct children of the field's message, so the simple name resolves to them first. */
function typeRef(value: ProtoValuePlan): string {
  return value.kind === 'message' ? value.message.name : value.type;
}
