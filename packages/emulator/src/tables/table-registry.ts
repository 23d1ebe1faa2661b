/**
 * In-memory tables. Each table keeps the records any stream wrote to it, in the order the
 * emulator accepted them: the only storage of schemaless tables, and, with `storeRecords: true`,
 * what `records()` shows of Unity Catalog tables, whose data goes to Delta tables on disk.
 */

import type { NormalizedValue } from '@zerobus/sdk/schema';
import type { UnityCatalog } from '../catalog/unity-catalog.js';
import type { ResolvedOptions } from '../options.js';

/**
 * How records reached the table: JSON or protobuf EphemeralStream requests, or Arrow Flight batches.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import type { RecordKind } from '@zerobus/emulator';
 *
 * const counts: Record<RecordKind, number> = { json: 0, proto: 0, arrow: 0 };
 * for (const { recordType } of emulator.records('main.iot.readings')) counts[recordType]++;
 * assert.deepEqual(counts, { json: 0, proto: 0, arrow: 400 }); // everything came through Arrow Flight
 * ```
 */
export type RecordKind = 'json' | 'proto' | 'arrow';

/**
 * One record as the emulator stored it.
 *
 * @example
 * ```ts
 * import type { StoredRecord } from '@zerobus/emulator';
 *
 * // the record's values, whichever way it arrived
 * function valuesOf(record: StoredRecord): unknown {
 *   switch (record.recordType) {
 *     case 'json':
 *       return JSON.parse(record.payload as string); // the JSON text sent
 *     case 'arrow':
 *       return record.row; // BIGINT as bigint, TIMESTAMP as microseconds...
 *     case 'proto':
 *       return record.payload; // the encoded message: decode it with the stream's descriptor
 *   }
 * }
 * console.log(emulator.records('main.iot.readings').map(valuesOf));
 * ```
 */
export interface StoredRecord {
  /** The table the record was written to. */
  readonly tableName: string;
  /** The id of the stream that wrote it. */
  readonly streamId: string;
  /** Wire `offset_id` of the request that carried the record (restarts at 0 on every call). */
  readonly offsetId: number;
  /** Position in its batch; 0 for `ingest_record`. Arrow Flight: the row's index in its record batch. */
  readonly batchIndex: number;
  /** How the record arrived. */
  readonly recordType: RecordKind;
  /**
   * JSON text for JSON streams, the encoded message (a copy) for proto streams. Arrow rows: the
   * row as the JSON record a JSON stream would send for it (see `row` for the exact values).
   */
  readonly payload: string | Uint8Array;
  /** Arrow rows only: the row's values by column, as NormalizedValues (`@zerobus/sdk/schema`). */
  readonly row?: Readonly<Record<string, NormalizedValue>>;
}

/**
 * A table name split into its three parts, as {@link parseTableName} returns it.
 *
 * @example
 * ```ts
 * import { join } from 'node:path';
 * import { parseTableName, type TableName } from '@zerobus/emulator';
 *
 * // where a Unity Catalog table's Delta files are: <dataDir>/<catalog>/<schema>/<table>
 * const deltaDir = (name: TableName) => join(emulator.dataDir, name.catalog, name.schema, name.table);
 * const name = parseTableName('main.iot.readings');
 * if (typeof name !== 'string') console.log(deltaDir(name));
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
 * Splits `catalog.schema.table`; returns an explanation instead when the name is malformed.
 *
 * @example
 * ```ts
 * import { parseTableName } from '@zerobus/emulator';
 *
 * const parsed = parseTableName(process.argv[2] ?? 'main.iot.readings');
 * // e.g. "table name 'readings' must have exactly three parts (catalog.schema.table), found 1"
 * if (typeof parsed === 'string') throw new TypeError(parsed);
 * console.log(`catalog ${parsed.catalog}, schema ${parsed.schema}, table ${parsed.table}`);
 * ```
 */
export function parseTableName(name: string): TableName | string {
  if (typeof name !== 'string' || name.length === 0) return 'table name is empty';
  const parts = name.split('.');
  if (parts.length !== 3) {
    return `table name '${name}' must have exactly three parts (catalog.schema.table), found ${parts.length}`;
  }
  const labels = ['catalog', 'schema', 'table'] as const;
  for (let i = 0; i < 3; i++) {
    const part = parts[i] as string;
    if (part.trim().length === 0) return `table name '${name}' has an empty ${labels[i]} part`;
  }
  const [catalog, schema, table] = parts as [string, string, string];
  return { catalog, schema, table };
}

/**
 * The name a table is known by: Unity Catalog names are case-insensitive and stored in lower
 * case (PROTOCOL.md §13), so `MAIN.Default.Events` is `main.default.events`.
 */
export function canonicalTableName(name: string): string {
  return name.toLowerCase();
}

/**
 * Whether the records written to a table are kept in memory (`storeRecords`): those of
 * schemaless in-memory tables unless the server is an ack-only sink (`false`), those of Delta
 * tables only when asked for (`true`), since they are on disk already and a copy grows forever.
 */
export function keepsRecords(storeRecords: boolean | undefined, deltaTable: boolean): boolean {
  return deltaTable ? storeRecords === true : storeRecords !== false;
}

