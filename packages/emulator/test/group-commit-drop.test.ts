/**
 * The group committer when its table is dropped: requests waiting for a commit are never
 * committed, a commit under way may land but acknowledges nothing, and `drop()` resolves only
 * once that commit settled, so the table's files can be removed without a write racing into them.
 * A real Delta table in a temporary directory, read back with DuckDB.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { schemaFromUcColumns } from '@zerobus/sdk/schema';
import { readDeltaTable } from '../../../test/support/delta-reader.js';
import { DeltaTable } from '../src/tables/delta/delta-table.js';
import { GroupCommitter, TableDropped } from '../src/tables/group-commit.js';
import { withTempDir } from './delta/support.js';

const SCHEMA = schemaFromUcColumns([{ name: 'id', type_text: 'bigint', nullable: false, position: 0 }]);

type Outcome = 'durable' | TableDropped | Error;

function request(committer: GroupCommitter, id: bigint, outcomes: Map<bigint, Outcome>): void {
  committer.add(
    [[id]],
    8,
    () => outcomes.set(id, 'durable'),
    (error) => outcomes.set(id, error),
  );
}

describe('GroupCommitter.drop', () => {
  it('fails waiting requests, acknowledges nothing of the commit under way, and resolves once it settled', async () => {
    await withTempDir(async (dir) => {
      const table = await DeltaTable.create(join(dir, 't'), SCHEMA);
      const committer = new GroupCommitter(table, { maxRows: 2, maxBytes: 1 << 20, intervalMs: 60_000 });
      const outcomes = new Map<bigint, Outcome>();
      request(committer, 1n, outcomes);
      request(committer, 2n, outcomes); // two rows: this group's commit starts now
      request(committer, 3n, outcomes); // waits for the next group
      const dropped = committer.drop('main.g.t');
      // The waiting request fails at once; the commit under way is still running.
      assert.ok(outcomes.get(3n) instanceof TableDropped);
      assert.equal(outcomes.size, 1);
      await dropped;
      // The commit landed (durable in the log) but, the table being dropped, acknowledged nothing.
      for (const id of [1n, 2n, 3n]) {
        const outcome = outcomes.get(id);
        assert.ok(outcome instanceof TableDropped, `request ${id}: ${String(outcome)}`);
        assert.equal(outcome.message, 'table main.g.t does not exist');
      }
      const { rows } = await readDeltaTable(table.dir, { orderBy: 'id' });
      assert.deepEqual(rows, [{ id: 1n }, { id: 2n }]);
      // Nothing is taken any more.
      request(committer, 4n, outcomes);
      assert.ok(outcomes.get(4n) instanceof TableDropped);
      await committer.close();
      assert.deepEqual((await readDeltaTable(table.dir, { orderBy: 'id' })).rows, [{ id: 1n }, { id: 2n }]);
    });
  });

  it('with nothing under way, fails what waits for the interval and commits nothing', async () => {
    await withTempDir(async (dir) => {
      const table = await DeltaTable.create(join(dir, 't'), SCHEMA);
      const committer = new GroupCommitter(table, { maxRows: 100, maxBytes: 1 << 20, intervalMs: 5 });
      const outcomes = new Map<bigint, Outcome>();
      request(committer, 1n, outcomes);
      await committer.drop('main.g.t');
      assert.ok(outcomes.get(1n) instanceof TableDropped);
      await new Promise((resolve) => setTimeout(resolve, 20)); // past the interval: no timer left
      assert.equal(committer.stats.commits, 0);
      assert.deepEqual((await readDeltaTable(table.dir)).rows, []);
    });
  });
});
