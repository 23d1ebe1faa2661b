/**
 * A Delta table on the local file system that the emulator appends to: one Parquet file and one
 * commit per append, durable when the append resolves.
 *
 * Appends on one instance run one at a time (a promise queue), so a commit always knows the
 * version it follows. Other writers on the same directory — another instance, another process —
 * are handled by the log's put-if-absent commits: the loser of a race catches up with the log
 * and commits at the next version (blind appends never conflict with each other; a concurrent
 * schema or protocol change does, and fails the append).
 *
 * Limits worth knowing:
 * - hyparquet-writer writes only V2 data pages. DuckDB, Spark ≥ 3.3 and delta-rs read them;
 *   older parquet-mr based readers do not.
 * - No column mapping: Parquet columns carry the field names. Names with spaces or `,;{}()=`
 *   read fine in DuckDB and delta-rs, but Spark refuses them without column mapping.
 * - No partitions; a data file written by an append whose commit never happened (a crash in
 *   between) is simply not in the log: invisible to readers, left for VACUUM.
 *
 * Upkeep runs in the background after appends (maintenance.ts): a checkpoint every
 * {@link CHECKPOINT_INTERVAL} commits (checkpoint.ts), so that opening replays few commits, and
 * compaction of small files (compaction.ts), so that a trickle of appends keeps few live files.
 * Compacted files are removed from the table but stay on disk: readers of older versions still
 * find them.
 */

import { randomUUID } from 'node:crypto';
import { access, mkdir, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SchemaError, type TableSchema } from '@zerobus/sdk/schema';
import { checkpointDue, checkpointTable } from './checkpoint.js';
import {
  type Action,
  CommitNotDurableError,
  commitInfo,
  fsyncDir,
  LOG_DIR,
  type LogState,
  listCommitVersions,
  mkdirDurably,
  tryCommit,
  writeNewFileDurably,
} from './commit-log.js';
import { type CompactionHost, compactTable, dataFileName } from './compact-table.js';
import { canCompact, planCompaction } from './compaction.js';
import {
  CODEC_SUFFIX,
  type ColumnBatch,
  type DataFileEncoder,
  type DataFileLayout,
  EncoderFailed,
  encodeInline,
  encodeParquet,
} from './data-file.js';
import { DeltaTableError, tableLabel } from './errors.js';
import { replayLog } from './log-replay.js';
import { Maintenance, type MaintenanceReporter } from './maintenance.js';
import { parquetSchema } from './parquet-schema.js';
import {
  assertSupported,
  type MetaDataAction,
  metaDataFor,
  protocolFor,
  schemaFromMetaData,
  storageSchema,
} from './protocol.js';

export type { ColumnBatch } from './data-file.js';

export interface AppendResult {
  /** The table version of the commit that added the file (the current one for an empty batch). */
  readonly version: number;
  /** The data file, relative to the table directory ('' for an empty batch). */
  readonly file: string;
  readonly bytes: number;
  readonly rows: number;
}

/** A temporary commit file older than this was left by a crashed writer, not one mid-commit. */
const STALE_TEMP_MS = 60_000;
/** Safety net against livelock under a storm of competing writers. */
const MAX_COMMIT_ATTEMPTS = 1_000;
export interface OpenOptions {
  /** Names the table in errors (default: `catalog.schema.table` from the last three path segments). */
  readonly name?: string;
  /** Checkpoints and compaction in the background (default true). */
  readonly maintenance?: boolean;
  /** Where failures of background upkeep go (default: a process warning). */
  readonly onMaintenanceError?: MaintenanceReporter;
}

export class DeltaTable {
  readonly dir: string;
  /** The logical schema (variant columns as variants, though stored as strings). */
  readonly schema: TableSchema;
  readonly #state: LogState;
  readonly #layout: DataFileLayout;
  readonly #maintenance: Maintenance | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, schema: TableSchema, state: LogState, options: OpenOptions) {
    this.dir = dir;
    this.schema = schema;
    this.#state = state;
    this.#layout = { schema, parquetSchema: parquetSchema(storageSchema(schema)) };
    if (options.maintenance === false) return;
    const label = state.label;
    const report =
      options.onMaintenanceError ??
      ((error: Error, task: string) =>
        process.emitWarning(`Delta table ${label}: background ${task} failed: ${error.message}`, {
          code: 'ZEROBUS_DELTA_MAINTENANCE',
        }));
    const compactable = canCompact(storageSchema(schema));
    this.#maintenance = new Maintenance(
      [
        { name: 'checkpoint', due: () => checkpointDue(state), run: () => checkpointTable(dir, state) },
        {
          name: 'compaction',
          due: () => compactable && planCompaction(this.#state.files.values()) !== undefined,
          run: () => compactTable(this.#compactionHost()),
        },
      ],
      () => this.#state.version,
      report,
    );
  }

