/**
 * Symbol-keyed members of the streams for the SDK's own modules (the Node.js stream adapters
 * and telemetry): reachable from them without being part of the public API.
 */
import type { EventEmitter } from 'node:events';
import type { StreamEvents } from './stream-events.js';
import type { MetricsSink, StreamTotals } from './stream-metrics.js';

/** `ingestRecordNowait` (`ingestBatchNowait`) for the item at a position of a larger input, named in its errors. */
export const ingestAt = Symbol('zerobus.ingestAt');

/** What `writable()` and `ingestAll()` need of a stream, gRPC or Arrow. */
export interface IngestTarget extends EventEmitter<StreamEvents> {
  readonly lastOffset: number;
  ready(options?: { signal?: AbortSignal | undefined }): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Ingests the item without waiting; returns whether the window still has room. */
  [ingestAt](item: unknown, index: number): boolean;
}
/** Sends the stream's measurements to telemetry as well. */
export const attachMetricsSink = Symbol('zerobus.attachMetricsSink');
/** The counters of `stats()` without the latency percentiles. */
export const streamTotals = Symbol('zerobus.streamTotals');

/** What telemetry needs of a stream, gRPC or Arrow. */
export interface MeasuredStream {
  readonly tableName: string;
  [attachMetricsSink](sink: MetricsSink): void;
  [streamTotals](): StreamTotals;
}
