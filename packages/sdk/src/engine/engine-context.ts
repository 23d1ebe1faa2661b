/**
 * What a stream engine is built from (EngineParts), what a gRPC records stream is built from
 * (EngineContext), and the states a stream goes through (StreamState), apart from the engine
 * itself so that its module stays about behaviour.
 */
import type { HeadersProvider } from '../auth/headers-provider.js';
import type { Logger } from '../logger.js';
import type { AckCallback, ResolvedStreamOptions } from '../options.js';
import type { RecordEncoder } from '../records/encoder.js';
import type { TableProperties } from '../table.js';
import type { Channel } from '../transport/channel.js';
import type { BackoffOptions } from './backoff.js';
import type { QueuedUnit } from './request-queue.js';
import type { StreamProtocol } from './stream-protocol.js';

/**
 * Where a stream is in its life: `opening` (first call being opened), `open`, `paused` (the
 * server sent a close signal; waiting before moving to a new call), `recovering` (reconnecting),
 * `closing` (`close()` under way), then `closed` or `failed` (both final).
 *
 * @example
 * ```ts
 * switch (stream.state) {
 *   case 'paused': // the server announced the end of the call: moving to a new one
 *   case 'recovering': // reconnecting: records are still taken, and sent once reconnected
 *     console.warn(`stream ${stream.state}, ${stream.pendingRequests} requests awaiting acknowledgement`);
 *     break;
 *   case 'failed': // final: what was not durable is in getUnackedRecords()
 *     console.error(`stream failed, ${stream.getUnackedRecords().length} records not durable`);
 *     break;
 * }
 * ```
 */
export type StreamState = 'opening' | 'open' | 'paused' | 'recovering' | 'closing' | 'closed' | 'failed';

/** The options the engine runs by, whatever the protocol (each stream kind maps its own onto them). */
export interface EngineOptions extends BackoffOptions {
  /** Units (requests, batches) queued before ingest waits for room; also the most sent on a call. */
  readonly maxInflightUnits: number;
  /** Payload bytes queued before ingest waits for room. */
  readonly maxInflightBytes: number;
  readonly recovery: boolean;
  readonly recoveryTimeoutMs: number;
  readonly recoveryRetries: number;
  readonly flushTimeoutMs: number;
  readonly serverLackOfAckTimeoutMs: number;
  /** Longest pause after a close signal (`null`: as long as the server said). */
  readonly streamPausedMaxWaitTimeMs: number | null;
  readonly ackCallback: AckCallback | undefined;
  readonly callbackMaxWaitTimeMs: number | null;
}

/** What the engine is built from: the connection, the protocol adapter and the options. */
export interface EngineParts<Unit extends QueuedUnit, Ack> {
  readonly channel: Channel;
  readonly headersProvider: HeadersProvider;
  readonly tableName: string;
  readonly protocol: StreamProtocol<Unit, Ack>;
  readonly options: EngineOptions;
  readonly logger: Logger;
  /** Milliseconds clock for send times and ack latency; injectable for tests. Default: monotonic. */
  readonly now?: (() => number) | undefined;
  /** Uniform random source in [0, 1) for the backoff's jitter; injectable for tests. Default: Math.random. */
  readonly random?: (() => number) | undefined;
}

/** What a gRPC records stream (`ZerobusStream`) is built from. */
export interface EngineContext {
  readonly channel: Channel;
  readonly headersProvider: HeadersProvider;
  readonly table: TableProperties;
  readonly options: ResolvedStreamOptions;
  readonly encoder: RecordEncoder;
  readonly logger: Logger;
  /** Milliseconds clock for send times and ack latency; injectable for tests. Default: monotonic. */
  readonly now?: () => number;
  /** Uniform random source in [0, 1) for the backoff's jitter; injectable for tests. Default: Math.random. */
  readonly random?: () => number;
}
