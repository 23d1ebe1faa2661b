/**
 * Read-only SQL over Delta tables with DuckDB (`@duckdb/node-api`, an optional dependency loaded
 * only when a query runs). DuckDB's delta extension cannot be installed offline, so each table is
 * a view over `read_parquet` of the live files its log lists, named by its three-part name (see
 * sql-names.ts). Each query gets a fresh in-memory DuckDB that may read only the data directory
 * (`enable_external_access = false` with `allowed_directories`, configuration locked), and only
 * SELECT and EXPLAIN statements run: nothing can be written, attached or installed.
 */

import { duckDbCatalogName, duckDbTableName, quoteIdentifier, rewriteTableNames } from './sql-names.js';
import type { ColumnSummary } from './table-reader.js';

/** A table a query can read: its full name (lower case), columns, and live files (absolute paths). */
export interface QueryTable {
  readonly fullName: string;
  readonly columns: readonly ColumnSummary[];
  readonly files: readonly string[];
}

export interface QueryResult {
  readonly columns: { readonly name: string; readonly type: string }[];
  /** Rows as arrays in column order, values JSON-safe (DuckDB's JSON forms: big integers as strings). */
  readonly rows: unknown[][];
  /** More rows than `maxRows` came back; the rest were not read. */
  readonly truncated: boolean;
  readonly elapsedMs: number;
}

/** Why a query did not run: `READ_ONLY` (not a SELECT), `SQL` (DuckDB refused it), `DUCKDB_MISSING`. */
export class QueryError extends Error {
  override readonly name = 'QueryError';
  constructor(
    readonly code: 'READ_ONLY' | 'SQL' | 'DUCKDB_MISSING' | 'TIMEOUT',
    message: string,
  ) {
    super(message);
  }
}

export interface QueryOptions {
  /** The directory every table lives under: the only one DuckDB may read. */
  readonly dataDir: string;
  /** Rows returned at most (default 1,000). */
  readonly maxRows?: number;
  /** The query is interrupted after this long (default 30 s). */
  readonly timeoutMs?: number;
}

type DuckDbModule = typeof import('@duckdb/node-api');

export const DUCKDB_MISSING =
  'SQL queries need DuckDB, an optional dependency that is not installed: run `npm install @duckdb/node-api` ' +
  'beside @zerobus/emulator (or @zerobus/cli)';

async function loadDuckDb(): Promise<DuckDbModule> {
  try {
    return await import('@duckdb/node-api');
  } catch {
    throw new QueryError('DUCKDB_MISSING', DUCKDB_MISSING);
  }
}

