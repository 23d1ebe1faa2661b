/**
 * A failing fsync of the log directory after a commit file is linked: the version exists, so the
 * append must fail (not acknowledged: it may not survive a crash) without deleting the data file
 * the committed version names. The failure is injected into node:fs/promises itself.
 */

import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { describe, it, mock } from 'node:test';
import { schemaFromUcColumns } from '@zerobus/sdk/schema';
import { readDeltaLog, readDeltaTable } from '../../../../test/support/delta-reader.js';
import { CommitNotDurableError } from '../../src/tables/delta/commit-log.js';
import { DeltaTable } from '../../src/tables/delta/delta-table.js';
import { toBatch, withTempDir } from './support.js';

const schema = schemaFromUcColumns([{ name: 'id', type_text: 'bigint', nullable: false }]);
const batch = (ids: number[]) =>
  toBatch(
    schema,
    ids.map((id) => ({ id: BigInt(id) })),
  );

/** Makes every fsync of a handle opened on `dir` (read-only, as directories are) fail with EIO. */
function failDirectoryFsync(dir: string): { restore: () => void; failures: () => number } {
  const realOpen = fsp.open;
  let failures = 0;
  const fake = mock.method(fsp, 'open', async (...args: Parameters<typeof fsp.open>) => {
    const handle = await realOpen(...args);
    if (String(args[0]) === dir && (args[1] ?? 'r') === 'r') {
      handle.sync = async () => {
        failures++;
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      };
    }
    return handle;
  });
  syncBuiltinESMExports();
  return {
    restore: () => {
      fake.mock.restore();
      syncBuiltinESMExports();
    },
    failures: () => failures,
  };
}

describe('a failed fsync after a commit', () => {
  it('fails the append but keeps the data file the committed version names', async () => {
    await withTempDir(async (dir) => {
      const table = await DeltaTable.create(dir, schema, { maintenance: false });
      await table.append(batch([1]));
      const fault = failDirectoryFsync(join(dir, '_delta_log'));
      try {
        await assert.rejects(
          table.append(batch([2, 3])),
          (error: unknown) => error instanceof CommitNotDurableError && error.version === 2,
        );
      } finally {
        fault.restore();
      }
      assert.equal(fault.failures(), 3, 'the fsync is retried before giving up');
      // Version 2 exists and its file is there: readers and the next append go on.
      const log = readDeltaLog(dir);
      assert.equal(log.version, 2);
      for (const file of log.files) await fsp.access(join(dir, file.path));
      assert.equal(table.version, 2);
      assert.equal((await table.append(batch([4]))).version, 3);
      const { rows } = await readDeltaTable(dir, { orderBy: 'id' });
      assert.deepEqual(
        rows.map((r) => r.id),
        [1n, 2n, 3n, 4n],
      );
      assert.equal((await DeltaTable.open(dir)).version, 3);
    });
  });
});
