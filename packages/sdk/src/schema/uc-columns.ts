/**
 * A table schema from the `columns` of a Unity Catalog table (PROTOCOL.md §6): each column's
 * `type_text` is parsed; columns are put in `position` order, since UC does not promise to list
 * them in table order.
 */

import { SchemaError } from './schema-error.js';
import { parseTypeText } from './type-text-parser.js';
import type { StructField, TableSchema } from './types.js';

/**
 * The part of a UC column this module reads (UC sends more, such as `type_name` and `type_json`).
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { schemaFromUcColumns, type UcColumn } from '@zerobus/sdk/schema';
 *
 * // A table as saved by `databricks tables get main.iot.readings --output json`.
 * const table = JSON.parse(await readFile('readings.table.json', 'utf8')) as { columns: UcColumn[] };
 * const schema = schemaFromUcColumns(table.columns);
 * ```
 */
export interface UcColumn {
  /** The column name. */
  readonly name: string;
  /** The column's Spark SQL type, e.g. `decimal(10,2)`, `array<struct<a:int>>`. */
  readonly type_text: string;
  /** UC omits it on some responses; a missing value means nullable, as in Spark. */
  readonly nullable?: boolean | undefined;
  /** The column's 0-based position in the table; missing: its index in the list. */
  readonly position?: number | undefined;
  /** The column comment, if any. */
  readonly comment?: string | null | undefined;
}

/**
 * The table schema of Unity Catalog columns: each `type_text` parsed, the columns in `position`
 * order. Throws a {@link SchemaError} (naming the column) for a type that cannot be parsed, a
 * duplicate name or position, or a malformed column.
 *
 * @example
 * ```ts
 * import { schemaFromUcColumns } from '@zerobus/sdk/schema';
 *
 * const schema = schemaFromUcColumns([
 *   { name: 'id', type_text: 'bigint', nullable: false, position: 0 },
 *   { name: 'tags', type_text: 'array<string>', position: 1 },
 * ]);
 * schema.fields.map((field) => field.nullable); // [false, true]: no `nullable` means nullable
 * ```
 */
export function schemaFromUcColumns(columns: readonly UcColumn[]): TableSchema {
  if (!Array.isArray(columns)) throw new SchemaError('Unity Catalog columns must be an array');
  // A column without a position keeps its place in the list (its index stands in for it).
  const ordered = columns.map((column, index) => ({ column, index, order: column?.position ?? index }));
  ordered.sort((a, b) => a.order - b.order || a.index - b.index);
  const fields: StructField[] = [];
  const seen = new Map<string, string>();
  const positions = new Set<number>();
  for (const { column, index } of ordered) {
    if (typeof column !== 'object' || column === null) throw new SchemaError(`column #${index} must be an object`);
    const { name, type_text: text, nullable, position, comment } = column;
    if (typeof name !== 'string' || name.length === 0) {
      throw new SchemaError(`column #${index} needs a non-empty name, got ${JSON.stringify(name)}`);
    }
    const fail = (problem: string, cause?: unknown): never => {
      throw new SchemaError(`column '${name}': ${problem}`, { field: name, cause });
    };
    if (position !== undefined) {
      if (!Number.isInteger(position) || position < 0) fail(`position must be a non-negative integer, got ${position}`);
      if (positions.has(position)) fail(`position ${position} is used by another column`);
      positions.add(position);
    }
    const key = name.toLowerCase();
    const previous = seen.get(key);
    if (previous !== undefined) fail(`duplicate column name (same as '${previous}' ignoring case)`);
    seen.set(key, name);
    if (nullable !== undefined && typeof nullable !== 'boolean') fail(`nullable must be a boolean, got ${nullable}`);
    if (typeof text !== 'string') fail(`type_text must be a string, got ${JSON.stringify(text)}`);
    let type: StructField['type'];
    try {
      type = parseTypeText(text);
    } catch (cause) {
      return fail((cause as Error).message, cause);
    }
    const field: StructField = { name, type, nullable: nullable ?? true };
    fields.push(typeof comment === 'string' ? { ...field, comment } : field);
  }
  return { fields };
}
