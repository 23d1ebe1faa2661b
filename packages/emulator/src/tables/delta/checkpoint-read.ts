/**
 * Reading checkpoints (see checkpoint.ts for what they hold): the `_last_checkpoint` hint, the
 * state a checkpoint holds, and, later and only when the next checkpoint needs them, its tombstones.
 */

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { checkpointFileName, LAST_CHECKPOINT, type LastCheckpoint } from './checkpoint.js';
import { type AddAction, type LogState, logDir } from './commit-log.js';
import { DeltaLogError } from './errors.js';
import type { MetaDataAction } from './protocol.js';

/** The `_last_checkpoint` hint, or undefined when there is none or it is unreadable (it is only a hint). */
export async function readLastCheckpoint(tableDir: string): Promise<LastCheckpoint | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(logDir(tableDir), LAST_CHECKPOINT), 'utf8')) as LastCheckpoint;
    return Number.isSafeInteger(parsed.version) && parsed.version >= 0 ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the checkpoint file of `version` exists. */
export async function checkpointExists(tableDir: string, version: number): Promise<boolean> {
  return stat(join(logDir(tableDir), checkpointFileName(version))).then(
    () => true,
    () => false,
  );
}

/**
 * Loads the checkpoint of `version` into `state` (a fresh one); throws DeltaLogError if it is
 * unusable. Its tombstones are left out (reading them is most of the cost of a checkpoint written
 * under a trickle, and only the next checkpoint needs them): `state.tombstonesFrom` says where
 * they are, for {@link readCheckpointTombstones}.
 */
export async function readCheckpoint(tableDir: string, version: number, state: LogState): Promise<void> {
  const fail = (reason: string, cause?: unknown): never => {
    throw new DeltaLogError(state.label, version, reason, { cause });
  };
  let rows: Record<string, unknown>[];
  try {
    const bytes = await readFile(join(logDir(tableDir), checkpointFileName(version)));
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    rows = await parquetReadObjects({ file, columns: ['add', 'metaData', 'protocol'] });
  } catch (cause) {
    return fail(`the checkpoint file cannot be read: ${(cause as Error).message}`, cause);
  }
  for (const row of rows) {
    const add = row.add as Record<string, unknown> | null | undefined;
    const metaData = row.metaData as Record<string, unknown> | null | undefined;
    const protocol = row.protocol as Record<string, unknown> | null | undefined;
    if (add) {
      if (typeof add.path !== 'string') fail('the checkpoint has an add action without a path');
      state.files.set(add.path as string, toAdd(add));
    } else if (metaData) {
      state.metaData = toMetaData(metaData);
    } else if (protocol) {
      state.protocol = {
        minReaderVersion: Number(protocol.minReaderVersion),
        minWriterVersion: Number(protocol.minWriterVersion),
        ...(Array.isArray(protocol.readerFeatures) && { readerFeatures: protocol.readerFeatures as string[] }),
        ...(Array.isArray(protocol.writerFeatures) && { writerFeatures: protocol.writerFeatures as string[] }),
      };
    }
  }
  if (state.protocol === undefined) fail('the checkpoint has no protocol action');
  if (state.metaData === undefined || typeof state.metaData.schemaString !== 'string') {
    fail('the checkpoint has no metaData action');
  }
  state.version = version;
  state.checkpointVersion = version;
  state.checkpointSize = rows.length;
  state.tombstonesFrom = version;
}

/**
 * Adds the tombstones of checkpoint `state.tombstonesFrom` to the state (those the commits since
 * then did not supersede). A checkpoint gone or unreadable by now costs only its tombstones.
 */
export async function readCheckpointTombstones(tableDir: string, state: LogState): Promise<void> {
  const version = state.tombstonesFrom;
  if (version === undefined) return;
  state.tombstonesFrom = undefined;
  let rows: Record<string, unknown>[];
  try {
    const bytes = await readFile(join(logDir(tableDir), checkpointFileName(version)));
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    rows = await parquetReadObjects({ file, columns: ['remove'] });
  } catch {
    return;
  }
  for (const row of rows) {
    const remove = row.remove as Record<string, unknown> | null | undefined;
    if (!remove || typeof remove.path !== 'string') continue;
    if (state.files.has(remove.path) || state.tombstones.has(remove.path)) continue;
    state.tombstones.set(remove.path, {
      path: remove.path,
      dataChange: false,
      ...(remove.deletionTimestamp != null && { deletionTimestamp: Number(remove.deletionTimestamp) }),
    });
  }
}

function toAdd(add: Record<string, unknown>): AddAction {
  return {
    path: add.path as string,
    partitionValues: (add.partitionValues ?? {}) as Record<string, string | null>,
    size: Number(add.size ?? 0),
    modificationTime: Number(add.modificationTime ?? 0),
    dataChange: false,
    ...(typeof add.stats === 'string' && { stats: add.stats }),
  };
}

function toMetaData(m: Record<string, unknown>): MetaDataAction {
  const format = (m.format ?? {}) as Record<string, unknown>;
  return {
    id: m.id as string,
    ...(typeof m.name === 'string' && { name: m.name }),
    ...(typeof m.description === 'string' && { description: m.description }),
    format: {
      provider: (format.provider as string | undefined) ?? 'parquet',
      options: (format.options ?? {}) as Record<string, string>,
    },
    schemaString: m.schemaString as string,
    partitionColumns: (m.partitionColumns ?? []) as string[],
    configuration: (m.configuration ?? {}) as Record<string, string>,
    ...(m.createdTime != null && { createdTime: Number(m.createdTime) }),
  };
}
