/**
 * `stream.ingestAll(source)`: every record of an iterable or async iterable, one offset each,
 * with back-pressure. The next record is pulled from the source only once the window has room,
 * so a lazy source (a generator reading a file, a cursor) is read no faster than the server
 * acknowledges. It resolves once everything is queued, not acknowledged: the caller picks how
 * long to wait (`waitForOffset(last)`, `flush()`, `close()`), as with the other ingest calls.
 */
import { NonRetriableError } from '../errors.js';
import { type IngestTarget, ingestAt } from './internal-symbols.js';
import { abortError } from './offset-waiters.js';

/**
 * What `ingestAll` takes: records from any iterable (an array, a generator) or async iterable (an
 * async generator, a `Readable` in object mode).
 *
 * @example
 * ```ts
 * import { Readable } from 'node:stream';
 * import type { IngestSource } from '@zerobus/sdk';
 *
 * async function ingestDurably(source: IngestSource): Promise<void> {
 *   const last = await stream.ingestAll(source); // null when the source was empty
 *   if (last !== null) await stream.waitForOffset(last);
 * }
 * await ingestDurably(records); // an array
 * await ingestDurably(Readable.from(records)); // an object-mode Readable
 * ```
 */
export type IngestSource<T = unknown> = Iterable<T> | AsyncIterable<T>;

/**
 * Options of {@link ZerobusStream.ingestAll}.
 *
 * @example
 * ```ts
 * const interrupt = new AbortController();
 * process.once('SIGINT', () => interrupt.abort());
 * // On Ctrl-C: stops between records and rejects with ABORTED; the records taken stay ingested.
 * await stream.ingestAll(records, { signal: interrupt.signal });
 * await stream.flush();
 * ```
 */
export interface IngestAllOptions {
  /** Stops between records and while waiting for room; rejects with an ABORTED error. */
  signal?: AbortSignal | undefined;
}

export async function ingestAll(
  stream: IngestTarget,
  source: IngestSource,
  options: IngestAllOptions,
): Promise<number | null> {
  const signal = options.signal;
  const isAsync = typeof (source as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === 'function';
  // Strings are iterable too, but a string of records is never what was meant.
  if (
    typeof source !== 'object' ||
    source === null ||
    (!isAsync && typeof (source as Iterable<unknown>)[Symbol.iterator] !== 'function')
  ) {
    throw new NonRetriableError('INVALID_RECORD', 'ingestAll takes an iterable or an async iterable of records');
  }
  let index = 0;
  let last: number | null = null;
  const put = (record: unknown): boolean => {
    if (signal?.aborted) throw abortError(signal, 'ingestAll');
    const room = stream[ingestAt](record, index++);
    last = stream.lastOffset;
    return room;
  };
  // Room is awaited before each pull, and a promise is paid for only when the window is full.
  await stream.ready({ signal });
  if (isAsync) {
    for await (const record of source as AsyncIterable<unknown>) if (!put(record)) await stream.ready({ signal });
  } else {
    for (const record of source as Iterable<unknown>) if (!put(record)) await stream.ready({ signal });
  }
  return last;
}
