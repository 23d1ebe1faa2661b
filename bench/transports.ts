/**
 * Transport options for the `EphemeralStream` call, side by side against the same ack-only
 * emulator (bench/server.ts, in its own process, auth off): grpc-js through the SDK's own
 * `Channel` (transport/channel.ts, `transport: 'grpc-js'`) and the SDK's own gRPC framing on
 * `node:http2` (the same `Channel`, `transport: 'http2'`, the default). Both are driven as the engine drives a call: `create_stream`,
 * then wire requests encoded by `encodeIngestRequest` into pooled envelopes that go back to the
 * pool from the write callback.
 *
 * - round trip: one `ingest_record` of a 20 B JSON record, wait for its ack, repeat; with a raw
 *   HTTP/2 echo of 30 bytes between two processes for reference (bench/ping-pong.ts);
 * - throughput: 100,000 records of SIZE as the engine sends queued singles (`ingest_record_batch`
 *   of up to 256 KiB, one offset each), at most 64 MiB unacknowledged, payloads pre-built (the
 *   JSON cost is bench/json-cost.ts's).
 * Clients alternate within each round, rounds repeat; medians and ratios are printed, with the
 * client's CPU time per MB. Not a test.
 *
 *   npx tsx bench/transports.ts [--rounds 3] [--round-trips 5000] [--sizes 750,10k] [--records 100000]
 */
import { spawn } from 'node:child_process';
import { connect as connectHttp2 } from 'node:http2';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Channel, parseEndpoint, type StreamCall } from '../packages/sdk/src/transport/channel.js';
import {
  encodeIngestRequest,
  encodeRequest,
  type StreamResponse,
  WireRecordType,
} from '../packages/sdk/src/transport/codec.js';
import { EnvelopePool } from '../packages/sdk/src/transport/envelope-pool.js';
import { median } from './measure.js';
import { startServerProcess } from './server-process.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    'round-trips': { type: 'string', default: '5000' },
    sizes: { type: 'string', default: '750,10k' },
    records: { type: 'string', default: '100000' },
  },
});
const ROUNDS = Number(values.rounds);
const ROUND_TRIPS = Number(values['round-trips']);
const RECORDS = Number(values.records);
const SIZES = values.sizes.split(',').map((s) => (/k$/i.test(s) ? Number(s.slice(0, -1)) * 1024 : Number(s)));
const MAX_WIRE_BYTES = 256 * 1024;
const MAX_INFLIGHT_BYTES = 64 * 1024 * 1024;

type ClientName = 'grpc-js' | 'http2';
const CLIENTS: ClientName[] = ['grpc-js', 'http2'];

interface OpenStream {
  readonly call: StreamCall;
  /** Resolves once the ack covers `offset`. */
  ackAt(offset: number): Promise<void>;
  close(): Promise<void>;
}

async function openStream(client: ClientName, endpoint: string, table: string): Promise<OpenStream> {
  let acked = -1;
  let waiter: { offset: number; resolve: () => void } | undefined;
  let created: (() => void) | undefined;
  let ended: (() => void) | undefined;
  const endedP = new Promise<void>((r) => {
    ended = r;
  });
  const handlers = {
    onResponse(response: StreamResponse | { kind: 'undecodable' }) {
      if (response.kind === 'createStreamResponse') created?.();
      else if (response.kind === 'ack') {
        acked = response.ackUpToOffset;
        if (waiter && acked >= waiter.offset) {
          const w = waiter;
          waiter = undefined;
          w.resolve();
        }
      }
    },
    onEnd(error: unknown) {
      if (error) console.error(`${client}: call ended: ${String(error)}`);
      ended?.();
    },
  };
  const headers = { 'x-databricks-zerobus-table-name': table, authorization: 'Bearer bench' };
  const channel = new Channel(parseEndpoint(endpoint), { transport: client });
  const call = channel.openCall(headers, handlers);
  const shutdown = () => channel.close();
  const ready = new Promise<void>((r) => {
    created = r;
  });
  call.write(encodeRequest({ kind: 'createStream', tableName: table, recordType: WireRecordType.JSON }));
  await ready;
  return {
    call,
    ackAt: (offset) =>
      acked >= offset
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            waiter = { offset, resolve };
          }),
    async close() {
      call.end();
      await Promise.race([endedP, new Promise((r) => setTimeout(r, 2000))]);
      shutdown();
    },
  };
}

const PAYLOAD_20 = Buffer.from('{"id":1,"p":"xxxxx"}');

/** µs per round trip of one ingest_record and its ack. */
async function roundTrip(client: ClientName, endpoint: string): Promise<number> {
  const stream = await openStream(client, endpoint, 'main.bench.transport_rt');
  const send = (offsetId: number) =>
    stream.call.write(
      encodeRequest({ kind: 'ingestRecord', offsetId, recordType: WireRecordType.JSON, records: [PAYLOAD_20] }),
    );
  let offset = 0;
  for (let i = 0; i < 500; i++, offset++) {
    send(offset);
    await stream.ackAt(offset);
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < ROUND_TRIPS; i++, offset++) {
    send(offset);
    await stream.ackAt(offset);
  }
  const us = Number(process.hrtime.bigint() - start) / 1000 / ROUND_TRIPS;
  await stream.close();
  return us;
}

