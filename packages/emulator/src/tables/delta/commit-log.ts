/**
 * The `_delta_log`: durable, atomic, put-if-absent commits, and replay of the log into the
 * table's current state.
 *
 * A commit is first written whole to a temporary file and fsynced, then hard-linked to its
 * version's name: `link` fails with EEXIST when the name exists, which is the put-if-absent that
 * lets several writers (other instances, other processes) race for a version with exactly one
 * winner, and readers never see a half-written commit. The loser reads what won and tries the next
 * version. Temporary names start with a dot, which Delta readers skip.
 */

import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { DeltaLogError, DeltaTableError, tableLabel } from './errors.js';
import type { MetaDataAction, ProtocolAction } from './protocol.js';

export const LOG_DIR = '_delta_log';
/** Names this writer in commitInfo and in the Parquet files it writes. */
export const ENGINE_INFO = 'zerobus-emulator/0.1.0';

export interface AddAction {
  readonly path: string;
  readonly partitionValues: Readonly<Record<string, string | null>>;
  readonly size: number;
  readonly modificationTime: number;
  readonly dataChange: boolean;
  readonly stats?: string;
}

export interface RemoveAction {
  readonly path: string;
  readonly deletionTimestamp?: number;
  readonly dataChange: boolean;
  readonly extendedFileMetadata?: boolean;
  readonly partitionValues?: Readonly<Record<string, string | null>>;
  readonly size?: number;
}

/** One line of a commit; actions this writer does not know are kept as they are and ignored. */
export type Action =
  | { readonly commitInfo: Readonly<Record<string, unknown>> }
  | { readonly protocol: ProtocolAction }
  | { readonly metaData: MetaDataAction }
  | { readonly add: AddAction }
  | { readonly remove: RemoveAction }
  | Readonly<Record<string, unknown>>;

const COMMIT_NAME = /^(\d{20})\.json$/;
/** Temporary files of commits, checkpoints and `_last_checkpoint` (see tryCommit, checkpoint.ts). */
const TEMP_NAME = /^\.(?:\d{20}\.json|\d{20}\.checkpoint\.parquet|_last_checkpoint)\.[0-9a-f-]+\.tmp$/;

export function commitFileName(version: number): string {
  return `${String(version).padStart(20, '0')}.json`;
}

export function logDir(tableDir: string): string {
  return join(tableDir, LOG_DIR);
}

/** fsync a directory, which makes the names created or removed in it durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates a new file (never overwrites), writes it and fsyncs it. The caller fsyncs the directory. */
export async function writeNewFileDurably(path: string, bytes: Uint8Array | string): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** `mkdir -p` whose new directories survive a crash: each created level's parent is fsynced. */
export async function mkdirDurably(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  const parts = relative(dirname(first), dir).split(sep);
  let current = dirname(first);
  await fsyncDir(current);
  for (const part of parts) {
    current = join(current, part);
    await fsyncDir(current);
  }
}

/** Versions of the commit files present, ascending. */
export async function listCommitVersions(tableDir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(logDir(tableDir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const versions: number[] = [];
  for (const name of names) {
    const match = COMMIT_NAME.exec(name);
    if (match) versions.push(Number(match[1]));
  }
  return versions.sort((a, b) => a - b);
}

/** The actions of one commit, or undefined when that version does not exist (yet). */
export async function readCommit(tableDir: string, version: number): Promise<Action[] | undefined> {
  let text: string;
  try {
    text = await readFile(join(logDir(tableDir), commitFileName(version)), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const actions: Action[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    try {
      actions.push(JSON.parse(line) as Action);
    } catch (cause) {
      throw new DeltaLogError(tableLabel(tableDir), version, `line ${i + 1} of the commit file is not JSON`, {
        cause,
      });
    }
  }
  return actions;
}

/**
 * Writes commit `version` if no one has: true when this call made it, false when the version was
 * taken. Durable when it returns true (the temporary file's data and the log directory fsynced).
 */
export async function tryCommit(tableDir: string, version: number, actions: readonly Action[]): Promise<boolean> {
  const dir = logDir(tableDir);
  const name = commitFileName(version);
  const text = actions.map((a) => JSON.stringify(a)).join('\n');
  // A tidy-up by a process that opened the table could remove a fresh temporary file; it only
  // removes old ones (see cleanTempFiles), but a retry makes even that race harmless.
  for (let attempt = 0; ; attempt++) {
    const temp = join(dir, `.${name}.${randomUUID()}.tmp`);
    await writeNewFileDurably(temp, text);
    try {
      await link(temp, join(dir, name));
    } catch (error) {
      await unlink(temp).catch(() => {});
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code === 'ENOENT' && attempt < 3) continue;
      throw error;
    }
    // The version exists from here on, durable or not: never report it as not made.
    await unlink(temp).catch(() => {}); // a crash before this leaves it for a later open
    await fsyncCommitted(dir, version);
    return true;
  }
}

/**
 * A commit whose file is linked in the log, but whose directory fsync failed even after retries:
 * the version exists (readers see it, and the data files it names must stay), but it may not
 * survive a crash, so its writes must not be acknowledged.
 */
export class CommitNotDurableError extends DeltaTableError {
  constructor(
    readonly version: number,
    options: { cause: unknown },
  ) {
    super(
      'CORRUPT_LOG',
      `commit ${version} was written but could not be made durable (directory fsync failed)`,
      options,
    );
  }
}

const FSYNC_ATTEMPTS = 3;

async function fsyncCommitted(dir: string, version: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await fsyncDir(dir);
      return;
    } catch (cause) {
      if (attempt >= FSYNC_ATTEMPTS) throw new CommitNotDurableError(version, { cause });
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt));
    }
  }
}

