/**
 * The table type model shared by the SDK (schema tools, client-side validation) and the local
 * server (validation, Delta and Parquet writing): Unity Catalog / Delta column types as a tree.
 * Names follow the Delta protocol's schema serialization (`long`, `integer`, `timestamp_ntz`...).
 */

/**
 * Every primitive type, by its Delta schema name (comments: the SQL names).
 *
 * @example
 * ```ts
 * import { PRIMITIVE_TYPE_NAMES, type PrimitiveTypeName } from '@zerobus/sdk/schema';
 *
 * // Narrows a type name read from a config file or a command-line flag.
 * function isPrimitiveTypeName(name: string): name is PrimitiveTypeName {
 *   return (PRIMITIVE_TYPE_NAMES as readonly string[]).includes(name);
 * }
 * isPrimitiveTypeName('timestamp_ntz'); // true
 * isPrimitiveTypeName('bigint'); // false: the Delta name is 'long'
 * ```
 */
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

/**
 * A primitive type's Delta schema name: one of {@link PRIMITIVE_TYPE_NAMES}.
 *
 * @example
 * ```ts
 * import { type DeltaType, type PrimitiveTypeName, parseTypeText } from '@zerobus/sdk/schema';
 *
 * const INTEGRAL: ReadonlySet<PrimitiveTypeName> = new Set(['byte', 'short', 'integer', 'long']);
 * const isIntegral = (type: DeltaType): boolean => type.kind === 'primitive' && INTEGRAL.has(type.name);
 * isIntegral(parseTypeText('smallint')); // true
 * isIntegral(parseTypeText('decimal(10,0)')); // false
 * ```
 */
export type PrimitiveTypeName = (typeof PRIMITIVE_TYPE_NAMES)[number];

/**
 * A column type, as a tree: a primitive, a `decimal(precision, scale)`, or an `array`, `map` or
 * `struct` of other types. `kind` tells which.
 *
 * @example
 * ```ts
 * import { type DeltaType, parseTypeText } from '@zerobus/sdk/schema';
 *
 * // Whether a column holds a timestamp anywhere inside it.
 * function hasTimestamp(type: DeltaType): boolean {
 *   switch (type.kind) {
 *     case 'primitive':
 *       return type.name === 'timestamp' || type.name === 'timestamp_ntz';
 *     case 'decimal':
 *       return false;
 *     case 'array':
 *       return hasTimestamp(type.elementType);
 *     case 'map':
 *       return hasTimestamp(type.keyType) || hasTimestamp(type.valueType);
 *     case 'struct':
 *       return type.fields.some((field) => hasTimestamp(field.type));
 *   }
 * }
 * hasTimestamp(parseTypeText('array<struct<at:timestamp,temp:double>>')); // true
 * ```
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

/**
 * A named, typed field: a column of a table, or a field of a struct.
 *
 * @example
 * ```ts
 * import { fetchTableSchema } from '@zerobus/sdk';
 * import { type StructField, typeText } from '@zerobus/sdk/schema';
 *
 * function describe(field: StructField): string {
 *   const column = `${field.name} ${typeText(field.type)}${field.nullable ? '' : ' NOT NULL'}`;
 *   return field.comment === undefined ? column : `${column} -- ${field.comment}`;
 * }
 * const { fields } = await fetchTableSchema('main.iot.readings', { unityCatalogEndpoint, clientId, clientSecret });
 * for (const field of fields) console.log(describe(field)); // e.g. "device string NOT NULL"
 * ```
 */
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

/**
 * A table's columns, in position order.
 *
 * @example
 * ```ts
 * import { TableProperties } from '@zerobus/sdk';
 * import { parseTypeText, type TableSchema } from '@zerobus/sdk/schema';
 *
 * // Columns known in advance: no Unity Catalog call, and records are still checked client-side.
 * const schema: TableSchema = {
 *   fields: [
 *     { name: 'device', type: { kind: 'primitive', name: 'string' }, nullable: false },
 *     { name: 'at', type: { kind: 'primitive', name: 'timestamp' }, nullable: false },
 *     { name: 'temp', type: parseTypeText('double'), nullable: true },
 *   ],
 * };
 * const table = new TableProperties('main.iot.readings', undefined, { schema });
 * const stream = await sdk.createStream(clientId, clientSecret, table, { recordType: 'json' });
 * await stream.ingestRecordOffset({ device: 'pump-7', at: new Date(), temp: 21.5 }); // `at` is sent as microseconds
 * ```
 */
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
 * The local server keeps the rows of Arrow streams in these forms (`StoredRecord.row`).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import type { NormalizedValue } from '@zerobus/sdk/schema';
 *
 * await arrowStream.ingestBatchOffset(recordBatch);
 * const [first] = await emulator.waitForRecords(arrowStream.tableName, 1);
 * const row: Readonly<Record<string, NormalizedValue>> | undefined = first?.row;
 * // A TIMESTAMP as bigint microseconds, a DECIMAL(10,2) as its unscaled bigint (12.34 is 1234n).
 * assert.deepEqual(row, { device: 'pump-7', at: 1709294400000000n, price: 1234n });
 * ```
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
