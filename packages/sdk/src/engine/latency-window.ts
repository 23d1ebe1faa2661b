/**
 * The most recent acknowledgement latencies, for `stream.stats()`: a fixed ring of numbers, so
 * recording a sample on the ack path is one store and never allocates, and memory stays the
 * same however long the stream runs. Percentiles are computed only when asked for, on a copy.
 */

/**
 * Percentiles of recent latencies, in milliseconds (all 0 before the first sample).
 *
 * @example
 * ```ts
 * import type { LatencySummary } from '@zerobus/sdk';
 *
 * function formatLatency({ count, p50, p99, max }: LatencySummary): string {
 *   if (count === 0) return 'no acknowledgements yet';
 *   return `p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms over ${count} requests`;
 * }
 * console.log(`stream: ${formatLatency(stream.stats().ackLatencyMs)}`);
 * console.log(`pool: ${formatLatency(pool.stats().ackLatencyMs)}`);
 * ```
 */
export interface LatencySummary {
  /** Samples the figures below are computed from (at most the window's capacity). */
  readonly count: number;
  /** The median. */
  readonly p50: number;
  /** The 90th percentile. */
  readonly p90: number;
  /** The 99th percentile. */
  readonly p99: number;
  /** The largest sample. */
  readonly max: number;
}

const EMPTY: LatencySummary = Object.freeze({ count: 0, p50: 0, p90: 0, p99: 0, max: 0 });

export class LatencyWindow {
  readonly #samples: Float64Array;
  /** Where the next sample goes. */
  #next = 0;
  #count = 0;

  constructor(capacity = 1024) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.#samples = new Float64Array(capacity);
  }

  get capacity(): number {
    return this.#samples.length;
  }

  /** Samples held (at most `capacity`). */
  get count(): number {
    return this.#count;
  }

  add(ms: number): void {
    const samples = this.#samples;
    samples[this.#next] = ms;
    this.#next = this.#next + 1 === samples.length ? 0 : this.#next + 1;
    if (this.#count < samples.length) this.#count++;
  }

  /** Nearest-rank percentiles of the samples held; all zero when there are none. */
  summary(): LatencySummary {
    const count = this.#count;
    if (count === 0) return EMPTY;
    // The held samples are the first `count` slots until the ring wraps, then all of them.
    const sorted = this.#samples.slice(0, count).sort();
    const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * count) - 1)] as number;
    return { count, p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: sorted[count - 1] as number };
  }
}
