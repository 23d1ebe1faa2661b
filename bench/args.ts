/** Command-line flags of bench/ingest.ts. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const MODES = ['sequential', 'fire-and-forget', 'offset', 'batch'] as const;
export type Mode = (typeof MODES)[number];
export const TYPES = ['json', 'proto'] as const;
export type RecordKind = (typeof TYPES)[number];

export interface BenchConfig {
  readonly modes: readonly Mode[];
  readonly types: readonly RecordKind[];
  /** Payload sizes in bytes. */
  readonly sizes: readonly number[];
  /** Records per measured run (every mode but sequential). */
  readonly records: number;
  /** Records per measured run of the sequential mode. */
  readonly sequentialRecords: number;
  readonly runs: number;
  /** Records per batch in the batch mode (fewer for large records: see cell.ts). */
  readonly batchSize: number;
  /** Where each cell's client process writes a V8 CPU profile (`--cpu-prof`), if anywhere. */
  readonly cpuProfDir: string | undefined;
  /** Raw grpc-js channel options for the SDK (`ZerobusSdkOptions.grpcChannelOptions`), for experiments. */
  readonly grpcOptions: Record<string, string | number>;
  /** Extra node flags for the cell processes (e.g. `--perf-basic-prof` for Linux perf). */
  readonly nodeFlags: readonly string[];
  /** Also run each cell with the official SDK's native core, and print the ratio. */
  readonly vsNative: boolean;
}

export const USAGE = `Usage: npm run bench -- [flags]      (or: tsx bench/ingest.ts [flags])

Measures @zerobus/sdk (built dist) against an ack-only emulator in a separate process.

  --modes LIST               ${MODES.join(',')} (default: all)
  --types LIST               json,proto (default: both)
  --sizes LIST               payload sizes in bytes; k = 1024 (default: 20,220,750,10k)
  --records N                records per run (default 100000)
  --sequential-records N     records per run of the sequential mode (default 10000)
  --runs N                   measured runs per cell, median reported (default 3)
  --quick                    5,000 records (1,000 sequential), 1 run: a smoke test
  --cpu-prof-dir DIR         write a .cpuprofile of each cell's client process into DIR
  --grpc-option KEY=VALUE    a grpc-js channel option for the SDK (repeatable), for experiments
  --node-flag=FLAG           a node flag for the cell processes (repeatable), e.g. --node-flag=--perf-basic-prof
  --vs-native                each cell also with the official SDK's native core (installed by hand:
                             bench/README.md), against the same server, and the ratio
  --help                     this text

Each cell runs in a fresh client process: once unmeasured (warm-up, a tenth of the records),
then --runs times, each on a fresh stream. Output: one "BENCH {json}" line per cell as it
completes, then a table.`;

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return n;
}

function list<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T[] {
  if (value === undefined) return [...allowed];
  const items = value.split(',').map((s) => s.trim());
  for (const item of items) {
    if (!allowed.includes(item as T)) throw new Error(`--${name}: unknown ${item}; one of ${allowed.join(', ')}`);
  }
  return items as T[];
}

function sizes(value: string | undefined): number[] {
  return (value ?? '20,220,750,10k').split(',').map((raw) => {
    const match = /^(\d+)\s*(k|kb)?$/i.exec(raw.trim());
    const n = match ? Number(match[1]) * (match[2] ? 1024 : 1) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 20) throw new Error(`--sizes: ${raw} is not a size of at least 20 bytes`);
    return n;
  });
}

function grpcOptions(pairs: readonly string[]): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--grpc-option takes KEY=VALUE, got ${pair}`);
    const value = pair.slice(eq + 1);
    out[pair.slice(0, eq)] = value !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return out;
}

/** The parsed flags, or `undefined` when --help was asked for. */
export function parseConfig(argv: readonly string[]): BenchConfig | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      help: { type: 'boolean' },
      quick: { type: 'boolean' },
      modes: { type: 'string' },
      types: { type: 'string' },
      sizes: { type: 'string' },
      records: { type: 'string' },
      runs: { type: 'string' },
      'sequential-records': { type: 'string' },
      'cpu-prof-dir': { type: 'string' },
      'grpc-option': { type: 'string', multiple: true },
      'node-flag': { type: 'string', multiple: true },
      'vs-native': { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const quick = values.quick === true;
  return {
    modes: list('modes', values.modes, MODES),
    types: list('types', values.types, TYPES),
    sizes: sizes(values.sizes),
    records: positive('records', values.records, quick ? 5_000 : 100_000),
    sequentialRecords: positive('sequential-records', values['sequential-records'], quick ? 1_000 : 10_000),
    runs: positive('runs', values.runs, quick ? 1 : 3),
    batchSize: 1_000,
    cpuProfDir: values['cpu-prof-dir'] === undefined ? undefined : resolve(values['cpu-prof-dir']),
    grpcOptions: grpcOptions(values['grpc-option'] ?? []),
    nodeFlags: values['node-flag'] ?? [],
    vsNative: values['vs-native'] === true,
  };
}
