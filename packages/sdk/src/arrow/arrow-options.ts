/**
 * Options of an Arrow stream: the gRPC stream's recovery, flush and lack-of-ack options with
 * the same defaults, and an in-flight window counted in batches (default 1,000, as the Rust
 * core's Arrow stream has it: PROTOCOL.md §11).
 */
import { NonRetriableError } from '../errors.js';
import { type AckCallback, resolveStreamOptions, type StreamConfigurationOptions, sameOptionName } from '../options.js';

/**
 * Options of an Arrow stream ({@link ZerobusSdk.createArrowStream}); every one is optional. The
 * shared ones mean what they mean for a gRPC stream ({@link StreamConfigurationOptions}), with the
 * same defaults. Any other key fails `createArrowStream` with an `INVALID_OPTIONS` error naming
 * it, the gRPC-only ones (`recordType`, `maxInflightRecords`, `maxInflightBytes`,
 * `streamPausedMaxWaitTimeMs`, `validate`) included, with their Arrow counterpart if there is one
 * (`maxInflightRecords` → `maxInflightBatches`); so do wrong types and out-of-range values.
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
  /** Wait between recovery attempts, ±`recoveryBackoffJitter`. Default 2,000 ms. */
  recoveryBackoffMs?: number;
  /** Exponential growth of the wait up to this (`null`: fixed). Default `null`. */
  recoveryBackoffMaxMs?: number | null;
  /** Fraction (0..1) by which each wait varies either way. Default 0.2. */
  recoveryBackoffJitter?: number;
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
  readonly recoveryBackoffMaxMs: number | null;
  readonly recoveryBackoffJitter: number;
  readonly recoveryRetries: number;
  readonly flushTimeoutMs: number;
  readonly serverLackOfAckTimeoutMs: number;
  readonly ackCallback: AckCallback | undefined;
  readonly callbackMaxWaitTimeMs: number | null;
}

/** The options an Arrow stream takes: the keys of ArrowStreamOptions, checked to match it. */
const ARROW_OPTIONS: Record<keyof ArrowStreamOptions, true> = {
  maxInflightBatches: true,
  recovery: true,
  recoveryTimeoutMs: true,
  recoveryBackoffMs: true,
  recoveryBackoffMaxMs: true,
  recoveryBackoffJitter: true,
  recoveryRetries: true,
  flushTimeoutMs: true,
  serverLackOfAckTimeoutMs: true,
  ackCallback: true,
  callbackMaxWaitTimeMs: true,
};

/** Why each gRPC-only option does not apply to an Arrow stream, and what to use instead. */
const GRPC_ONLY_OPTIONS: Record<Exclude<keyof StreamConfigurationOptions, keyof ArrowStreamOptions>, string> = {
  recordType: 'batches are Arrow IPC, with the schema given at creation',
  maxInflightRecords: 'use maxInflightBatches, the window counted in batches',
  maxInflightBytes: 'the window is counted in batches: use maxInflightBatches',
  streamPausedMaxWaitTimeMs: 'Arrow Flight has no close signal',
  validate: "every batch is checked against the stream's Arrow schema",
};

/**
 * Fills defaults and rejects, with an INVALID_OPTIONS error naming the key, what an Arrow stream
 * does not take (a gRPC-only option names its Arrow counterpart or why there is none), wrong
 * types and out-of-range numbers.
 */
export function resolveArrowOptions(options: ArrowStreamOptions = {}): ResolvedArrowOptions {
  if (typeof options !== 'object' || options === null) {
    throw new NonRetriableError(
      'INVALID_OPTIONS',
      `Arrow stream options must be an object, got ${options === null ? 'null' : typeof options}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(ARROW_OPTIONS, key)) continue;
    const grpcOnly = Object.hasOwn(GRPC_ONLY_OPTIONS, key)
      ? GRPC_ONLY_OPTIONS[key as keyof typeof GRPC_ONLY_OPTIONS]
      : undefined;
    if (grpcOnly) {
      throw new NonRetriableError('INVALID_OPTIONS', `option ${key} does not apply to Arrow streams (${grpcOnly})`);
    }
    const known = Object.keys(ARROW_OPTIONS);
    const hint = sameOptionName(key, known);
    throw new NonRetriableError(
      'INVALID_OPTIONS',
      `unknown Arrow stream option ${JSON.stringify(key)}${hint ? ` (did you mean ${hint}?)` : ''}; ` +
        `known options: ${known.join(', ')}`,
    );
  }
  const { maxInflightBatches = 1_000, ...rest } = options;
  if (!Number.isSafeInteger(maxInflightBatches) || maxInflightBatches < 1) {
    throw new NonRetriableError(
      'INVALID_OPTIONS',
      `option maxInflightBatches must be an integer of at least 1, got ${String(maxInflightBatches)}`,
    );
  }
  // The shared options are checked (types, ranges) by the gRPC stream's resolver.
  const shared = resolveStreamOptions(rest);
  return {
    maxInflightBatches,
    recovery: shared.recovery,
    recoveryTimeoutMs: shared.recoveryTimeoutMs,
    recoveryBackoffMs: shared.recoveryBackoffMs,
    recoveryBackoffMaxMs: shared.recoveryBackoffMaxMs,
    recoveryBackoffJitter: shared.recoveryBackoffJitter,
    recoveryRetries: shared.recoveryRetries,
    flushTimeoutMs: shared.flushTimeoutMs,
    serverLackOfAckTimeoutMs: shared.serverLackOfAckTimeoutMs,
    ackCallback: shared.ackCallback,
    callbackMaxWaitTimeMs: shared.callbackMaxWaitTimeMs,
  };
}
