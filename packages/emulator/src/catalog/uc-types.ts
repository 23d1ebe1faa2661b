/**
 * Unity Catalog REST shapes (the subset of the Databricks API our tools and users need) and the
 * errors it answers with: `{ error_code, message }` with the HTTP status the real API uses.
 */

export interface ColumnInfo {
  readonly name: string;
  /** Spark SQL type, e.g. `decimal(10,2)`, `array<struct<a:int>>`. */
  readonly type_text: string;
  /** The type family: LONG, INT, STRING, DECIMAL, ARRAY, STRUCT... */
  readonly type_name: string;
  /** The column as a Spark StructField JSON. */
  readonly type_json: string;
  readonly type_precision?: number;
  readonly type_scale?: number;
  readonly nullable: boolean;
  readonly position: number;
  readonly comment?: string;
}

export interface TableInfo {
  readonly name: string;
  readonly catalog_name: string;
  readonly schema_name: string;
  readonly full_name: string;
  readonly table_type: 'MANAGED';
  readonly data_source_format: 'DELTA';
  readonly columns: readonly ColumnInfo[];
  /** `file://` URL of the Delta table's directory. */
  readonly storage_location: string;
  readonly table_id: string;
  readonly created_at: number;
  readonly updated_at: number;
  readonly comment?: string;
}

export interface CatalogInfo {
  readonly name: string;
  readonly full_name: string;
  readonly comment?: string;
  readonly created_at: number;
}

export interface SchemaInfo {
  readonly name: string;
  readonly catalog_name: string;
  readonly full_name: string;
  readonly comment?: string;
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
  | 'UNAUTHENTICATED';

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
  UNAUTHENTICATED: 401,
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
 * in a path on every platform (Unity Catalog itself allows more, behind backquotes).
 */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,254}$/;

export function checkName(kind: 'catalog' | 'schema' | 'table', name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new UcError(
      'INVALID_PARAMETER_VALUE',
      `${kind} name ${JSON.stringify(name)} is not valid: use letters, digits, _ and - (at most 255 characters)`,
    );
  }
  return name;
}
