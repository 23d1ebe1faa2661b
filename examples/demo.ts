/**
 * The README's demo: starts the local Zerobus server embedded in this process, creates a Unity
 * Catalog table, streams 100,000 records into it through the SDK with progress, then reads the
 * Delta table back with DuckDB — an independent engine — and prints what it holds.
 *
 *   npm ci && npm run demo
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { startEmulator } from '@zerobus/emulator';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import protobuf from 'protobufjs';

const TOTAL = 100_000;
const TABLE = 'main.demo.events';

const emulator = await startEmulator();
console.log(`local Zerobus server  ${emulator.endpoint}   (OAuth + Unity Catalog at ${emulator.unityCatalogEndpoint})`);
console.log(`data directory        ${emulator.dataDir}`);

await emulator.createDeltaTable(TABLE, [
  { name: 'device_id', type_text: 'string', nullable: false },
  { name: 'temperature', type_text: 'double' },
  { name: 'ts', type_text: 'timestamp' },
  { name: 'tags', type_text: 'array<string>' },
]);
console.log(
  `created table         ${TABLE} (device_id STRING NOT NULL, temperature DOUBLE, ts TIMESTAMP, tags ARRAY<STRING>)`,
);

const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);

// --- JSON: fire-and-forget with back-pressure, then flush ---------------------------------------
let acked = -1;
const events = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties(TABLE), {
  recordType: 'json',
  ackCallback: {
    onAck(offset) {
      acked = offset;
    },
  },
});
console.log(`\nstream ${events.streamId} open (JSON)`);

const started = performance.now();
// On a terminal the progress line redraws itself; in a log it prints a line a second.
const tty = process.stdout.isTTY;
const report = () => `  ingesting: ${(((acked + 1) / TOTAL) * 100).toFixed(0).padStart(3)}%  ${acked + 1} durable`;
const progress = setInterval(() => process.stdout.write(tty ? `\r${report()}` : `${report()}\n`), tty ? 100 : 1000);
const base = 1_764_000_000_000_000n; // microseconds since the epoch
for (let i = 0; i < TOTAL; i++) {
  const record = {
    device_id: `sensor-${i % 100}`,
    temperature: 20 + (i % 50) / 10,
    ts: base + BigInt(i),
    tags: ['demo'],
  };
  // false means the in-flight window is full: wait for room instead of buffering without bound.
  if (!events.ingestRecordNowait(record)) await events.ready();
}
await events.flush();
clearInterval(progress);
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${tty ? '\r' : ''}${report()}\n`);
console.log(
  `  ${TOTAL.toLocaleString('en-US')} records acknowledged (each only once committed to Delta) in ${seconds.toFixed(2)} s: ` +
    `${Math.round(TOTAL / seconds).toLocaleString('en-US')} records/s (client and server share this process)`,
);
await events.close();

// --- Protocol Buffers: the same table through a message type ------------------------------------
const Event = protobuf
  .parse(`
  syntax = "proto2";
  message Event {
    required string device_id = 1;
    optional double temperature = 2;
    optional int64 ts = 3;
    repeated string tags = 4;
  }`)
  .root.lookupType('Event');
const proto = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties(TABLE, Event));
const offset = await proto.ingestRecordsOffset([
  { device_id: 'probe-1', temperature: -3.5, ts: base, tags: ['proto', 'batch'] },
  { device_id: 'probe-2', temperature: 41.25, ts: base },
]);
await proto.waitForOffset(offset as number);
await proto.close();
console.log(`stream ${proto.streamId} (protobuf): a batch of 2 at offset ${offset}, durable`);

// --- Read the Delta table back with DuckDB -------------------------------------------------------
const dir = emulator.catalog.table(TABLE)?.delta.dir as string;
const files = (await emulator.catalog.table(TABLE)?.delta.liveFiles()) ?? [];
const duck = await (await DuckDBInstance.create(':memory:')).connect();
const source = `read_parquet([${files.map((f) => `'${dir}/${f}'`).join(', ')}])`;
const count = (await duck.runAndReadAll(`SELECT count(*) AS n FROM ${source}`)).getRowObjectsJson()[0]?.n;
console.log(`\nDuckDB reads ${files.length} Parquet files of the Delta table at ${dir}: ${count} rows`);
const sample = await duck.runAndReadAll(
  `SELECT device_id, temperature, ts, tags FROM ${source} WHERE device_id LIKE 'probe%' OR ts < TIMESTAMPTZ '2025-11-24 16:00:00.000002+00' ORDER BY device_id LIMIT 4`,
);
for (const row of sample.getRowObjectsJson()) console.log(`  ${JSON.stringify(row)}`);
duck.closeSync();

await emulator.close();