/** MB/s and client CPU seconds for RECORDS records of `size` bytes in coalesced wire requests. */
async function throughput(client: ClientName, endpoint: string, size: number): Promise<[number, number]> {
  const stream = await openStream(client, endpoint, `main.bench.transport_${size}`);
  const payloads = Array.from({ length: 64 }, (_, i) => {
    const text = `{"id":${i},"p":"${'x'.repeat(Math.max(0, size - 16))}"}`;
    return Buffer.from(text).subarray(0, size);
  });
  const perRequest = Math.max(1, Math.floor(MAX_WIRE_BYTES / size));
  const pool = new EnvelopePool();
  const cpu = process.cpuUsage();
  const start = performance.now();
  let sentRecords = 0;
  let offset = -1;
  const ackedRecords: number[] = [];
  let writable = true;
  while (sentRecords < RECORDS) {
    const count = Math.min(perRequest, RECORDS - sentRecords);
    const records = new Array<Uint8Array>(count);
    for (let i = 0; i < count; i++) records[i] = payloads[(sentRecords + i) & 63]!;
    offset++;
    ackedRecords[offset] = sentRecords + count;
    // Window: at most MAX_INFLIGHT_BYTES of records sent and not yet acknowledged.
    const behind = offset - Math.ceil(MAX_INFLIGHT_BYTES / (perRequest * size));
    if (behind >= 0) await stream.ackAt(behind);
    let release: (() => void) | undefined;
    const bytes = encodeIngestRequest(
      { kind: 'ingestBatch', offsetId: offset, recordType: WireRecordType.JSON, records },
      (n) => {
        const envelope = pool.take(n);
        release = envelope.release;
        return envelope.bytes;
      },
    );
    writable = stream.call.write(bytes, release);
    sentRecords += count;
    if (!writable) await new Promise<void>((r) => stream.call.onDrain(r));
  }
  await stream.ackAt(offset);
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  await stream.close();
  return [(RECORDS * size) / 1e6 / seconds, (used.user + used.system) / 1e6];
}

/** µs per round trip of 30 bytes on a raw HTTP/2 stream to an echo server in another process. */
async function rawHttp2RoundTrip(port: number): Promise<number> {
  const session = connectHttp2(`http://127.0.0.1:${port}`);
  const stream = session.request({ ':method': 'POST', ':path': '/echo' });
  const message = Buffer.alloc(30, 1);
  let resolve: () => void = () => {};
  stream.on('data', () => resolve());
  const once = () =>
    new Promise<void>((r) => {
      resolve = r;
      stream.write(message);
    });
  for (let i = 0; i < 500; i++) await once();
  const start = process.hrtime.bigint();
  for (let i = 0; i < ROUND_TRIPS; i++) await once();
  const us = Number(process.hrtime.bigint() - start) / 1000 / ROUND_TRIPS;
  session.destroy();
  return us;
}

const ECHO_SERVER = `
const h2 = require('node:http2').createServer();
h2.on('stream', (s) => { s.respond({ ':status': 200 }); s.on('data', (d) => s.write(d)); });
h2.listen(0, '127.0.0.1', () => console.log(h2.address().port));
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
`;

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

async function main(): Promise<void> {
  const server = await startServerProcess(['--no-auth']);
  const echo = spawn(process.execPath, ['-e', ECHO_SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const echoPort = Number(await new Promise<string>((r) => createInterface({ input: echo.stdout! }).once('line', r)));
    console.log(
      `# transports: node ${process.version}, ${ROUNDS} rounds, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at start`,
    );
    const rt = new Map<string, number[]>([...CLIENTS, 'raw http2'].map((c) => [c, []]));
    const mbs = new Map<string, number[]>();
    const cpus = new Map<string, number[]>();
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which client goes first, so neither always meets a fresher machine.
      const order = round % 2 === 0 ? CLIENTS : [...CLIENTS].reverse();
      rt.get('raw http2')!.push(await rawHttp2RoundTrip(echoPort));
      for (const client of order) rt.get(client)!.push(await roundTrip(client, server.endpoint));
      for (const size of SIZES) {
        for (const client of order) {
          const [mb, cpu] = await throughput(client, server.endpoint, size);
          const key = `${client} ${size}`;
          mbs.set(key, [...(mbs.get(key) ?? []), mb]);
          cpus.set(key, [...(cpus.get(key) ?? []), cpu]);
        }
      }
      process.stderr.write(`round ${round + 1}/${ROUNDS} done, load ${loadavg()[0]!.toFixed(2)}\n`);
    }
    const raw = median(rt.get('raw http2')!);
    console.log(`\nround trip (ingest_record + ack, 20 B), µs, median of ${ROUNDS}:`);
    console.log(`  raw http2 echo   ${fmt(raw)}   runs ${rt.get('raw http2')!.map(fmt).join(' ')}`);
    for (const client of CLIENTS) {
      const us = median(rt.get(client)!);
      console.log(
        `  ${client.padEnd(16)} ${fmt(us)}   ${(us / raw).toFixed(2)}× raw   runs ${rt.get(client)!.map(fmt).join(' ')}`,
      );
    }
    console.log(`  grpc-js / http2: ${(median(rt.get('grpc-js')!) / median(rt.get('http2')!)).toFixed(2)}×`);
    for (const size of SIZES) {
      console.log(`\nthroughput, ${size} B records in ≤256 KiB requests, MB/s (client CPU s), median of ${ROUNDS}:`);
      for (const client of CLIENTS) {
        const key = `${client} ${size}`;
        console.log(
          `  ${client.padEnd(16)} ${fmt(median(mbs.get(key)!))} (${median(cpus.get(key)!).toFixed(2)} s)   runs ${mbs
            .get(key)!
            .map(fmt)
            .join(' ')}`,
        );
      }
      console.log(
        `  http2 / grpc-js: ${(median(mbs.get(`http2 ${size}`)!) / median(mbs.get(`grpc-js ${size}`)!)).toFixed(2)}×`,
      );
    }
    console.log(
      `\nload average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at the end`,
    );
  } finally {
    echo.stdin!.end();
    server.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
