/**
 * One stream against a `StreamPool`: fire-and-forget JSON records of 220 B (`ingestRecordNowait`,
 * `await ready()` on false, then `flush()`), through one stream and through a pool of `--size`
 * streams, against the bench server in its own process. Two modes: ack-only (the server acks
 * without keeping records) and durable (acknowledged once committed to a Delta table, with
 * `--durable`; a fresh Unity Catalog table per run). Not run by the tests.
 *
 * The server limits each stream to `--stream-limit` records/s (default 50,000, within the 15k–100k
 * the real service documents per stream; 0 for none), which is what a pool is for.
 *
 * `--connection shared|dedicated` is the SDK's `connection` option (default shared: one HTTP/2
 * connection for the pool's streams).
 *
 *   npm run bench:pool [-- --records 1000000 --runs 1 --size 4 --modes ack-only,durable --stream-limit 50000 --connection dedicated]
 */
import { parseArgs } from 'node:util';
import { type StreamPool, TableProperties, ZerobusSdk, type ZerobusStream } from '@zerobus/sdk';
import { ucClient } from '../test/support/uc-client.js';
import { jsonRecords } from './records.js';
import { type BenchServer, startServerProcess } from './server-process.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '1' },
    size: { type: 'string', default: '4' },
    modes: { type: 'string', default: 'ack-only,durable' },
    // Records/s the server allows each stream, as the real service limits streams (0: no limit).
    'stream-limit': { type: 'string', default: '50000' },
    connection: { type: 'string', default: 'shared' },
  },
});
const RECORDS = Number(values.records);
const RUNS = Number(values.runs);
const POOL_SIZE = Number(values.size);
const MODES = values.modes.split(',') as ('ack-only' | 'durable')[];
const STREAM_LIMIT = Number(values['stream-limit']);
const CONNECTION = values.connection as 'shared' | 'dedicated';
const SIZE = 220;
const CLIENT_ID = 'emulator-client';
const CLIENT_SECRET = 'emulator-secret';
for (const [name, n] of Object.entries({ records: RECORDS, runs: RUNS, size: POOL_SIZE })) {
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
}
for (const mode of MODES) {
  if (mode !== 'ack-only' && mode !== 'durable') throw new Error(`unknown mode ${mode}: ack-only or durable`);
}

const source = jsonRecords(SIZE, RECORDS);

/** A table for one run: any name on the ack-only server, a fresh Delta table on the durable one. */
async function tableFactory(server: BenchServer, durable: boolean): Promise<() => Promise<string>> {
  if (!durable) return async () => 'bench.pool.events';
  const call = await ucClient(server.unityCatalogEndpoint);
  const uc = async (path: string, body: unknown) => {
    const { status, json } = await call('POST', path, body);
    if (status !== 200) throw new Error(`POST ${path}: HTTP ${status} ${JSON.stringify(json)}`);
  };
  await uc('/catalogs', { name: 'bench' });
  await uc('/schemas', { catalog_name: 'bench', name: 'pool' });
  let n = 0;
  return async () => {
    const name = `t${n++}`;
    const columns = [
      { name: 'id', type_text: 'bigint', nullable: true },
      { name: 'p', type_text: 'string', nullable: true },
    ];
    await uc('/tables', { catalog_name: 'bench', schema_name: 'pool', name, columns });
    return `bench.pool.${name}`;
  };
}

type Target = ZerobusStream | StreamPool;

/** Ingests every record fire-and-forget and waits for all acknowledgements; returns records/s. */
async function ingest(target: Target, count: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    if (!target.ingestRecordNowait(source.record(i))) await target.ready();
  }
  await target.flush();
  return count / ((performance.now() - started) / 1000);
}

/** Opens one stream or a pool (before the clock starts), ingests `count` records, closes it. */
async function run(sdk: ZerobusSdk, table: string, streams: number, count = RECORDS): Promise<number> {
  const properties = new TableProperties(table);
  const options = { recordType: 'json' as const };
  const target: Target =
    streams === 1
      ? await sdk.createStream(CLIENT_ID, CLIENT_SECRET, properties, options)
      : await sdk.createStreamPool(CLIENT_ID, CLIENT_SECRET, properties, options, undefined, { size: streams });
  try {
    return await ingest(target, count);
  } finally {
    await target.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const rows: string[] = [];
for (const mode of MODES) {
  const limit = STREAM_LIMIT > 0 ? ['--stream-limit', String(STREAM_LIMIT)] : [];
  const server = await startServerProcess([...(mode === 'durable' ? ['--durable'] : []), ...limit]);
  try {
    const sdk = new ZerobusSdk(server.endpoint, server.unityCatalogEndpoint, { connection: CONNECTION });
    const newTable = await tableFactory(server, mode === 'durable');
    for (const streams of [1, POOL_SIZE]) {
      await run(sdk, await newTable(), streams, Math.ceil(RECORDS / 10)); // warm-up
      const rates: number[] = [];
      for (let r = 0; r < RUNS; r++) rates.push(await run(sdk, await newTable(), streams));
      const rate = median(rates);
      const line = {
        mode,
        type: 'json',
        sizeBytes: SIZE,
        streams,
        connection: CONNECTION,
        records: RECORDS,
        runs: RUNS,
        recordsPerSec: Math.round(rate),
        mbPerSec: +((rate * SIZE) / 1e6).toFixed(2),
      };
      console.log(`BENCH ${JSON.stringify(line)}`);
      const label = streams === 1 ? '1 stream' : `pool of ${streams}`;
      rows.push(
        `| ${mode.padEnd(8)} | ${label.padEnd(9)} | ${Math.round(rate).toLocaleString('en-US').padStart(9)} | ${line.mbPerSec.toFixed(1).padStart(5)} |`,
      );
    }
  } finally {
    server.stop();
  }
}
console.log('\n| mode     | client    | records/s |  MB/s |\n|----------|-----------|----------:|------:|');
for (const row of rows) console.log(row);
console.log(
  `\n${RECORDS.toLocaleString('en-US')} JSON records of ${SIZE} B per run, fire-and-forget, median of ${RUNS} after a warm-up of a tenth; ` +
    'ack-only: acknowledged by a server that keeps nothing; durable: acknowledged once committed to Delta; ' +
    (STREAM_LIMIT > 0
      ? `each stream limited to ${STREAM_LIMIT.toLocaleString('en-US')} records/s by the server.`
      : 'no per-stream limit.'),
);
