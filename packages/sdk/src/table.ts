/** The target table of a stream and, for protobuf streams, the record's message descriptor. */
import { brandClass, isBrandedInstance } from './brand.js';
import { fetchTableSchema, type UnityCatalogAccess } from './catalog/table-metadata.js';
import type { DescriptorInput } from './records/encoder.js';
import { schemaToDescriptorProto } from './schema/descriptor-gen.js';
import type { TableSchema } from './schema/types.js';
import { parseTableName, type TableName } from './table-name.js';

export { parseTableName, type TableName } from './table-name.js';

/**
 * Options of the {@link TableProperties} constructor.
 *
 * @example
 * ```ts
 * import { TableProperties } from '@zerobus/sdk';
 * import { schemaFromUcColumns } from '@zerobus/sdk/schema';
 *
 * // The columns as Unity Catalog lists them, without a call to it.
 * const schema = schemaFromUcColumns([
 *   { name: 'device', type_text: 'string', nullable: false },
 *   { name: 'temp', type_text: 'double' },
 *   { name: 'at', type_text: 'timestamp' },
 * ]);
 * const table = new TableProperties('main.iot.readings', undefined, { schema });
 * const stream = await sdk.createStream(clientId, clientSecret, table, { recordType: 'json' });
 * await stream.ingestRecordOffset({ device: 'pump-7', temp: 21.5, at: new Date() }); // checked; Date → microseconds
 * ```
 */
export interface TablePropertiesOptions {
  /**
   * The table's columns (from Unity Catalog, `zerobus generate-proto --lang ts`, or
   * `@zerobus/sdk/schema`). With a schema, streams can check and convert records client-side.
   */
  readonly schema?: TableSchema | undefined;
}

/**
 * Options of {@link TableProperties.fromTable}: how to reach Unity Catalog, and what kind of
 * stream the properties are for.
 *
 * @example
 * ```ts
 * import { type FromTableOptions, TableProperties } from '@zerobus/sdk';
 *
 * const options: FromTableOptions = {
 *   unityCatalogEndpoint,
 *   clientId,
 *   clientSecret,
 *   recordType: 'proto', // the default: a descriptor is generated from the columns
 *   messageName: 'Reading', // instead of 'readings', the table's name
 * };
 * const table = await TableProperties.fromTable('main.iot.readings', options);
 * const stream = await sdk.createStream(clientId, clientSecret, table); // a protobuf stream
 * ```
 */
export interface FromTableOptions extends UnityCatalogAccess {
  /**
   * The streams these properties are for. `'proto'` (the default) also builds the descriptor
   * from the columns, as `zerobus generate-proto` maps them; `'json'` needs none.
   */
  readonly recordType?: 'proto' | 'json' | undefined;
  /** The record message's name in the descriptor. Default: the table's name. */
  readonly messageName?: string | undefined;
}

/** The key of the compile-time record type of a TableProperties; never a value at run time. */
declare const recordType: unique symbol;

/**
 * The target table of a stream: its full name and, for protobuf streams, the record's message
 * descriptor (Python SDK `TableProperties(table_name, descriptor)`), plus an optional table
 * schema. The name is checked at once (an `INVALID_TABLE_NAME` error for anything but
 * `catalog.schema.table`).
 *
 * @example
 * ```ts
 * import { TableProperties } from '@zerobus/sdk';
 * import protobuf from 'protobufjs';
 *
 * // JSON stream: the name is enough.
 * const events = new TableProperties('main.iot.events');
 * // Protobuf stream: the record's message descriptor too (here a protobufjs Type).
 * const Reading = protobuf
 *   .parse('syntax = "proto2"; message Reading { required string device = 1; optional double temp = 2; }')
 *   .root.lookupType('Reading');
 * const readings = new TableProperties('main.iot.readings', Reading);
 * // Or everything from the table itself (columns from Unity Catalog):
 * const table = await TableProperties.fromTable('main.iot.readings', { unityCatalogEndpoint, clientId, clientSecret });
 * ```
 */
export class TableProperties<T = unknown> {
  /**
   * The type of the table's records, for the compiler only (nothing at run time): a stream
   * created with a `TableProperties<Reading>` takes `Reading` records, so a wrong field name or
   * type fails at compile time. Set by `new TableProperties<Reading>(...)`, by
   * `TableProperties.fromTable<Reading>(...)`, or by the `tableProperties` of a module
   * `zerobus generate-proto --lang ts` wrote.
   */
  declare readonly [recordType]?: T;

  static {
    brandClass(TableProperties, 'TableProperties');
  }

  /**
   * True for instances of this class from any copy of the SDK loaded in the process (its ESM
   * and CommonJS builds, two installed versions), not only this one's: see docs/node-idioms.md, "ESM and CommonJS".
   *
   * @example
   * ```ts
   * import { createRequire } from 'node:module';
   * import { TableProperties } from '@zerobus/sdk';
   *
   * // Made by the CommonJS copy, e.g. in a module `zerobus generate-proto --lang ts` wrote.
   * const cjs = createRequire(import.meta.url)('@zerobus/sdk') as typeof import('@zerobus/sdk');
   * const table = new cjs.TableProperties('main.iot.readings');
   * console.log(table instanceof TableProperties); // true: createStream takes it too
   * ```
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `instanceof` asks about (a subclass too).
    return isBrandedInstance(this, value);
  }

  /** The table's full name, `catalog.schema.table`, as given. */
  readonly tableName: string;
  /** The record's message type, required for protobuf streams. */
  readonly descriptor: DescriptorInput | undefined;
  /** The name split into its three parts. */
  readonly name: TableName;
  /** The table's columns, when known. */
  readonly schema: TableSchema | undefined;

  constructor(tableName: string, descriptor?: DescriptorInput, options: TablePropertiesOptions = {}) {
    this.name = parseTableName(tableName);
    this.tableName = tableName;
    this.descriptor = descriptor;
    this.schema = options.schema;
  }

  /**
   * Properties read from the table itself: its columns from Unity Catalog (the workspace's or the
   * local server's) become the schema (so records are checked and converted client-side) and,
   * for protobuf streams, the descriptor — no .proto file, no protoc.
   *
   * @example
   * ```ts
   * import { TableProperties } from '@zerobus/sdk';
   *
   * const table = await TableProperties.fromTable('main.iot.events', {
   *   unityCatalogEndpoint, clientId, clientSecret,
   * });
   * const stream = await sdk.createStream(clientId, clientSecret, table);
   * await stream.ingestRecordOffset({ device: 'pump-7', at: new Date(), temp: 21.5 });
   * ```
   */
  static async fromTable<T = unknown>(tableName: string, options: FromTableOptions): Promise<TableProperties<T>> {
    const name = parseTableName(tableName);
    const schema = await fetchTableSchema(tableName, options);
    const descriptor =
      options.recordType === 'json' ? undefined : schemaToDescriptorProto(schema, options.messageName ?? name.table);
    return new TableProperties<T>(tableName, descriptor, { schema });
  }
}
