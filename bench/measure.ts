/** What a run measures besides its duration: ack latencies, client RSS and CPU, server CPU. */
import { readFileSync } from 'node:fs';

const RSS_SAMPLE_MS = 50;

/**
 * Ingest-to-ack latency per offset. `sentAt[o]` is stamped just before offset `o` is ingested;
 * acks are cumulative, so one `onAck(offset)` completes every offset up to it.
 */
export class AckLatencies {
  readonly sentAt: Float64Array;
  readonly latency: Float64Array;
  #acked = -1;

  constructor(offsets: number) {
    this.sentAt = new Float64Array(offsets);
    this.latency = new Float64Array(offsets);
  }

  onAck(offset: number): void {
    const now = performance.now();
    const last = Math.min(offset, this.sentAt.length - 1);
    for (let o = this.#acked + 1; o <= last; o++) this.latency[o] = now - this.sentAt[o]!;
    if (last > this.#acked) this.#acked = last;
  }

  get acked(): number {
    return this.#acked;
  }
}

/** The `p`-th percentile (0..100) by nearest rank; NaN for no values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function latencySummary(latencies: Float64Array): { p50Ms: number; p99Ms: number } {
  const sorted = Float64Array.from(latencies).sort();
  return { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface ResourceUsage {
  /** Highest RSS seen during the run, bytes. */
  readonly peakRss: number;
  /** RSS when the run started, bytes. */
  readonly startRss: number;
  /** User + system CPU seconds of this process during the run. */
  readonly cpuSeconds: number;
}

/**
 * Samples this process's RSS every 50 ms and on demand. A synchronous ingest loop blocks the
 * timer, so runners also call `sample()` where memory peaks (end of the ingest loop).
 */
export class ResourceSampler {
  readonly #startRss = process.memoryUsage.rss();
  readonly #startCpu = process.cpuUsage();
  readonly #timer = setInterval(() => this.sample(), RSS_SAMPLE_MS);
  #peak = this.#startRss;

  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.#peak) this.#peak = rss;
  }

  stop(): ResourceUsage {
    this.sample();
    clearInterval(this.#timer);
    const cpu = process.cpuUsage(this.#startCpu);
    return { peakRss: this.#peak, startRss: this.#startRss, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  }
}

/** utime + stime of another process, from /proc (clock ticks: 100 per second); undefined off Linux. */
export function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name start at field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / 100;
    return Number.isFinite(seconds) ? seconds : undefined;
  } catch {
    return undefined;
  }
}
