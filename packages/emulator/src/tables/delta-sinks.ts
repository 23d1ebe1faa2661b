/**
 * One group committer per Delta table, shared by every stream that writes to the table, so
 * that records from all streams of a table are committed together.
 */
import type { TableInfo } from '../catalog/uc-types.js';
import type { CatalogTable } from '../catalog/unity-catalog.js';
import { type GroupCommitOptions, GroupCommitter } from './group-commit.js';
import { ParquetWorkers } from './parquet-workers.js';

export interface DeltaSinksOptions extends Omit<GroupCommitOptions, 'encoder'> {
  /** Threads encoding the data files; 0 encodes on the event loop. */
  readonly encodingThreads: number;
}

export class DeltaSinks {
  readonly #options: GroupCommitOptions;
  readonly #workers: ParquetWorkers;
  readonly #committers = new Map<CatalogTable, GroupCommitter>();

  constructor(options: DeltaSinksOptions) {
    const { encodingThreads, ...commit } = options;
    this.#workers = new ParquetWorkers({ threads: encodingThreads });
    this.#options = { ...commit, encoder: this.#workers.encoder };
  }

  committer(table: CatalogTable): GroupCommitter {
    let committer = this.#committers.get(table);
    if (!committer) {
      committer = new GroupCommitter(table.delta, this.#options);
      this.#committers.set(table, committer);
    }
    return committer;
  }

  /**
   * The table is being dropped: its waiting requests fail (never acknowledged) and its committer
   * goes away; resolves once no commit into its directory is under way.
   */
  async drop(info: TableInfo): Promise<void> {
    for (const [table, committer] of this.#committers) {
      if (table.info !== info) continue;
      this.#committers.delete(table);
      await committer.drop(info.full_name);
    }
  }

  /**
   * Commits what is waiting everywhere, then stops the encoding threads; nothing is written and
   * no thread runs after this resolves.
   */
  async close(): Promise<void> {
    try {
      await Promise.all([...this.#committers.values()].map((c) => c.close()));
    } finally {
      await this.#workers.close();
    }
  }
}
