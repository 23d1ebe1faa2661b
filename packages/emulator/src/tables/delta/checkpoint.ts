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
import { readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeltaType, PrimitiveTypeName, StructField, TableSchema } from '@zerobus/sdk/schema';
import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { type AddAction, fsyncDir, type LogState, logDir, writeNewFileDurably } from './commit-log.js';
import { DeltaLogError } from './errors.js';
import { columnSources, parquetSchema } from './parquet-schema.js';
import type { MetaDataAction, ProtocolAction } from './protocol.js';

export const LAST_CHECKPOINT = '_last_checkpoint';
const CHECKPOINT_NAME = /^(\d{20})\.checkpoint\.parquet$/;

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
