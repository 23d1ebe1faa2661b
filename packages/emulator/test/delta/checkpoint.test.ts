/**
 * Checkpoints: written every 10 commits in the background, readable by DuckDB, used to open the
 * table (also after older commits were cleaned up); a failed checkpoint write never fails an
 * append; and a damaged log is refused with a DeltaLogError naming table, version and reason.
 */

import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { schemaFromUcColumns } from '@zerobus/sdk/schema';
import { query, readDeltaLog, readDeltaTable } from '../../../../test/support/delta-reader.js';
import { DeltaTable } from '../../src/tables/delta/delta-table.js';
import { DeltaLogError } from '../../src/tables/delta/errors.js';
import { toBatch, withTempDir } from './support.js';

const schema = schemaFromUcColumns([
  { name: 'id', type_text: 'bigint', nullable: false, position: 0 },
  { name: 'note', type_text: 'string', nullable: true, position: 1 },
]);
const batch = (ids: readonly number[]) =>
  toBatch(
    schema,
    ids.map((id) => ({ id: BigInt(id), note: `row ${id}` })),
  );
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const name = (version: number, suffix: string) => `${String(version).padStart(20, '0')}${suffix}`;

async function readIds(dir: string): Promise<number[]> {
  const { rows } = await readDeltaTable(dir, { orderBy: 'id' });
  return rows.map((r) => Number(r.id));
}

/** A table in `<parent>/main/logs/t` (so errors name it main.logs.t) with `appends` one-row commits. */
async function tableWith(parent: string, appends: number) {
  const dir = join(parent, 'main', 'logs', 't');
  const table = await DeltaTable.create(dir, schema);
  for (let k = 0; k < appends; k++) {
    await table.append(batch([k]));
    // A checkpoint is of the version current when it runs, in the background: on a loaded
    // machine the next append could commit first (version 41 instead of 40). Waiting for the
    // upkeep after each append puts every checkpoint at its interval.
    await table.settle();
  }
  return { dir, table, log: join(dir, '_delta_log') };
}

describe('Delta checkpoints', () => {
  it('writes a checkpoint every 10 commits, with _last_checkpoint, that DuckDB reads', async () => {
    await withTempDir(async (parent) => {
      const { dir, log } = await tableWith(parent, 25);
      const names = await readdir(log);
      assert.deepEqual(names.filter((n) => n.includes('checkpoint')).sort(), [
        name(10, '.checkpoint.parquet'),
        name(20, '.checkpoint.parquet'),
        '_last_checkpoint',
      ]);
      const last = JSON.parse(await readFile(join(log, '_last_checkpoint'), 'utf8'));
      const checkpoint = join(log, name(20, '.checkpoint.parquet'));
      const { size } = await import('node:fs/promises').then((fs) => fs.stat(checkpoint));
      // protocol + metaData + 20 adds; no commitInfo.
      assert.deepEqual(last, { version: 20, size: 22, sizeInBytes: size, numOfAddFiles: 20 });

      const types = await query(`DESCRIBE SELECT add, remove, metaData, protocol FROM read_parquet('${checkpoint}')`);
      const typeOf = (column: string) => String(types.find((t) => t.column_name === column)?.column_type);
      assert.match(typeOf('add'), /partitionValues MAP\(VARCHAR, VARCHAR\), size BIGINT, modificationTime BIGINT/);
      assert.match(typeOf('add'), /stats VARCHAR/);
      assert.match(typeOf('metaData'), /"configuration" MAP\(VARCHAR, VARCHAR\), createdTime BIGINT/);
      assert.match(typeOf('protocol'), /minReaderVersion INTEGER, minWriterVersion INTEGER/);
      const counts = await query(
        `SELECT count(add) AS adds, count(metaData) AS metas, count(protocol) AS protocols FROM read_parquet('${checkpoint}')`,
      );
      assert.deepEqual(counts, [{ adds: 20n, metas: 1n, protocols: 1n }]);
      // readDeltaTable starts from the checkpoint and checks it against the full JSON replay.
      assert.deepEqual(await readIds(dir), range(0, 25));
    });
  });

  it('opens from the checkpoint after older commits are cleaned up, and goes on appending', async () => {
    await withTempDir(async (parent) => {
      const { dir, table, log } = await tableWith(parent, 23);
      const files = await table.liveFiles();
      for (let v = 0; v <= 20; v++) await unlink(join(log, name(v, '.json')));
      const reopened = await DeltaTable.open(dir);
      assert.equal(reopened.version, 23);
      assert.deepEqual((await reopened.liveFiles()).sort(), [...files].sort());
      assert.deepEqual(reopened.schema, schema);
      assert.equal((await reopened.append(batch([23]))).version, 24);
      assert.deepEqual(await readIds(dir), range(0, 24));

      // Old checkpoints go, but not the newest two, nor the one the log now starts from.
      for (let k = 24; k < 45; k++) await reopened.append(batch([k]));
      await reopened.settle();
      const checkpoints = (await readdir(log)).filter((n) => n.endsWith('.checkpoint.parquet')).sort();
      assert.deepEqual(
        checkpoints,
        [20, 30, 40].map((v) => name(v, '.checkpoint.parquet')),
      );
      assert.equal((await DeltaTable.open(dir)).version, reopened.version); // 45, + 1 if it compacted
      assert.deepEqual(await readIds(dir), range(0, 45));
    });
  });

  it('keeps only the newest two checkpoints of a complete log', async () => {
    await withTempDir(async (parent) => {
      const { dir, log } = await tableWith(parent, 52);
      const checkpoints = (await readdir(log)).filter((n) => n.endsWith('.checkpoint.parquet')).sort();
      assert.deepEqual(
        checkpoints,
        [40, 50].map((v) => name(v, '.checkpoint.parquet')),
      );
      assert.deepEqual(await readIds(dir), range(0, 52));
    });
  });

  it('retries a failed checkpoint later and never fails an append for it', async () => {
    await withTempDir(async (parent) => {
      const dir = join(parent, 'main', 'logs', 't');
      const failures: string[] = [];
      const table = await DeltaTable.create(dir, schema, {
        onMaintenanceError: (error, task) => failures.push(`${task}: ${error.message}`),
      });
      // A directory where the checkpoint of version 10 goes: its rename fails (EISDIR/ENOTEMPTY).
      const blocker = join(dir, '_delta_log', name(10, '.checkpoint.parquet'));
      await mkdir(join(blocker, 'x'), { recursive: true });
      for (let k = 0; k < 12; k++) assert.equal((await table.append(batch([k]))).version, k + 1);
      await table.settle();
      assert.equal(failures.length, 1);
      assert.match(failures[0] as string, /^checkpoint: /);
      await rm(blocker, { recursive: true });
      // Retried after 10 more commits.
      for (let k = 12; k < 22; k++) await table.append(batch([k]));
      await table.settle();
      const last = JSON.parse(await readFile(join(dir, '_delta_log', '_last_checkpoint'), 'utf8'));
      assert.ok(last.version >= 20, `checkpoint at ${last.version}`);
      assert.equal(failures.length, 1);
      assert.deepEqual(await readIds(dir), range(0, 22));
    });
  });
});

