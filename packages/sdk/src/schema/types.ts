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

/** A primitive type's Delta schema name: one of {@link PRIMITIVE_TYPE_NAMES}. */
export type PrimitiveTypeName = (typeof PRIMITIVE_TYPE_NAMES)[number];

/**
 * A column type, as a tree: a primitive, a `decimal(precision, scale)`, or an `array`, `map` or
 * `struct` of other types. `kind` tells which.
 */
export type DeltaType =
  | {
      /** A primitive type. */
      readonly kind: 'primitive';
      /** Its Delta schema name (`long`, `timestamp_ntz`, ...). */
      readonly name: PrimitiveTypeName;
    }
  | {
      /** A fixed-point decimal. */
      readonly kind: 'decimal';
      /** Total digits, 1 to 38. */
      readonly precision: number;
      /** Digits after the point, 0 to `precision`. */
      readonly scale: number;
    }
  | {
      /** An array. */
      readonly kind: 'array';
      /** The type of its elements. */
      readonly elementType: DeltaType;
      /** Whether elements may be null. */
      readonly containsNull: boolean;
    }
  | {
      /** A map. */
      readonly kind: 'map';
      /** The type of its keys (never null). */
      readonly keyType: DeltaType;
      /** The type of its values. */
      readonly valueType: DeltaType;
      /** Whether values may be null. */
      readonly valueContainsNull: boolean;
    }
  | {
      /** A struct. */
      readonly kind: 'struct';
      /** Its fields, in order. */
      readonly fields: readonly StructField[];
    };

/** A named, typed field: a column of a table, or a field of a struct. */
export interface StructField {
  /** The field name, as written in the table. */
  readonly name: string;
  /** The field type. */
  readonly type: DeltaType;
  /** Whether the field may be null (false: NOT NULL). */
  readonly nullable: boolean;
  /** Free text from Unity Catalog, kept in the Delta field metadata as `comment`. */
  readonly comment?: string | undefined;
}

/** A table's columns, in position order. */
export interface TableSchema {
  /** The columns. */
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
