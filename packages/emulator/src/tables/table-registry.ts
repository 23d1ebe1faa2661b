/**
 * In-memory tables. Each table keeps the records made durable by any stream, in the order the
 * emulator accepted them. A later issue replaces the storage with Delta tables; the registry's
 * interface (resolve a name, append a request's records, read them back) is what stays.
 */

import type { NormalizedValue } from '@zerobus/sdk/schema';

/** How records reached the table: JSON or protobuf EphemeralStream requests, or Arrow Flight batches. */
export type RecordKind = 'json' | 'proto' | 'arrow';

/** One record as it was made durable. */
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

/** A table name split into its three parts, as {@link parseTableName} returns it. */
export interface TableName {
  /** The catalog part. */
  readonly catalog: string;
  /** The schema part. */
  readonly schema: string;
  /** The table part. */
  readonly table: string;
}

/** Splits `catalog.schema.table`; returns an explanation instead when the name is malformed. */
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

class Table {
  readonly records: StoredRecord[] = [];
  constructor(readonly name: string) {}
}

export class TableRegistry {
  private readonly tables = new Map<string, Table>();

  constructor(
    private readonly autoCreate: boolean,
    initial: readonly string[] = [],
  ) {
    for (const name of initial) this.create(name);
  }

  /** Creates a table (idempotent). Throws on a malformed name. */
  create(name: string): void {
    const parsed = parseTableName(name);
    if (typeof parsed === 'string') throw new TypeError(parsed);
    if (!this.tables.has(name)) this.tables.set(name, new Table(name));
  }

  has(name: string): boolean {
    return this.tables.has(name);
  }

  /** The table a stream may write to, created on first use when auto-creation is on. */
  open(name: string): boolean {
    if (this.tables.has(name)) return true;
    if (!this.autoCreate || typeof parseTableName(name) === 'string') return false;
    this.tables.set(name, new Table(name));
    return true;
  }

  /** Appends the records of one request; the caller has validated all of them first. */
  append(name: string, records: readonly StoredRecord[]): void {
    const table = this.tables.get(name);
    if (!table) throw new Error(`table ${name} is not open`);
    for (const record of records) table.records.push(record);
  }

  /** Records of a table in acceptance order (a copy); empty for an unknown table. */
  records(name: string): StoredRecord[] {
    return [...(this.tables.get(name)?.records ?? [])];
  }

  /** Number of records in a table, without copying them. */
  count(name: string): number {
    return this.tables.get(name)?.records.length ?? 0;
  }

  names(): string[] {
    return [...this.tables.keys()];
  }

  /** Drops every stored record but keeps the tables. */
  clearRecords(): void {
    for (const table of this.tables.values()) table.records.length = 0;
  }
}
