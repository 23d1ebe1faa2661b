/**
 * The README's demo: starts the local Zerobus server embedded in this process, then streams
 * records into it through the SDK — JSON events fire-and-forget with progress, a batch, and
 * protobuf records — and prints what happened.
 *
 *   npm ci && npm run demo
 */
import { startEmulator } from '@zerobus/emulator';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import protobuf from 'protobufjs';

const TOTAL = 100_000;

const emulator = await startEmulator();
console.log(`local Zerobus server  ${emulator.endpoint}   (OAuth + Unity Catalog at ${emulator.unityCatalogEndpoint})`);

const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);

// --- JSON: fire-and-forget with back-pressure, then flush ---------------------------------------
let acked = -1;
const events = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties('main.demo.events'), {
  recordType: 'json',
  ackCallback: {
    onAck(offset) {
      acked = offset;
    },
  },
});
console.log(`\nstream ${events.streamId} open on ${events.tableName} (JSON)`);

const started = performance.now();
// On a terminal the progress line redraws itself; in a log it prints a line a second.
const tty = process.stdout.isTTY;
const progress = setInterval(
  () => {
    const line = `  ingesting: ${(((acked + 1) / TOTAL) * 100).toFixed(0).padStart(3)}%  ${acked + 1} acknowledged`;
    process.stdout.write(tty ? `\r${line}` : `${line}\n`);
  },
  tty ? 100 : 1000,
);
for (let i = 0; i < TOTAL; i++) {
  const record = {
    device_id: `sensor-${i % 100}`,
    temperature: 20 + (i % 50) / 10,
    ts: 1_764_000_000_000_000n + BigInt(i),
  };
  // false means the in-flight window is full: wait for room instead of buffering without bound.
  if (!events.ingestRecordNowait(record)) await events.ready();
}
const batchOffset = await events.ingestRecordsOffset([
  { device_id: 'batch-a', temperature: 1, ts: 0n },
  { device_id: 'batch-b', temperature: 2, ts: 0n },
]);
await events.flush();
clearInterval(progress);
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${tty ? '\r' : ''}  ingesting: 100%  ${acked + 1} acknowledged\n`);
const bytes = emulator.records('main.demo.events').reduce((sum, r) => sum + r.payload.length, 0);
console.log(
  `  ${TOTAL} records + 1 batch (offset ${batchOffset}) acknowledged in ${seconds.toFixed(2)} s: ` +
    `${Math.round(TOTAL / seconds).toLocaleString('en-US')} records/s, ${(bytes / seconds / 1e6).toFixed(1)} MB/s ` +
    '(client and server share this process)',
);
await events.close();

// --- Protocol Buffers: a message type from a .proto definition ---------------------------------
const { root } = protobuf.parse(`
  syntax = "proto2";
  message Reading {
    required string device_id = 1;
    optional double temperature = 2;
    optional int64 ts = 3;
  }`);
const Reading = root.lookupType('Reading');
const readings = await sdk.createStream(
  'emulator-client',
  'emulator-secret',
  new TableProperties('main.demo.readings', Reading),
);
console.log(`\nstream ${readings.streamId} open on ${readings.tableName} (protobuf)`);
const last = await readings.ingestRecordsOffset([
  { device_id: 'probe-1', temperature: 21.5, ts: 1n },
  { device_id: 'probe-2', temperature: 22.25, ts: 2n },
]);
const single = await readings.ingestRecordOffset({ device_id: 'probe-3', temperature: 23 });
await readings.waitForOffset(single);
console.log(`  batch at offset ${last}, single record at offset ${single}: acknowledged`);
await readings.close();

// --- What the server holds -----------------------------------------------------------------------
const stored = emulator.records('main.demo.events');
console.log(`\nmain.demo.events holds ${stored.length} records; the first three:`);
for (const record of stored.slice(0, 3)) console.log(`  ${record.payload}`);
console.log('main.demo.readings:');
for (const record of emulator.records('main.demo.readings')) {
  console.log(`  ${JSON.stringify(Reading.toObject(Reading.decode(record.payload as Uint8Array), { longs: String }))}`);
}

await emulator.close();
