/**
 * An independent reader of Delta tables, for tests: it replays `_delta_log` with its own small
 * code (it must not share the writer's replay, or a bug there would hide itself) and reads the
 * live Parquet files with DuckDB. DuckDB's delta extension cannot be installed offline, so the
 * log is replayed here and the files are handed to `read_parquet`.
 *
 * {@link readDeltaTable} starts from the newest checkpoint, read with DuckDB's `read_parquet`,
 * and replays the commits after it; when the log still holds every commit from 0 it also replays
 * them all and checks that both give the same state, so every test reading a table through it
 * validates the writer's checkpoints.
 *
 * Rows come back in the forms of `NormalizedValue` (types.ts), so tests can compare them with
 * what they wrote: BIGINT → bigint, DECIMAL → unscaled bigint, TIMESTAMP[TZ] → microseconds as
 * bigint, DATE → days, BLOB → Uint8Array, LIST → array, STRUCT → object, MAP → Map.
 */

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

/** The state being replayed. */
interface Replay {
  files: Map<string, AddInfo>;
  protocol: Record<string, unknown> | undefined;
  metaData: (Record<string, unknown> & { schemaString: string }) | undefined;
}

function commitPath(logDir: string, version: number): string {
  return join(logDir, `${String(version).padStart(20, '0')}.json`);
}

function listVersions(logDir: string, pattern: RegExp): number[] {
  return readdirSync(logDir)
    .filter((name) => pattern.test(name))
    .map((name) => Number(name.slice(0, 20)))
    .sort((a, b) => a - b);
}

/** Applies one commit's actions; returns them. */
function applyCommit(logDir: string, version: number, state: Replay): Record<string, unknown>[] {
  const text = readFileSync(commitPath(logDir, version), 'utf8');
  const actions = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  for (const action of actions) {
    const keys = Object.keys(action);
    if (keys.length !== 1) throw new Error(`commit ${version}: an action must have exactly one key: ${keys}`);
    const add = action.add as Record<string, unknown> | undefined;
    const remove = action.remove as Record<string, unknown> | undefined;
    if (add) state.files.set(add.path as string, addInfo(add));
    if (remove) state.files.delete(remove.path as string);
    if (action.protocol) state.protocol = action.protocol as Record<string, unknown>;
    if (action.metaData) state.metaData = action.metaData as Record<string, unknown> & { schemaString: string };
  }
  return actions;
}

function addInfo(add: Record<string, unknown>): AddInfo {
  return {
    path: add.path as string,
    size: Number(add.size),
    dataChange: add.dataChange as boolean,
    stats: typeof add.stats === 'string' ? (parseExactJson(add.stats) as unknown as DeltaFileStats) : undefined,
  };
}

function snapshotOf(state: Replay, version: number, commits: Record<string, unknown>[][]): DeltaSnapshot {
  const { protocol, metaData } = state;
  if (!protocol || !metaData) throw new Error('the log has no protocol or no metaData');
  return {
    version,
    protocol,
    metaData,
    schema: JSON.parse(metaData.schemaString),
    files: [...state.files.values()],
    commits,
  };
}

/** Replays the log from its JSON commits (up to `upTo`): versions must be 0..n without gaps; the last metaData/protocol win. */
export function readDeltaLog(dir: string, upTo = Number.POSITIVE_INFINITY): DeltaSnapshot {
  const logDir = join(dir, '_delta_log');
  const versions = listVersions(logDir, /^\d{20}\.json$/).filter((v) => v <= upTo);
  if (versions.length === 0) throw new Error(`no commits in ${logDir}`);
  const commits: Record<string, unknown>[][] = [];
  const state: Replay = { files: new Map(), protocol: undefined, metaData: undefined };
  versions.forEach((version, i) => {
    if (version !== i) throw new Error(`log version ${i} is missing (found ${version})`);
    commits.push(applyCommit(logDir, version, state));
  });
  return snapshotOf(state, versions.length - 1, commits);
}

