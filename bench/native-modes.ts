/**
 * The bench's four modes with the official TypeScript SDK's native core (bench/native-sdk.ts),
 * as close to bench/modes.ts as its API allows. It has no ack callback and no non-blocking
 * ingest, so:
 * - `sequential`: `await stream.waitForOffset(await stream.ingestRecordOffset(r))` per record
 *   (its recommended calls; latency measured per record as for ours);
 * - `fire-and-forget`: `ingestRecordOffset(r)` for each record without awaiting it, then the
 *   last promise and `flush()`;
 * - `offset`: `last = await stream.ingestRecordOffset(r)` per record, then `waitForOffset(last)`;
 * - `batch`: `ingestRecordsOffset(batch)` without awaiting, then the last promise and `flush()`.
 * Ack latencies are only known for `sequential`; the other modes report none.
 */
import { schemaFromUcColumns, schemaToDescriptorProto } from '@zerobus/sdk/schema';
import type { Mode } from './args.js';
import { ResourceSampler } from './measure.js';
import { CLIENT_ID, CLIENT_SECRET, type RunInputBase, type RunResult } from './modes.js';
import type { NativeModule, NativeSdk, NativeStream } from './native-sdk.js';

/** DescriptorProto of bench/records.ts's `message R { optional int64 id = 1; optional string p = 2; }`, base64. */
const R_DESCRIPTOR = Buffer.from(
  schemaToDescriptorProto(
    schemaFromUcColumns([
      { name: 'id', type_text: 'bigint' },
      { name: 'p', type_text: 'string' },
    ]),
    'R',
  ),
).toString('base64');

export interface NativeRunInput extends RunInputBase {
  readonly native: NativeModule;
  readonly sdk: NativeSdk;
}

type Body = (stream: NativeStream, input: NativeRunInput, latency: Float64Array) => Promise<void>;

const sequential: Body = async (stream, { source, records }, latency) => {
  for (let i = 0; i < records; i++) {
    const sent = performance.now();
    await stream.waitForOffset(await stream.ingestRecordOffset(source.record(i)));
    latency[i] = performance.now() - sent;
  }
};

const fireAndForget: Body = async (stream, { source, records }) => {
  let last: Promise<bigint> | undefined;
  for (let i = 0; i < records; i++) {
    last = stream.ingestRecordOffset(source.record(i));
    // A rejection shows in the awaited last promise or in flush(); do not let others go unhandled.
    if (i < records - 1) last.catch(() => {});
  }
  await last;
  await stream.flush();
};

const offset: Body = async (stream, { source, records }) => {
  let last = -1n;
  for (let i = 0; i < records; i++) last = await stream.ingestRecordOffset(source.record(i));
  await stream.waitForOffset(last);
};

const batch: Body = async (stream, { source, records, batchSize }) => {
  let last: Promise<bigint | null> | undefined;
  for (let start = 0; start < records; start += batchSize) {
    const end = Math.min(records, start + batchSize);
    const items: unknown[] = new Array(end - start);
    for (let i = start; i < end; i++) items[i - start] = source.record(i);
    last = stream.ingestRecordsOffset(items);
    if (end < records) last.catch(() => {});
  }
  await last;
  await stream.flush();
};

const BODIES: Record<Mode, Body> = { sequential, 'fire-and-forget': fireAndForget, offset, batch };

export async function runOnceNative(mode: Mode, input: NativeRunInput): Promise<RunResult> {
  const { native, sdk, source, records } = input;
  const proto = source.kind === 'proto';
  const stream = await sdk.createStream(
    { tableName: `main.bench.native_${source.kind}_${source.size}`, ...(proto && { descriptorProto: R_DESCRIPTOR }) },
    CLIENT_ID,
    CLIENT_SECRET,
    { recordType: proto ? native.RecordType.Proto : native.RecordType.Json },
  );
  try {
    const latency = new Float64Array(mode === 'sequential' ? records : 0);
    const serverCpuBefore = input.serverCpu();
    const sampler = new ResourceSampler();
    const startUs = Number(process.hrtime.bigint() / 1000n);
    const started = performance.now();
    await BODIES[mode](stream, input, latency);
    const seconds = (performance.now() - started) / 1000;
    const windowUs = [startUs, Number(process.hrtime.bigint() / 1000n)] as const;
    const usage = sampler.stop();
    const serverCpuAfter = input.serverCpu();
    const serverCpuSeconds =
      serverCpuBefore === undefined || serverCpuAfter === undefined ? undefined : serverCpuAfter - serverCpuBefore;
    return { seconds, latencies: latency, usage, serverCpuSeconds, windowUs };
  } finally {
    await stream.close();
  }
}
