/**
 * The server's Parquet encoding threads end to end: records written through the SDK into a
 * Delta table whose commits are encoded by worker threads land whole, and `emulator.close()`
 * stops the threads, so a process that closed its emulator exits by itself.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readDeltaTable } from '../../../test/support/delta-reader.js';
import { MIN_WORKER_ROWS } from '../src/tables/parquet-workers.js';
import { withTempDir } from './delta/support.js';

const CHILD = fileURLToPath(new URL('./fixtures/close-with-threads.ts', import.meta.url));
const EXIT_LIMIT_MS = 120_000;

function runChild(dataDir: string, count: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@zerobus/source', '--import', 'tsx', CHILD, dataDir, String(count)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the process did not exit ${EXIT_LIMIT_MS} ms after starting (stdout: ${stdout})`));
    }, EXIT_LIMIT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('Parquet encoding threads in the server', () => {
  it('commit every record, and stop with close() so the process exits by itself', async () => {
    await withTempDir(async (dir) => {
      const { code, stdout, stderr } = await runChild(dir, 6000);
      assert.equal(code, 0, stderr);
      assert.equal(stdout, 'closed\n');
      const tableDir = join(dir, 'main', 't', 'rows');
      const { rows, snapshot } = await readDeltaTable(tableDir, { orderBy: 'id' });
      const sizes = snapshot.files.map((f) => f.stats?.numRecords ?? 0);
      assert.ok(
        sizes.some((n) => n >= MIN_WORKER_ROWS),
        `a commit big enough for a thread: ${sizes}`,
      );
      assert.deepEqual(
        rows.map((r) => r.id),
        Array.from({ length: 6000 }, (_, i) => BigInt(i)),
      );
    });
  });
});