/** The newest checkpoint's version (from the listing and the `_last_checkpoint` hint), if any. */
export function newestCheckpoint(dir: string): number | undefined {
  const logDir = join(dir, '_delta_log');
  const listed = listVersions(logDir, /^\d{20}\.checkpoint\.parquet$/);
  const hintPath = join(logDir, '_last_checkpoint');
  if (existsSync(hintPath)) {
    // The hint may be newer than the listing (a writer checkpointed in between), never dangling.
    const hint = JSON.parse(readFileSync(hintPath, 'utf8')) as { version: number; size: number };
    const named = join(logDir, `${String(hint.version).padStart(20, '0')}.checkpoint.parquet`);
    assert.ok(existsSync(named), `_last_checkpoint names version ${hint.version}, which has no checkpoint`);
    if (hint.version > (listed.at(-1) ?? -1)) return hint.version;
  }
  return listed.at(-1);
}

/**
 * The table's newest state, from the newest checkpoint (read by DuckDB) and the commits after it.
 * When every commit from 0 is still there, checks that replaying them all gives the same state.
 * `commits` then holds every commit; else only those after the checkpoint (the rest are []).
 */
export async function readDeltaSnapshot(dir: string): Promise<DeltaSnapshot> {
  const logDir = join(dir, '_delta_log');
  const checkpoint = newestCheckpoint(dir);
  if (checkpoint === undefined) return readDeltaLog(dir);
  const state = await readCheckpointWithDuckDb(logDir, checkpoint);
  const versions = listVersions(logDir, /^\d{20}\.json$/).filter((v) => v > checkpoint);
  const commits: Record<string, unknown>[][] = Array.from({ length: checkpoint + 1 }, () => []);
  versions.forEach((version, i) => {
    if (version !== checkpoint + 1 + i) throw new Error(`log version ${checkpoint + 1 + i} is missing`);
    commits.push(applyCommit(logDir, version, state));
  });
  const fromCheckpoint = snapshotOf(state, checkpoint + versions.length, commits);
  if (existsSync(commitPath(logDir, 0))) {
    const full = readDeltaLog(dir, fromCheckpoint.version); // a writer may have gone on since
    assert.equal(fromCheckpoint.version, full.version, 'the checkpoint and the JSON commits end at one version');
    assert.deepEqual(fromCheckpoint.protocol, full.protocol, `checkpoint ${checkpoint}: protocol`);
    assert.deepEqual(fromCheckpoint.metaData, full.metaData, `checkpoint ${checkpoint}: metaData`);
    const byPath = (files: readonly AddInfo[]) =>
      [...files].map((f) => ({ ...f, dataChange: undefined })).sort((a, b) => a.path.localeCompare(b.path));
    assert.deepEqual(byPath(fromCheckpoint.files), byPath(full.files), `checkpoint ${checkpoint}: live files`);
    return full;
  }
  return fromCheckpoint;
}

/** The checkpoint's actions as DuckDB reads them: exactly one protocol and one metaData row. */
async function readCheckpointWithDuckDb(logDir: string, version: number): Promise<Replay> {
  const path = join(logDir, `${String(version).padStart(20, '0')}.checkpoint.parquet`);
  const rows = await query(`SELECT add, remove, metaData, protocol FROM read_parquet(${sqlString(path)})`);
  const state: Replay = { files: new Map(), protocol: undefined, metaData: undefined };
  for (const row of rows) {
    const present = ['add', 'remove', 'metaData', 'protocol'].filter((k) => row[k] !== null);
    assert.equal(present.length, 1, `checkpoint ${version}: one action per row, got ${present}`);
    const add = row.add as Record<string, unknown> | null;
    if (add) {
      assert.ok(add.partitionValues instanceof Map, 'add.partitionValues is a map');
      state.files.set(add.path as string, addInfo(add));
    }
    if (row.protocol) {
      assert.equal(state.protocol, undefined, `checkpoint ${version}: a second protocol`);
      state.protocol = withoutNulls(row.protocol as Record<string, unknown>);
    }
    if (row.metaData) {
      assert.equal(state.metaData, undefined, `checkpoint ${version}: a second metaData`);
      state.metaData = withoutNulls(row.metaData as Record<string, unknown>) as Replay['metaData'];
    }
  }
  return state;
}

/** A checkpoint struct as the JSON action it stands for: nulls dropped, maps as objects, longs as numbers. */
function withoutNulls(value: Record<string, unknown>): Record<string, unknown> {
  const plain = (v: unknown): unknown => {
    if (typeof v === 'bigint') return Number(v);
    if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === 'object') return withoutNulls(v as Record<string, unknown>);
    return v;
  };
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, plain(v)]),
  );
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
  const snapshot = await readDeltaSnapshot(dir);
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
