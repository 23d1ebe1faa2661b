/**
 * Stream options: the option set of the official SDKs (PROTOCOL.md §9) with the same defaults,
 * validated up front so that a typo or a negative number fails at `createStream`, not later.
 */
import { NonRetriableError } from './errors.js';

/**
 * What a stream carries: JSON text records or Protocol Buffers messages. The values are the
 * strings `'proto'` and `'json'`, which the `recordType` option also takes as they are.
 *
 * @example
 * ```ts
 * import { RecordType, TableProperties } from '@zerobus/sdk';
 *
 * // Python: StreamConfigurationOptions(record_type=RecordType.JSON)
 * const stream = await sdk.createStream(clientId, clientSecret, new TableProperties('main.iot.events'), {
 *   recordType: RecordType.Json, // the same as 'json'
 * });
 * ```
 */
export const RecordType = {
  /** Protocol Buffers messages, encoded with the table's descriptor. */
  Proto: 'proto',
  /** JSON text records. */
  Json: 'json',
} as const;
/**
 * A record type: `'proto'` or `'json'`.
 *
 * @example
 * ```ts
 * import type { RecordType } from '@zerobus/sdk';
 *
 * const recordType: RecordType = process.env.RECORD_FORMAT === 'json' ? 'json' : 'proto';
 * const stream = await sdk.createStream({ table: 'main.iot.readings', clientId, clientSecret, options: { recordType } });
 * ```
 */
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/**
 * Called as acknowledgements arrive or as a failure makes records undeliverable.
 *
 * @example
 * ```ts
 * import { type AckCallback, TableProperties } from '@zerobus/sdk';
 *
 * // How far the table has everything, for a health check or a progress report.
 * class DurableProgress implements AckCallback {
 *   durable = -1;
 *   lost: { offset: number; reason: string }[] = [];
 *   onAck(offset: number): void {
 *     this.durable = offset; // called for 0, 1, 2, ... in order: 0..offset are all in the table
 *   }
 *   onError(offset: number, message: string): void {
 *     this.lost.push({ offset, reason: message }); // its records stay in getUnackedRecords()
 *   }
 * }
 * const progress = new DurableProgress();
 * const stream = await sdk.createStream(clientId, clientSecret, new TableProperties('main.iot.readings'), {
 *   recordType: 'json',
 *   ackCallback: progress,
 * });
 * ```
 */
export interface AckCallback {
  /**
   * The request at `offset` is durable, and so is everything before it. Called once per offset,
   * in ascending order, as in the official SDKs: an ack covering several offsets makes several
   * calls (a batch is one offset, one call).
   */
  onAck?(offset: number): void | Promise<void>;
  /** The request at `offset` will not be acknowledged on this stream; `message` says why. */
  onError?(offset: number, message: string): void | Promise<void>;
}

/**
 * Options of a stream ({@link ZerobusSdk.createStream}); every one is optional. The defaults are
 * those of the official SDKs ({@link DEFAULT_STREAM_OPTIONS}); unknown keys, wrong types and
 * out-of-range numbers fail `createStream` with an `INVALID_OPTIONS` error.
 *
 * @example
 * ```ts
 * import { type StreamConfigurationOptions, TableProperties } from '@zerobus/sdk';
 *
 * const options: StreamConfigurationOptions = {
 *   recordType: 'json',
 *   maxInflightRecords: 20_000, // unacknowledged requests (a batch is one); then ingest waits
 *   maxInflightBytes: 32 * 1024 * 1024, // and at most 32 MiB of payload held for replay
 *   recovery: true, // reconnect and replay after retriable failures (the default)
 *   recoveryRetries: 5, // failed attempts in one outage before the stream fails
 *   recoveryBackoffMs: 1_000, // then 2 s, 4 s, ... up to recoveryBackoffMaxMs, each ±20% (jitter)
 *   recoveryBackoffMaxMs: 30_000,
 *   recoveryTimeoutMs: 15_000, // each attempt: token, connect, create stream
 *   flushTimeoutMs: 120_000,
 *   ackCallback: {
 *     onError: (offset, message) => console.error(`offset ${offset} not acknowledged: ${message}`),
 *   },
 * };
 * const stream = await sdk.createStream(clientId, clientSecret, new TableProperties('main.iot.readings'), options);
 * ```
 */
