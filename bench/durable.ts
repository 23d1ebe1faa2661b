/**
 * Durable end-to-end throughput: records acknowledged only once committed to a Delta table
 * (Parquet + log, fsynced) by the local server running in its own process. One stream, then four
 * streams writing to the same table at once; 220-byte JSON and proto records.
 *
 *   npm run bench:durable [-- --records 100000 --runs 3]
 */
import { parseArgs } from 'node:util';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { ucClient } from '../test/support/uc-client.js';
import { jsonRecords, protoRecords, type RecordSource } from './records.js';
import { startServerProcess } from './server-process.js';

const { values } = parseArgs({
  options: { records: { type: 'string', default: '100000' }, runs: { type: 'string', default: '3' } },
});
const RECORDS = Number(values.records);
const RUNS = Number(values.runs);
const SIZE = 220;

const server = await startServerProcess(['--durable']);
const sdk = new ZerobusSdk(server.endpoint, server.unityCatalogEndpoint);

const ucCall = await ucClient(server.unityCatalogEndpoint);
async function uc(method: string, path: string, body: unknown): Promise<void> {
  const { status, json } = await ucCall(method, path, body);
  if (status !== 200) throw new Error(`${method} ${path}: HTTP ${status} ${JSON.stringify(json)}`);
}

await uc('POST', '/catalogs', { name: 'bench' });
await uc('POST', '/schemas', { catalog_name: 'bench', name: 'durable' });
let tableNo = 0;

async function newTable(): Promise<string> {
  const name = `t${tableNo++}`;
  await uc('POST', '/tables', {
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
async function run(source: RecordSource, streams: number): Promise<number> {
  const table = await newTable();
  const properties = new TableProperties(table, source.descriptor);
  const opened = await Promise.all(
    Array.from({ length: streams }, () =>
      sdk.createStream('emulator-client', 'emulator-secret', properties, { recordType: source.kind }),
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
try {
  for (const source of [jsonRecords(SIZE, RECORDS), protoRecords(SIZE)]) {
    for (const streams of [1, 4]) {
      await run(source, streams); // warm-up
      const rates: number[] = [];
      for (let r = 0; r < RUNS; r++) rates.push(await run(source, streams));
      const rate = median(rates);
      const line = {
        type: source.kind,
        sizeBytes: SIZE,
        streams,
        records: RECORDS,
        runs: RUNS,
        recordsPerSec: Math.round(rate),
        mbPerSec: +((rate * SIZE) / 1e6).toFixed(2),
      };
      console.log(`BENCH ${JSON.stringify(line)}`);
      rows.push(
        `| ${source.kind.padEnd(5)} | ${streams} | ${Math.round(rate).toLocaleString('en-US').padStart(9)} | ${line.mbPerSec.toFixed(1).padStart(5)} |`,
      );
    }
  }
} finally {
  server.stop();
}
console.log('\n| type  | streams | records/s | MB/s |\n|-------|---------|----------:|-----:|');
for (const row of rows) console.log(row);
console.log(
  `\n${RECORDS.toLocaleString('en-US')} records of ${SIZE} B per run (shared by the streams), median of ${RUNS}; acknowledged = durable in Delta.`,
);
