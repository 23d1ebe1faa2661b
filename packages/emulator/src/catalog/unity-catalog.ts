/**
 * The emulator's Unity Catalog: catalogs, schemas and Delta tables under one data directory,
 * `<dataDir>/<catalog>/<schema>/<table>/` (the table directory is a Delta table). Everything is
 * on disk, so a restarted server with the same directory serves the same tables; the Delta log
 * is the source of truth for a table's columns.
 */
import { randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SchemaError, type TableSchema } from '@zerobus/sdk/schema';
import { DeltaTable } from '../tables/delta/delta-table.js';
import { DeltaTableError } from '../tables/delta/errors.js';
import {
  CATALOG_META,
  catalogInfo,
  type Meta,
  SCHEMA_META,
  schemaInfo,
  TABLE_META,
  tableEntry,
} from './catalog-metadata.js';
import { type CatalogContents, loadCatalogContents } from './load-catalog.js';
import { tableSchemaOf } from './uc-columns.js';
import { type CatalogInfo, checkName, type SchemaInfo, type TableInfo, UcError } from './uc-types.js';
import { type UnavailableTable, unavailableMessage } from './unavailable-table.js';

/**
 * What `POST /tables` (or `UnityCatalog.createTable`) takes; `Emulator.createDeltaTable` takes
 * its `columns`.
 *
 * @example
 * ```ts
 * import type { CreateTableRequest } from '@zerobus/emulator';
 *
 * const request: CreateTableRequest = {
 *   catalog_name: 'main', // the catalog and the schema must exist
 *   schema_name: 'iot',
 *   name: 'readings',
 *   columns: [
 *     { name: 'device', type_text: 'string', nullable: false, comment: 'sensor id' },
 *     { name: 'temp', type_text: 'double' },
 *   ],
 *   comment: 'sensor readings',
 * };
 * const info = await emulator.catalog.createTable(request);
 * ```
 */
export interface CreateTableRequest {
  /** The catalog to create the table in; it must exist. */
  readonly catalog_name: string;
  /** The schema to create the table in; it must exist. */
  readonly schema_name: string;
  /** The table name: letters, digits, `_` and `-`. */
  readonly name: string;
  /**
   * The columns: at least one; names of 1 to 255 characters without control characters, unique
   * ignoring case; types nested at most 32 levels; positions, when given, `0` to `n - 1`.
   */
  readonly columns: readonly {
    /** The column name. */
    name: string;
    /** The Spark SQL type, e.g. `bigint`, `decimal(10,2)`, `array<struct<a:int>>`. */
    type_text: string;
    /** Whether the column accepts null; default `true`. */
    nullable?: boolean;
    /** The column's 0-based position; default: its index in `columns`. */
    position?: number;
    /** The column comment. */
    comment?: string;
  }[];
  /** The table comment. */
  readonly comment?: string;
}

/** A table a stream can write to: its metadata and its Delta table. */
export interface CatalogTable {
  readonly info: TableInfo;
  readonly schema: TableSchema;
  readonly delta: DeltaTable;
}

/** Unity Catalog names are case-insensitive and stored in lower case (PROTOCOL.md §13). */
function lower(name: string): string {
  return typeof name === 'string' ? name.toLowerCase() : name;
}

/** Whether something other than nothing or an empty directory is at `path`: not ours to replace. */
async function occupied(path: string): Promise<boolean> {
  let entry: Stats;
  try {
    entry = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error; // the data directory itself is broken (a parent that is a file: ENOTDIR)
  }
  return !entry.isDirectory() || (await readdir(path)).length > 0;
}

/**
 * The local server's Unity Catalog: catalogs, schemas and Delta tables under one data directory,
 * `<dataDir>/<catalog>/<schema>/<table>/`, all on disk (a server restarted on the same directory
 * serves the same tables). Reach it as {@link Emulator.catalog}; its methods throw a `UcError`
 * (`{ error_code, message }` over REST) when a name or column is invalid, missing or already
 * taken. Privileges are checked by the REST routes, not here: in-process calls act as the admin.
 *
 * @example
 * ```ts
 * import type { UnityCatalog } from '@zerobus/emulator';
 *
 * const uc: UnityCatalog = emulator.catalog;
 * await uc.createCatalog('dev', 'scratch space for tests');
 * await uc.createSchema('dev', 'iot');
 * await emulator.createDeltaTable('dev.iot.readings', [{ name: 'device', type_text: 'string' }]);
 * uc.listTables('dev', 'iot').map((t) => t.full_name); // ['dev.iot.readings']
 * await uc.deleteCatalog('dev', true); // its schemas and tables go too, files included
 * ```
 */
