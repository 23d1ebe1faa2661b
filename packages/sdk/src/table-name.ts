/** Table names: `catalog.schema.table`, checked before any network call. */
import { NonRetriableError } from './errors.js';

/**
 * A table name split into its three parts, as {@link parseTableName} returns it (and as
 * `TableProperties.name` holds it).
 *
 * @example
 * ```ts
 * import { parseTableName, type TableName } from '@zerobus/sdk';
 *
 * // The grants a service principal needs to stream into a table, as SQL.
 * function grantsFor({ catalog, schema, table }: TableName, principal: string): string[] {
 *   return [
 *     `GRANT USE CATALOG ON CATALOG ${catalog} TO \`${principal}\``,
 *     `GRANT USE SCHEMA ON SCHEMA ${catalog}.${schema} TO \`${principal}\``,
 *     `GRANT MODIFY, SELECT ON TABLE ${catalog}.${schema}.${table} TO \`${principal}\``,
 *   ];
 * }
 * console.log(grantsFor(parseTableName('main.iot.readings'), clientId).join(';\n'));
 * ```
 */
export interface TableName {
  /** The catalog part. */
  readonly catalog: string;
  /** The schema part. */
  readonly schema: string;
  /** The table part. */
  readonly table: string;
}

/**
 * Splits `catalog.schema.table`, rejecting anything else before a network call is made
 * (PROTOCOL.md §12), with a message naming the empty or extra part.
 *
 * @example
 * ```ts
 * import { parseTableName } from '@zerobus/sdk';
 *
 * // Check the configured table at startup: a NonRetriableError with code INVALID_TABLE_NAME
 * // names the empty or extra part (`table name "iot.readings" has 2 parts, ...`).
 * const { catalog, schema, table } = parseTableName(process.env.ZEROBUS_TABLE ?? 'main.iot.readings');
 * console.log(`streaming into ${table} (catalog ${catalog}, schema ${schema})`);
 * ```
 */
export function parseTableName(fullName: string): TableName {
  if (typeof fullName !== 'string') {
    throw new NonRetriableError('INVALID_TABLE_NAME', `table name must be a string, got ${typeof fullName}`);
  }
  const parts = fullName.split('.');
  const problem =
    parts.length < 3
      ? `has ${parts.length} part${parts.length === 1 ? '' : 's'}, expected catalog.schema.table`
      : parts.length > 3
        ? `has an extra part ${JSON.stringify(parts.slice(3).join('.'))}, expected catalog.schema.table`
        : (['catalog', 'schema', 'table'] as const)
            .filter((_, i) => parts[i]?.trim() === '')
            .map((what) => `the ${what} part is empty`)
            .join(', ');
  if (problem) {
    throw new NonRetriableError('INVALID_TABLE_NAME', `table name ${JSON.stringify(fullName)} ${problem}`);
  }
  const [catalog, schema, table] = parts as [string, string, string];
  return { catalog, schema, table };
}
