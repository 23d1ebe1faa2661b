/**
 * Delta data files encoded by worker threads (tables/parquet-workers.ts): the same bytes, stats
 * and rows as encoded on the event loop; a failed encoding or a dead thread fails the commit
 * without acknowledging anything; close() leaves no thread running.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { schemaFromUcColumns } from '@zerobus/sdk/schema';
import { readDeltaLog, readDeltaTable } from '../../../../test/support/delta-reader.js';
import { EncoderFailed } from '../../src/tables/delta/data-file.js';
import { DeltaTable } from '../../src/tables/delta/delta-table.js';
import { DeltaTableError } from '../../src/tables/delta/errors.js';
import { GroupCommitter } from '../../src/tables/group-commit.js';
import { ParquetWorkers } from '../../src/tables/parquet-workers.js';
import { randomValue, seeded, toBatch, withTempDir } from './support.js';

const SCHEMA = schemaFromUcColumns([
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
  { name: 'v', type_text: 'variant', nullable: true },
  { name: 'dec', type_text: 'decimal(38,10)', nullable: true },
  { name: 'arr', type_text: 'array<array<bigint>>', nullable: true },
  { name: 'm', type_text: 'map<int,struct<x:double,y:string>>', nullable: true },
  { name: 'st', type_text: 'struct<a:int,`b c`:string not null,inner:struct<e:array<decimal(9,2)>>>', nullable: true },
  { name: 'weird name!', type_text: 'int', nullable: true },
]);

const CRASHING_WORKER = new URL('../fixtures/crashing-parquet-worker.mjs', import.meta.url);

function randomRows(count: number, seed: number): Record<string, unknown>[] {
  const rand = seeded(seed);
  return Array.from({ length: count }, (_, id) =>
    Object.fromEntries(
      SCHEMA.fields.map((f) => [f.name, f.name === 'id' ? id : randomValue(f.type, f.nullable, rand)]),
    ),
  );
}

describe('Parquet encoding threads', () => {
  it('write byte for byte the data file, stats and rows the event loop writes', async () => {
    await withTempDir(async (dir) => {
      const workers = new ParquetWorkers({ threads: 2, minRows: 0 });
      try {
        const inline = await DeltaTable.create(join(dir, 'inline'), SCHEMA);
        const threaded = await DeltaTable.create(join(dir, 'threaded'), SCHEMA);
        for (const [i, count] of [3000, 1, 257].entries()) {
          const batch = toBatch(SCHEMA, randomRows(count, 1000 + i));
          const a = await inline.append(batch);
          const b = await threaded.append(batch, workers.encoder);
          assert.equal(b.rows, count);
          assert.deepEqual(await readFile(join(threaded.dir, b.file)), await readFile(join(inline.dir, a.file)));
        }
        assert.ok(workers.threadCount >= 1, 'the batches went to a thread');
        const statsOf = (d: string) => readDeltaLog(d).files.map((f) => f.stats);
        assert.deepEqual(statsOf(threaded.dir), statsOf(inline.dir));
        const expected = await readDeltaTable(inline.dir, { orderBy: 'id' });
        const actual = await readDeltaTable(threaded.dir, { orderBy: 'id' });
        assert.equal(actual.rows.length, 3258);
        assert.deepEqual(actual.rows, expected.rows);
      } finally {
        await workers.close();
      }
    });
  });

  it('fail the append with the encoder’s message when a batch cannot be encoded, and go on', async () => {
    await withTempDir(async (dir) => {
      const workers = new ParquetWorkers({ threads: 1, minRows: 0 });
      try {
        const table = await DeltaTable.create(join(dir, 't'), SCHEMA);
        const bad = toBatch(SCHEMA, randomRows(10, 7));
        (bad.columns[2] as unknown[])[3] = 'not a bigint';
        await assert.rejects(table.append(bad, workers.encoder), (error: unknown) => {
          assert.ok(error instanceof DeltaTableError);
          assert.equal(error.code, 'INVALID_BATCH');
          assert.match(error.message, /^cannot encode the batch as Parquet: /);
          return true;
        });
        assert.equal(table.version, 0, 'nothing committed');
        assert.equal(workers.threadCount, 1, 'the thread is still there');
        const good = await table.append(toBatch(SCHEMA, randomRows(10, 8)), workers.encoder);
        assert.equal(good.version, 1);
      } finally {
        await workers.close();
      }
    });
  });

  it('fail the group commit, acknowledging nothing, when the thread encoding it dies', async () => {
    await withTempDir(async (dir) => {
      const workers = new ParquetWorkers({ threads: 1, minRows: 0, script: CRASHING_WORKER });
      const table = await DeltaTable.create(join(dir, 't'), SCHEMA);
      const committer = new GroupCommitter(table, {
        maxRows: 2,
        maxBytes: 1 << 20,
        intervalMs: 60_000,
        encoder: workers.encoder,
      });
      try {
        const rows = randomRows(2, 9).map((r) => SCHEMA.fields.map((f) => r[f.name] ?? null));
        const outcomes = await Promise.all(
          rows.map(
            (row) =>
              new Promise<string | Error>((resolve) => committer.add([row], 100, () => resolve('durable'), resolve)),
          ),
        );
        for (const outcome of outcomes) {
          assert.ok(outcome instanceof DeltaTableError, String(outcome));
          assert.equal(outcome.code, 'ENCODER_FAILED');
          assert.match(outcome.message, /a Parquet encoding thread exited \(code 3\)/);
        }
        assert.equal(committer.stats.failures, 1);
        assert.equal(table.version, 0, 'nothing committed');
        assert.equal(workers.threadCount, 0, 'the dead thread left the pool');
      } finally {
        await committer.close();
        await workers.close();
      }
    });
  });

  it('close() terminates every thread; batches after it are refused', async () => {
    const workers = new ParquetWorkers({ threads: 2, minRows: 0 });
    const layout = { schema: SCHEMA, parquetSchema: [] };
    const threads: Promise<unknown>[] = [];
    // Two batches at once start two threads; their (empty-schema) encodings fail, the threads stay.
    const batch = toBatch(SCHEMA, randomRows(5, 10));
    threads.push(
      workers.encode(layout, batch).catch(() => {}),
      workers.encode(layout, batch).catch(() => {}),
    );
    assert.equal(workers.threadCount, 2);
    await Promise.all(threads);
    await workers.close();
    assert.equal(workers.threadCount, 0);
    await assert.rejects(workers.encode(layout, batch), EncoderFailed);
  });
});
