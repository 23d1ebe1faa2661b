/**
 * Memory under faults: 1,000,000 records of 220 B through one stream while a proxy resets
 * connections at random (seeded), against the ack-only server in its own process. Prints peak
 * RSS next to the bound the in-flight window implies.
 *
 *   npm run bench:memory [-- --records 1000000 --inflight 50000]
 */
import { parseArgs } from 'node:util';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { startChaosProxy } from '../test/support/chaos-proxy.js';
import { jsonRecords } from './records.js';
import { startServerProcess } from './server-process.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    inflight: { type: 'string', default: '50000' },
  },
});
const RECORDS = Number(values.records);
const INFLIGHT = Number(values.inflight);
const SIZE = 220;

const server = await startServerProcess();
const proxy = await startChaosProxy(Number(new URL(server.endpoint).port), {
  seed: 7,
  resetProbability: 0.0005,
  stallProbability: 0.001,
  stallMs: 100,
});
let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 50);
try {
  const sdk = new ZerobusSdk(proxy.endpoint, server.unityCatalogEndpoint);
  const stream = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties('bench.memory.t'), {
    recordType: 'json',
    maxInflightRecords: INFLIGHT,
    recoveryBackoffMs: 50,
    recoveryRetries: 1_000,
  });
  const source = jsonRecords(SIZE, RECORDS);
  const startRss = process.memoryUsage.rss();
  const started = performance.now();
  for (let i = 0; i < RECORDS; i++) {
    if (!stream.ingestRecordNowait(source.record(i))) await stream.ready();
  }
  await stream.flush();
  const seconds = (performance.now() - started) / 1000;
  await stream.close();
  const mb = (bytes: number) => (bytes / 1e6).toFixed(0);
  const payloadInFlight = INFLIGHT * SIZE;
  console.log(
    JSON.stringify({
      records: RECORDS,
      sizeBytes: SIZE,
      maxInflightRecords: INFLIGHT,
      seconds: +seconds.toFixed(1),
      recordsPerSec: Math.round(RECORDS / seconds),
      connections: proxy.stats.connections,
      resets: proxy.stats.resets,
      startRssMb: +mb(startRss),
      peakRssMb: +mb(peakRss),
      inFlightPayloadMb: +mb(payloadInFlight),
    }),
  );
} finally {
  clearInterval(sampler);
  await proxy.close();
  server.stop();
}
