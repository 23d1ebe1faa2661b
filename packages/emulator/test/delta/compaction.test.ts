/**
 * Background compaction of small files: exact rows (every type) before and after, a bounded live
 * file count for a trickle, acknowledgements flowing while it runs, and no lost or duplicated
 * rows with other processes appending and compacting the same table.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { schemaFromUcColumns } from '@zerobus/sdk/schema';
import { query, readDeltaLog, readDeltaTable } from '../../../../test/support/delta-reader.js';
import { DeltaTable } from '../../src/tables/delta/delta-table.js';
import { checkStats, randomValue, seeded, toBatch, withTempDir } from './support.js';

const run = promisify(execFile);

const rich = schemaFromUcColumns([
  { name: 'id', type_text: 'int', nullable: false },
  { name: 'b', type_text: 'tinyint', nullable: true },
  { name: 'l', type_text: 'bigint', nullable: true },
  { name: 'f', type_text: 'float', nullable: true },
  { name: 'd', type_text: 'double', nullable: true },
  { name: 'bool', type_text: 'boolean', nullable: true },
  { name: 'str', type_text: 'string', nullable: true },
  { name: 'bin', type_text: 'binary', nullable: true },
  { name: 'dt', type_text: 'date', nullable: true },
  { name: 'ts', type_text: 'timestamp', nullable: true },
  { name: 'ntz', type_text: 'timestamp_ntz', nullable: true },
  { name: 'v', type_text: 'variant', nullable: true },
  { name: 'dec', type_text: 'decimal(38,10)', nullable: true },
  { name: 'dec9', type_text: 'decimal(9,2)', nullable: true },
  { name: 'dec18', type_text: 'decimal(18,4)', nullable: true },
  { name: 'nested_arr', type_text: 'array<array<bigint>>', nullable: true },
  { name: 'm', type_text: 'map<string,bigint>', nullable: true },
  { name: 'm_int', type_text: 'map<int,struct<x:double,y:string>>', nullable: true },
  { name: 'm_ts', type_text: 'map<timestamp,decimal(10,2)>', nullable: true },
  { name: 'st', type_text: 'struct<a:int,inner:struct<d:date,e:array<decimal(38,10)>>,v:variant>', nullable: true },
]);

function richRows(count: number, firstId: number, rand: () => number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, k) => {
    const row: Record<string, unknown> = {};
    for (const field of rich.fields) {
      // Variants are stored as their JSON text.
      row[field.name] =
        field.name === 'v' ? JSON.stringify({ k: rand() }) : randomValue(field.type, field.nullable, rand);
    }
    row.id = firstId + k;
    if (row.st && typeof row.st === 'object') (row.st as Record<string, unknown>).v = '[1,"x"]';
    return row;
  });
}

const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('Delta compaction', () => {
  it('merges small files into one whose rows DuckDB reads back exactly, keeping the old files', async () => {
    await withTempDir(async (dir) => {
      const rand = seeded(15);
      const writer = await DeltaTable.create(dir, rich, { maintenance: false });
      const written: Record<string, unknown>[] = [];
      for (let k = 0; k < 40; k++) {
        const rows = richRows(3, k * 3, rand);
        written.push(...rows);
        await writer.append(toBatch(rich, rows));
      }
      const before = await readDeltaTable(dir, { orderBy: 'id' });
      const oldFiles = before.snapshot.files.map((f) => f.path);

      const table = await DeltaTable.open(dir);
      await table.maintain();
      const after = await readDeltaTable(dir, { orderBy: 'id' });
      assert.equal(after.snapshot.files.length, 1); // 40 files of one tier, under the 64 a merge takes
      assert.deepEqual(after.rows, before.rows);
      assert.deepEqual(after.columns, before.columns);

      const commit = readDeltaLog(dir).commits.at(-1) as Record<string, Record<string, unknown>>[];
      const removes = commit.filter((a) => a.remove).map((a) => a.remove as Record<string, unknown>);
      const adds = commit.filter((a) => a.add).map((a) => a.add as Record<string, unknown>);
      assert.deepEqual(
        removes.map((r) => r.path),
        oldFiles,
      );
      assert.ok(removes.every((r) => r.dataChange === false && typeof r.deletionTimestamp === 'number'));
      assert.equal(adds.length, 1);
      assert.equal(adds[0]?.dataChange, false);
      const merged = after.snapshot.files.find((f) => f.path === adds[0]?.path);
      checkStats(rich, written, merged?.stats as never);
      // Readers of older versions still find every file.
      for (const path of oldFiles) assert.ok(await exists(join(dir, path)), `${path} stays on disk`);

      // The next checkpoint carries the tombstones, also when written by an instance opened after them.
      const reopened = await DeltaTable.open(dir);
      for (let k = 0; k < 10; k++) await reopened.append(toBatch(rich, richRows(1, 1000 + k, rand)));
      await reopened.settle();
      const last = JSON.parse(await readFile(join(dir, '_delta_log', '_last_checkpoint'), 'utf8'));
      assert.equal(last.version, 50); // it opened from checkpoint 40 (before the compaction at 41)
      const checkpoint = join(dir, '_delta_log', `${String(last.version).padStart(20, '0')}.checkpoint.parquet`);
      const [counts] = await query(
        `SELECT count(remove) AS removes, count(add) AS adds FROM read_parquet('${checkpoint}')`,
      );
      assert.deepEqual(counts, { removes: 40n, adds: 10n });
    });
  });

  it('keeps the live file count bounded under a trickle of one-row commits', async () => {
    await withTempDir(async (dir) => {
      const schema = schemaFromUcColumns([{ name: 'id', type_text: 'bigint', nullable: false }]);
      const table = await DeltaTable.create(dir, schema);
      const commits = 300;
      let most = 0;
      for (let k = 0; k < commits; k++) {
        await table.append(toBatch(schema, [{ id: BigInt(k) }]));
        if (k % 50 === 49) {
          await table.settle();
          most = Math.max(most, (await table.liveFiles()).length);
        }
      }
      await table.maintain();
      const live = (await table.liveFiles()).length;
      // Merges of 32+ one-row files leave a few 32–64-row files and fewer than 32 new ones.
      assert.ok(live <= 32, `${live} live files`);
      assert.ok(most <= 64, `at most ${most} live files along the way`);
      const { rows } = await readDeltaTable(dir, { orderBy: 'id' });
      assert.deepEqual(
        rows.map((r) => Number(r.id)),
        ids(commits),
      );
    });
  });

  it('lets appends commit and acknowledge while it runs', async () => {
    await withTempDir(async (dir) => {
      const schema = schemaFromUcColumns([
        { name: 'id', type_text: 'bigint', nullable: false },
        { name: 'note', type_text: 'string', nullable: true },
      ]);
      const rowsOf = (from: number, n: number) =>
        toBatch(
          schema,
          ids(n, from).map((id) => ({ id: BigInt(id), note: `note ${id}` })),
        );
      const writer = await DeltaTable.create(dir, schema, { maintenance: false });
      for (let k = 0; k < 40; k++) await writer.append(rowsOf(k * 1500, 1500));
      const table = await DeltaTable.open(dir);
      let done = false;
      const compaction = table.maintain().then(() => {
        done = true;
      });
      const during: number[] = [];
      for (let k = 0; !done && k < 1000; k++) {
        const { version } = await table.append(rowsOf(100_000 + k, 1));
        if (!done) during.push(version);
      }
      await compaction;
      assert.ok(during.length >= 2, `${during.length} appends acknowledged during the compaction`);
      const log = readDeltaLog(dir);
      const compactedAt = log.commits.findIndex((c) => c.some((a) => 'remove' in a));
      assert.ok(compactedAt > (during[0] as number), 'appends committed before the compaction did');
      const { rows } = await readDeltaTable(dir, { orderBy: 'id' });
      assert.deepEqual(
        rows.map((r) => Number(r.id)),
        [...ids(60_000), ...ids(rows.length - 60_000, 100_000)],
      );
    });
  });

  it('loses and duplicates no row with other processes appending and compacting', { timeout: 120_000 }, async () => {
    await withTempDir(async (dir) => {
      const schema = schemaFromUcColumns([
        { name: 'id', type_text: 'bigint', nullable: false },
        { name: 'note', type_text: 'string', nullable: true },
      ]);
      const table = await DeltaTable.create(dir, schema);
      const worker = fileURLToPath(new URL('./append-worker.ts', import.meta.url));
      const spawnWorker = (first: number) =>
        run(process.execPath, [
          '--conditions=@zerobus/source',
          '--import',
          'tsx',
          worker,
          dir,
          String(first),
          '40',
          '3',
          'maintenance',
        ]);
      const local = (async () => {
        for (let k = 0; k < 40; k++) {
          const batch = ids(3, 20_000 + k * 3).map((id) => ({ id: BigInt(id), note: `local ${id}` }));
          await table.append(toBatch(schema, batch));
        }
        await table.maintain();
      })();
      const [p1, p2] = await Promise.all([spawnWorker(0), spawnWorker(10_000), local]);
      assert.equal(p1.stdout.trim(), 'done');
      assert.equal(p2.stdout.trim(), 'done');
      const log = readDeltaLog(dir);
      assert.ok(
        log.commits.some((c) => c.some((a) => 'remove' in a)),
        'some instance compacted',
      );
      assert.ok(log.files.length < 120, `${log.files.length} live files`);
      const { rows } = await readDeltaTable(dir, { orderBy: 'id' });
      assert.deepEqual(
        rows.map((r) => Number(r.id)),
        [...ids(120), ...ids(120, 10_000), ...ids(120, 20_000)],
      );
    });
  });
});