export async function runReadOnlyQuery(
  sql: string,
  tables: readonly QueryTable[],
  options: QueryOptions,
): Promise<QueryResult> {
  if (sql.trim() === '') throw new QueryError('SQL', 'the query is empty');
  const duckdb = await loadDuckDb();
  const started = performance.now();
  const instance = await duckdb.DuckDBInstance.create(':memory:', { threads: '2' });
  const connection = await instance.connect();
  try {
    await createViews(connection, tables);
    const allowed = options.dataDir.endsWith('/') ? options.dataDir : `${options.dataDir}/`;
    for (const setting of [
      `SET allowed_directories = [${sqlString(allowed)}]`,
      'SET enable_external_access = false',
      'SET autoinstall_known_extensions = false',
      'SET autoload_known_extensions = false',
      'SET lock_configuration = true',
    ]) {
      await connection.run(setting);
    }
    const rewritten = rewriteTableNames(sql, new Set(tables.map((t) => t.fullName)));
    await checkReadOnly(duckdb, connection, rewritten);
    const maxRows = options.maxRows ?? 1_000;
    const timer = setTimeout(() => connection.interrupt(), options.timeoutMs ?? 30_000);
    let reader: Awaited<ReturnType<typeof connection.streamAndReadUntil>>;
    try {
      reader = await connection.streamAndReadUntil(rewritten, maxRows + 1);
    } catch (error) {
      const message = (error as Error).message;
      if (/interrupt/i.test(message)) {
        throw new QueryError('TIMEOUT', `the query ran longer than ${(options.timeoutMs ?? 30_000) / 1000} s`);
      }
      throw new QueryError('SQL', message);
    } finally {
      clearTimeout(timer);
    }
    const names = reader.columnNames();
    const types = reader.columnTypes().map(String);
    const rows = reader.getRowsJson() as unknown[][];
    return {
      columns: names.map((name, i) => ({ name, type: types[i] ?? '' })),
      rows: rows.slice(0, maxRows),
      truncated: rows.length > maxRows,
      elapsedMs: Math.round(performance.now() - started),
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

type Connection = Awaited<ReturnType<Awaited<ReturnType<DuckDbModule['DuckDBInstance']['create']>>['connect']>>;

async function createViews(connection: Connection, tables: readonly QueryTable[]): Promise<void> {
  const databases = new Set<string>();
  const schemas = new Set<string>();
  for (const table of tables) {
    const [catalog = '', schema = ''] = table.fullName.split('.');
    const database = quoteIdentifier(duckDbCatalogName(catalog));
    if (!databases.has(database)) {
      databases.add(database);
      await connection.run(`ATTACH ':memory:' AS ${database}`);
    }
    const schemaName = `${database}.${quoteIdentifier(schema)}`;
    if (!schemas.has(schemaName)) {
      schemas.add(schemaName);
      await connection.run(`CREATE SCHEMA ${schemaName}`);
    }
    await connection.run(`CREATE VIEW ${duckDbTableName(table.fullName)} AS ${viewQuery(table)}`);
  }
}

/** The live files through read_parquet, or (no file yet) an empty relation with the table's columns. */
function viewQuery(table: QueryTable): string {
  if (table.files.length > 0) {
    return `SELECT * FROM read_parquet([${table.files.map(sqlString).join(', ')}])`;
  }
  if (table.columns.length === 0) return 'SELECT NULL AS "no columns" WHERE false';
  const columns = table.columns.map((c) => `CAST(NULL AS ${duckDbType(c.deltaType)}) AS ${quoteIdentifier(c.name)}`);
  return `SELECT ${columns.join(', ')} WHERE false`;
}

/** What a read-only statement may start with (DuckDB's FROM-first SELECT included). */
const READ_ONLY_START = /^(?:SELECT|WITH|EXPLAIN|DESCRIBE|DESC|SHOW|SUMMARIZE|FROM|VALUES|TABLE)\b/i;

function readOnlyRefusal(what: string): QueryError {
  return new QueryError(
    'READ_ONLY',
    `only read-only queries run here (SELECT, WITH, EXPLAIN, DESCRIBE, SHOW, SUMMARIZE); this is ${what}`,
  );
}

async function checkReadOnly(duckdb: DuckDbModule, connection: Connection, sql: string): Promise<void> {
  // The first word, before DuckDB binds anything (binding a write to a view fails with another message).
  const start = sql.replace(/^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/|\()*/, '');
  if (!READ_ONLY_START.test(start)) {
    throw readOnlyRefusal(`a ${(/^\w+/.exec(start)?.[0] ?? 'statement').toUpperCase()} statement`);
  }
  let extracted: Awaited<ReturnType<Connection['extractStatements']>>;
  try {
    extracted = await connection.extractStatements(sql);
  } catch (error) {
    throw new QueryError('SQL', (error as Error).message);
  }
  if (extracted.count !== 1) {
    throw new QueryError('SQL', `give one statement at a time (got ${extracted.count})`);
  }
  let prepared: Awaited<ReturnType<typeof extracted.prepare>>;
  try {
    prepared = await extracted.prepare(0);
  } catch (error) {
    throw new QueryError('SQL', (error as Error).message);
  }
  const type = prepared.statementType;
  if (type !== duckdb.StatementType.SELECT && type !== duckdb.StatementType.EXPLAIN) {
    throw readOnlyRefusal(`a ${duckdb.StatementType[type]} statement`);
  }
}

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

const DUCKDB_PRIMITIVES: Record<string, string> = {
  string: 'VARCHAR',
  long: 'BIGINT',
  integer: 'INTEGER',
  short: 'SMALLINT',
  byte: 'TINYINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  binary: 'BLOB',
  date: 'DATE',
  timestamp: 'TIMESTAMPTZ',
  timestamp_ntz: 'TIMESTAMP',
  variant: 'VARCHAR',
};

/** The DuckDB type of a Delta schema type (what read_parquet gives for the files this server writes). */
export function duckDbType(type: unknown): string {
  if (typeof type === 'string') {
    const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
    if (decimal) return `DECIMAL(${decimal[1]}, ${decimal[2]})`;
    return DUCKDB_PRIMITIVES[type] ?? 'VARCHAR';
  }
  const t = type as {
    type?: string;
    elementType?: unknown;
    keyType?: unknown;
    valueType?: unknown;
    fields?: { name: string; type: unknown }[];
  };
  if (t.type === 'array') return `${duckDbType(t.elementType)}[]`;
  if (t.type === 'map') return `MAP(${duckDbType(t.keyType)}, ${duckDbType(t.valueType)})`;
  if (t.type === 'struct') {
    return `STRUCT(${(t.fields ?? []).map((f) => `${quoteIdentifier(f.name)} ${duckDbType(f.type)}`).join(', ')})`;
  }
  return 'VARCHAR';
}
