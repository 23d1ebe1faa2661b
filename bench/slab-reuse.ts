/**
 * What reusing payload slabs (records/payload-slab.ts) saves; not a test. Two ways each,
 * alternating: released on acknowledgement (slabs reused, as shipped) and never released (every
 * slab fresh memory, left to the GC: the path as it was before reuse).
 *
 * 1. The copy alone: records copied into slabs and queued; past a 64 MiB window they are
 *    acknowledged 64 at a time, oldest first. CPU per record (user + system) and its system
 *    part (first-touch page faults), median of 7 rounds.
 * 2. End to end: JSON fire-and-forget (`ingestRecordNowait`, `ready()`, `flush()`) from this
 *    process to the bench's ack-only server in its own process (bench/server.ts), default
 *    options; "never released" swaps the records protocol's `discard` for a no-op. Client CPU
 *    per record and MB/s, median of 5 rounds, and slabs allocated per run.
 *
 *   npx tsx --conditions=@zerobus/source bench/slab-reuse.ts
 */
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { RecordsProtocol } from '../packages/sdk/src/engine/records-protocol.js';
import { copyToSlab, releasePayload, slabCounters } from '../packages/sdk/src/records/payload-slab.js';
import { startServerProcess } from './server-process.js';

const WINDOW_BYTES = 64 << 20;
const RECORDS = 200_000;
const ACK_CHUNK = 64;
const ROUNDS = 7;

interface Sample {
  readonly cpuNs: number;
  readonly systemNs: number;
}

function run(size: number, reuse: boolean): Sample {
  const source = Buffer.alloc(size, 0x78);
  const window = Math.floor(WINDOW_BYTES / size);
  const queue: (Uint8Array | undefined)[] = [];
  let head = 0;
  const start = process.cpuUsage();
  for (let i = 0; i < RECORDS; i++) {
    queue.push(copyToSlab(source, size));
    if (queue.length - head <= window) continue;
    for (let k = 0; k < ACK_CHUNK; k++) {
      const payload = queue[head] as Uint8Array;
      queue[head++] = undefined;
      if (reuse) releasePayload(payload);
    }
  }
  // What is still queued is acknowledged too, so that the next round starts with free slabs.
  for (; head < queue.length; head++) if (reuse) releasePayload(queue[head] as Uint8Array);
  const used = process.cpuUsage(start);
  return { cpuNs: ((used.user + used.system) * 1000) / RECORDS, systemNs: (used.system * 1000) / RECORDS };
}

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

console.log('1. the copy alone');

for (const size of [750, 10_240]) {
  const fresh: Sample[] = [];
  const reused: Sample[] = [];
  const before = slabCounters();
  run(size, true); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    fresh.push(run(size, false));
    reused.push(run(size, true));
  }
  const after = slabCounters();
  const cpu = (samples: Sample[]) => median(samples.map((s) => s.cpuNs));
  const sys = (samples: Sample[]) => median(samples.map((s) => s.systemNs));
  console.log(
    `${size} B: fresh slabs ${cpu(fresh).toFixed(0)} ns/record (system ${sys(fresh).toFixed(0)}), ` +
      `reused ${cpu(reused).toFixed(0)} ns/record (system ${sys(reused).toFixed(0)}): ` +
      `${(cpu(fresh) / cpu(reused)).toFixed(2)}×; slabs allocated ${after.allocated - before.allocated}, ` +
      `reused ${after.reused - before.reused}`,
  );
}

console.log('2. end to end, JSON fire-and-forget to the server in its own process');
const server = await startServerProcess();
const sdk = new ZerobusSdk(server.endpoint, server.unityCatalogEndpoint);
const shipped = RecordsProtocol.prototype.discard;
const neverReleased = () => {};

interface EndToEnd {
  readonly cpuUs: number;
  readonly mbPerSec: number;
  readonly slabs: number;
}

async function endToEnd(size: number, records: number): Promise<EndToEnd> {
  const table = new TableProperties(`main.bench.json_${size}`);
  const stream = await sdk.createStream('emulator-client', 'emulator-secret', table, { recordType: 'json' });
  const pad = 'x'.repeat(size - 20);
  const slabs = slabCounters().allocated;
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let id = 0; id < records; id++) if (!stream.ingestRecordNowait({ id, p: pad })) await stream.ready();
  await stream.flush();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await stream.close();
  return {
    cpuUs: (used.user + used.system) / records,
    mbPerSec: (records * size) / 1e3 / ms,
    slabs: slabCounters().allocated - slabs,
  };
}

try {
  for (const [size, records] of [
    [750, 100_000],
    [10_240, 30_000],
  ] as const) {
    await endToEnd(size, records / 10); // warm-up
    const results = { fresh: [] as EndToEnd[], reused: [] as EndToEnd[] };
    for (let round = 0; round < 5; round++) {
      for (const way of round % 2 ? (['reused', 'fresh'] as const) : (['fresh', 'reused'] as const)) {
        RecordsProtocol.prototype.discard = way === 'reused' ? shipped : neverReleased;
        results[way].push(await endToEnd(size, records));
      }
    }
    RecordsProtocol.prototype.discard = shipped;
    const line = (way: 'fresh' | 'reused') =>
      `${median(results[way].map((r) => r.cpuUs)).toFixed(1)} µs/record, ` +
      `${median(results[way].map((r) => r.mbPerSec)).toFixed(0)} MB/s, ` +
      `${median(results[way].map((r) => r.slabs))} slabs`;
    const ratio = median(results.fresh.map((r) => r.cpuUs)) / median(results.reused.map((r) => r.cpuUs));
    console.log(`${size} B × ${records}: fresh ${line('fresh')}; reused ${line('reused')}; CPU ${ratio.toFixed(2)}×`);
  }
} finally {
  server.stop();
}
