/**
 * The Delta tables the console and the `zerobus query` / `tail` commands show: listed from a
 * running server's catalog or from a data directory's folders, each read by its own cached
 * {@link DeltaTableReader}. Names are Unity Catalog full names in lower case.
 */

import { access, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { recentRows } from './parquet-rows.js';
import { QueryError, type QueryOptions, type QueryResult, runReadOnlyQuery } from './sql-query.js';
import { DeltaTableReader, type HistoryEntry, type TableSummary } from './table-reader.js';

/** A table and its directory. */
export interface TableLocation {
  readonly fullName: string;
  readonly dir: string;
}

/** Where the table list comes from: a server's catalog (cheap, in memory) or a directory walk. */
export type TableLister = () => Promise<readonly TableLocation[]>;

/** The tables of a data directory: every `<catalog>/<schema>/<table>/` holding a `_delta_log`. */
export function dataDirTables(dataDir: string): TableLister {
  const root = resolve(dataDir);
  return async () => {
    const out: TableLocation[] = [];
    for (const catalog of await subdirectories(root)) {
      for (const schema of await subdirectories(join(root, catalog))) {
        for (const table of await subdirectories(join(root, catalog, schema))) {
          const dir = join(root, catalog, schema, table);
          const isTable = await access(join(dir, '_delta_log')).then(
            () => true,
            () => false,
          );
          if (isTable) out.push({ fullName: `${catalog}.${schema}.${table}`.toLowerCase(), dir });
        }
      }
    }
    return out.sort((a, b) => a.fullName.localeCompare(b.fullName));
  };
}

async function subdirectories(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !/^[._]/.test(e.name)).map((e) => e.name);
  } catch {
    return [];
  }
}

/** A table that is not there (or not readable by the caller). */
export class UnknownTableError extends Error {
  override readonly name = 'UnknownTableError';
  constructor(readonly fullName: string) {
    super(`table ${fullName} does not exist (give its three-part name, catalog.schema.table)`);
  }
}

export class TableData {
  readonly #readers = new Map<string, DeltaTableReader>();

  constructor(
    readonly dataDir: string,
    private readonly list: TableLister,
  ) {}

  tables(): Promise<readonly TableLocation[]> {
    return this.list();
  }

  /** The reader of `fullName` (any case); throws {@link UnknownTableError}. */
  async reader(fullName: string, visible?: (fullName: string) => boolean): Promise<DeltaTableReader> {
    const name = fullName.toLowerCase();
    const location = (await this.list()).find((t) => t.fullName === name);
    if (!location || (visible && !visible(name))) throw new UnknownTableError(name);
    let reader = this.#readers.get(location.dir);
    if (!reader) {
      reader = new DeltaTableReader(location.dir);
      this.#readers.set(location.dir, reader);
    }
    return reader;
  }

  async summary(fullName: string, visible?: (fullName: string) => boolean): Promise<TableSummary> {
    return (await this.reader(fullName, visible)).summary();
  }

  async history(fullName: string, limit: number, visible?: (fullName: string) => boolean): Promise<HistoryEntry[]> {
    return (await this.reader(fullName, visible)).history(limit);
  }

  /** The newest `limit` rows, newest first. */
  async recentRows(fullName: string, limit: number, visible?: (fullName: string) => boolean) {
    const reader = await this.reader(fullName, visible);
    return recentRows(await reader.liveFiles(), limit);
  }

  /** Read-only SQL over the tables `visible` lets through (all by default). */
  async query(
    sql: string,
    options: Omit<QueryOptions, 'dataDir'> & { visible?: (fullName: string) => boolean } = {},
  ): Promise<QueryResult> {
    const tables = [];
    for (const location of await this.list()) {
      if (options.visible && !options.visible(location.fullName)) continue;
      const reader = await this.reader(location.fullName);
      let summary: TableSummary;
      try {
        summary = await reader.summary();
      } catch {
        continue; // an unreadable table is left out; the others still answer
      }
      const files = (await reader.liveFiles()).map((f) => f.path);
      tables.push({ fullName: location.fullName, columns: summary.columns, files });
    }
    return runReadOnlyQuery(sql, tables, { ...options, dataDir: this.dataDir });
  }
}

export { QueryError };
