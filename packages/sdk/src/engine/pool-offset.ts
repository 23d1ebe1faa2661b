/**
 * Offsets and options of a `StreamPool`. A pool offset names the stream of the pool that took a
 * record (its slot, 0..size-1), which stream in that slot (the generation: 0 for the stream the
 * pool opened, +1 for each replacement) and the record's logical offset on that stream.
 */
import { NonRetriableError } from '../errors.js';
import type { ZerobusStream } from './stream.js';

/** @internal One stream of a pool slot; a replaced one links to the stream that took over its records. */
export interface PoolGeneration {
  readonly pool: object;
  readonly slot: number;
  readonly number: number;
  readonly stream: ZerobusStream;
  /** The last ingest found the stream's window full; cleared when `stream.ready()` resolves. */
  full: boolean;
  /** Times an ingest found the window full: a `ready()` that resolved before the latest one is stale. */
  fullCount: number;
  watching: boolean;
  /** A failure of this stream was noticed (its error callbacks fire once per pending request). */
  noticed: boolean;
  /** Set once replaced: the stream its unacknowledged requests were re-ingested into. */
  next: PoolGeneration | undefined;
  /** Offsets past `stream.ackedOffset` continue on `next`, lowered by this much. */
  shift: number;
}

/** @internal */
export function poolGeneration(pool: object, slot: number, number: number, stream: ZerobusStream): PoolGeneration {
  return {
    pool,
    slot,
    number,
    stream,
    full: false,
    fullCount: 0,
    watching: false,
    noticed: false,
    next: undefined,
    shift: 0,
  };
}

let generationOf: (offset: PoolOffset) => PoolGeneration;

/**
 * Where a record ingested through a `StreamPool` went: pass it to `pool.waitForOffset`. Offsets
 * of different streams are not ordered with respect to each other.
 *
 * @example
 * ```ts
 * const offset = await pool.ingestRecordOffset(record);
 * console.log(offset.stream, offset.generation, offset.offset); // e.g. 2 0 17: the third stream, never replaced
 * await pool.waitForOffset(offset); // follows the record onto a replacement of that stream
 * ```
 */
export class PoolOffset {
  /** The stream's position in the pool, 0..size-1. */
  readonly stream: number;
  /** 0 for the pool's original stream at that position, +1 for each replacement after a failure. */
  readonly generation: number;
  /** The logical offset on that stream (a batch takes one). */
  readonly offset: number;
  readonly #generation: PoolGeneration;

  static {
    generationOf = (offset) => offset.#generation;
  }

  /** @internal Created by the pool. */
  constructor(generation: PoolGeneration, offset: number) {
    this.stream = generation.slot;
    this.generation = generation.number;
    this.offset = offset;
    this.#generation = generation;
    Object.freeze(this);
  }

  /**
   * `stream.generation:offset`, e.g. `2.0:17`.
   *
   * @example
   * ```ts
   * const offset = await pool.ingestRecordOffset(record);
   * console.log(`queued at ${offset}`); // "queued at 2.0:17"
   * ```
   */
  toString(): string {
    return `${this.stream}.${this.generation}:${this.offset}`;
  }

  /**
   * Its fields, for `JSON.stringify` (a log line, a checkpoint).
   *
   * @example
   * ```ts
   * const offset = await pool.ingestRecordOffset(record);
   * console.log(JSON.stringify({ event: 'ingested', offset }));
   * // {"event":"ingested","offset":{"stream":2,"generation":0,"offset":17}}
   * ```
   */
  toJSON(): {
    /** {@link PoolOffset.stream}. */
    stream: number;
    /** {@link PoolOffset.generation}. */
    generation: number;
    /** {@link PoolOffset.offset}. */
    offset: number;
  } {
    return { stream: this.stream, generation: this.generation, offset: this.offset };
  }

  /** @internal The generation of `offset`, checking that it is a pool offset of `pool`. */
  static generationIn(pool: object, offset: unknown): PoolGeneration {
    const generation = offset instanceof PoolOffset ? generationOf(offset) : undefined;
    if (generation?.pool !== pool) {
      throw new NonRetriableError(
        'INVALID_STATE',
        `waitForOffset takes a PoolOffset returned by this pool, got ${offset instanceof PoolOffset ? `offset ${offset} of another pool` : typeof offset}`,
      );
    }
    return generation;
  }
}

/**
 * Options of `ZerobusSdk.createStreamPool`, next to the usual stream inputs.
 *
 * @example
 * ```ts
 * await using pool = await sdk.createStreamPool(
 *   { clientId, clientSecret, table: 'main.iot.readings', options: { recordType: 'json' } },
 *   {
 *     size: 8, // streams, opened concurrently
 *     maxStreamReplacements: 5, // one position may fail and be replaced 5 times in a row before the pool fails
 *   },
 * );
 * ```
 */
export interface StreamPoolOptions {
  /** Streams in the pool, opened concurrently. Default 4. */
  size?: number;
  /**
   * How many times in a row one stream of the pool may be replaced (`recreateStream`) after a
   * retriable failure without an acknowledgement in between; one more failure fails the pool.
   * 0 fails the pool at the first failure of any stream. Default 3.
   */
  maxStreamReplacements?: number;
}

export const DEFAULT_POOL_SIZE = 4;
export const DEFAULT_MAX_STREAM_REPLACEMENTS = 3;

/** @internal Fills defaults; rejects unknown keys and out-of-range values. */
export function resolvePoolOptions(options: StreamPoolOptions | undefined): Required<StreamPoolOptions> {
  const resolved = { size: DEFAULT_POOL_SIZE, maxStreamReplacements: DEFAULT_MAX_STREAM_REPLACEMENTS };
  if (options === undefined) return resolved;
  if (typeof options !== 'object' || options === null) {
    throw new NonRetriableError('INVALID_OPTIONS', `stream pool options must be an object, got ${typeof options}`);
  }
  const min = { size: 1, maxStreamReplacements: 0 };
  for (const [key, value] of Object.entries(options)) {
    if (!(key in min)) {
      throw new NonRetriableError(
        'INVALID_OPTIONS',
        `unknown stream pool option ${JSON.stringify(key)}; known options: size, maxStreamReplacements`,
      );
    }
    if (value === undefined) continue;
    const least = min[key as keyof typeof min];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < least) {
      throw new NonRetriableError(
        'INVALID_OPTIONS',
        `stream pool option ${key} must be an integer of at least ${least}, got ${String(value)}`,
      );
    }
    resolved[key as keyof typeof min] = value;
  }
  return resolved;
}
