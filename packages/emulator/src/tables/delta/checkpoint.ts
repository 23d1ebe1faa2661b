/**
 * Delta checkpoints: `<version>.checkpoint.parquet`, the reconciled state of the table at a
 * version (protocol, metaData, live adds, unexpired remove tombstones; no commitInfo), and the
 * `_last_checkpoint` hint naming the newest one. A table opens from its newest checkpoint and
 * replays only the commits after it (log-replay.ts).
 *
 * The checkpoint is the classic single-file V1 layout of PROTOCOL.md ("Checkpoint Schema"): one
 * row per action, one nullable struct column per action type. Its Parquet schema is written with
 * the same mapping as data files (parquet-schema.ts): maps as standard MAP groups, INT64 longs,
 * `stats` as the JSON string. Both files are written durably and atomically (temporary file,
 * fsync, rename, fsync of the directory), so a reader sees a whole checkpoint or none.
 */

import { randomUUID } from 'node:crypto';
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeltaType, PrimitiveTypeName, StructField, TableSchema } from '@zerobus/sdk/schema';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { readCheckpointTombstones, readLastCheckpoint } from './checkpoint-read.js';
import { fsyncDir, type LogState, logDir, writeNewFileDurably } from './commit-log.js';
import { columnSources, parquetSchema } from './parquet-schema.js';
import type { MetaDataAction, ProtocolAction } from './protocol.js';

export const LAST_CHECKPOINT = '_last_checkpoint';
const CHECKPOINT_NAME = /^(\d{20})\.checkpoint\.parquet$/;
/** A checkpoint every this many commits (more for large states: see checkpointDue). */
export const CHECKPOINT_INTERVAL = 10;
/**
 * How long checkpoints keep tombstones of removed files, unless the table sets
 * `delta.deletedFileRetentionDuration`. Delta's default is a week, but compaction under a trickle
 * removes as many files as appends add (~50 a second at the default commit interval), and every
 * checkpoint would carry millions, each one encoded on the event loop. Tombstones only tell
 * VACUUM what it may delete; old versions are read from their commits, and the removed files
 * themselves stay on disk (this writer never deletes them).
 */
const DEFAULT_TOMBSTONE_RETENTION_MS = 60 * 1000;

/** `_last_checkpoint`: the newest checkpoint, a hint (readers still list newer commits). */
export interface LastCheckpoint {
  readonly version: number;
  /** Actions in the checkpoint. */
  readonly size: number;
  readonly sizeInBytes?: number;
  readonly numOfAddFiles?: number;
}

export function checkpointFileName(version: number): string {
  return `${String(version).padStart(20, '0')}.checkpoint.parquet`;
}

/** The version of a classic checkpoint's file name, or undefined for any other name. */
export function checkpointVersion(name: string): number | undefined {
  const match = CHECKPOINT_NAME.exec(name);
  return match ? Number(match[1]) : undefined;
}

const p = (name: PrimitiveTypeName): DeltaType => ({ kind: 'primitive', name });
const field = (name: string, type: DeltaType): StructField => ({ name, type, nullable: true });
const struct = (...fields: StructField[]): DeltaType => ({ kind: 'struct', fields });
const stringMap: DeltaType = { kind: 'map', keyType: p('string'), valueType: p('string'), valueContainsNull: true };
const stringArray: DeltaType = { kind: 'array', elementType: p('string'), containsNull: true };

