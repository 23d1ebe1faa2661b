/**
 * The four ways of ingesting that the bench compares. Each run opens a fresh stream (not timed),
 * times from the first ingest call until everything is acknowledged, then closes the stream
 * (not timed). Ingest-to-ack latencies are recorded per offset along the way.
 */
import { TableProperties, type ZerobusSdk, type ZerobusStream } from '@zerobus/sdk';
import type { Mode } from './args.js';
import { AckLatencies, ResourceSampler, type ResourceUsage } from './measure.js';
import type { RecordSource } from './records.js';

export const CLIENT_ID = 'emulator-client';
export const CLIENT_SECRET = 'emulator-secret';

/** What every client's runs get (bench/native-modes.ts too). */
export interface RunInputBase {
  readonly source: RecordSource;
  readonly records: number;
  readonly batchSize: number;
  /** CPU seconds the server process used so far, if known. */
  readonly serverCpu: () => number | undefined;
}

export interface RunInput extends RunInputBase {
  readonly sdk: ZerobusSdk;
}

export interface RunResult {
  readonly seconds: number;
  /** Milliseconds from ingest call to acknowledgement, one per offset (a batch is one offset). */
  readonly latencies: Float64Array;
  readonly usage: ResourceUsage;
  readonly serverCpuSeconds: number | undefined;
  /** The timed part on the monotonic clock V8 CPU profiles use, in µs: what a profile should look at. */
  readonly windowUs: readonly [number, number];
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

type Body = (stream: ZerobusStream, input: BodyInput, lat: AckLatencies) => Promise<void>;
type BodyInput = RunInput & { readonly sampler: ResourceSampler };

/** `await (await ingestRecord(r)).waitForAck()`, one record at a time. */
const sequential: Body = async (stream, { source, records }, lat) => {
  for (let i = 0; i < records; i++) {
    lat.sentAt[i] = performance.now();
    const ack = await stream.ingestRecord(source.record(i));
    await ack.waitForAck();
    lat.latency[i] = performance.now() - lat.sentAt[i]!;
  }
};

/** `ingestRecordNowait` for all, awaiting `ready()` when the window is full, then `flush()`. */
const fireAndForget: Body = async (stream, { source, records, sampler }, lat) => {
  for (let i = 0; i < records; i++) {
    lat.sentAt[i] = performance.now();
    if (!stream.ingestRecordNowait(source.record(i))) await stream.ready();
  }
  sampler.sample();
  await stream.flush();
};

/** `await ingestRecordOffset` for all, then `waitForOffset` on the last offset. */
const offset: Body = async (stream, { source, records, sampler }, lat) => {
  let last = -1;
  for (let i = 0; i < records; i++) {
    lat.sentAt[i] = performance.now();
    last = await stream.ingestRecordOffset(source.record(i));
  }
  sampler.sample();
  await stream.waitForOffset(last);
};

/** `ingestRecordsNowait` in batches of `batchSize` (one offset each), then `flush()`. */
const batch: Body = async (stream, { source, records, batchSize, sampler }, lat) => {
  for (let start = 0, o = 0; start < records; start += batchSize, o++) {
    const end = Math.min(records, start + batchSize);
    const items: unknown[] = new Array(end - start);
    for (let i = start; i < end; i++) items[i - start] = source.record(i);
    lat.sentAt[o] = performance.now();
    if (!stream.ingestRecordsNowait(items)) await stream.ready();
  }
  sampler.sample();
  await stream.flush();
};

const BODIES: Record<Mode, Body> = { sequential, 'fire-and-forget': fireAndForget, offset, batch };

export function offsetsOf(mode: Mode, records: number, batchSize: number): number {
  return mode === 'batch' ? Math.ceil(records / batchSize) : records;
}

export async function runOnce(mode: Mode, input: RunInput): Promise<RunResult> {
  const { sdk, source, records, batchSize } = input;
  const lat = new AckLatencies(offsetsOf(mode, records, batchSize));
  const table = new TableProperties(`main.bench.${source.kind}_${source.size}`, source.descriptor);
  const stream = await sdk.createStream(CLIENT_ID, CLIENT_SECRET, table, {
    recordType: source.kind,
    // Sequential measures each ack where it waits for it; the others through the callback.
    ...(mode !== 'sequential' && { ackCallback: { onAck: (o: number) => lat.onAck(o) } }),
  });
  try {
    const serverCpuBefore = input.serverCpu();
    const sampler = new ResourceSampler();
    const startUs = monotonicUs();
    const started = performance.now();
    await BODIES[mode](stream, { ...input, sampler }, lat);
    const seconds = (performance.now() - started) / 1000;
    const windowUs = [startUs, monotonicUs()] as const;
    const usage = sampler.stop();
    const serverCpuAfter = input.serverCpu();
    const expected = lat.sentAt.length - 1;
    const acked = mode === 'sequential' ? stream.ackedOffset : lat.acked;
    if (stream.ackedOffset !== expected || acked !== expected) {
      throw new Error(`${mode}: acked up to ${stream.ackedOffset} (callback ${acked}), expected ${expected}`);
    }
    const serverCpuSeconds =
      serverCpuBefore === undefined || serverCpuAfter === undefined ? undefined : serverCpuAfter - serverCpuBefore;
    return { seconds, latencies: lat.latency, usage, serverCpuSeconds, windowUs };
  } finally {
    await stream.close();
  }
}