export class UnityCatalog {
  /** The data directory the catalogs live under. */
  readonly dataDir: string;
  readonly #catalogs: Map<string, CatalogInfo>;
  readonly #schemas: Map<string, SchemaInfo>;
  readonly #tables: Map<string, CatalogTable>;
  /** Tables whose Delta log could not be read at load. */
  readonly #unavailable: Map<string, UnavailableTable>;
  /** Names being created, so that two concurrent creates of one name cannot both succeed. */
  readonly #creating = new Set<string>();
  /** Tables being dropped: their files are still there until the drop listeners are done. */
  readonly #dropping = new Set<string>();
  readonly #dropListeners: ((table: TableInfo) => void | Promise<void>)[] = [];

  private constructor(dataDir: string, contents: CatalogContents) {
    this.dataDir = dataDir;
    this.#catalogs = contents.catalogs;
    this.#schemas = contents.schemas;
    this.#tables = contents.tables;
    this.#unavailable = contents.unavailable;
  }

  /** Opens (creating if needed) a data directory and loads every catalog, schema and table in it. */
  static async load(dataDir: string): Promise<UnityCatalog> {
    return new UnityCatalog(dataDir, await loadCatalogContents(dataDir));
  }

  // --- catalogs ----------------------------------------------------------------------------------

