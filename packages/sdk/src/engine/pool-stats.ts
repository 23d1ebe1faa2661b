/**
 * `StreamPool.stats()`: the streams' counters added up. A replaced stream's unacknowledged
 * requests were ingested again into its successor, so of a replaced stream only what it got
 * acknowledged counts (as ingested and as acknowledged); the successor counts the rest.
 */
import type { LatencySummary } from './latency-window.js';
import type { StreamStats } from './stream-metrics.js';

/**
 * The counters of a {@link StreamPool} (`pool.stats()`): each {@link StreamStats} counter added up
 * over its streams (of a replaced stream, only what it got acknowledged), the ack latency combined,
 * and each stream's own stats.
 *
 * @example
 * ```ts
 * import type { StreamPoolStats } from '@zerobus/sdk';
 *
 * const stats: StreamPoolStats = pool.stats();
 * console.log(`${stats.recordsAcked} records acked over ${stats.streams.length} streams`);
 * stats.streams.forEach((s, position) => {
 *   console.log(`  stream ${position}: ${s.inflightRequests} in flight, ack p99 ${s.ackLatencyMs.p99.toFixed(1)} ms`);
 * });
 * ```
 */
export interface StreamPoolStats extends StreamStats {
  /**
   * Over the current streams: `count` and `max` are exact; `p50`/`p90`/`p99` are the streams'
   * percentiles averaged, weighted by their sample counts (an approximation of the pool's).
   */
  readonly ackLatencyMs: LatencySummary;
  /** Each position's current stream's own stats. */
  readonly streams: readonly StreamStats[];
  /** Streams replaced after failing for good. */
  readonly replacements: number;
}

type Counter = Exclude<keyof StreamStats, 'ackLatencyMs'>;

const COUNTERS: readonly Counter[] = [
  'recordsIngested',
  'requestsIngested',
  'bytesIngested',
  'recordsAcked',
  'requestsAcked',
  'bytesAcked',
  'inflightRequests',
  'inflightRecords',
  'inflightBytes',
  'reconnects',
];

/** What a replaced stream adds to the totals: what it got acknowledged, and its reconnects. */
const RETIRED: Readonly<Partial<Record<Counter, keyof StreamStats>>> = {
  recordsIngested: 'recordsAcked',
  requestsIngested: 'requestsAcked',
  bytesIngested: 'bytesAcked',
  recordsAcked: 'recordsAcked',
  requestsAcked: 'requestsAcked',
  bytesAcked: 'bytesAcked',
  reconnects: 'reconnects',
};

/** Count-weighted percentiles and the largest maximum. */
export function combineLatency(summaries: readonly LatencySummary[]): LatencySummary {
  let count = 0;
  let p50 = 0;
  let p90 = 0;
  let p99 = 0;
  let max = 0;
  for (const s of summaries) {
    count += s.count;
    p50 += s.p50 * s.count;
    p90 += s.p90 * s.count;
    p99 += s.p99 * s.count;
    max = Math.max(max, s.max);
  }
  if (count === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  return { count, p50: p50 / count, p90: p90 / count, p99: p99 / count, max };
}

export function combineStats(current: readonly StreamStats[], retired: readonly StreamStats[]): StreamPoolStats {
  const totals = {} as Record<Counter, number>;
  for (const counter of COUNTERS) {
    let sum = 0;
    for (const s of current) sum += s[counter];
    const from = RETIRED[counter];
    if (from) for (const s of retired) sum += s[from] as number;
    totals[counter] = sum;
  }
  return {
    ...totals,
    ackLatencyMs: combineLatency(current.map((s) => s.ackLatencyMs)),
    streams: current,
    replacements: retired.length,
  };
}
