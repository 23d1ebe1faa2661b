/**
 * Loading a table's state from its `_delta_log`: from the newest usable checkpoint, then the
 * commits after it. A log whose older commits were cleaned up (it starts at a checkpoint) is
 * valid; a missing version, an unparseable commit or checkpoint, or a live data file that is not
 * on disk is a {@link DeltaLogError} naming the table, the version and the problem, thrown before
 * anything is served from the table.
 */

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { checkpointVersion } from './checkpoint.js';
import { checkpointExists, readCheckpoint, readLastCheckpoint } from './checkpoint-read.js';
import { cleanTempFiles, LogState, logDir, readCommit } from './commit-log.js';
import { DeltaLogError, DeltaTableError, tableLabel } from './errors.js';

const COMMIT_NAME = /^(\d{20})\.json$/;

/** What the log directory holds: commit and checkpoint versions, ascending, and every name. */
async function listLog(tableDir: string): Promise<{ commits: number[]; checkpoints: number[]; names: string[] }> {
  let names: string[];
  try {
    names = await readdir(logDir(tableDir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { commits: [], checkpoints: [], names: [] };
    throw error;
  }
  const commits: number[] = [];
  const checkpoints: number[] = [];
  // A long log has one name per commit: test the cheap suffix before the pattern.
  for (const name of names) {
    if (name.endsWith('.json')) {
      const commit = COMMIT_NAME.exec(name);
      if (commit) commits.push(Number(commit[1]));
    } else if (name.endsWith('.parquet')) {
      const checkpoint = checkpointVersion(name);
      if (checkpoint !== undefined) checkpoints.push(checkpoint);
    }
  }
  const ascending = (a: number, b: number) => a - b;
  return { commits: commits.sort(ascending), checkpoints: checkpoints.sort(ascending), names };
}

/**
 * Replays the log into the table's newest state. `label` names the table in errors. Temporary
 * files older than `staleTempMs` (left by crashed writers) are removed on the way.
 */
export async function replayLog(
  tableDir: string,
  label = tableLabel(tableDir),
  staleTempMs = Number.POSITIVE_INFINITY,
): Promise<LogState> {
  const { commits, checkpoints, names } = await listLog(tableDir);
  if (staleTempMs !== Number.POSITIVE_INFINITY) await cleanTempFiles(tableDir, staleTempMs, names);
  if (commits.length === 0 && checkpoints.length === 0) {
    throw new DeltaTableError('NOT_A_TABLE', `no Delta log in table ${label}`);
  }
  const newest = Math.max(commits.at(-1) ?? -1, checkpoints.at(-1) ?? -1);
  const first = commits[0] ?? newest + 1;
  // The hint may name a checkpoint the listing missed (it is written last) — or one that is gone.
  const hint = await readLastCheckpoint(tableDir);
  if (hint && !checkpoints.includes(hint.version) && (await checkpointExists(tableDir, hint.version))) {
    checkpoints.push(hint.version);
    checkpoints.sort((a, b) => a - b);
  }

  // The newest checkpoint wins; an unreadable one is skipped if an older start still reaches it.
  let state: LogState | undefined;
  let failure: DeltaLogError | undefined;
  for (const version of [...checkpoints].reverse()) {
    if (version > newest) continue;
    const candidate = new LogState(label);
    try {
      await readCheckpoint(tableDir, version, candidate);
      state = candidate;
      break;
    } catch (error) {
      if (!(error instanceof DeltaLogError)) throw error;
      failure ??= error;
    }
  }
  if (state === undefined) {
    if (first !== 0) {
      if (failure) throw failure;
      const named =
        hint && !checkpoints.includes(hint.version)
          ? ` (_last_checkpoint names version ${hint.version}, whose checkpoint file is missing)`
          : '';
      throw new DeltaLogError(
        label,
        0,
        `the commit file is missing and no checkpoint replaces it; the log starts at version ${first}${named}`,
      );
    }
    state = new LogState(label);
  }

  // Every version after the start must be there.
  const have = new Set(commits);
  for (let version = state.version + 1; version <= newest; version++) {
    if (!have.has(version)) {
      throw new DeltaLogError(label, version, `the commit file is missing (the log goes up to version ${newest})`);
    }
    const actions = await readCommit(tableDir, version);
    if (actions === undefined)
      throw new DeltaLogError(label, version, 'the commit file disappeared while the log was read');
    state.apply(version, actions);
  }
  // Commits written meanwhile by another writer.
  await state.catchUp(tableDir);
  state.checkpoints.push(...checkpoints.filter((v) => v <= state.version));
  state.firstCommit = first;
  if (state.protocol === undefined || state.metaData === undefined) {
    throw new DeltaLogError(label, state.version, `the log has no ${state.protocol ? 'metaData' : 'protocol'} action`);
  }
  await assertFilesPresent(tableDir, state);
  return state;
}

/** Throws if a live data file of the state is not on disk (a reader would fail on it). */
async function assertFilesPresent(tableDir: string, state: LogState): Promise<void> {
  const paths = [...state.files.keys()].map((path) => decodeURIComponent(path));
  let missing: string | undefined;
  if (paths.length > 1000) {
    // Many live files: one listing beats a stat each (removed files stay, so it may be long).
    const present = new Set(await readdir(tableDir));
    for (const path of paths) {
      if (present.has(path)) continue;
      if (path.includes('/') && (await exists(join(tableDir, path)))) continue;
      missing = path;
      break;
    }
  } else {
    const found = await Promise.all(paths.map((path) => exists(join(tableDir, path))));
    missing = paths[found.indexOf(false)];
  }
  if (missing !== undefined) {
    throw new DeltaLogError(state.label, state.version, `data file '${missing}' of the table is missing`);
  }
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