  /** Creates the table: `mkdir -p`, then commit 0 (protocol and metaData). Fails if one exists. */
  static async create(
    dir: string,
    schema: TableSchema,
    options: { name?: string; description?: string } & Omit<OpenOptions, 'name'> = {},
  ): Promise<DeltaTable> {
    dir = resolve(dir);
    if (schema.fields.length === 0) throw new SchemaError('a Delta table needs at least one column');
    // Build the actions first: an unusable schema fails before anything is written.
    const now = Date.now();
    const protocol = protocolFor(schema);
    const metaData = metaDataFor(schema, { id: randomUUID(), createdTime: now, ...options });
    const actions: Action[] = [
      { commitInfo: commitInfo(now, 'CREATE TABLE', { isManaged: 'false', description: options.description ?? null }) },
      { protocol },
      { metaData },
    ];
    await mkdirDurably(dir);
    await mkdir(join(dir, LOG_DIR), { recursive: true });
    await fsyncDir(dir);
    if ((await listCommitVersions(dir)).length > 0 || !(await tryCommit(dir, 0, actions))) {
      throw new DeltaTableError('TABLE_EXISTS', `a Delta table already exists in ${dir}`);
    }
    const { maintenance, onMaintenanceError } = options;
    return DeltaTable.open(dir, {
      ...(maintenance !== undefined && { maintenance }),
      ...(onMaintenanceError && { onMaintenanceError }),
    });
  }

  /**
   * Opens an existing table from its newest checkpoint and the commits after it; removes
   * temporary files crashed writers left. A damaged log (a missing version, an unparseable commit
   * or checkpoint, a live data file gone) throws a DeltaLogError naming the table and version.
   */
  static async open(dir: string, options: OpenOptions = {}): Promise<DeltaTable> {
    dir = resolve(dir);
    const state = await replayLog(dir, options.name ?? tableLabel(dir), STALE_TEMP_MS);
    assertSupported(state.protocol!);
    return new DeltaTable(dir, schemaFromMetaData(state.metaData!), state, options);
  }

  /** Runs the upkeep that is due now (a checkpoint, compactions) and resolves when it is done. */
  async maintain(): Promise<void> {
    this.#maintenance?.poke();
    await this.settle();
  }

  /** Waits for the background upkeep under way (checkpoint, compaction); `stop` ends it for good. */
  settle(options: { stop?: boolean } = {}): Promise<void> {
    return this.#maintenance?.settle(options) ?? Promise.resolve();
  }

  /** Whether `dir` holds a Delta table (a log with at least one commit). */
  static async exists(dir: string): Promise<boolean> {
    try {
      await access(join(dir, LOG_DIR));
    } catch {
      return false;
    }
    return (await listCommitVersions(dir)).length > 0;
  }

  /** The latest version this instance has read or written. */
  get version(): number {
    return this.#state.version;
  }

  /** The table's metaData action as of {@link version}. */
  get metaData(): MetaDataAction {
    return this.#state.metaData!;
  }

  /**
   * Writes the batch as one Parquet file and commits it; empty batches write nothing. `encoder`
   * makes the file's bytes and stats (default: on this thread; the server passes its worker pool).
   */
  append(batch: ColumnBatch, encoder: DataFileEncoder = encodeInline): Promise<AppendResult> {
    return this.#enqueue(() => this.#append(batch, encoder));
  }

