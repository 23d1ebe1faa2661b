/**
 * `zerobus bench`: a quick, self-contained ingestion benchmark. Starts an ack-only local server
 * (a child process by default), streams N records of S payload bytes through the SDK
 * fire-and-forget (`ingestRecordNowait`, awaiting `ready()` when the window is full, then
 * `flush()`), and prints records/s and MB/s. The thorough benchmark is `npm run bench`
 * (bench/ingest.ts in the repository).
 */
import { parseArgs } from 'node:util';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { schemaToDescriptorProto, type TableSchema } from '@zerobus/sdk/schema';
import { oneOf, positiveInteger, UsageError } from '../args.js';
import { formatCount } from '../format.js';
import { type LocalServer, startChildServer, startInProcessServer } from '../local-server.js';

export const BENCH_USAGE = `Usage: zerobus bench [options]

A quick ingestion benchmark, self-contained: starts a local server that acknowledges and drops
records (auth on), streams N records of S payload bytes through the SDK fire-and-forget
(ingestRecordNowait, waiting for room when the in-flight window is full, then flush), and
prints records/s and MB/s (MB = 10^6 payload bytes). A warm-up of N/10 records comes first.

Options:
  --records N             records per run (default 100,000)
  --size BYTES            payload bytes per record (default 1,000; at least 32)
  --type json|proto|both  record type (default both): JSON objects {id, p} serialized by the
                          SDK, or the same as protobuf messages encoded by the SDK
  --in-process            run the server in this process (default: a child process, so that it
                          does not share this process's CPU)
  --json                  one JSON line per record type on stdout
  -h, --help              show this help

Exit codes: 0 done, 1 the run failed or bad usage.
`;

const MIN_SIZE = 32;

/** `{ id BIGINT, p STRING }`, for the descriptor of proto runs. */
const SCHEMA: TableSchema = {
  fields: [
    { name: 'id', type: { kind: 'primitive', name: 'long' }, nullable: true },
    { name: 'p', type: { kind: 'primitive', name: 'string' }, nullable: true },
  ],
};

function varintLength(n: number): number {
  let length = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    length++;
  }
  return length;
}

/**
 * Record `id` padded so that its payload is `size` bytes: JSON `{"id":N,"p":"x…"}`, or protobuf
 * (field 1 varint, field 2 length-delimited). Pads are shared; returns the payload length too.
 */
function recordMaker(type: 'json' | 'proto', size: number): (id: number) => { record: object; bytes: number } {
  const pads = new Map<number, string>();
  const pad = (length: number) => {
    let p = pads.get(length);
    if (p === undefined) {
      p = 'x'.repeat(length);
      pads.set(length, p);
    }
    return p;
  };
  if (type === 'json') {
    return (id) => {
      const length = Math.max(0, size - 14 - String(id).length);
      return { record: { id, p: pad(length) }, bytes: 14 + String(id).length + length };
    };
  }
  return (id) => {
    const fixed = 2 + varintLength(id);
    let length = Math.max(0, size - fixed - 1);
    while (length > 0 && fixed + varintLength(length) + length > size) length--;
    return { record: { id, p: pad(length) }, bytes: fixed + varintLength(length) + length };
  };
}

interface BenchResult {
  readonly type: 'json' | 'proto';
  readonly records: number;
  readonly sizeBytes: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly mbPerSecond: number;
}

async function run(server: LocalServer, type: 'json' | 'proto', records: number, size: number): Promise<BenchResult> {
  const sdk = new ZerobusSdk(server.endpoint, server.unityCatalogEndpoint, { proxy: false }); // a loopback server: never through a proxy
  const table =
    type === 'json'
      ? new TableProperties('bench.cli.json')
      : new TableProperties('bench.cli.proto', schemaToDescriptorProto(SCHEMA, 'R'));
  const make = recordMaker(type, size);
  const once = async (count: number) => {
    const stream = await sdk.createStream(server.clientId, server.clientSecret, table, { recordType: type });
    let bytes = 0;
    const started = performance.now();
    for (let id = 0; id < count; id++) {
      const { record, bytes: length } = make(id);
      bytes += length;
      if (!stream.ingestRecordNowait(record)) await stream.ready();
    }
    await stream.flush();
    const seconds = (performance.now() - started) / 1000;
    await stream.close();
    return { bytes, seconds };
  };
  await once(Math.max(1, Math.floor(records / 10)));
  const { bytes, seconds } = await once(records);
  return {
    type,
    records,
    sizeBytes: size,
    bytes,
    seconds: Number(seconds.toFixed(3)),
    recordsPerSecond: Math.round(records / seconds),
    mbPerSecond: Number((bytes / 1e6 / seconds).toFixed(2)),
  };
}

export async function runBench(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      records: { type: 'string' },
      size: { type: 'string' },
      type: { type: 'string' },
      'in-process': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(BENCH_USAGE);
    return;
  }
  const records = values.records === undefined ? 100_000 : positiveInteger(values.records, 'records');
  const size = values.size === undefined ? 1000 : positiveInteger(values.size, 'size');
  if (size < MIN_SIZE) throw new UsageError(`--size must be at least ${MIN_SIZE} bytes`);
  const which = values.type === undefined ? 'both' : oneOf(values.type, ['json', 'proto', 'both'] as const, 'type');
  const types = which === 'both' ? (['json', 'proto'] as const) : ([which] as const);

  const server = values['in-process'] ? await startInProcessServer() : await startChildServer();
  try {
    if (!values.json) {
      process.stdout.write(
        `zerobus bench: ${formatCount(records)} records of ${formatCount(size)} B per record type, ` +
          `fire-and-forget, ack-only local server (${server.where}), node ${process.version}\n`,
      );
    }
    for (const type of types) {
      const result = await run(server, type, records, size);
      process.stdout.write(
        values.json
          ? `${JSON.stringify(result)}\n`
          : `${type.padEnd(5)}  ${formatCount(result.records)} records  ${result.seconds.toFixed(2)} s  ` +
              `${formatCount(result.recordsPerSecond)} records/s  ${result.mbPerSecond.toFixed(2)} MB/s\n`,
      );
    }
  } finally {
    await server.close();
  }
}
