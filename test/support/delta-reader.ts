/**
 * An independent reader of Delta tables, for tests: it replays `_delta_log` with its own small
 * code (it must not share the writer's replay, or a bug there would hide itself) and reads the
 * live Parquet files with DuckDB. DuckDB's delta extension cannot be installed offline, so the
 * log is replayed here and the files are handed to `read_parquet`.
 *
 * Rows come back in the forms of `NormalizedValue` (types.ts), so tests can compare them with
 * what they wrote: BIGINT → bigint, DECIMAL → unscaled bigint, TIMESTAMP[TZ] → microseconds as
 * bigint, DATE → days, BLOB → Uint8Array, LIST → array, STRUCT → object, MAP → Map.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DuckDBBlobValue,
  type DuckDBConnection,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api';

export interface AddInfo {
  readonly path: string;
  readonly size: number;
  readonly dataChange: boolean;
  /** The parsed stats, numbers as {@link parseExactJson} gives them. */
  readonly stats: DeltaFileStats | undefined;
}

export interface DeltaFileStats {
  readonly numRecords: number;
  readonly minValues?: Record<string, unknown>;
  readonly maxValues?: Record<string, unknown>;
  readonly nullCount?: Record<string, unknown>;
}

export interface DeltaSnapshot {
  readonly version: number;
  readonly protocol: Record<string, unknown>;
  readonly metaData: Record<string, unknown> & { schemaString: string };
  /** Parsed `schemaString`. */
  readonly schema: { type: 'struct'; fields: DeltaFieldJson[] };
  /** Live files in the order they were added. */
  readonly files: readonly AddInfo[];
  /** Every commit's actions, by version. */
  readonly commits: readonly Record<string, unknown>[][];
}

export interface DeltaFieldJson {
  name: string;
  type: unknown;
  nullable: boolean;
  metadata: Record<string, unknown>;
}

/** Replays the log: versions must be 0..n without gaps; the last metaData/protocol win. */
export function readDeltaLog(dir: string): DeltaSnapshot {
  const logDir = join(dir, '_delta_log');
  const versions = readdirSync(logDir)
    .filter((name) => /^\d{20}\.json$/.test(name))
    .map((name) => Number(name.slice(0, 20)))
    .sort((a, b) => a - b);
  if (versions.length === 0) throw new Error(`no commits in ${logDir}`);
  const commits: Record<string, unknown>[][] = [];
  const files = new Map<string, AddInfo>();
  let protocol: Record<string, unknown> | undefined;
  let metaData: (Record<string, unknown> & { schemaString: string }) | undefined;
  versions.forEach((version, i) => {
    if (version !== i) throw new Error(`log version ${i} is missing (found ${version})`);
    const text = readFileSync(join(logDir, `${String(version).padStart(20, '0')}.json`), 'utf8');
    const actions = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    commits.push(actions);
    for (const action of actions) {
      const keys = Object.keys(action);
      if (keys.length !== 1) throw new Error(`commit ${version}: an action must have exactly one key: ${keys}`);
      const add = action.add as Record<string, unknown> | undefined;
      const remove = action.remove as Record<string, unknown> | undefined;
      if (add) {
        files.set(add.path as string, {
          path: add.path as string,
          size: add.size as number,
          dataChange: add.dataChange as boolean,
          stats: typeof add.stats === 'string' ? (parseExactJson(add.stats) as unknown as DeltaFileStats) : undefined,
        });
      }
      if (remove) files.delete(remove.path as string);
      if (action.protocol) protocol = action.protocol as Record<string, unknown>;
      if (action.metaData) metaData = action.metaData as Record<string, unknown> & { schemaString: string };
    }
  });
  if (!protocol || !metaData) throw new Error('the log has no protocol or no metaData');
  return {
    version: versions.length - 1,
    protocol,
    metaData,
    schema: JSON.parse(metaData.schemaString),
    files: [...files.values()],
    commits,
  };
}

export interface DeltaRead {
  readonly snapshot: DeltaSnapshot;
  /**
   * Column names and DuckDB types as `DESCRIBE` reports them ([] when there are no files), with
   * quotes around plain lower-case struct field names removed (DuckDB quotes keywords).
   */
  readonly columns: readonly { name: string; type: string }[];
  readonly rows: readonly Record<string, unknown>[];
}

let instance: Promise<DuckDBInstance> | undefined;
let connection: Promise<DuckDBConnection> | undefined;

async function connect(): Promise<DuckDBConnection> {
  instance ??= DuckDBInstance.create(':memory:');
  connection ??= instance.then((i) => i.connect());
  return connection;
}