export interface StreamConfigurationOptions {
  /** Record encoding on this stream. Default `'proto'`. */
  recordType?: RecordType;
  /** Most requests (a batch counts as one) sent or queued and not yet acknowledged. Default 50,000. */
  maxInflightRecords?: number;
  /**
   * Most payload bytes sent or queued and not yet acknowledged: the window's memory bound, next
   * to `maxInflightRecords`. A request is always taken while the stream is under the bound, so
   * one record larger than it still goes through. Default 64 MiB (not in the official SDKs).
   */
  maxInflightBytes?: number;
  /** Reconnect and replay unacknowledged requests after a retriable failure. Default true. */
  recovery?: boolean;
  /** Time limit of one recovery attempt (token, connect, create stream). Default 15,000 ms. */
  recoveryTimeoutMs?: number;
  /**
   * Wait between recovery attempts (the first attempt of an outage goes at once): fixed, as in
   * the official SDKs, unless `recoveryBackoffMaxMs` is set; each wait varies by
   * ±`recoveryBackoffJitter` around it. Default 2,000 ms.
   */
  recoveryBackoffMs?: number;
  /**
   * Exponential backoff: the n-th wait of an outage is min(recoveryBackoffMaxMs,
   * recoveryBackoffMs·2^(n−1)) (before jitter); at least `recoveryBackoffMs`. Default `null`: a
   * fixed `recoveryBackoffMs` (ours; the official SDKs have no growth).
   */
  recoveryBackoffMaxMs?: number | null;
  /**
   * How much each backoff wait varies, as a fraction (0..1) of its nominal value: uniformly
   * within ±20% by default, so streams dropped together do not reconnect in lock-step while the
   * mean wait stays the official one; 0 waits exactly. Default 0.2 (ours).
   */
  recoveryBackoffJitter?: number;
  /** Failed recovery attempts allowed in one outage before the stream fails. Default 3. */
  recoveryRetries?: number;
  /** How long `flush()` (and the flush in `close()`) waits. Default 300,000 ms. */
  flushTimeoutMs?: number;
  /** Fail the connection when nothing is acknowledged for this long while requests are in flight. Default 60,000 ms. */
  serverLackOfAckTimeoutMs?: number;
  /**
   * After a server close signal, how long to wait for outstanding acks before moving to a new
   * connection: `null` waits the server's whole announced duration, 0 does not wait, otherwise
   * min(value, server duration). Default `null`.
   */
  streamPausedMaxWaitTimeMs?: number | null;
  /** How long `close()` waits for pending ack callbacks; `null` waits forever. Default 5,000 ms. */
  callbackMaxWaitTimeMs?: number | null;
  /** Acknowledgement and error callbacks. */
  ackCallback?: AckCallback;
  /**
   * Check and convert every record against the table schema (`new TableProperties(name,
   * descriptor, { schema })`) before it is queued: a value that does not fit the column fails
   * the ingest call itself with an `InvalidRecordError` naming the record index, the field path
   * (`readings[2].temp`, `tags["k"]`), the expected type and the (shortened) value, and nothing
   * of that call is queued (a batch is all or nothing). Conversions done on the way, into the
   * forms of PROTOCOL.md §7 that JSON and proto streams send:
   * - DATE: `Date` (its UTC calendar day), integer days or `"YYYY-MM-DD"` → days since 1970-01-01;
   * - TIMESTAMP / TIMESTAMP_NTZ: `Date`, integer microseconds (number, bigint or text) or
   *   ISO-8601 text (with a UTC offset / without one) → microseconds since the epoch;
   * - BIGINT: bigint, safe-integer number, integer text or protobufjs Long, within int64;
   *   TINYINT/SMALLINT/INT: integers within their ranges;
   * - DECIMAL(p,s): number, bigint or decimal text → exact decimal text, refused (never rounded)
   *   with too many fractional or integer digits;
   * - FLOAT/DOUBLE: numbers (NaN/±Infinity on proto streams only); BOOLEAN: booleans; STRING:
   *   strings; BINARY: Uint8Array/Buffer; VARIANT: JSON text (checked) or any JSON value → text;
   * - ARRAY, MAP (`Map` or plain object) and STRUCT recursively; keys that are no field are
   *   errors, NOT NULL fields must be set, `null`/`undefined` leave nullable fields unset.
   * Pre-encoded records (proto `Uint8Array`, protobuf-es messages, JSON strings) are sent as
   * given, unchecked. Default `undefined`: on when the TableProperties carry a schema, off
   * otherwise; `true` without a schema fails createStream; `false` turns it off.
   */
  validate?: boolean;
}

export type ResolvedStreamOptions = Required<Omit<StreamConfigurationOptions, 'ackCallback' | 'validate'>> & {
  ackCallback: AckCallback | undefined;
  /** `undefined`: check records when the table has a schema. */
  validate: boolean | undefined;
};

/**
 * The stream options' defaults, as a stream resolves them (frozen).
 *
 * @example
 * ```ts
 * import { DEFAULT_STREAM_OPTIONS, type StreamConfigurationOptions } from '@zerobus/sdk';
 *
 * const options: StreamConfigurationOptions = { recordType: 'json', recoveryRetries: 5 };
 * // The settings in force, for the startup log: the defaults, overridden by ours.
 * console.info('stream options', { ...DEFAULT_STREAM_OPTIONS, ...options });
 * const stream = await sdk.createStream({ table: 'main.iot.readings', clientId, clientSecret, options });
 * ```
 */