describe('damaged Delta logs', () => {
  async function openError(dir: string): Promise<DeltaLogError> {
    const error = await DeltaTable.open(dir).then(
      () => assert.fail('the table opened'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof DeltaLogError, String(error));
    assert.equal(error.code, 'CORRUPT_LOG');
    assert.equal(error.table, 'main.logs.t');
    assert.ok(!error.message.includes(dir), `no server path in: ${error.message}`);
    assert.equal(error.message, `Delta table main.logs.t, version ${error.version}: ${error.reason}`);
    return error;
  }

  it('names a missing version', async () => {
    await withTempDir(async (parent) => {
      const { dir, log } = await tableWith(parent, 14);
      await unlink(join(log, name(12, '.json')));
      const error = await openError(dir);
      assert.equal(error.version, 12);
      assert.match(error.reason, /commit file is missing/);
    });
  });

  it('names an unparseable commit', async () => {
    await withTempDir(async (parent) => {
      const { dir, log } = await tableWith(parent, 13);
      await writeFile(join(log, name(13, '.json')), '{"add": {"path": "x"');
      const error = await openError(dir);
      assert.equal(error.version, 13);
      assert.match(error.reason, /line 1 of the commit file is not JSON/);
    });
  });

  it('names a checkpoint whose data files are missing', async () => {
    await withTempDir(async (parent) => {
      const { dir, table, log } = await tableWith(parent, 10);
      for (let v = 0; v < 10; v++) await unlink(join(log, name(v, '.json')));
      const [first] = await table.liveFiles();
      await unlink(join(dir, first as string));
      const error = await openError(dir);
      assert.equal(error.version, 10);
      assert.match(error.reason, /data file 'part-.*\.parquet' of the table is missing/);
    });
  });

  it('names a checkpoint that is unreadable or gone when the commits before it are gone', async () => {
    await withTempDir(async (parent) => {
      const { dir, log } = await tableWith(parent, 11);
      for (let v = 0; v < 10; v++) await unlink(join(log, name(v, '.json')));
      await writeFile(join(log, name(10, '.checkpoint.parquet')), 'not parquet');
      let error = await openError(dir);
      assert.equal(error.version, 10);
      assert.match(error.reason, /checkpoint file cannot be read/);
      await unlink(join(log, name(10, '.checkpoint.parquet')));
      error = await openError(dir);
      assert.equal(error.version, 0);
      assert.match(error.reason, /_last_checkpoint names version 10, whose checkpoint file is missing/);
    });
  });

  it('opens a log whose _last_checkpoint is stale or garbage (it is only a hint)', async () => {
    await withTempDir(async (parent) => {
      const { dir, log } = await tableWith(parent, 21);
      await writeFile(join(log, '_last_checkpoint'), '{"version": 10, "size": 12}');
      assert.equal((await DeltaTable.open(dir)).version, 21);
      await writeFile(join(log, '_last_checkpoint'), 'garbage');
      assert.equal((await DeltaTable.open(dir)).version, 21);
      assert.equal(readDeltaLog(dir).version, 21);
    });
  });
});
