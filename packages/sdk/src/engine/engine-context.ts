/**
 * What a stream engine is built from (EngineContext) and the states it goes through
 * (StreamState), apart from the engine itself so that its module stays about behaviour.
 */
import type { HeadersProvider } from '../auth/headers-provider.js';
import type { Logger } from '../logger.js';
import type { ResolvedStreamOptions } from '../options.js';
import type { RecordEncoder } from '../records/encoder.js';
import type { TableProperties } from '../table.js';
import type { Channel } from '../transport/channel.js';

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
