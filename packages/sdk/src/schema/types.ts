/**
 * The table type model shared by the SDK (schema tools, client-side validation) and the local
 * server (validation, Delta and Parquet writing): Unity Catalog / Delta column types as a tree.
 * Names follow the Delta protocol's schema serialization (`long`, `integer`, `timestamp_ntz`...).
 */

/** Every primitive type, by its Delta schema name (comments: the SQL names). */
export const PRIMITIVE_TYPE_NAMES = [
  'byte', // TINYINT
  'short', // SMALLINT
  'integer', // INT
  'long', // BIGINT
  'float',
  'double',
  'boolean',
  'string', // STRING, VARCHAR(n), CHAR(n)
  'binary',
  'date',
  'timestamp', // microseconds, UTC
  'timestamp_ntz', // microseconds, no time zone
  'variant', // semi-structured JSON
] as const;

export type PrimitiveTypeName = (typeof PRIMITIVE_TYPE_NAMES)[number];

export type DeltaType =
  | { readonly kind: 'primitive'; readonly name: PrimitiveTypeName }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'array'; readonly elementType: DeltaType; readonly containsNull: boolean }
  | {
      readonly kind: 'map';
      readonly keyType: DeltaType;
      readonly valueType: DeltaType;
      readonly valueContainsNull: boolean;
    }
  | { readonly kind: 'struct'; readonly fields: readonly StructField[] };

export interface StructField {
  readonly name: string;
  readonly type: DeltaType;
  readonly nullable: boolean;
  /** Free text from Unity Catalog, kept in the Delta field metadata as `comment`. */
  readonly comment?: string | undefined;
}

/** A table's columns, in position order. */
export interface TableSchema {
  readonly fields: readonly StructField[];
}

/**
 * How values of each type are held once validated (by the server before writing Parquet, and
 * by the SDK's client-side validation): byte/short/integer/float/double → number, long →
 * bigint, boolean → boolean, string → string, binary → Uint8Array, date → number (days since
 * 1970-01-01), timestamp/timestamp_ntz → bigint (microseconds since the epoch), decimal →
 * bigint (the unscaled value: 12.34 in decimal(10,2) is 1234n), variant → string (JSON text),
 * array → array, map → Map, struct → plain object keyed by field name; a null is `null`.
 */
export type NormalizedValue =
  | null
  | number
  | bigint
  | boolean
  | string
  | Uint8Array
  | readonly NormalizedValue[]
  | ReadonlyMap<NormalizedValue, NormalizedValue>
  | { readonly [field: string]: NormalizedValue };