/** Throws for a Delta table whose records are not kept: an empty list would look like no data. */
export function assertRecordsKept(
  state: { readonly catalog: UnityCatalog; readonly options: { readonly storeRecords: boolean | undefined } },
  tableName: string,
): void {
  if (state.catalog.table(tableName) && !keepsRecords(state.options.storeRecords, true)) {
    throw new Error(
      `records of Delta table ${tableName} are not kept in memory: start the emulator with storeRecords: true, or read the table from ${state.catalog.dataDir}`,
    );
  }
}

/** A table name part as the catalog accepts it (uc-types.ts): letters, digits, `_` and `-`, at most 255. */
const CATALOG_NAME_PART = /^[a-z0-9_][a-z0-9_-]{0,254}$/;

/**
 * Why a (well-formed) name cannot be auto-created, or undefined: the parts must be names the
 * catalog would accept, so an auto-created table could also exist in Unity Catalog.
 */
function autoCreateProblem(name: string): string | undefined {
  const labels = ['catalog', 'schema', 'table'] as const;
  for (const [i, part] of name.split('.').entries()) {
    if (!CATALOG_NAME_PART.test(part)) {
      return `table name '${name}' has an invalid ${labels[i]} part '${part}': use letters, digits, _ and - (at most 255 characters)`;
    }
  }
  return undefined;
}

class Table {
  readonly records: StoredRecord[] = [];
  constructor(
    readonly name: string,
    /** A schemaless table streams may write to; false: the record view of a Unity Catalog table. */
    readonly schemaless: boolean,
  ) {}
}

/** What opening a table for a stream found. */
export type OpenResult =
  | { readonly opened: true; readonly name: string }
  | { readonly opened: false; readonly invalid?: string };

/**
 * The in-memory tables, by canonical (lower-case) name: schemaless tables, and the records that
 * streams wrote to Unity Catalog tables. Every method accepts a name in any case.
 */
export class TableRegistry {
  private readonly tables = new Map<string, Table>();

  /** The registry of an emulator: its `tables`, auto-creation as configured, each auto-created table logged. */
  static forOptions(options: Pick<ResolvedOptions, 'autoCreateTables' | 'tables' | 'logger'>): TableRegistry {
    return new TableRegistry(options.autoCreateTables, options.tables, (table) =>
      options.logger.info(
        { table },
        `auto-created schemaless in-memory table ${table} (not in Unity Catalog; its records are not kept on disk)`,
      ),
    );
  }

  constructor(
    private readonly autoCreate: boolean,
    initial: readonly string[] = [],
    /** Told about every table auto-created by a stream (its canonical name). */
    private readonly onAutoCreate: (name: string) => void = () => {},
  ) {
    for (const name of initial) this.create(name);
  }

  /** Creates a schemaless table (idempotent). Throws on a malformed name. */
  create(name: string): void {
    const parsed = parseTableName(name);
    if (typeof parsed === 'string') throw new TypeError(parsed);
    const key = canonicalTableName(name);
    if (!this.tables.has(key)) this.tables.set(key, new Table(key, true));
  }

  /** Keeps the records streams write to the Unity Catalog table `name` (idempotent). */
  mirror(name: string): void {
    const key = canonicalTableName(name);
    if (!this.tables.has(key)) this.tables.set(key, new Table(key, false));
  }

  /** Forgets a table and its records: its Unity Catalog table was dropped. */
  drop(name: string): void {
    this.tables.delete(canonicalTableName(name));
  }

  has(name: string): boolean {
    return this.tables.has(canonicalTableName(name));
  }

  /**
   * The schemaless table a stream may write to, created on first use when auto-creation is on.
   * Never the record view of a Unity Catalog table: once that table is dropped, it is gone.
   */
  open(name: string): OpenResult {
    const key = canonicalTableName(name);
    const table = this.tables.get(key);
    if (table) return table.schemaless ? { opened: true, name: key } : { opened: false };
    if (!this.autoCreate || typeof parseTableName(key) === 'string') return { opened: false };
    const invalid = autoCreateProblem(key);
    if (invalid) return { opened: false, invalid };
    this.tables.set(key, new Table(key, true));
    this.onAutoCreate(key);
    return { opened: true, name: key };
  }

  /** Appends the records of one request; the caller has validated all of them first. */
  append(name: string, records: readonly StoredRecord[]): void {
    const table = this.tables.get(canonicalTableName(name));
    if (!table) throw new Error(`table ${name} is not open`);
    for (const record of records) table.records.push(record);
  }

  /** Records of a table in acceptance order (a copy); empty for an unknown table. */
  records(name: string): StoredRecord[] {
    return [...(this.tables.get(canonicalTableName(name))?.records ?? [])];
  }

  /** Number of records in a table, without copying them. */
  count(name: string): number {
    return this.tables.get(canonicalTableName(name))?.records.length ?? 0;
  }

  names(): string[] {
    return [...this.tables.keys()];
  }

  /** Drops every stored record but keeps the tables. */
  clearRecords(): void {
    for (const table of this.tables.values()) table.records.length = 0;
  }
}
