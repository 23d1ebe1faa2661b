/**
 * `stream.writable()`: the stream as the end of a Node.js `pipeline`. Back-pressure is the
 * stream's own in-flight window: a write's callback is held while the window is full, so the
 * Writable buffers up to its highWaterMark, `write()` returns false and `pipeline` pauses the
 * source. Nothing is buffered twice: records go straight into the stream's queue.
 */
import { Writable } from 'node:stream';
import type { ZerobusError } from '../errors.js';
import { type IngestTarget, ingestAt } from './internal-symbols.js';

/**
 * Options of {@link ZerobusStream.writable}.
 *
 * @example
 * ```ts
 * import { Readable } from 'node:stream';
 * import { pipeline } from 'node:stream/promises';
 *
 * await pipeline(
 *   Readable.from(records),
 *   stream.writable({
 *     close: true, // close the stream when the pipeline ends (a flush first)
 *     highWaterMark: 1_000, // records buffered before write() returns false
 *     signal: AbortSignal.timeout(10 * 60_000), // give up after 10 minutes; `close` still closes the stream
 *   }),
 * );
 * ```
 */
export interface StreamWritableOptions {
  /**
   * Close the stream when the writable finishes or is destroyed (by an error or `destroy()`).
   * Closing flushes, so records written before an error are still delivered. Default false:
   * the stream stays open for more writers, and finishing only flushes.
   */
  close?: boolean;
  /** Records the writable buffers before `write()` returns false. Default 16 (Node's object-mode default). */
  highWaterMark?: number;
  /** Aborting destroys the writable with an AbortError (as for any Node.js stream). */
  signal?: AbortSignal;
}

type Callback = (error?: Error | null) => void;

class StreamWritable extends Writable {
  readonly #stream: IngestTarget;
  readonly #close: boolean;
  /** Position of the next record among all written: what an InvalidRecordError names. */
  #index = 0;
  /** Whether the window had room after the last ingest; unknown (false) at first. */
  #room = false;
  /** A failure while no write is pending must still end the pipeline, at once. */
  readonly #onStreamError = (error: ZerobusError) => this.destroy(error);

  constructor(stream: IngestTarget, options: StreamWritableOptions) {
    super({
      objectMode: true,
      ...(options.highWaterMark !== undefined && { highWaterMark: options.highWaterMark }),
      ...(options.signal !== undefined && { signal: options.signal }),
    });
    this.#stream = stream;
    this.#close = options.close === true;
    stream.on('error', this.#onStreamError);
  }

  override _write(record: unknown, _encoding: BufferEncoding, callback: Callback): void {
    this.#put([record], callback);
  }

  /** Everything buffered while the window was full goes in at once, with one callback. */
  override _writev(chunks: { chunk: unknown }[], callback: Callback): void {
    this.#put(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  override _final(callback: Callback): void {
    (this.#close ? this.#stream.close() : this.#stream.flush()).then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: Callback): void {
    this.#stream.off('error', this.#onStreamError);
    if (!this.#close) {
      callback(error);
      return;
    }
    // After a successful finish the stream is already closed and this resolves at once.
    this.#stream.close().then(
      () => callback(error),
      (closeError: Error) => callback(error ?? closeError),
    );
  }

  /**
   * Ingests `records` in order and calls back once the window has room again: holding the
   * callback while it is full is what makes `write()` return false.
   */
  #put(records: readonly unknown[], callback: Callback): void {
    let i = 0;
    const next = (): void => {
      try {
        for (;;) {
          if (!this.#room) {
            this.#stream.ready().then(() => {
              this.#room = true;
              next();
            }, callback);
            return;
          }
          if (i === records.length) break;
          this.#room = this.#stream[ingestAt](records[i++], this.#index++);
        }
      } catch (error) {
        callback(error as Error);
        return;
      }
      callback();
    };
    next();
  }
}

export function createWritable(stream: IngestTarget, options: StreamWritableOptions): Writable {
  return new StreamWritable(stream, options);
}