  /** Every catalog. */
  listCatalogs(): CatalogInfo[] {
    return [...this.#catalogs.values()];
  }

  /** The catalog named `name`; throws `CATALOG_DOES_NOT_EXIST` if there is none. */
  getCatalog(name: string): CatalogInfo {
    name = lower(name);
    const info = this.#catalogs.get(name);
    if (!info) throw new UcError('CATALOG_DOES_NOT_EXIST', `catalog '${name}' does not exist`);
    return info;
  }

  /** Creates a catalog (a directory); throws `CATALOG_ALREADY_EXISTS` if it exists. */
  async createCatalog(name: string, comment?: string): Promise<CatalogInfo> {
    name = lower(checkName('catalog', name));
    if (this.#catalogs.has(name)) throw new UcError('CATALOG_ALREADY_EXISTS', `catalog '${name}' already exists`);
    const meta: Meta = { created_at: Date.now(), ...(comment !== undefined && { comment }) };
    await mkdir(join(this.dataDir, name), { recursive: true });
    await writeFile(join(this.dataDir, name, CATALOG_META), JSON.stringify(meta));
    const info = catalogInfo(name, meta);
    this.#catalogs.set(name, info);
    return info;
  }

  /**
   * Deletes a catalog and its directory. A catalog that still has schemas is refused
   * (`CATALOG_NOT_EMPTY`) unless `force`, which deletes its schemas and tables too.
   */
  async deleteCatalog(name: string, force = false): Promise<void> {
    name = this.getCatalog(name).name;
    const schemas = this.listSchemas(name);
    if (schemas.length > 0 && !force) {
      throw new UcError(
        'CATALOG_NOT_EMPTY',
        `catalog '${name}' has ${schemas.length} schema(s); delete them or use force`,
      );
    }
    for (const schema of schemas) await this.deleteSchema(schema.full_name, true);
    this.#catalogs.delete(name);
    await rm(join(this.dataDir, name), { recursive: true, force: true });
  }

  // --- schemas -----------------------------------------------------------------------------------

  /** The schemas of a catalog; throws `CATALOG_DOES_NOT_EXIST` if there is no such catalog. */
  listSchemas(catalog: string): SchemaInfo[] {
    catalog = this.getCatalog(catalog).name;
    return [...this.#schemas.values()].filter((s) => s.catalog_name === catalog);
  }

  /** The schema `catalog.schema`; throws `SCHEMA_DOES_NOT_EXIST` if there is none. */
  getSchema(fullName: string): SchemaInfo {
    fullName = lower(fullName);
    const info = this.#schemas.get(fullName);
    if (!info) throw new UcError('SCHEMA_DOES_NOT_EXIST', `schema '${fullName}' does not exist`);
    return info;
  }

  /** Creates a schema in an existing catalog; throws `SCHEMA_ALREADY_EXISTS` if it exists. */
  async createSchema(catalog: string, name: string, comment?: string): Promise<SchemaInfo> {
    name = lower(checkName('schema', name));
    catalog = this.getCatalog(catalog).name;
    const fullName = `${catalog}.${name}`;
    if (this.#schemas.has(fullName)) throw new UcError('SCHEMA_ALREADY_EXISTS', `schema '${fullName}' already exists`);
    const meta: Meta = { created_at: Date.now(), ...(comment !== undefined && { comment }) };
    await mkdir(join(this.dataDir, catalog, name), { recursive: true });
    await writeFile(join(this.dataDir, catalog, name, SCHEMA_META), JSON.stringify(meta));
    const info = schemaInfo(catalog, name, meta);
    this.#schemas.set(fullName, info);
    return info;
  }

  /**
   * Deletes the schema `catalog.schema` and its directory. A schema that still has tables is
   * refused (`SCHEMA_NOT_EMPTY`) unless `force`, which deletes its tables too.
   */
  async deleteSchema(fullName: string, force = false): Promise<void> {
    const info = this.getSchema(fullName);
    fullName = info.full_name;
    const tables = [
      ...this.listTables(info.catalog_name, info.name),
      ...this.unavailableTables().filter((t) => t.fullName.startsWith(`${fullName}.`)),
    ];
    if (tables.length > 0 && !force) {
      throw new UcError(
        'SCHEMA_NOT_EMPTY',
        `schema '${fullName}' has ${tables.length} table(s); delete them or use force`,
      );
    }
    for (const table of tables) await this.deleteTable('full_name' in table ? table.full_name : table.fullName);
    this.#schemas.delete(fullName);
    await rm(join(this.dataDir, info.catalog_name, info.name), { recursive: true, force: true });
  }

  // --- tables ------------------------------------------------------------------------------------

  /** The tables of a schema; throws `SCHEMA_DOES_NOT_EXIST` if there is no such schema. */
  listTables(catalog: string, schema: string): TableInfo[] {
    ({ catalog_name: catalog, name: schema } = this.getSchema(`${catalog}.${schema}`));
    return [...this.#tables.values()]
      .map((t) => t.info)
      .filter((t) => t.catalog_name === catalog && t.schema_name === schema);
  }

  /**
   * Delta tables found at start whose log could not be read: not served, but their names stay
   * taken until they are deleted.
   */
  unavailableTables(): UnavailableTable[] {
    return [...this.#unavailable.values()];
  }

  /** Why streams to `fullName` are refused, if it is an unavailable table; for clients (no paths). */
  unavailableReason(fullName: string): string | undefined {
    const table = this.#unavailable.get(lower(fullName));
    return table && unavailableMessage(table);
  }

  /** The table, or undefined: streams use this to find where to write. */
  table(fullName: string): CatalogTable | undefined {
    return this.#tables.get(lower(fullName));
  }

  /** The table `catalog.schema.table`; throws `TABLE_DOES_NOT_EXIST` if there is none. */
  getTable(fullName: string): TableInfo {
    fullName = lower(fullName);
    const table = this.#tables.get(fullName);
    const unavailable = this.#unavailable.get(fullName);
    if (unavailable) throw new UcError('INVALID_STATE', unavailableMessage(unavailable));
    if (!table) throw new UcError('TABLE_DOES_NOT_EXIST', `table '${fullName}' does not exist`);
    return table.info;
  }

  /**
   * Creates a Delta table in an existing schema, with the columns of `request`; throws
   * `TABLE_ALREADY_EXISTS` if it exists and `INVALID_PARAMETER_VALUE` for a bad name or column.
   */
  async createTable(request: CreateTableRequest): Promise<TableInfo> {
    const catalog = lower(checkName('catalog', request.catalog_name));
    const schema = lower(checkName('schema', request.schema_name));
    const name = lower(checkName('table', request.name));
    this.getSchema(`${catalog}.${schema}`);
    const fullName = `${catalog}.${schema}.${name}`;
    if (this.#tables.has(fullName) || this.#creating.has(fullName)) {
      throw new UcError('TABLE_ALREADY_EXISTS', `table '${fullName}' already exists`);
    }
    if (this.#dropping.has(fullName)) {
      // Its directory is about to be removed: a new table there would go with it.
      throw new UcError('TABLE_ALREADY_EXISTS', `table '${fullName}' is being deleted; try again in a moment`);
    }
    if (this.#unavailable.has(fullName)) {
      throw new UcError(
        'TABLE_ALREADY_EXISTS',
        `table '${fullName}' already exists and is unavailable (its Delta log cannot be read); delete it first`,
      );
    }
    // Every check first: a refused table leaves nothing on disk.
    const tableSchema = tableSchemaOf(fullName, request.columns);
    if (request.comment !== undefined && typeof request.comment !== 'string') {
      throw new UcError('INVALID_PARAMETER_VALUE', `the comment of table '${fullName}' must be a string`);
    }
    const dir = join(this.dataDir, catalog, schema, name);
    this.#creating.add(fullName);
    try {
      if (await occupied(dir)) {
        // files no loaded table owns (a table that failed to load, say): never overwrite them
        throw new UcError('TABLE_ALREADY_EXISTS', `table '${fullName}' already has files in the data directory`);
      }
      try {
        const delta = await DeltaTable.create(dir, tableSchema, {
          name: fullName,
          ...(request.comment !== undefined && { description: request.comment }),
        });
        const meta = {
          table_id: randomUUID(),
          created_at: Date.now(),
          ...(request.comment !== undefined && { comment: request.comment }),
        };
        await writeFile(join(dir, TABLE_META), JSON.stringify(meta));
        const entry = tableEntry(catalog, schema, name, delta, meta);
        this.#tables.set(fullName, entry);
        return entry.info;
      } catch (error) {
        if (error instanceof DeltaTableError && error.code === 'TABLE_EXISTS') {
          // another writer on this directory (another process) made it first: it is theirs
          throw new UcError('TABLE_ALREADY_EXISTS', `table '${fullName}' already exists`);
        }
        // half a table is no table: remove whatever this create wrote (the directory was empty)
        await rm(dir, { recursive: true, force: true });
        if (error instanceof SchemaError) {
          throw new UcError('INVALID_PARAMETER_VALUE', `table '${fullName}': ${error.message}`);
        }
        throw error;
      }
    } finally {
      this.#creating.delete(fullName);
    }
  }

  /**
   * Deletes a table and its data; throws `TABLE_DOES_NOT_EXIST` if there is none. From the first
   * moment no stream can open it; the {@link UnityCatalog.onTableDropped} listeners run (they end
   * the table's streams and settle its commits) before its files are removed.
   */
  async deleteTable(fullName: string): Promise<void> {
    fullName = lower(fullName);
    const unavailable = this.#unavailable.get(fullName);
    if (unavailable) {
      this.#unavailable.delete(fullName);
      await rm(unavailable.dir, { recursive: true, force: true });
      return;
    }
    const table = this.#tables.get(fullName);
    if (!table) throw new UcError('TABLE_DOES_NOT_EXIST', `table '${fullName}' does not exist`);
    this.#tables.delete(fullName);
    this.#dropping.add(fullName);
    try {
      for (const listener of [...this.#dropListeners]) await listener(table.info);
    } finally {
      await rm(table.delta.dir, { recursive: true, force: true });
      this.#dropping.delete(fullName);
    }
  }

  /**
   * Calls `listener` whenever a table is dropped (`deleteTable`, or a schema or catalog deleted
   * with `force`): after the table left the catalog, and after the emulator ended the streams
   * writing to it and settled its commits, but before its files are removed. Listeners run one at
   * a time, in the order they were added; returns a function that removes the listener.
   *
   * @example
   * ```ts
   * import { cp } from 'node:fs/promises';
   * import { fileURLToPath } from 'node:url';
   *
   * // keep a copy of every table dropped during the test, as it was when it was dropped
   * const stop = emulator.catalog.onTableDropped(async (table) => {
   *   await cp(fileURLToPath(table.storage_location), `./dropped/${table.full_name}`, { recursive: true });
   * });
   * await emulator.catalog.deleteTable('main.iot.readings');
   * stop();
   * ```
   */
  onTableDropped(listener: (table: TableInfo) => void | Promise<void>): () => void {
    this.#dropListeners.push(listener);
    return () => {
      const index = this.#dropListeners.indexOf(listener);
      if (index >= 0) this.#dropListeners.splice(index, 1);
    };
  }
}
