/**
 * The local server's memory on a long run: 1,000,000 JSON records of 1 KB through one stream
 * into a Delta table of `zerobus emulator --data-dir DIR`, the built CLI in its own process.
 * The server's RSS (VmRSS of /proc/PID/status) is read every 100,000 records, once they are
 * acknowledged, and its peak in between every 100 ms. Target: under 250 MB, and no growth after
 * the first 100,000 records. Linux only (/proc).
 *
 *   npm run bench:emulator-memory [-- --records 1000000 --size 1000 --every 100000 --inflight 50000]
 *
 * `--cli PATH` runs another build's `bin/zerobus.js` (e.g. an older checkout's, for a before/after);
 * `--server-node-options='...'` gives the server Node flags, e.g. `--import ./hook.mjs` for a hook
 * that logs `process.memoryUsage()`, or `--max-semi-space-size=N`, to see where memory goes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { ucClient } from '../test/support/uc-client.js';
import { jsonRecords } from './records.js';
import { killWithUs } from './server-process.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    size: { type: 'string', default: '1000' },
    every: { type: 'string', default: '100000' },
    'limit-mb': { type: 'string', default: '250' },
    /** The client's maxInflightRecords; default the SDK's (50,000, with 64 MiB). */
    inflight: { type: 'string' },
    cli: { type: 'string' },
    'server-node-options': { type: 'string', default: '' },
  },
});
const RECORDS = Number(values.records);
const SIZE = Number(values.size);
const EVERY = Number(values.every);
const LIMIT_MB = Number(values['limit-mb']);
const CLI = values.cli ?? fileURLToPath(new URL('../packages/cli/bin/zerobus.js', import.meta.url));

/** The server's resident set, in MB, as the kernel counts it. */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb) / 1024;
}

async function startServer(dataDir: string): Promise<{ child: ChildProcess; hello: Record<string, unknown> }> {
  const child = spawn(process.execPath, [CLI, 'emulator', '--json', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: values['server-node-options'] },
  });
  killWithUs(child);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`zerobus emulator exited with ${code} before it was ready`);
    }),
  ])) as [string];
  lines.close();
  return { child, hello: JSON.parse(line) as Record<string, unknown> };
}

const dataDir = await mkdtemp(join(tmpdir(), 'zerobus-emulator-memory-'));
const { child, hello } = await startServer(dataDir);
const pid = child.pid as number;
try {
  const uc = await ucClient(String(hello.unityCatalogEndpoint));
  await uc('POST', '/catalogs', { name: 'bench' });
  await uc('POST', '/schemas', { catalog_name: 'bench', name: 'memory' });
  const created = await uc('POST', '/tables', {
    catalog_name: 'bench',
    schema_name: 'memory',
    name: 'long_run',
    columns: [
      { name: 'id', type_text: 'bigint', nullable: false },
      { name: 'p', type_text: 'string' },
    ],
  });
  if (created.status !== 200) throw new Error(`cannot create the table: ${JSON.stringify(created.json)}`);

  const sdk = new ZerobusSdk(String(hello.endpoint), String(hello.unityCatalogEndpoint));
  const stream = await sdk.createStream(
    'emulator-client',
    'emulator-secret',
    new TableProperties('bench.memory.long_run'),
    { recordType: 'json', ...(values.inflight !== undefined && { maxInflightRecords: Number(values.inflight) }) },
  );
  const source = jsonRecords(SIZE, RECORDS);
  let peak = rssMb(pid);
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 100);
  const rows: { records: number; rssMb: number; peakMb: number; seconds: number; recordsPerSec: number }[] = [];
  const startRss = rssMb(pid);
  const started = performance.now();
  let last = started;
  try {
    for (let i = 0; i < RECORDS; i++) {
      if (!stream.ingestRecordNowait(source.record(i))) await stream.ready();
      if ((i + 1) % EVERY === 0 || i + 1 === RECORDS) {
        await stream.flush(); // acknowledged: durable in the Delta table
        const now = performance.now();
        const rss = rssMb(pid);
        peak = Math.max(peak, rss);
        const done = i + 1;
        const since = done - (rows.at(-1)?.records ?? 0);
        rows.push({
          records: done,
          rssMb: rss,
          peakMb: peak,
          seconds: (now - started) / 1000,
          recordsPerSec: since / ((now - last) / 1000),
        });
        last = now;
        peak = rss;
      }
    }
  } finally {
    clearInterval(sampler);
  }
  await stream.close();

  const mb = (n: number) => n.toFixed(0);
  console.log(`zerobus emulator --data-dir (pid ${pid}), ${RECORDS.toLocaleString('en-US')} JSON records of ${SIZE} B`);
  console.log(`server RSS at start ${mb(startRss)} MB`);
  console.log('| records acknowledged | server RSS | peak RSS since previous row | seconds | records/s |');
  console.log('| -------------------: | ---------: | --------------------------: | ------: | --------: |');
  for (const row of rows) {
    console.log(
      `| ${row.records.toLocaleString('en-US')} | ${mb(row.rssMb)} MB | ${mb(row.peakMb)} MB | ${row.seconds.toFixed(1)} | ${Math.round(row.recordsPerSec).toLocaleString('en-US')} |`,
    );
  }
  const first = rows[0];
  const maxPeak = Math.max(...rows.map((r) => r.peakMb));
  const lastRow = rows.at(-1);
  const growth = first && lastRow ? lastRow.rssMb - first.rssMb : 0;
  console.log(
    JSON.stringify({
      records: RECORDS,
      sizeBytes: SIZE,
      startRssMb: +mb(startRss),
      peakRssMb: +mb(maxPeak),
      rssAfterFirstMb: first ? +mb(first.rssMb) : undefined,
      rssAtEndMb: lastRow ? +mb(lastRow.rssMb) : undefined,
      growthAfterFirstMb: +mb(growth),
      underLimit: maxPeak < LIMIT_MB,
    }),
  );
} finally {
  child.kill('SIGTERM');
  await once(child, 'exit').catch(() => {});
  await rm(dataDir, { recursive: true, force: true });
}
