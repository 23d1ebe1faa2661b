/**
 * Reads a Delta table from its directory for the console and the `zerobus query` / `tail`
 * commands: schema, live files, row count, recent history. Read-only and independent of the
 * writer's in-memory state (so it works on a data directory without a server, and while a
 * server writes): the log is replayed once, then caught up commit by commit on each refresh.
 */

import { type Action, type AddAction, type LogState, readCommit } from '../tables/delta/commit-log.js';
import { replayLog } from '../tables/delta/log-replay.js';

/** A column as the Delta schema has it: `type` in Spark SQL (`bigint`, `array<string>`...). */
export interface ColumnSummary {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  /** The type as the Delta schema spells it (a string, or an object for nested types). */
  readonly deltaType: unknown;
}

/** One commit of the table's history. */
export interface HistoryEntry {
  readonly version: number;
  /** Milliseconds since the epoch (the commitInfo timestamp), undefined when the commit has none. */
  readonly timestamp: number | undefined;
  readonly operation: string;
  readonly rowsAdded: number;
  readonly bytesAdded: number;
  readonly filesAdded: number;
  readonly filesRemoved: number;
}

/** The table at its newest version. */
export interface TableSummary {
  readonly version: number;
  readonly columns: readonly ColumnSummary[];
  readonly rowCount: number;
  readonly fileCount: number;
  readonly bytes: number;
}

/** Commits kept in the history cache, per table. */
const HISTORY_CACHE = 100;

export class DeltaTableReader {
  #state: LogState | undefined;
  #refreshing: Promise<LogState> | undefined;
  readonly #history = new Map<number, HistoryEntry>();

  constructor(readonly dir: string) {}

  /** Catches up with commits written since the last call (the whole log the first time). */
  refresh(): Promise<LogState> {
    this.#refreshing ??= this.#catchUp().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #catchUp(): Promise<LogState> {
    if (this.#state) {
      try {
        // The commits read to catch up are the history's newest entries: kept, not read again.
        for (const { version, actions } of await this.#state.catchUp(this.dir)) this.#remember(version, actions);
        return this.#state;
      } catch {
        // The log changed under us in a way a catch-up cannot follow: read it again.
      }
    }
    this.#state = await replayLog(this.dir);
    return this.#state;
  }

  async summary(): Promise<TableSummary> {
    const state = await this.refresh();
    let rowCount = 0;
    let bytes = 0;
    for (const add of state.files.values()) {
      rowCount += rowsOf(add);
      bytes += add.size;
    }
    return { version: state.version, columns: columnsOf(state), rowCount, fileCount: state.files.size, bytes };
  }

  /** Live data files, oldest first, as absolute paths with their row counts. */
  async liveFiles(): Promise<{ path: string; rows: number }[]> {
    const state = await this.refresh();
    return [...state.files.values()].map((add) => ({ path: this.filePath(add.path), rows: rowsOf(add) }));
  }

  /** The newest `limit` commits, newest first (older ones may be gone: cleaned up after a checkpoint). */
  async history(limit: number): Promise<HistoryEntry[]> {
    const state = await this.refresh();
    const out: HistoryEntry[] = [];
    for (let version = state.version; version >= 0 && out.length < limit; version--) {
      const entry = this.#history.get(version) ?? (await this.#readHistory(version));
      if (!entry) break;
      out.push(entry);
    }
    return out;
  }

  /** Files added by the commits after `version` up to the newest, in commit order. */
  async filesAddedAfter(version: number): Promise<{ version: number; files: { path: string; rows: number }[] }> {
    const state = await this.refresh();
    const files: { path: string; rows: number }[] = [];
    for (let v = version + 1; v <= state.version; v++) {
      const actions = (await readCommit(this.dir, v)) ?? [];
      const compaction = actions.some((a) => 'add' in a && (a.add as AddAction).dataChange === false);
      // A compaction rewrites rows already seen: nothing new to show.
      if (compaction) continue;
      for (const action of actions) {
        if ('add' in action) {
          const add = action.add as AddAction;
          files.push({ path: this.filePath(add.path), rows: rowsOf(add) });
        }
      }
    }
    return { version: state.version, files };
  }

  filePath(logPath: string): string {
    return `${this.dir}/${decodeURIComponent(logPath)}`;
  }

  async #readHistory(version: number): Promise<HistoryEntry | undefined> {
    const actions = await readCommit(this.dir, version);
    return actions && this.#remember(version, actions);
  }

  #remember(version: number, actions: readonly Action[]): HistoryEntry {
    let timestamp: number | undefined;
    let operation = 'UNKNOWN';
    let rowsAdded = 0;
    let bytesAdded = 0;
    let filesAdded = 0;
    let filesRemoved = 0;
    for (const action of actions) {
      if ('commitInfo' in action) {
        const info = action.commitInfo as Record<string, unknown>;
        if (typeof info.timestamp === 'number') timestamp = info.timestamp;
        if (typeof info.operation === 'string') operation = info.operation;
      } else if ('add' in action) {
        const add = action.add as AddAction;
        filesAdded++;
        if (add.dataChange !== false) {
          rowsAdded += rowsOf(add);
          bytesAdded += add.size;
        }
      } else if ('remove' in action) {
        filesRemoved++;
      }
    }
    const entry = { version, timestamp, operation, rowsAdded, bytesAdded, filesAdded, filesRemoved };
    this.#history.set(version, entry);
    if (this.#history.size > HISTORY_CACHE) {
      // Entries arrive mostly in version order: the first key is (nearly always) the oldest.
      const oldest = Math.min(...this.#history.keys());
      this.#history.delete(oldest);
    }
    return entry;
  }
}

/** The file's row count from its stats (0 when it has none). */
function rowsOf(add: AddAction): number {
  if (typeof add.stats !== 'string') return 0;
  const match = /"numRecords"\s*:\s*(\d+)/.exec(add.stats);
  return match ? Number(match[1]) : 0;
}

interface DeltaField {
  readonly name: string;
  readonly type: unknown;
  readonly nullable?: boolean;
}

function columnsOf(state: LogState): ColumnSummary[] {
  const schemaString = state.metaData?.schemaString;
  if (!schemaString) return [];
  const schema = JSON.parse(schemaString) as { fields?: DeltaField[] };
  return (schema.fields ?? []).map((f) => ({
    name: f.name,
    type: typeText(f.type),
    nullable: f.nullable !== false,
    deltaType: f.type,
  }));
}

/** A Delta schema type in Spark SQL: `long` is `bigint`, nested types spelled out. */
export function typeText(type: unknown): string {
  if (typeof type === 'string') return PRIMITIVE_NAMES[type] ?? type;
  const t = type as {
    type?: string;
    elementType?: unknown;
    keyType?: unknown;
    valueType?: unknown;
    fields?: DeltaField[];
  };
  if (t.type === 'array') return `array<${typeText(t.elementType)}>`;
  if (t.type === 'map') return `map<${typeText(t.keyType)},${typeText(t.valueType)}>`;
  if (t.type === 'struct') return `struct<${(t.fields ?? []).map((f) => `${f.name}:${typeText(f.type)}`).join(',')}>`;
  return JSON.stringify(type);
}

const PRIMITIVE_NAMES: Record<string, string> = { long: 'bigint', integer: 'int', short: 'smallint', byte: 'tinyint' };
