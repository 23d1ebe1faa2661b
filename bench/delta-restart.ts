/**
 * Restart cost of a long-lived Delta table, and the live file count a trickle of tiny commits
 * leaves with background compaction.
 *
 *   npx tsx --conditions=@zerobus/source bench/delta-restart.ts [--commits 100000] [--before 10000] [--dir /dev/shm]
 *
 * 1. Before (no checkpoints): a log of `--before` one-file commits, synthesised quickly (the
 *    writer's commit 0, then commit files as an append writes them, each adding a hard link to one
 *    real data file); `DeltaTable.open` must replay every JSON commit. Reported per commit and
 *    extrapolated to `--commits`.
 * 2. After: `--commits` real one-row appends through `DeltaTable.append`, with the background
 *    checkpoints and compaction on (as the server runs them); then the live and on-disk file
 *    counts, and the time `DeltaTable.open` takes on that table (from its newest checkpoint).
 *
 * Use a tmpfs `--dir` for the trickle: every append fsyncs twice, and on a disk the run would
 * measure the disk. Open times are the median of 5 opens.
 */

import { link, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { schemaFromUcColumns } from '@zerobus/sdk/schema';
import { DeltaTable } from '../packages/emulator/src/tables/delta/delta-table.js';

const { values } = parseArgs({
  options: {
    commits: { type: 'string', default: '100000' },
    before: { type: 'string', default: '10000' },
    dir: { type: 'string', default: tmpdir() },
  },
});
const COMMITS = Number(values.commits);
const BEFORE = Number(values.before);
const schema = schemaFromUcColumns([
  { name: 'id', type_text: 'bigint', nullable: false },
  { name: 'note', type_text: 'string', nullable: true },
]);
const oneRow = (id: number) => ({ rowCount: 1, columns: [[BigInt(id)], [`event ${id}`]] });
const commitName = (v: number) => `${String(v).padStart(20, '0')}.json`;

async function medianOpenMs(dir: string): Promise<{ ms: number; version: number }> {
  const times: number[] = [];
  let version = -1;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    const table = await DeltaTable.open(dir, { maintenance: false });
    times.push(performance.now() - start);
    version = table.version;
  }
  times.sort((a, b) => a - b);
  return { ms: times[2] as number, version };
}

async function countFiles(dir: string) {
  const data = (await readdir(dir)).filter((n) => n.endsWith('.parquet')).length;
  const log = await readdir(join(dir, '_delta_log'));
  return {
    dataFiles: data,
    commitFiles: log.filter((n) => n.endsWith('.json')).length,
    checkpoints: log.filter((n) => n.endsWith('.checkpoint.parquet')).length,
  };
}

/** 1. A log of `commits` appends without checkpoints, written directly. */
async function before(base: string): Promise<void> {
  const dir = join(base, 'before');
  const table = await DeltaTable.create(dir, schema, { maintenance: false });
  const { file } = await table.append(oneRow(0));
  const template = await readFile(join(dir, '_delta_log', commitName(1)), 'utf8');
  for (let v = 2; v <= BEFORE; v++) {
    const path = file.replace('-c000.', `-c${v}.`);
    await link(join(dir, file), join(dir, path));
    await writeFile(join(dir, '_delta_log', commitName(v)), template.replaceAll(file, path));
  }
  const { ms, version } = await medianOpenMs(dir);
  const perCommit = ms / version;
  console.log(
    `before (no checkpoints): open of ${version} commits ${ms.toFixed(0)} ms, ${(perCommit * 1000).toFixed(0)} µs/commit` +
      ` → ${((perCommit * COMMITS) / 1000).toFixed(1)} s extrapolated to ${COMMITS} commits`,
  );
}

/** 2. `COMMITS` real one-row appends with background upkeep. */
async function after(base: string): Promise<void> {
  const dir = join(base, 'after');
  const failures: string[] = [];
  const table = await DeltaTable.create(dir, schema, {
    onMaintenanceError: (e, task) => failures.push(`${task}: ${e.message}`),
  });
  const start = performance.now();
  let mostLive = 0;
  for (let k = 0; k < COMMITS; k++) {
    await table.append(oneRow(k));
    if (k % 1000 === 999) {
      await table.settle();
      mostLive = Math.max(mostLive, (await table.liveFiles()).length);
    }
    if (k % 10_000 === 9_999) {
      const s = (performance.now() - start) / 1000;
      console.error(`  ${k + 1} commits in ${s.toFixed(0)} s, ${(await table.liveFiles()).length} live files`);
    }
  }
  await table.maintain();
  const seconds = (performance.now() - start) / 1000;
  const live = (await table.liveFiles()).length;
  const counts = await countFiles(dir);
  const { ms, version } = await medianOpenMs(dir);
  console.log(
    `after (checkpoints + compaction): ${COMMITS} one-row appends in ${seconds.toFixed(0)} s (${(COMMITS / seconds).toFixed(0)} commits/s); ` +
      `live files ${live} (at most ${mostLive} at a 1,000-commit mark), ${counts.dataFiles} data files on disk, ` +
      `${counts.commitFiles} commit files, ${counts.checkpoints} checkpoints`,
  );
  console.log(`after: open of ${version} commits from the newest checkpoint ${ms.toFixed(0)} ms`);
  if (failures.length > 0) console.log(`background failures: ${failures.length}, first: ${failures[0]}`);
}

const base = await mkdtemp(join(values.dir, 'delta-restart-'));
try {
  await before(base);
  await after(base);
} finally {
  await rm(base, { recursive: true, force: true });
}