export const DEFAULT_STREAM_OPTIONS: Readonly<ResolvedStreamOptions> = Object.freeze({
  recordType: RecordType.Proto,
  maxInflightRecords: 50_000,
  maxInflightBytes: 64 * 1024 * 1024,
  recovery: true,
  recoveryTimeoutMs: 15_000,
  recoveryBackoffMs: 2_000,
  recoveryBackoffMaxMs: null,
  recoveryBackoffJitter: 0.2,
  recoveryRetries: 3,
  flushTimeoutMs: 300_000,
  serverLackOfAckTimeoutMs: 60_000,
  streamPausedMaxWaitTimeMs: null,
  callbackMaxWaitTimeMs: 5_000,
  ackCallback: undefined,
  validate: undefined,
});

type Check = (value: unknown, name: string) => void;

function optionError(message: string): NonRetriableError {
  return new NonRetriableError('INVALID_OPTIONS', message);
}

function integer(min: number): Check {
  return (value, name) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw optionError(`option ${name} must be an integer, got ${describe(value)}`);
    }
    if (value < min) throw optionError(`option ${name} must be at least ${min}, got ${value}`);
  };
}

function boolean(value: unknown, name: string): void {
  if (typeof value !== 'boolean') throw optionError(`option ${name} must be a boolean, got ${describe(value)}`);
}

function nullable(check: Check): Check {
  return (value, name) => {
    if (value !== null) check(value, name);
  };
}

const CHECKS: Record<keyof StreamConfigurationOptions, Check> = {
  recordType: (value, name) => {
    if (value !== 'proto' && value !== 'json') {
      throw optionError(`option ${name} must be 'proto' or 'json', got ${describe(value)}`);
    }
  },
  maxInflightRecords: integer(1),
  maxInflightBytes: integer(1),
  recovery: boolean,
  recoveryTimeoutMs: integer(1),
  recoveryBackoffMs: integer(0),
  recoveryBackoffMaxMs: nullable(integer(0)),
  recoveryBackoffJitter: (value, name) => {
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      throw optionError(`option ${name} must be a number from 0 to 1 (a fraction of the wait), got ${describe(value)}`);
    }
  },
  recoveryRetries: integer(0),
  flushTimeoutMs: integer(1),
  serverLackOfAckTimeoutMs: integer(1),
  streamPausedMaxWaitTimeMs: nullable(integer(0)),
  callbackMaxWaitTimeMs: nullable(integer(0)),
  ackCallback: (value, name) => {
    const cb = value as AckCallback | null;
    if (
      typeof cb !== 'object' ||
      cb === null ||
      (cb.onAck !== undefined && typeof cb.onAck !== 'function') ||
      (cb.onError !== undefined && typeof cb.onError !== 'function')
    ) {
      throw optionError(`option ${name} must be an object with onAck/onError functions, got ${describe(value)}`);
    }
  },
  validate: boolean,
};

/** Arrow streams' name for the window, which record streams count in records. */
const OTHER_NAMES: Readonly<Record<string, string>> = { maxInflightBatches: 'maxInflightRecords' };

/**
 * The option an unknown key most likely meant: the Python SDK's snake_case spelling
 * (`max_inflight_records`), another casing, or the Arrow stream's name for the same thing.
 */
function suggestOption(key: string): string | undefined {
  return OTHER_NAMES[key] ?? sameOptionName(key, Object.keys(CHECKS));
}

/** The name among `names` that `key` spells differently: snake_case or another casing. */
export function sameOptionName(key: string, names: readonly string[]): string | undefined {
  const folded = key.replace(/_/g, '').toLowerCase();
  return names.find((name) => name.toLowerCase() === folded);
}

/** Fills defaults and rejects unknown keys, wrong types and out-of-range numbers. */
export function resolveStreamOptions(options: StreamConfigurationOptions | undefined): ResolvedStreamOptions {
  if (options === undefined) return { ...DEFAULT_STREAM_OPTIONS };
  if (typeof options !== 'object' || options === null) {
    throw optionError(`stream options must be an object, got ${describe(options)}`);
  }
  const resolved: Record<string, unknown> = { ...DEFAULT_STREAM_OPTIONS };
  for (const [key, value] of Object.entries(options)) {
    const check = CHECKS[key as keyof StreamConfigurationOptions];
    if (!check) {
      const known = Object.keys(CHECKS).join(', ');
      const hint = suggestOption(key);
      throw optionError(
        `unknown stream option ${JSON.stringify(key)}${hint ? ` (did you mean ${hint}?)` : ''}; known options: ${known}`,
      );
    }
    if (value === undefined) continue;
    check(value, key);
    resolved[key] = value;
  }
  const { recoveryBackoffMs, recoveryBackoffMaxMs } = resolved as ResolvedStreamOptions;
  if (recoveryBackoffMaxMs !== null && recoveryBackoffMaxMs < recoveryBackoffMs) {
    throw optionError(
      `option recoveryBackoffMaxMs (${recoveryBackoffMaxMs}) must be at least recoveryBackoffMs (${recoveryBackoffMs}), or null for a fixed wait`,
    );
  }
  return resolved as ResolvedStreamOptions;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  return typeof value;
}