/**
 * Removes temporary files older than `minAgeMs` (left by writers that crashed) among `names`, the
 * log directory's listing (listed here if not given: a long log is costly to list twice).
 */
export async function cleanTempFiles(tableDir: string, minAgeMs: number, names?: readonly string[]): Promise<number> {
  const dir = logDir(tableDir);
  let removed = 0;
  try {
    names ??= await readdir(dir);
  } catch {
    return 0;
  }
  const now = Date.now();
  for (const name of names) {
    if (name[0] !== '.' || !TEMP_NAME.test(name)) continue;
    const path = join(dir, name);
    try {
      const info = await stat(path);
      if (now - info.mtimeMs < minAgeMs) continue; // maybe another writer's commit in flight
      await unlink(path);
      removed++;
    } catch {
      // gone already
    }
  }
  return removed;
}

/** The table as of one version of the log. */
export class LogState {
  version = -1;
  protocol: ProtocolAction | undefined;
  metaData: MetaDataAction | undefined;
  /** Live data files by path, in the order they were added. */
  readonly files = new Map<string, AddAction>();
  /** Files removed from the table, by path: tombstones, for checkpoints (and VACUUM). */
  readonly tombstones = new Map<string, RemoveAction>();
  /** The version of the newest checkpoint known (read or written), -1 for none. */
  checkpointVersion = -1;
  /** The number of actions in that checkpoint. */
  checkpointSize = 0;
  /** The checkpoint whose tombstones are not loaded yet (see readCheckpointTombstones). */
  tombstonesFrom: number | undefined;
  /** Checkpoint files known to exist (listed at open, or written since), ascending. */
  readonly checkpoints: number[] = [];
  /** The oldest commit file of the log at open (above 0 once older ones were cleaned up). */
  firstCommit = 0;

  /** `label` names the table in errors (see tableLabel). */
  constructor(readonly label: string) {}

  /** Applies the commit of `version`, which must be the next one. */
  apply(version: number, actions: readonly Action[]): void {
    if (version !== this.version + 1) {
      throw new DeltaLogError(this.label, version, `commit applied after version ${this.version}`);
    }
    for (const action of actions) {
      if ('add' in action) {
        const add = action.add as AddAction;
        this.files.set(add.path, add);
        this.tombstones.delete(add.path);
      } else if ('remove' in action) {
        const remove = action.remove as RemoveAction;
        this.files.delete(remove.path);
        this.tombstones.set(remove.path, remove);
      } else if ('metaData' in action) {
        this.metaData = action.metaData as MetaDataAction;
      } else if ('protocol' in action) {
        this.protocol = action.protocol as ProtocolAction;
      }
    }
    this.version = version;
  }

  /** Reads and applies the commits after the current version, up to the newest; returns them. */
  async catchUp(tableDir: string): Promise<{ version: number; actions: Action[] }[]> {
    const applied: { version: number; actions: Action[] }[] = [];
    for (;;) {
      const version = this.version + 1;
      const actions = await readCommit(tableDir, version);
      if (actions === undefined) return applied;
      this.apply(version, actions);
      applied.push({ version, actions });
    }
  }
}

/** The commitInfo action of a commit by this writer (its provenance). */
export function commitInfo(timestamp: number, operation: string, operationParameters: Record<string, unknown>) {
  return {
    timestamp,
    operation,
    operationParameters,
    isolationLevel: 'Serializable',
    engineInfo: ENGINE_INFO,
    txnId: randomUUID(),
  };
}
