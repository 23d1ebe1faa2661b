/**
 * Unity Catalog REST shapes (the subset of the Databricks API our tools and users need) and the
 * errors it answers with: `{ error_code, message }` with the HTTP status the real API uses.
 */

/**
 * A column of a table, as Unity Catalog's `GET /tables/{full_name}` describes it.
 *
 * @example
 * ```ts
 * import type { ColumnInfo } from '@zerobus/emulator';
 *
 * const columns: readonly ColumnInfo[] = emulator.catalog.getTable('main.shop.orders').columns;
 * const amount = columns.find((c) => c.name === 'amount');
 * amount?.type_name; // 'DECIMAL'
 * amount?.type_precision; // 10, for decimal(10,2)
 * amount?.type_scale; // 2
 * ```
 */
export interface ColumnInfo {
  /** The column name. */
  readonly name: string;
  /** Spark SQL type, e.g. `decimal(10,2)`, `array<struct<a:int>>`. */
  readonly type_text: string;
  /** The type family: LONG, INT, STRING, DECIMAL, ARRAY, STRUCT... */
  readonly type_name: string;
  /** The column as a Spark StructField JSON. */
  readonly type_json: string;
  /** The precision of a `decimal` column; absent for other types. */
  readonly type_precision?: number;
  /** The scale of a `decimal` column; absent for other types. */
  readonly type_scale?: number;
  /** Whether the column accepts null. */
  readonly nullable: boolean;
  /** The column's 0-based position in the table. */
  readonly position: number;
  /** The column comment, if it has one. */
  readonly comment?: string;
}

/**
 * A table, as Unity Catalog's `GET /tables/{full_name}` answers (the fields the local server fills).
 *
 * @example
 * ```ts
 * import { fileURLToPath } from 'node:url';
 * import type { TableInfo } from '@zerobus/emulator';
 *
 * const info: TableInfo = emulator.catalog.getTable('main.iot.readings');
 * const dir = fileURLToPath(info.storage_location); // the Delta table's directory
 * console.log(`DuckDB: SELECT * FROM delta_scan('${dir}')`);
 * ```
 */
export interface TableInfo {
  /** The table name (the last part of `full_name`). */
  readonly name: string;
  /** The catalog the table is in. */
  readonly catalog_name: string;
  /** The schema the table is in. */
  readonly schema_name: string;
  /** `catalog.schema.table`. */
  readonly full_name: string;
  /** Always `MANAGED`. */
  readonly table_type: 'MANAGED';
  /** Always `DELTA`. */
  readonly data_source_format: 'DELTA';
  /** The columns, in table order. */
  readonly columns: readonly ColumnInfo[];
  /** `file://` URL of the Delta table's directory. */
  readonly storage_location: string;
  /** A UUID given to the table when it was created. */
  readonly table_id: string;
  /** When the table was created, in milliseconds since the epoch. */
  readonly created_at: number;
  /** Same as `created_at` (the local server does not track updates). */
  readonly updated_at: number;
  /** The table comment, if it has one. */
  readonly comment?: string;
}

/**
 * A catalog, as Unity Catalog's `GET /catalogs/{name}` answers.
 *
 * @example
 * ```ts
 * import type { CatalogInfo } from '@zerobus/emulator';
 *
 * // what a Databricks REST client sees: the catalogs its token may use (here USE CATALOG on main)
 * const response = await fetch(`${emulator.unityCatalogEndpoint}/api/2.1/unity-catalog/catalogs`, {
 *   headers: { authorization: `Bearer ${emulator.issueToken('main.iot.readings')}` },
 * });
 * const { catalogs } = (await response.json()) as { catalogs: CatalogInfo[] };
 * catalogs.map((c) => c.name); // ['main']
 * ```
 */
export interface CatalogInfo {
  /** The catalog name. */
  readonly name: string;
  /** Same as `name`. */
  readonly full_name: string;
  /** The catalog comment, if it has one. */
  readonly comment?: string;
  /** When the catalog was created, in milliseconds since the epoch. */
  readonly created_at: number;
}

/**
 * A schema, as Unity Catalog's `GET /schemas/{full_name}` answers.
 *
 * @example
 * ```ts
 * import type { SchemaInfo } from '@zerobus/emulator';
 *
 * const staging: SchemaInfo = await emulator.catalog.createSchema('main', 'staging', 'tables under test');
 * staging.full_name; // 'main.staging'
 * emulator.catalog.listSchemas('main').map((s) => s.name); // ['iot', 'staging']
 * ```
 */
export interface SchemaInfo {
  /** The schema name. */
  readonly name: string;
  /** The catalog the schema is in. */
  readonly catalog_name: string;
  /** `catalog.schema`. */
  readonly full_name: string;
  /** The schema comment, if it has one. */
  readonly comment?: string;
  /** When the schema was created, in milliseconds since the epoch. */
  readonly created_at: number;
}

export type UcErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'CATALOG_DOES_NOT_EXIST'
  | 'SCHEMA_DOES_NOT_EXIST'
  | 'TABLE_DOES_NOT_EXIST'
  | 'CATALOG_ALREADY_EXISTS'
  | 'SCHEMA_ALREADY_EXISTS'
  | 'TABLE_ALREADY_EXISTS'
  | 'CATALOG_NOT_EMPTY'
  | 'SCHEMA_NOT_EMPTY'
  | 'INVALID_STATE'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'INTERNAL_ERROR';

const STATUS: Record<UcErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400,
  CATALOG_DOES_NOT_EXIST: 404,
  SCHEMA_DOES_NOT_EXIST: 404,
  TABLE_DOES_NOT_EXIST: 404,
  CATALOG_ALREADY_EXISTS: 409,
  SCHEMA_ALREADY_EXISTS: 409,
  TABLE_ALREADY_EXISTS: 409,
  CATALOG_NOT_EMPTY: 400,
  SCHEMA_NOT_EMPTY: 400,
  /** The object exists but cannot be used as it is (a table whose Delta log cannot be read). */
  INVALID_STATE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  INTERNAL_ERROR: 500,
};

/** A Unity Catalog error: becomes `{ error_code, message }` with the matching HTTP status. */
export class UcError extends Error {
  override readonly name = 'UcError';
  readonly status: number;

  constructor(
    readonly code: UcErrorCode,
    message: string,
  ) {
    super(message);
    this.status = STATUS[code];
  }
}

/**
 * Catalog, schema and table names become directory names, so they are limited to what is safe
 * in a path on every platform: letters, digits, `_` and `-`, at most 255 characters. (Unity
 * Catalog itself allows more, behind backquotes, but never `.`, ` `, `/` or control characters.)
 */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,254}$/;

export function checkName(kind: 'catalog' | 'schema' | 'table', name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    const length = typeof name === 'string' && name.length > 255 ? ` has ${name.length} characters and` : '';
    throw new UcError(
      'INVALID_PARAMETER_VALUE',
      `${kind} name ${shown(name)}${length} is not valid: use letters, digits, _ and - (at most 255 characters)`,
    );
  }
  return name;
}

/** A value as an error message shows it: JSON, cut short. */
export function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : value === undefined ? 'undefined' : JSON.stringify(value);
  const cut = text.length > 64 ? `${text.slice(0, 64)}…` : text;
  return typeof value === 'string' ? JSON.stringify(cut) : cut;
}

/** `a string`, `a number`, `null`, `an array`...: what a JSON value is, for messages. */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