  /** Data files (paths relative to the table directory) live in the newest version of the log. */
  liveFiles(): Promise<string[]> {
    return this.#enqueue(async () => {
      await this.#state.catchUp(this.dir);
      return [...this.#state.files.keys()];
    });
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => {});
    return run;
  }

  async #append(batch: ColumnBatch, encoder: DataFileEncoder): Promise<AppendResult> {
    this.#checkShape(batch);
    const rows = batch.rowCount;
    if (rows === 0) return { version: this.version, file: '', bytes: 0, rows: 0 };

    let bytes: Uint8Array;
    let stats: string;
    try {
      ({ bytes, stats } = await encoder(this.#layout, batch));
    } catch (cause) {
      if (cause instanceof EncoderFailed) throw new DeltaTableError('ENCODER_FAILED', cause.message, { cause });
      throw new DeltaTableError('INVALID_BATCH', `cannot encode the batch as Parquet: ${(cause as Error).message}`, {
        cause,
      });
    }

    const file = dataFileName(CODEC_SUFFIX);
    const path = join(this.dir, file);
    await writeNewFileDurably(path, bytes);
    await fsyncDir(this.dir);
    const add = {
      path: file,
      partitionValues: {},
      size: bytes.length,
      modificationTime: Date.now(),
      dataChange: true,
      stats,
    };
    let version: number;
    try {
      version = await this.#commit(add, rows);
    } catch (error) {
      // Not in the log, so no reader will ever see it: remove it rather than leave litter. A
      // commit that exists but is not durable names the file: it must stay.
      if (!(error instanceof CommitNotDurableError)) await unlink(path).catch(() => {});
      throw error;
    }
    this.#maintenance?.poke();
    return { version, file, bytes: bytes.length, rows };
  }

  #compactionHost(): CompactionHost {
    return {
      dir: this.dir,
      schema: this.schema,
      state: this.#state,
      newFileName: () => dataFileName(CODEC_SUFFIX),
      encode: (batch) => encodeParquet(this.#layout, batch),
      enqueue: (task) => this.#enqueue(task),
      tryCommit: (version, actions) => this.#tryCommit(version, actions),
    };
  }

  /** Commits the add at the next free version, catching up with other writers as needed. */
  async #commit(add: { path: string; size: number }, rows: number): Promise<number> {
    for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
      const version = this.#state.version + 1;
      const now = Date.now();
      const actions: Action[] = [
        {
          commitInfo: {
            ...commitInfo(now, 'WRITE', { mode: 'Append', partitionBy: '[]' }),
            readVersion: this.#state.version,
            isBlindAppend: true,
            operationMetrics: { numFiles: '1', numOutputRows: String(rows), numOutputBytes: String(add.size) },
          },
        },
        { add },
      ];
      if (await this.#tryCommit(version, actions)) return version;
      // Lost the race: read what won. Appends commute with appends, not with a new schema or protocol.
      for (const commit of await this.#state.catchUp(this.dir)) {
        if (commit.actions.some((a) => 'metaData' in a || 'protocol' in a)) {
          throw new DeltaTableError(
            'CONFLICT',
            `version ${commit.version} changed the table's metadata or protocol while a file was being appended`,
          );
        }
      }
    }
    throw new DeltaTableError('CONFLICT', `gave up after ${MAX_COMMIT_ATTEMPTS} lost commit races`);
  }

  /** tryCommit, keeping the state in step: a commit that exists is applied even if not durable. */
  async #tryCommit(version: number, actions: Action[]): Promise<boolean> {
    try {
      if (!(await tryCommit(this.dir, version, actions))) return false;
    } catch (error) {
      if (error instanceof CommitNotDurableError) this.#state.apply(version, actions);
      throw error;
    }
    this.#state.apply(version, actions);
    return true;
  }

  #checkShape(batch: ColumnBatch): void {
    const { columns, rowCount } = batch;
    if (!Number.isSafeInteger(rowCount) || rowCount < 0) {
      throw new DeltaTableError('INVALID_BATCH', `rowCount must be a non-negative integer, got ${rowCount}`);
    }
    if (columns.length !== this.schema.fields.length) {
      throw new DeltaTableError(
        'INVALID_BATCH',
        `the batch has ${columns.length} columns, the table ${this.schema.fields.length}`,
      );
    }
    columns.forEach((column, i) => {
      if (column.length !== rowCount) {
        const name = this.schema.fields[i]?.name;
        throw new DeltaTableError(
          'INVALID_BATCH',
          `column '${name}' has ${column.length} values, expected ${rowCount}`,
        );
      }
    });
  }
}