/** The checkpoint's columns (PROTOCOL.md "Checkpoint Schema", without the optional parsed stats). */
export const CHECKPOINT_SCHEMA: TableSchema = {
  fields: [
    field('txn', struct(field('appId', p('string')), field('version', p('long')), field('lastUpdated', p('long')))),
    field(
      'add',
      struct(
        field('path', p('string')),
        field('partitionValues', stringMap),
        field('size', p('long')),
        field('modificationTime', p('long')),
        field('dataChange', p('boolean')),
        field('stats', p('string')),
        field('tags', stringMap),
      ),
    ),
    field(
      'remove',
      struct(
        field('path', p('string')),
        field('deletionTimestamp', p('long')),
        field('dataChange', p('boolean')),
        field('extendedFileMetadata', p('boolean')),
        field('partitionValues', stringMap),
        field('size', p('long')),
      ),
    ),
    field(
      'metaData',
      struct(
        field('id', p('string')),
        field('name', p('string')),
        field('description', p('string')),
        field('format', struct(field('provider', p('string')), field('options', stringMap))),
        field('schemaString', p('string')),
        field('partitionColumns', stringArray),
        field('configuration', stringMap),
        field('createdTime', p('long')),
      ),
    ),
    field(
      'protocol',
      struct(
        field('minReaderVersion', p('integer')),
        field('minWriterVersion', p('integer')),
        field('readerFeatures', stringArray),
        field('writerFeatures', stringArray),
      ),
    ),
  ],
};
const CHECKPOINT_PARQUET_SCHEMA = parquetSchema(CHECKPOINT_SCHEMA);

const mapOf = (record: Readonly<Record<string, string | null>> | undefined) => new Map(Object.entries(record ?? {}));
const long = (n: number | undefined) => (n === undefined ? null : BigInt(n));

/**
 * The checkpoint of `state` as Parquet bytes, with the `_last_checkpoint` content describing it.
 * Tombstones older than `tombstoneCutoff` (a time in ms) have expired and are left out.
 */
export function encodeCheckpoint(
  state: LogState,
  tombstoneCutoff: number,
): { bytes: Uint8Array; last: LastCheckpoint } {
  const protocol = state.protocol as ProtocolAction;
  const metaData = state.metaData as MetaDataAction;
  const rows: Record<string, unknown>[] = [
    {
      protocol: {
        minReaderVersion: protocol.minReaderVersion,
        minWriterVersion: protocol.minWriterVersion,
        readerFeatures: protocol.readerFeatures ? [...protocol.readerFeatures] : null,
        writerFeatures: protocol.writerFeatures ? [...protocol.writerFeatures] : null,
      },
    },
    {
      metaData: {
        id: metaData.id,
        name: metaData.name ?? null,
        description: metaData.description ?? null,
        format: { provider: metaData.format.provider, options: mapOf(metaData.format.options) },
        schemaString: metaData.schemaString,
        partitionColumns: [...metaData.partitionColumns],
        configuration: mapOf(metaData.configuration),
        createdTime: long(metaData.createdTime),
      },
    },
  ];
  for (const add of state.files.values()) {
    rows.push({
      add: {
        path: add.path,
        partitionValues: mapOf(add.partitionValues),
        size: BigInt(add.size),
        modificationTime: BigInt(add.modificationTime),
        // Every file of a checkpoint is "added" relative to the empty table.
        dataChange: false,
        stats: add.stats ?? null,
        tags: null,
      },
    });
  }
  const numOfAddFiles = state.files.size;
  for (const remove of state.tombstones.values()) {
    if ((remove.deletionTimestamp ?? 0) < tombstoneCutoff) continue;
    rows.push({
      remove: {
        path: remove.path,
        deletionTimestamp: long(remove.deletionTimestamp),
        dataChange: false,
        extendedFileMetadata: false,
        partitionValues: null,
        size: null,
      },
    });
  }
  const columns = CHECKPOINT_SCHEMA.fields.map((f) => rows.map((row) => row[f.name] ?? null));
  const bytes = parquetWriteBuffer({
    schema: CHECKPOINT_PARQUET_SCHEMA,
    columnData: columnSources(CHECKPOINT_SCHEMA, columns),
    codec: 'SNAPPY',
  });
  return {
    bytes: new Uint8Array(bytes),
    last: { version: state.version, size: rows.length, sizeInBytes: bytes.byteLength, numOfAddFiles },
  };
}

/**
 * Writes the checkpoint of `state` (whose version's commit must already exist), then points
 * `_last_checkpoint` at it unless that already names a newer one. Durable when it resolves.
 */
