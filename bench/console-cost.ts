/**
 * What the web console costs the local server: durable ingestion (one JSON stream, 220-byte
 * records, into a Delta table) with the console closed, then open, alternating, and the server
 * process's CPU (utime + stime from /proc) and throughput of each run. "Open" is what the page
 * asks for: the live event stream (one event a second) and, while the selected table's version
 * moves, its details and recent rows every 2 s.
 *
 *   npm run build -w packages/sdk -w packages/emulator && tsx bench/console-cost.ts [-- --records 300000 --runs 3]
 */
import { parseArgs } from 'node:util';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { ucClient } from '../test/support/uc-client.js';
import { procCpuSeconds } from './measure.js';
import { jsonRecords } from './records.js';
import { startServerProcess } from './server-process.js';

const { values } = parseArgs({
  options: { records: { type: 'string', default: '300000' }, runs: { type: 'string', default: '3' } },
});
const RECORDS = Number(values.records);
const RUNS = Number(values.runs);
const SIZE = 220;

const server = await startServerProcess(['--durable']);
const sdk = new ZerobusSdk(server.endpoint, server.unityCatalogEndpoint);
const uc = await ucClient(server.unityCatalogEndpoint);
await uc('POST', '/catalogs', { name: 'bench' });
await uc('POST', '/schemas', { catalog_name: 'bench', name: 'console' });
const tokenResponse = await fetch(`${server.unityCatalogEndpoint}/oidc/v1/token`, {
  method: 'POST',
  headers: {
    authorization: `Basic ${Buffer.from('emulator-client:emulator-secret').toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
  },
  body: 'grant_type=client_credentials&scope=all-apis',
});
const token = ((await tokenResponse.json()) as { access_token: string }).access_token;
const headers = { authorization: `Bearer ${token}` };
const source = jsonRecords(SIZE, RECORDS);
let tableNo = 0;

/** The page's requests while it is open, until `signal` aborts. */
async function openConsole(table: string, signal: AbortSignal): Promise<number> {
  const api = `${server.unityCatalogEndpoint}/console/api`;
  let requests = 0;
  const events = await fetch(`${api}/events`, { headers, signal });
  const reader = (events.body as ReadableStream<Uint8Array>).getReader();
  let lastDetails = 0;
  try {
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
      if (Date.now() - lastDetails >= 2_000) {
        lastDetails = Date.now();
        for (const path of [`/tables/${table}`, `/tables/${table}/rows?limit=20`]) {
          await (await fetch(`${api}${path}`, { headers, signal })).arrayBuffer();
          requests++;
        }
      }
    }
  } catch {
    // aborted: the run is over
  }
  return requests;
}

async function run(consoleOpen: boolean) {
  const name = `t${tableNo++}`;
  await uc('POST', '/tables', {
    catalog_name: 'bench',
    schema_name: 'console',
    name,
    columns: [
      { name: 'id', type_text: 'bigint' },
      { name: 'p', type_text: 'string' },
    ],
  });
  const table = `bench.console.${name}`;
  const stream = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties(table), {
    recordType: 'json',
  });
  const controller = new AbortController();
  const page = consoleOpen ? openConsole(table, controller.signal) : Promise.resolve(0);
  const cpuBefore = procCpuSeconds(server.pid) ?? Number.NaN;
  const started = performance.now();
  for (let i = 0; i < RECORDS; i++) {
    if (!stream.ingestRecordNowait(source.record(i))) await stream.ready();
  }
  await stream.flush();
  const seconds = (performance.now() - started) / 1000;
  const cpu = (procCpuSeconds(server.pid) ?? Number.NaN) - cpuBefore;
  controller.abort();
  const requests = await page;
  await stream.close();
  return {
    recordsPerSec: RECORDS / seconds,
    serverCpuPercent: (100 * cpu) / seconds,
    cpuMsPer100k: (cpu * 1e8) / RECORDS,
    requests,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const results: Record<'closed' | 'open', Awaited<ReturnType<typeof run>>[]> = { closed: [], open: [] };
try {
  await run(false); // warm-up
  for (let r = 0; r < RUNS; r++) {
    for (const mode of ['closed', 'open'] as const) {
      const result = await run(mode === 'open');
      results[mode].push(result);
      console.log(`BENCH ${JSON.stringify({ console: mode, run: r, ...result })}`);
    }
  }
} finally {
  server.stop();
}
console.log('\n| console | records/s | server CPU % | server CPU ms per 100k records |\n|---|---:|---:|---:|');
for (const mode of ['closed', 'open'] as const) {
  const rs = results[mode];
  console.log(
    `| ${mode} | ${Math.round(median(rs.map((x) => x.recordsPerSec))).toLocaleString('en-US')} | ${median(rs.map((x) => x.serverCpuPercent)).toFixed(0)} | ${median(rs.map((x) => x.cpuMsPer100k)).toFixed(0)} |`,
  );
}
console.log(
  `\n${RECORDS.toLocaleString('en-US')} records of ${SIZE} B per run, one stream, durable; median of ${RUNS}.`,
);
