/**
 * Options of an Arrow stream: the gRPC stream's recovery, flush and lack-of-ack options with
 * the same defaults, and an in-flight window counted in batches (default 1,000, as the Rust
 * core's Arrow stream has it: PROTOCOL.md §11).
 */
import { NonRetriableError } from '../errors.js';
import { type AckCallback, resolveStreamOptions } from '../options.js';

/**
 * Options of an Arrow stream ({@link ZerobusSdk.createArrowStream}); every one is optional. The
 * shared ones mean what they mean for a gRPC stream ({@link StreamConfigurationOptions}), with the
 * same defaults.
 *
 * @example
 * ```ts
 * import { type ArrowStreamOptions, TableProperties } from '@zerobus/sdk';
 *
 * const options: ArrowStreamOptions = {
 *   maxInflightBatches: 100, // 100 batches of 10,000 rows held for replay at most
 *   recoveryRetries: 5, // failed reconnection attempts in one outage before the stream fails
 *   recoveryBackoffMs: 1_000,
 *   serverLackOfAckTimeoutMs: 120_000, // large batches: allow the server longer per ack
 *   ackCallback: { onAck: (offset) => console.info(`batches 0..${offset} durable`) },
 * };
 * const table = await TableProperties.fromTable('main.iot.readings', { unityCatalogEndpoint, clientId, clientSecret, recordType: 'json' });
 * const arrowStream = await sdk.createArrowStream({ table, clientId, clientSecret, options });
 * ```
 */
export interface ArrowStreamOptions {
  /** Most batches sent or queued and not yet acknowledged. Default 1,000. */
  maxInflightBatches?: number;
  /** Reconnect and re-send the rows not yet durable after a retriable failure. Default true. */
  recovery?: boolean;
  /** Time limit of one recovery attempt. Default 15,000 ms. */
  recoveryTimeoutMs?: number;
  /** Fixed wait between recovery attempts. Default 2,000 ms. */
  recoveryBackoffMs?: number;
  /** Failed recovery attempts allowed in one outage before the stream fails. Default 3. */
  recoveryRetries?: number;
  /** How long `flush()` (and the flush in `close()`) waits. Default 300,000 ms. */
  flushTimeoutMs?: number;
  /** Fail the connection when nothing is acknowledged for this long while batches are in flight. Default 60,000 ms. */
  serverLackOfAckTimeoutMs?: number;
  /** `onAck(offset)` per batch completed; `onError(offset, message)` per batch lost to a failure. */
  ackCallback?: AckCallback;
  /** How long `close()` waits for ack callbacks still running (null: no limit). Default 5,000 ms. */
  callbackMaxWaitTimeMs?: number | null;
}

export interface ResolvedArrowOptions {
  readonly maxInflightBatches: number;
  readonly recovery: boolean;
  readonly recoveryTimeoutMs: number;
  readonly recoveryBackoffMs: number;
  readonly recoveryRetries: number;
  readonly flushTimeoutMs: number;
  readonly serverLackOfAckTimeoutMs: number;
  readonly ackCallback: AckCallback | undefined;
  readonly callbackMaxWaitTimeMs: number | null;
}

export function resolveArrowOptions(options: ArrowStreamOptions = {}): ResolvedArrowOptions {
  const { maxInflightBatches = 1_000, ...rest } = options;
  if (!Number.isSafeInteger(maxInflightBatches) || maxInflightBatches < 1) {
    throw new NonRetriableError(
      'INVALID_OPTIONS',
      `option maxInflightBatches must be an integer of at least 1, got ${String(maxInflightBatches)}`,
    );
  }
  // The shared options are checked (types, ranges, unknown keys) by the gRPC stream's resolver.
  const shared = resolveStreamOptions(rest);
  return {
    maxInflightBatches,
    recovery: shared.recovery,
    recoveryTimeoutMs: shared.recoveryTimeoutMs,
    recoveryBackoffMs: shared.recoveryBackoffMs,
    recoveryRetries: shared.recoveryRetries,
    flushTimeoutMs: shared.flushTimeoutMs,
    serverLackOfAckTimeoutMs: shared.serverLackOfAckTimeoutMs,
    ackCallback: shared.ackCallback,
    callbackMaxWaitTimeMs: shared.callbackMaxWaitTimeMs,
  };
}