export async function writeCheckpoint(
  tableDir: string,
  state: LogState,
  tombstoneCutoff: number,
): Promise<LastCheckpoint> {
  const { bytes, last } = encodeCheckpoint(state, tombstoneCutoff);
  const dir = logDir(tableDir);
  await replaceDurably(dir, checkpointFileName(last.version), bytes);
  const previous = await readLastCheckpoint(tableDir);
  if (previous === undefined || previous.version < last.version) {
    await replaceDurably(dir, LAST_CHECKPOINT, JSON.stringify(last));
  }
  return last;
}

/** Writes `name` in `dir` atomically: temporary file, fsync, rename over, fsync of the directory. */
async function replaceDurably(dir: string, name: string, bytes: Uint8Array | string): Promise<void> {
  const temp = join(dir, `.${name}.${randomUUID()}.tmp`);
  try {
    await writeNewFileDurably(temp, bytes);
    await rename(temp, join(dir, name));
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  await fsyncDir(dir);
}

/** Due every CHECKPOINT_INTERVAL commits, or every 1% of the last checkpoint's actions if more. */
export function checkpointDue(state: LogState): boolean {
  const interval = Math.max(CHECKPOINT_INTERVAL, Math.floor(state.checkpointSize / 100));
  return state.version - Math.max(state.checkpointVersion, 0) >= interval;
}

/**
 * Writes the checkpoint of the state's current version, with the tombstones of the checkpoint it
 * was opened from. The state is encoded synchronously, so the checkpoint holds one version.
 */
export async function checkpointTable(tableDir: string, state: LogState): Promise<void> {
  await readCheckpointTombstones(tableDir, state);
  const version = state.version;
  const retention = retentionMs(state.metaData?.configuration['delta.deletedFileRetentionDuration']);
  const cutoff = Date.now() - retention;
  for (const [path, remove] of state.tombstones) {
    if ((remove.deletionTimestamp ?? 0) < cutoff) state.tombstones.delete(path); // expired for good
  }
  const last = await writeCheckpoint(tableDir, state, cutoff);
  if (version > state.checkpointVersion) {
    state.checkpointVersion = version;
    state.checkpointSize = last.size;
  }
  if (!state.checkpoints.includes(version)) state.checkpoints.push(version);
  state.checkpoints.sort((a, b) => a - b);
  await removeOldCheckpoints(tableDir, state);
}

/**
 * Deletes checkpoints no reader needs, or the log would gain one file per 10 commits forever:
 * the newest two stay (a reader may have listed the previous newest just before), and so does
 * the one the log starts from if older commits were cleaned up. Every JSON commit stays, so any
 * version can still be rebuilt.
 */
async function removeOldCheckpoints(tableDir: string, state: LogState): Promise<void> {
  const keep = new Set(state.checkpoints.slice(-2));
  if (state.firstCommit > 0) {
    const base = state.checkpoints.filter((v) => v < state.firstCommit).at(-1);
    if (base !== undefined) keep.add(base);
  }
  const remove = state.checkpoints.filter((v) => !keep.has(v));
  for (const version of remove) {
    await unlink(join(logDir(tableDir), checkpointFileName(version))).catch(() => {});
  }
  state.checkpoints.splice(0, state.checkpoints.length, ...state.checkpoints.filter((v) => keep.has(v)));
}

/** `delta.deletedFileRetentionDuration` ("interval 1 hours", "interval 7 days") in ms. */
function retentionMs(setting: string | undefined): number {
  const match = /^\s*interval\s+(\d+)\s+(second|minute|hour|day|week)s?\s*$/i.exec(setting ?? '');
  if (!match) return DEFAULT_TOMBSTONE_RETENTION_MS;
  const unit = { second: 1e3, minute: 60e3, hour: 3600e3, day: 86400e3, week: 604800e3 }[
    (match[2] as string).toLowerCase() as 'second'
  ];
  return Number(match[1]) * unit;
}
