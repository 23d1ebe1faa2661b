/**
 * Group commit for one Delta table: rows from every stream writing to the table are gathered
 * and written together as one Parquet file and one log commit, when enough rows or bytes are
 * waiting or when the oldest waiting row has waited `intervalMs`. A request is acknowledged only
 * from `onDurable`, i.e. after the commit holding its rows is fsynced (data file, log entry and
 * directory), so a crash never loses an acknowledged record.
 *
 * One commit runs at a time; rows arriving meanwhile form the next group. Groups commit in
 * arrival order, so each stream's requests become durable in the order they were sent.
 */
import type { DataFileEncoder } from './delta/data-file.js';
import type { DeltaTable } from './delta/delta-table.js';

/**
 * Why a request was not committed: its table was dropped. Streams end with NOT_FOUND naming the
 * table, as the real service ends streams whose table is dropped.
 */
export class TableDropped extends Error {
  constructor(readonly tableName: string) {
    super(`table ${tableName} does not exist`);
    this.name = 'TableDropped';
  }
}

export interface GroupCommitOptions {
  /** Commit once this many rows wait. */
  readonly maxRows: number;
  /** Commit once this many payload bytes wait. */
  readonly maxBytes: number;
  /** Commit once the oldest waiting row has waited this long. */
  readonly intervalMs: number;
  /** Encodes a commit's data file (default: on the event loop). */
  readonly encoder?: DataFileEncoder;
}

interface Pending {
  readonly rows: readonly (readonly unknown[])[];
  readonly onDurable: () => void;
  readonly onFailed: (error: Error) => void;
}

export interface CommitStats {
  commits: number;
  rows: number;
  failures: number;
}

export class GroupCommitter {
  readonly #table: DeltaTable;
  readonly #options: GroupCommitOptions;
  #waiting: Pending[] = [];
  #waitingRows = 0;
  #waitingBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #committing: Promise<void> | undefined;
  #closed = false;
  #dropped: TableDropped | undefined;
  readonly stats: CommitStats = { commits: 0, rows: 0, failures: 0 };

  constructor(table: DeltaTable, options: GroupCommitOptions) {
    this.#table = table;
    this.#options = options;
  }

  /** Queues one request's rows; exactly one of the callbacks runs later. */
  add(
    rows: readonly (readonly unknown[])[],
    bytes: number,
    onDurable: () => void,
    onFailed: (error: Error) => void,
  ): void {
    if (this.#dropped) {
      onFailed(this.#dropped);
      return;
    }
    if (this.#closed) {
      onFailed(new Error('the table is closing'));
      return;
    }
    this.#waiting.push({ rows, onDurable, onFailed });
    this.#waitingRows += rows.length;
    this.#waitingBytes += bytes;
    if (this.#waitingRows >= this.#options.maxRows || this.#waitingBytes >= this.#options.maxBytes) {
      this.#startCommit();
    } else if (!this.#timer && !this.#committing) {
      this.#timer = setTimeout(() => this.#startCommit(), this.#options.intervalMs);
    }
  }

  /**
   * Commits what is waiting and stops taking rows; resolves once everything has settled,
   * including the table's background upkeep (checkpoint, compaction) that the commits started.
   */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#committing || this.#waiting.length > 0) {
      if (!this.#committing) this.#startCommit();
      await this.#committing;
    }
    await this.#table.settle();
  }

  /**
   * The table is being dropped: requests still waiting are failed with `TableDropped`, never
   * committed (so never acknowledged), and no request is taken any more. Resolves once the commit
   * under way, if any, and the table's background upkeep have settled, so the table's files can be removed without a write racing
   * into the deleted directory.
   */
  async drop(tableName: string): Promise<void> {
    this.#dropped ??= new TableDropped(tableName);
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const waiting = this.#waiting;
    this.#waiting = [];
    this.#waitingRows = 0;
    this.#waitingBytes = 0;
    for (const pending of waiting) pending.onFailed(this.#dropped);
    await this.#committing;
    // Background upkeep (a checkpoint, a compaction) writes into the table's directory too.
    await this.#table.settle({ stop: true });
  }

  #startCommit(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#committing || this.#waiting.length === 0) return;
    const group = this.#waiting;
    const rowCount = this.#waitingRows;
    this.#waiting = [];
    this.#waitingRows = 0;
    this.#waitingBytes = 0;
    this.#committing = this.#commit(group, rowCount).finally(() => {
      this.#committing = undefined;
      // Rows that arrived during the commit: go on at once if they fill a group, else on a timer.
      if (this.#waiting.length === 0) return;
      if (this.#closed || this.#waitingRows >= this.#options.maxRows || this.#waitingBytes >= this.#options.maxBytes) {
        this.#startCommit();
      } else {
        this.#timer = setTimeout(() => this.#startCommit(), this.#options.intervalMs);
      }
    });
  }

  async #commit(group: Pending[], rowCount: number): Promise<void> {
    const width = this.#table.schema.fields.length;
    const columns: unknown[][] = Array.from({ length: width }, () => new Array<unknown>(rowCount));
    let r = 0;
    for (const pending of group) {
      for (const row of pending.rows) {
        for (let c = 0; c < width; c++) (columns[c] as unknown[])[r] = row[c];
        r++;
      }
    }
    try {
      await this.#table.append({ columns, rowCount }, this.#options.encoder);
      this.stats.commits++;
      this.stats.rows += rowCount;
    } catch (error) {
      this.stats.failures++;
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const pending of group) pending.onFailed(failure);
      return;
    }
    // Landed while the table was being dropped: the table is gone, so nothing is acknowledged.
    const dropped = this.#dropped;
    for (const pending of group) {
      if (dropped) pending.onFailed(dropped);
      else pending.onDurable();
    }
  }
}
