/**
 * DeltaTable's life: create, append, reopen, concurrent writers (instances and processes), and
 * what a crash can leave behind (a temporary commit file, a data file without a commit).
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { schemaFromUcColumns, toDeltaSchemaJson } from '@zerobus/sdk/schema';
import { readDeltaLog, readDeltaTable } from '../../../../test/support/delta-reader.js';
import { DeltaTable } from '../../src/tables/delta/delta-table.js';
import { DeltaTableError } from '../../src/tables/delta/errors.js';
import { toBatch, withTempDir } from './support.js';

const run = promisify(execFile);

const schema = schemaFromUcColumns([
  { name: 'id', type_text: 'bigint', nullable: false, position: 0 },
  { name: 'note', type_text: 'string', nullable: true, position: 1 },
]);

function batch(ids: readonly number[]) {
  return toBatch(
    schema,
    ids.map((id) => ({ id: BigInt(id), note: `row ${id}` })),
  );
}

/** Ids 0..n-1 read back through DuckDB, sorted. */
async function readIds(dir: string): Promise<number[]> {
  const { rows } = await readDeltaTable(dir, { orderBy: 'id' });
  return rows.map((r) => Number(r.id));
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

function isDeltaError(code: string) {
  return (error: unknown) => error instanceof DeltaTableError && error.code === code;
}

describe('DeltaTable', () => {
  it('creates a table at version 0 with protocol, metaData and commitInfo, durable on disk', async () => {
    await withTempDir(async (parent) => {
      const dir = join(parent, 'a', 'b', 'table'); // mkdir -p
      assert.equal(await DeltaTable.exists(dir), false);
      const table = await DeltaTable.create(dir, schema, { name: 'main.default.t', description: 'a table' });
      assert.equal(table.version, 0);
      assert.equal(table.dir, dir);
      assert.deepEqual(table.schema, schema);
      assert.deepEqual(await table.liveFiles(), []);
      assert.equal(await DeltaTable.exists(dir), true);

      const log = readDeltaLog(dir);
      assert.equal(log.version, 0);
      assert.deepEqual(Object.keys(log.commits[0]?.[0] ?? {}), ['commitInfo']);
      assert.deepEqual(log.protocol, { minReaderVersion: 1, minWriterVersion: 2 });
      const meta = log.metaData;
      assert.equal(meta.schemaString, toDeltaSchemaJson(schema));
      assert.equal(meta.name, 'main.default.t');
      assert.equal(meta.description, 'a table');
      assert.deepEqual(meta.format, { provider: 'parquet', options: {} });
      assert.deepEqual(meta.partitionColumns, []);
      assert.match(String(meta.id), /^[0-9a-f-]{36}$/);
      assert.equal(typeof meta.createdTime, 'number');
    });
  });

  it('refuses to create a table where one exists, and to open a directory without one', async () => {
    await withTempDir(async (dir) => {
      await assert.rejects(DeltaTable.open(dir), isDeltaError('NOT_A_TABLE'));
      await assert.rejects(DeltaTable.create(dir, { fields: [] }), /needs at least one column/);
      await DeltaTable.create(dir, schema);
      await assert.rejects(DeltaTable.create(dir, schema), isDeltaError('TABLE_EXISTS'));
      assert.equal(readDeltaLog(dir).version, 0);
    });
  });

  it('uses reader 3 / writer 7 only for timestamp_ntz, naming invariants for NOT NULL fields', async () => {
    await withTempDir(async (dir) => {
      const ntz = schemaFromUcColumns([
        { name: 'id', type_text: 'int', nullable: false },
        { name: 's', type_text: 'struct<t:timestamp_ntz>', nullable: true },
      ]);
      await DeltaTable.create(join(dir, 'with-not-null'), ntz);
      assert.deepEqual(readDeltaLog(join(dir, 'with-not-null')).protocol, {
        minReaderVersion: 3,
        minWriterVersion: 7,
        readerFeatures: ['timestampNtz'],
        writerFeatures: ['timestampNtz', 'invariants'],
      });
      const nullable = schemaFromUcColumns([{ name: 't', type_text: 'array<timestamp_ntz>', nullable: true }]);
      await DeltaTable.create(join(dir, 'nullable'), nullable);
      assert.deepEqual(readDeltaLog(join(dir, 'nullable')).protocol.writerFeatures, ['timestampNtz']);
    });
  });

  it('appends one file and one commit per batch, and reopens with the same state', async () => {
    await withTempDir(async (dir) => {
      const table = await DeltaTable.create(dir, schema);
      const first = await table.append(batch(range(0, 3)));
      const second = await table.append(batch(range(3, 2)));
      assert.deepEqual([first.version, second.version], [1, 2]);
      assert.deepEqual([first.rows, second.rows], [3, 2]);
      assert.equal(table.version, 2);
      assert.deepEqual(await table.liveFiles(), [first.file, second.file]);
      assert.deepEqual(await readIds(dir), range(0, 5));

      const log = readDeltaLog(dir);
      assert.deepEqual(
        log.files.map((f) => [f.path, f.size, f.dataChange, f.stats?.numRecords]),
        [
          [first.file, first.bytes, true, 3],
          [second.file, second.bytes, true, 2],
        ],
      );
      for (const commit of log.commits.slice(1)) {
        assert.deepEqual(
          commit.map((a) => Object.keys(a)[0]),
          ['commitInfo', 'add'],
        );
      }
      const stats = log.files[1]?.stats;
      assert.deepEqual(stats?.minValues, { id: 3, note: 'row 3' });
      assert.deepEqual(stats?.maxValues, { id: 4, note: 'row 4' });

      const reopened = await DeltaTable.open(dir);
      assert.equal(reopened.version, 2);
      assert.deepEqual(reopened.schema, table.schema);
      assert.deepEqual(await reopened.liveFiles(), await table.liveFiles());
      assert.equal((await reopened.append(batch([5]))).version, 3);
      assert.deepEqual(await readIds(dir), range(0, 6));
    });
  });

  it('writes nothing for an empty batch', async () => {
    await withTempDir(async (dir) => {
      const table = await DeltaTable.create(dir, schema);
      assert.deepEqual(await table.append(batch([])), { version: 0, file: '', bytes: 0, rows: 0 });
      assert.equal(readDeltaLog(dir).version, 0);
      assert.deepEqual(
        (await readdir(dir)).filter((f) => f.endsWith('.parquet')),
        [],
      );
    });
  });

  it('rejects a batch whose shape does not fit the schema, writing nothing', async () => {
    await withTempDir(async (dir) => {
      const table = await DeltaTable.create(dir, schema);
      await assert.rejects(table.append({ rowCount: 1, columns: [[1n]] }), isDeltaError('INVALID_BATCH'));
      await assert.rejects(table.append({ rowCount: 2, columns: [[1n], ['a']] }), /column 'id' has 1 values/);
      await assert.rejects(table.append({ rowCount: 1, columns: [[null], ['a']] }), isDeltaError('INVALID_BATCH'));
      assert.equal(readDeltaLog(dir).version, 0);
      assert.deepEqual((await readdir(dir)).sort(), ['_delta_log']);
      // The queue goes on after a failure.
      assert.equal((await table.append(batch([1]))).version, 1);
    });
  });

  it('serializes concurrent appends on one instance', async () => {
    await withTempDir(async (dir) => {
      const table = await DeltaTable.create(dir, schema);
      const results = await Promise.all(range(0, 20).map((k) => table.append(batch([k]))));
      assert.deepEqual(
        results.map((r) => r.version),
        range(1, 20),
      );
      assert.deepEqual(await readIds(dir), range(0, 20));
    });
  });

  it('loses no commit and duplicates none with two instances appending to one directory', async () => {
    await withTempDir(async (dir) => {
      // Exact version counts: no background upkeep (its commits are tested in maintenance.test.ts).
      const a = await DeltaTable.create(dir, schema, { maintenance: false });
      const b = await DeltaTable.open(dir, { maintenance: false });
      const appends: Promise<{ version: number }>[] = [];
      for (let k = 0; k < 25; k++) {
        appends.push(a.append(batch(range(k * 10, 10))));
        appends.push(b.append(batch(range(1000 + k * 10, 10))));
      }
      const versions = (await Promise.all(appends)).map((r) => r.version).sort((x, y) => x - y);
      assert.deepEqual(versions, range(1, 50));
      const log = readDeltaLog(dir);
      assert.equal(log.version, 50);
      assert.equal(log.files.length, 50);
      for (const commit of log.commits.slice(1)) assert.equal(commit.filter((x) => 'add' in x).length, 1);
      assert.deepEqual(await readIds(dir), [...range(0, 250), ...range(1000, 250)]);
      // Each instance catches up with the other's commits.
      assert.deepEqual((await a.liveFiles()).sort(), (await b.liveFiles()).sort());
      assert.equal(a.version, 50);
      assert.equal(b.version, 50);
      const leftovers = (await readdir(join(dir, '_delta_log'))).filter((f) => f.endsWith('.tmp'));
      assert.deepEqual(leftovers, []);
    });
  });

  it('loses no commit with other processes appending at the same time', { timeout: 120_000 }, async () => {
    await withTempDir(async (dir) => {
      const table = await DeltaTable.create(dir, schema, { maintenance: false });
      const worker = fileURLToPath(new URL('./append-worker.ts', import.meta.url));
      const spawnWorker = (first: number) =>
        run(process.execPath, [
          '--conditions=@zerobus/source',
          '--import',
          'tsx',
          worker,
          dir,
          String(first),
          '15',
          '20',
        ]);
      const local = (async () => {
        for (let k = 0; k < 15; k++) await table.append(batch(range(20_000 + k * 20, 20)));
      })();
      const [p1, p2] = await Promise.all([spawnWorker(0), spawnWorker(10_000), local]);
      assert.equal(p1.stdout.trim(), 'done');
      assert.equal(p2.stdout.trim(), 'done');
      const log = readDeltaLog(dir);
      assert.equal(log.version, 45);
      assert.equal(log.files.length, 45);
      assert.deepEqual(await readIds(dir), [...range(0, 300), ...range(10_000, 300), ...range(20_000, 300)]);
    });
  });

  it('ignores a leftover temporary commit and cleans it when the table is opened', async () => {
    await withTempDir(async (dir) => {
      const table = await DeltaTable.create(dir, schema);
      const one = await table.append(batch([1]));
      const logDir = join(dir, '_delta_log');
      // A crashed writer's commit 2: written, never linked. Its add names a file that exists.
      const { file } = await table.append(batch([2]));
      const committed = await readFile(join(logDir, '00000000000000000002.json'), 'utf8');
      const stale = join(logDir, `.00000000000000000003.json.${randomUUID()}.tmp`);
      await writeFile(stale, committed);
      const old = new Date(Date.now() - 10 * 60_000);
      await utimes(stale, old, old);
      // A fresh one may be another writer's commit in flight: it must survive the clean-up.
      const fresh = join(logDir, `.00000000000000000003.json.${randomUUID()}.tmp`);
      await writeFile(fresh, committed);

      assert.equal(readDeltaLog(dir).version, 2);
      const reopened = await DeltaTable.open(dir);
      assert.equal(reopened.version, 2);
      const names = await readdir(logDir);
      assert.ok(!names.includes(stale.slice(logDir.length + 1)), 'the stale temporary file is removed');
      assert.ok(names.includes(fresh.slice(logDir.length + 1)), 'a fresh temporary file is kept');
      assert.deepEqual(await reopened.liveFiles(), [one.file, file]);
      assert.equal((await reopened.append(batch([3]))).version, 3);
      assert.deepEqual(await readIds(dir), [1, 2, 3]);
    });
  });

  it('stays readable without a data file whose commit never happened (crash in between)', async () => {
    await withTempDir(async (dir) => {
      const table = await DeltaTable.create(dir, schema);
      const { file } = await table.append(batch([1, 2]));
      // The crash: a complete data file on disk, no commit naming it.
      const orphan = `part-00000-${randomUUID()}-c000.snappy.parquet`;
      await copyFile(join(dir, file), join(dir, orphan));

      const reopened = await DeltaTable.open(dir);
      assert.equal(reopened.version, 1);
      assert.deepEqual(await reopened.liveFiles(), [file]);
      assert.deepEqual(await readIds(dir), [1, 2]);
      await reopened.append(batch([3]));
      assert.deepEqual(await readIds(dir), [1, 2, 3]);
      assert.ok(!(await reopened.liveFiles()).includes(orphan));
    });
  });

  it('fails an append when another writer changed the schema meanwhile, and removes its file', async () => {
    await withTempDir(async (dir) => {
      const table = await DeltaTable.create(dir, schema);
      const commit0 = (await readFile(join(dir, '_delta_log', '00000000000000000000.json'), 'utf8')).split('\n');
      const metaData = commit0.find((line) => line.startsWith('{"metaData"')) as string;
      await writeFile(join(dir, '_delta_log', '00000000000000000001.json'), metaData);
      await assert.rejects(table.append(batch([1])), isDeltaError('CONFLICT'));
      assert.deepEqual(
        (await readdir(dir)).filter((f) => f.endsWith('.parquet')),
        [],
      );
    });
  });

  it('refuses logs it cannot replay and protocols it does not implement', async () => {
    await withTempDir(async (dir) => {
      await DeltaTable.create(dir, schema);
      const logDir = join(dir, '_delta_log');
      await writeFile(join(logDir, '00000000000000000002.json'), '{"commitInfo":{}}');
      await assert.rejects(DeltaTable.open(dir), isDeltaError('CORRUPT_LOG'));
      await writeFile(
        join(logDir, '00000000000000000001.json'),
        JSON.stringify({
          protocol: {
            minReaderVersion: 3,
            minWriterVersion: 7,
            readerFeatures: ['deletionVectors'],
            writerFeatures: ['deletionVectors'],
          },
        }),
      );
      await assert.rejects(DeltaTable.open(dir), /reader feature 'deletionVectors'/);
    });
  });
});
