/**
 * What `stream.stats()` costs the hot path; not a test.
 *
 * 1. Fire and forget: 300,000 pre-encoded proto records through `ingestRecordNowait` (awaiting
 *    `ready()` when the window is full) and a flush, against the local server in this process;
 *    with the ack-path bookkeeping as shipped, and with it swapped for the plain queue shift it
 *    replaced. Best of 5 alternating rounds, ns/record.
 * 2. The ack path alone: acknowledging 1,000,000 queued requests 1,000 at a time, the same two
 *    ways, and with OpenTelemetry on (an @opentelemetry/sdk-metrics histogram), ns/request.
 *
 *   npx tsx --conditions=@zerobus/source bench/stats-cost.ts
 */
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { startEmulator } from '@zerobus/emulator';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import protobuf from 'protobufjs';
import { pendingRequest, type QueuedUnit, RequestQueue } from '../packages/sdk/src/engine/request-queue.js';
import { StreamMetrics } from '../packages/sdk/src/engine/stream-metrics.js';

const Row = protobuf
  .parse('syntax = "proto2"; message Row { required int64 id = 1; optional string device = 2; }')
  .root.lookupType('Row');
const N = 300_000;
const records = Array.from({ length: N }, (_, i) => Row.encode({ id: i, device: `dev-${i % 100}` }).finish());

const shipped = StreamMetrics.prototype.shiftAcked;
/** The ack path before stats: shift the acknowledged requests, nothing else. */
function plainShift(this: StreamMetrics, queue: RequestQueue<QueuedUnit>, offset: number): number {
  return queue.shiftThrough(offset);
}

async function fireAndForget(sdk: ZerobusSdk): Promise<number> {
  const stream = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties('main.b.t', Row));
  const start = process.hrtime.bigint();
  for (const record of records) if (!stream.ingestRecordNowait(record)) await stream.ready();
  await stream.flush();
  const ns = Number(process.hrtime.bigint() - start) / N;
  await stream.close();
  return ns;
}

function ackPath(otel = false): number {
  const metrics = new StreamMetrics();
  if (otel) {
    const histogram = new MeterProvider().getMeter('bench').createHistogram('latency');
    const attributes = { 'zerobus.table': 'main.b.t' };
    metrics.sink = { latency: (ms) => histogram.record(ms, attributes), ended() {} };
  }
  const queue = new RequestQueue(1024);
  const payloads = [records[0] as Uint8Array];
  const total = 1_000_000;
  let offset = 0;
  let elapsed = 0n;
  const stamp = { at: 1 };
  while (offset < total) {
    for (let i = 0; i < 1_000; i++) {
      const request = pendingRequest(offset++, payloads, false);
      request.sent = request.firstSent = stamp;
      queue.push(request);
    }
    const start = process.hrtime.bigint();
    metrics.shiftAcked(queue, offset - 1, 2);
    elapsed += process.hrtime.bigint() - start;
  }
  return Number(elapsed) / total;
}

const emulator = await startEmulator({ tables: ['main.b.t'] }); // a schemaless table
const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
const best = { shipped: Number.POSITIVE_INFINITY, plain: Number.POSITIVE_INFINITY };
await fireAndForget(sdk); // warm-up
for (let round = 0; round < 5; round++) {
  for (const variant of ['shipped', 'plain'] as const) {
    StreamMetrics.prototype.shiftAcked = variant === 'shipped' ? shipped : plainShift;
    emulator.clearRecords();
    best[variant] = Math.min(best[variant], await fireAndForget(sdk));
  }
}
await emulator.close();
const ack = { shipped: Number.POSITIVE_INFINITY, plain: Number.POSITIVE_INFINITY };
for (let round = 0; round < 5; round++) {
  for (const variant of ['shipped', 'plain'] as const) {
    StreamMetrics.prototype.shiftAcked = variant === 'shipped' ? shipped : plainShift;
    ack[variant] = Math.min(ack[variant], ackPath());
  }
}
StreamMetrics.prototype.shiftAcked = shipped;
let otel = Number.POSITIVE_INFINITY;
for (let round = 0; round < 5; round++) otel = Math.min(otel, ackPath(true));
const f = (ns: number) => ns.toFixed(1);
console.log(
  `fire and forget, ${N} records: with stats ${f(best.shipped)} ns/record, without ${f(best.plain)} ns/record`,
);
console.log(
  `ack path alone: with stats ${f(ack.shipped)} ns/request, without ${f(ack.plain)} ns/request, ` +
    `with stats and an OpenTelemetry histogram ${f(otel)} ns/request`,
);
