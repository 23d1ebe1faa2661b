/**
 * One compaction of a table: merge the small files compaction.ts picks into one new file, then
 * commit `remove` (dataChange false, deletionTimestamp) of each and `add` of the new one.
 *
 * The reading and writing run outside the table's append queue; only the commit takes its turn
 * there, like one more append, through the same put-if-absent path, so it cannot conflict with
 * appends from this or any other writer. If another writer removed one of the files meanwhile
 * (its own compaction), or changed the schema, it gives up and deletes its own new file.
 */

import { randomUUID } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { TableSchema } from '@zerobus/sdk/schema';
import {
  type Action,
  type AddAction,
  CommitNotDurableError,
  commitInfo,
  fsyncDir,
  type LogState,
  writeNewFileDurably,
} from './commit-log.js';
import { planCompaction, readColumns } from './compaction.js';
import { storageSchema } from './protocol.js';
import { fileStats, statsJson } from './stats.js';

/** What a compaction needs of the table (DeltaTable's private parts). */
export interface CompactionHost {
  readonly dir: string;
  readonly schema: TableSchema;
  readonly state: LogState;
  /** A data file's name, as appends name theirs. */
  newFileName(): string;
  /** The Parquet bytes of columns in the table's storage schema, as appends write them. */
  encode(batch: { columns: readonly (readonly unknown[])[]; rowCount: number }): Uint8Array;
  /** Runs `task` in the append queue. */
  enqueue<T>(task: () => Promise<T>): Promise<T>;
  /** Put-if-absent commit that keeps the state in step (false: the version was taken). */
  tryCommit(version: number, actions: Action[]): Promise<boolean>;
}

/** Max lost races before giving up (each loss means others are committing: try again later). */
const MAX_ATTEMPTS = 100;

export async function compactTable(host: CompactionHost): Promise<void> {
  const files = planCompaction(host.state.files.values());
  if (!files) return;
  const yieldToAppends = () => new Promise<void>((resolve) => setImmediate(resolve));
  const { columns, rowCount } = await readColumns(host.dir, storageSchema(host.schema), files, yieldToAppends);
  const bytes = host.encode({ columns, rowCount });
  const file = host.newFileName();
  const path = join(host.dir, file);
  await writeNewFileDurably(path, bytes);
  await fsyncDir(host.dir);
  const add: AddAction = {
    path: file,
    partitionValues: {},
    size: bytes.length,
    modificationTime: Date.now(),
    dataChange: false,
    stats: statsJson(fileStats(host.schema, columns, rowCount)),
  };
  let committed = false;
  try {
    committed = await host.enqueue(() => commitCompaction(host, files, add));
  } catch (error) {
    // A commit that exists but is not durable names the file: it must stay.
    if (!(error instanceof CommitNotDurableError)) await unlink(path).catch(() => {});
    throw error;
  }
  if (!committed) await unlink(path).catch(() => {});
}

async function commitCompaction(host: CompactionHost, files: readonly AddAction[], add: AddAction): Promise<boolean> {
  const { state } = host;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const caughtUp = await state.catchUp(host.dir);
    if (caughtUp.some((c) => c.actions.some((a) => 'metaData' in a || 'protocol' in a))) return false;
    if (files.some((f) => !state.files.has(f.path))) return false;
    const now = Date.now();
    const actions: Action[] = [
      {
        commitInfo: {
          ...commitInfo(now, 'OPTIMIZE', { predicate: '[]', zOrderBy: '[]', auto: true }),
          readVersion: state.version,
          isBlindAppend: false,
          operationMetrics: { numRemovedFiles: String(files.length), numAddedFiles: '1' },
        },
      },
      ...files.map((f) => ({
        remove: {
          path: f.path,
          deletionTimestamp: now,
          dataChange: false,
          extendedFileMetadata: true,
          partitionValues: {},
          size: f.size,
        },
      })),
      { add },
    ];
    if (await host.tryCommit(state.version + 1, actions)) return true;
  }
  return false;
}

/** A fresh data file name, in the layout Spark writes. */
export function dataFileName(codecSuffix: string): string {
  return `part-00000-${randomUUID()}-c000.${codecSuffix}.parquet`;
}