/** Reads the table's live rows through DuckDB, ordered by `orderBy` (an SQL expression) if given. */
export async function readDeltaTable(dir: string, options: { orderBy?: string } = {}): Promise<DeltaRead> {
  const snapshot = readDeltaLog(dir);
  if (snapshot.files.length === 0) return { snapshot, columns: [], rows: [] };
  const list = snapshot.files.map((f) => sqlString(join(dir, decodeURIComponent(f.path)))).join(', ');
  const source = `read_parquet([${list}])`;
  const c = await connect();
  const described = await c.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  const columns = described
    .getRowObjectsJS()
    .map((r) => ({ name: String(r.column_name), type: unquotePlainNames(String(r.column_type)) }));
  const order = options.orderBy ? ` ORDER BY ${options.orderBy}` : '';
  const result = await c.runAndReadAll(`SELECT * FROM ${source}${order}`);
  const names = result.columnNames();
  const rows = result.getRows().map((row) => {
    const o: Record<string, unknown> = {};
    row.forEach((v, i) => {
      o[names[i] as string] = toJs(v);
    });
    return o;
  });
  return { snapshot, columns, rows };
}

/** Runs one SQL query (for checks such as `parquet_metadata(...)`), rows as plain objects. */
export async function query(sql: string): Promise<Record<string, unknown>[]> {
  const c = await connect();
  const result = await c.runAndReadAll(sql);
  const names = result.columnNames();
  return result.getRows().map((row) => Object.fromEntries(row.map((v, i) => [names[i] as string, toJs(v)])));
}

function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

function toJs(value: DuckDBValue): unknown {
  if (value === null) return null;
  if (value instanceof DuckDBDecimalValue) return value.value;
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) return value.micros;
  if (value instanceof DuckDBDateValue) return value.days;
  if (value instanceof DuckDBBlobValue) return new Uint8Array(value.bytes);
  if (value instanceof DuckDBListValue) return value.items.map(toJs);
  if (value instanceof DuckDBStructValue) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value.entries)) o[k] = toJs(v);
    return o;
  }
  if (value instanceof DuckDBMapValue) return new Map(value.entries.map((e) => [toJs(e.key), toJs(e.value)]));
  return value;
}

/** The DuckDB type `DESCRIBE` should report for a Delta schema type (from the log's JSON). */
export function expectedDuckDbType(type: unknown): string {
  if (typeof type === 'string') {
    const decimal = /^decimal\((\d+),(\d+)\)$/.exec(type);
    if (decimal) return `DECIMAL(${decimal[1]},${decimal[2]})`;
    const names: Record<string, string> = {
      byte: 'TINYINT',
      short: 'SMALLINT',
      integer: 'INTEGER',
      long: 'BIGINT',
      float: 'FLOAT',
      double: 'DOUBLE',
      boolean: 'BOOLEAN',
      string: 'VARCHAR',
      binary: 'BLOB',
      date: 'DATE',
      timestamp: 'TIMESTAMP WITH TIME ZONE',
      timestamp_ntz: 'TIMESTAMP',
    };
    const name = names[type];
    if (!name) throw new Error(`no DuckDB type for Delta type ${type}`);
    return name;
  }
  const t = type as Record<string, unknown>;
  if (t.type === 'array') return `${expectedDuckDbType(t.elementType)}[]`;
  if (t.type === 'map') return `MAP(${expectedDuckDbType(t.keyType)}, ${expectedDuckDbType(t.valueType)})`;
  if (t.type === 'struct') {
    const fields = t.fields as DeltaFieldJson[];
    return `STRUCT(${fields.map((f) => `${duckDbName(f.name)} ${expectedDuckDbType(f.type)}`).join(', ')})`;
  }
  throw new Error(`unknown Delta type ${JSON.stringify(type)}`);
}

/** Struct field names as {@link readDeltaTable} reports them: quoted unless plain lower-case identifiers. */
function duckDbName(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** DuckDB also quotes keywords (`"inner"`); drop quotes around plain names so types compare simply. */
function unquotePlainNames(type: string): string {
  return type.replace(/"([a-z_][a-z0-9_]*)"/g, '$1');
}

/**
 * JSON.parse that keeps numbers exact: an integer outside the safe range becomes a bigint, a
 * fraction that a double cannot hold exactly stays its text (a string), anything else a number.
 * Stats hold longs and decimals as exact JSON numbers, and `JSON.parse` would round them.
 */
export function parseExactJson(text: string): unknown {
  const marked = text.replace(/"(?:[^"\\]|\\.)*"|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g, (match, number) =>
    number === undefined ? match : `{"__exact":"${number}"}`,
  );
  return JSON.parse(marked, (_key, value) => {
    if (value && typeof value === 'object' && typeof value.__exact === 'string') {
      const raw: string = value.__exact;
      const n = Number(raw);
      if (/^-?\d+$/.test(raw)) return Number.isSafeInteger(n) ? n : BigInt(raw);
      return String(n) === raw ? n : raw;
    }
    return value;
  });
}
