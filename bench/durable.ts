/**
 * Durable end-to-end throughput: records acknowledged only once committed to a Delta table
 * (Parquet + log, fsynced) by the local server running in its own process. One stream, then four
 * streams writing to the same table at once; 220-byte JSON and proto records.
 *
 * `--workers` lists the server configurations to compare, each a server process of its own with
 * that many Parquet encoding threads (`ingestWorkers`; 0 = encode on the event loop, `default` =
 * the emulator's default, `cores` = `os.availableParallelism()`). Their runs are interleaved (one
 * run of each in turn), so that the load of a shared machine falls on all of them alike; each gets
 * a warm-up first.
 *
 *   npm run bench:durable [-- --records 100000 --runs 3 --workers 0,cores]
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { ucClient } from '../test/support/uc-client.js';
import { jsonRecords, protoRecords, type RecordSource } from './records.js';
import { type BenchServer, startServerProcess } from './server-process.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
    workers: { type: 'string', default: '0,cores' },
    types: { type: 'string', default: 'json,proto' },
    streams: { type: 'string', default: '1,4' },
  },
});
const RECORDS = Number(values.records);
const RUNS = Number(values.runs);
const SIZE = 220;
const CONFIGS = values.workers.split(',');
const TYPES = values.types.split(',');
const STREAMS = values.streams.split(',').map(Number);

interface Target {
  readonly workers: string;
  readonly server: BenchServer;
  readonly sdk: ZerobusSdk;
  readonly uc: (method: string, path: string, body: unknown) => Promise<void>;
  tables: number;
}

async function startTarget(workers: string): Promise<Target> {
  const threads = workers === 'cores' ? String(availableParallelism()) : workers;
  const server = await startServerProcess([
    '--durable',
    ...(workers === 'default' ? [] : ['--ingest-workers', threads]),
  ]);
  const ucCall = await ucClient(server.unityCatalogEndpoint);
  const uc = async (method: string, path: string, body: unknown): Promise<void> => {
    const { status, json } = await ucCall(method, path, body);
    if (status !== 200) throw new Error(`${method} ${path}: HTTP ${status} ${JSON.stringify(json)}`);
  };
  await uc('POST', '/catalogs', { name: 'bench' });
  await uc('POST', '/schemas', { catalog_name: 'bench', name: 'durable' });
  return { workers, server, sdk: new ZerobusSdk(server.endpoint, server.unityCatalogEndpoint), uc, tables: 0 };
}

async function newTable(target: Target): Promise<string> {
  const name = `t${target.tables++}`;
  await target.uc('POST', '/tables', {
    catalog_name: 'bench',
    schema_name: 'durable',
    name,
    columns: [
      { name: 'id', type_text: 'bigint', nullable: true },
      { name: 'p', type_text: 'string', nullable: true },
    ],
  });
  return `bench.durable.${name}`;
}

/** `streams` streams share `RECORDS` records, all into one fresh table; returns records/s. */
async function run(target: Target, source: RecordSource, streams: number): Promise<number> {
  const table = await newTable(target);
  const properties = new TableProperties(table, source.descriptor);
  const opened = await Promise.all(
    Array.from({ length: streams }, () =>
      target.sdk.createStream('emulator-client', 'emulator-secret', properties, { recordType: source.kind }),
    ),
  );
  const perStream = Math.floor(RECORDS / streams);
  const started = performance.now();
  await Promise.all(
    opened.map(async (stream, s) => {
      for (let i = 0; i < perStream; i++) {
        if (!stream.ingestRecordNowait(source.record(s * perStream + i))) await stream.ready();
      }
      await stream.flush();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(opened.map((s) => s.close()));
  return (perStream * streams) / seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const rows: string[] = [];
const targets: Target[] = [];
try {
  for (const workers of CONFIGS) targets.push(await startTarget(workers));
  const sources = [jsonRecords(SIZE, RECORDS), protoRecords(SIZE)].filter((s) => TYPES.includes(s.kind));
  for (const source of sources) {
    for (const streams of STREAMS) {
      for (const target of targets) await run(target, source, streams); // warm-up
      const rates = targets.map((): number[] => []);
      for (let r = 0; r < RUNS; r++) {
        for (const [t, target] of targets.entries()) rates[t]?.push(await run(target, source, streams));
      }
      const base = median(rates[0] ?? []);
      for (const [t, target] of targets.entries()) {
        const rate = median(rates[t] ?? []);
        const line = {
          type: source.kind,
          sizeBytes: SIZE,
          streams,
          workers: target.workers,
          records: RECORDS,
          runs: RUNS,
          recordsPerSec: Math.round(rate),
          mbPerSec: +((rate * SIZE) / 1e6).toFixed(2),
          all: (rates[t] ?? []).map(Math.round),
        };
        console.log(`BENCH ${JSON.stringify(line)}`);
        rows.push(
          `| ${source.kind.padEnd(5)} | ${streams} | ${target.workers.padEnd(7)} | ${Math.round(rate).toLocaleString('en-US').padStart(9)} | ${line.mbPerSec.toFixed(1).padStart(5)} | ${(rate / base).toFixed(2)}× |`,
        );
      }
    }
  }
} finally {
  for (const target of targets) target.server.stop();
}
console.log(
  '\n| type  | streams | workers | records/s | MB/s | vs first |\n|-------|---------|---------|----------:|-----:|-----:|',
);
for (const row of rows) console.log(row);
console.log(
  `\n${RECORDS.toLocaleString('en-US')} records of ${SIZE} B per run (shared by the streams), median of ${RUNS} interleaved runs; acknowledged = durable in Delta.`,
);
