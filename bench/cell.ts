/** One cell of the matrix (type × size × mode): a warm-up run, then the measured runs' medians. */
import type { BenchConfig, Mode, RecordKind } from './args.js';
import { latencySummary, median } from './measure.js';
import type { RunInputBase, RunResult } from './modes.js';
import { recordSource } from './records.js';
import type { ServerHello } from './server.js';

const MB = 1e6;
/**
 * Payload bytes one batch may carry: the emulator, like grpc-js by default, refuses requests
 * over 4 MiB, so 10 KB records go in batches of 390 rather than 1,000.
 */
const MAX_BATCH_PAYLOAD = 4_000_000;

/** Whose client a cell ran: this SDK, or the official SDK's native core (`--vs-native`). */
export type Client = 'zerobus' | 'native';

export interface CellResult {
  readonly client: Client;
  readonly type: RecordKind;
  readonly sizeBytes: number;
  readonly mode: Mode;
  /** Records per measured run. */
  readonly records: number;
  readonly runs: number;
  readonly warmupRecords: number;
  /** Records per ingest call in the batch mode; null for the other modes. */
  readonly batchSize: number | null;
  /** Medians over the measured runs. */
  readonly seconds: number;
  readonly mbPerSec: number;
  readonly recordsPerSec: number;
  readonly p50AckMs: number;
  readonly p99AckMs: number;
  readonly peakRssMb: number;
  readonly startRssMb: number;
  readonly cpuSeconds: number;
  readonly serverCpuSeconds: number | null;
  /** MB/s of every measured run, in order. */
  readonly runMbPerSec: number[];
  /** The client process, and its measured runs' windows (µs, monotonic clock): for matching profiles. */
  readonly clientPid: number;
  readonly runWindowsUs: (readonly [number, number])[];
}

export interface CellSpec {
  readonly type: RecordKind;
  readonly size: number;
  readonly mode: Mode;
}

/** What bench/cell-process.ts is asked to run. */
export interface CellJob {
  readonly client: Client;
  readonly spec: CellSpec;
  readonly config: BenchConfig;
  readonly server: ServerHello;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** One run of a mode with one client (bench/modes.ts, bench/native-modes.ts). */
export type RunOnce = (mode: Mode, input: RunInputBase) => Promise<RunResult>;

export async function runCell(
  client: Client,
  runOnce: RunOnce,
  spec: CellSpec,
  config: BenchConfig,
  serverCpu: () => number | undefined,
): Promise<CellResult> {
  const records = spec.mode === 'sequential' ? config.sequentialRecords : config.records;
  const warmupRecords = Math.max(1, Math.floor(records / 10));
  const source = recordSource(spec.type, spec.size, records);
  const batchSize = Math.max(1, Math.min(config.batchSize, Math.floor(MAX_BATCH_PAYLOAD / spec.size)));
  const base = { source, batchSize, serverCpu };
  await runOnce(spec.mode, { ...base, records: warmupRecords });

  const runs: RunResult[] = [];
  for (let r = 0; r < config.runs; r++) {
    // Start each run from a collected heap (with --expose-gc) so runs do not pay for each other's garbage.
    gc?.();
    runs.push(await runOnce(spec.mode, { ...base, records }));
  }
  const pick = (f: (run: RunResult) => number) => median(runs.map(f));
  const latencies = runs.map((run) => latencySummary(run.latencies));
  const serverCpus = runs.map((run) => run.serverCpuSeconds);
  return {
    client,
    type: spec.type,
    sizeBytes: spec.size,
    mode: spec.mode,
    records,
    runs: runs.length,
    warmupRecords,
    batchSize: spec.mode === 'batch' ? batchSize : null,
    seconds: pick((run) => run.seconds),
    mbPerSec: pick((run) => (records * spec.size) / MB / run.seconds),
    recordsPerSec: pick((run) => records / run.seconds),
    p50AckMs: median(latencies.map((l) => l.p50Ms)),
    p99AckMs: median(latencies.map((l) => l.p99Ms)),
    peakRssMb: pick((run) => run.usage.peakRss / MB),
    startRssMb: pick((run) => run.usage.startRss / MB),
    cpuSeconds: pick((run) => run.usage.cpuSeconds),
    serverCpuSeconds: serverCpus.every((s) => s !== undefined) ? median(serverCpus as number[]) : null,
    runMbPerSec: runs.map((run) => (records * spec.size) / MB / run.seconds),
    clientPid: process.pid,
    runWindowsUs: runs.map((run) => run.windowUs),
  };
}
