/**
 * The numbers behind `stream.stats()`, kept so that the ingest path pays nothing for them:
 * everything ingested is either acknowledged or still in the request queue (the queue only
 * ever shrinks by acknowledgements), so the ingested totals are derived — acknowledged totals
 * plus what the queue holds — and only acknowledgements update counters, once per ack.
 */
import { type LatencySummary, LatencyWindow } from './latency-window.js';
import type { QueuedUnit, RequestQueue } from './request-queue.js';

/**
 * A snapshot of a stream's counters. "Requests" are ingest calls: a batch is one request, one offset.
 *
 * @example
 * ```ts
 * import type { StreamStats } from '@zerobus/sdk';
 *
 * // Durable throughput between two snapshots, every 10 s.
 * let previous: StreamStats = stream.stats();
 * setInterval(() => {
 *   const current = stream.stats();
 *   const perSecond = (current.recordsAcked - previous.recordsAcked) / 10;
 *   console.log(`${perSecond} records/s durable, ${(current.bytesAcked - previous.bytesAcked) / 10} bytes/s`);
 *   previous = current;
 * }, 10_000).unref();
 * ```
 */
export interface StreamStats {
  /** Records taken by ingest calls (each record of a batch counts). */
  readonly recordsIngested: number;
  /** Ingest calls that took an offset. */
  readonly requestsIngested: number;
  /** Encoded payload bytes taken. */
  readonly bytesIngested: number;
  /** Records acknowledged as durable. */
  readonly recordsAcked: number;
  /** Requests acknowledged as durable. */
  readonly requestsAcked: number;
  /** Encoded payload bytes acknowledged as durable. */
  readonly bytesAcked: number;
  /** Requests taken and not yet acknowledged (sent or still queued). */
  readonly inflightRequests: number;
  /** Records of the in-flight requests. */
  readonly inflightRecords: number;
  /** Encoded payload bytes of the in-flight requests. */
  readonly inflightBytes: number;
  /** New connections after the first: recoveries and rotations after a close signal. */
  readonly reconnects: number;
  /**
   * Milliseconds from a request's first send to the acknowledgement covering it (a replayed
   * request counts from its first send), over the last 1,024 requests acknowledged.
   */
  readonly ackLatencyMs: LatencySummary;
}

/** Totals without the latency summary: what telemetry reads on every collection. */
export type StreamTotals = Omit<StreamStats, 'ackLatencyMs'>;

/** Where a stream's measurements also go, when telemetry is on. */
export interface MetricsSink {
  /** One acknowledged request's latency, in milliseconds. */
  latency(ms: number): void;
  /** The stream has closed or failed: no more measurements will come. */
  ended(): void;
}

export class StreamMetrics {
  recordsAcked = 0;
  bytesAcked = 0;
  reconnects = 0;
  readonly latency = new LatencyWindow();
  sink: MetricsSink | undefined;

  /**
   * Removes the requests acknowledged by a cumulative ack through `offset` from the queue,
   * counting them and sampling their latency, and hands each to `discard`; returns how many
   * were removed.
   */
  shiftAcked<U extends QueuedUnit>(
    queue: RequestQueue<U>,
    offset: number,
    now: number,
    discard?: (unit: U) => void,
  ): number {
    const records = queue.records;
    const bytes = queue.bytes;
    const sink = this.sink;
    let removed = 0;
    for (let item = queue.peek(); item !== undefined && item.offset <= offset; item = queue.peek()) {
      queue.shift();
      removed++;
      discard?.(item);
      const firstSent = item.firstSent;
      if (firstSent === undefined) continue; // acknowledged without being sent: no latency to count
      const ms = now - firstSent.at;
      this.latency.add(ms);
      sink?.latency(ms);
    }
    this.recordsAcked += records - queue.records;
    this.bytesAcked += bytes - queue.bytes;
    return removed;
  }

  /** How many queued requests were written to a call before: what a new call replays first. */
  sentPending(queue: RequestQueue<QueuedUnit>): number {
    let count = 0;
    // Requests are written in order, so the ones already sent are a prefix of the queue.
    while (count < queue.length && queue.at(count)!.firstSent !== undefined) count++;
    return count;
  }

  end(): void {
    const sink = this.sink;
    this.sink = undefined;
    sink?.ended();
  }

  totals(queue: RequestQueue<QueuedUnit>, nextOffset: number): StreamTotals {
    return {
      recordsIngested: this.recordsAcked + queue.records,
      requestsIngested: nextOffset,
      bytesIngested: this.bytesAcked + queue.bytes,
      recordsAcked: this.recordsAcked,
      requestsAcked: nextOffset - queue.length,
      bytesAcked: this.bytesAcked,
      inflightRequests: queue.length,
      inflightRecords: queue.records,
      inflightBytes: queue.bytes,
      reconnects: this.reconnects,
    };
  }

  snapshot(queue: RequestQueue<QueuedUnit>, nextOffset: number): StreamStats {
    return { ...this.totals(queue, nextOffset), ackLatencyMs: this.latency.summary() };
  }
}
