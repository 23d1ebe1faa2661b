/**
 * The result of the deprecated `ingestRecord`: a handle on one record's acknowledgement, shaped
 * like the Python SDK's (`wait_for_ack`, `is_done`, `add_done_callback`) plus a promise.
 */
import { ZerobusError } from '../errors.js';

/**
 * A handle on one record's acknowledgement, returned by the deprecated `ingestRecord`: wait on it
 * (`waitForAck`, or its `promise`), poll it (`isDone`) or be called back (`addDoneCallback`).
 * Prefer `ingestRecordOffset` with `waitForOffset`.
 *
 * @example
 * ```ts
 * import type { RecordAcknowledgment } from '@zerobus/sdk';
 *
 * const acks: RecordAcknowledgment[] = [];
 * for (const record of records) acks.push(await stream.ingestRecord(record)); // waits for room, not for acks
 * await Promise.all(acks.map((ack) => ack.promise)); // every record durable
 * ```
 */
export class RecordAcknowledgment {
  /** The record's logical offset. */
  readonly offset: number;
  /** Settles with the offset once the record is durable, or rejects with the stream's failure. */
  readonly promise: Promise<number>;
  #done = false;
  #error: unknown;
  readonly #callbacks: ((error: unknown, offset: number | undefined) => void)[] = [];

  /** @internal Created by the stream. */
  constructor(offset: number, acked: Promise<number>) {
    this.offset = offset;
    this.promise = acked;
    acked.then(
      () => this.#finish(undefined),
      (error: unknown) => this.#finish(error ?? new ZerobusError('STREAM_FAILED', 'the stream failed')),
    );
  }

  /**
   * Whether the acknowledgement (or the failure) has arrived.
   *
   * @example
   * ```ts
   * const ack = await stream.ingestRecord(record);
   * // ... later, without waiting:
   * if (!ack.isDone()) console.log(`offset ${ack.offset} not acknowledged yet`);
   * ```
   */
  isDone(): boolean {
    return this.#done;
  }

  /**
   * Waits for the acknowledgement; rejects with a TIMEOUT error after `timeoutMs`.
   *
   * @example
   * ```ts
   * import { ZerobusError } from '@zerobus/sdk';
   *
   * const ack = await stream.ingestRecord(record);
   * try {
   *   await ack.waitForAck(10_000); // resolves with the offset once durable
   * } catch (error) {
   *   if (!(error instanceof ZerobusError && error.code === 'TIMEOUT')) throw error; // the stream failed
   *   console.warn(`offset ${ack.offset}: no ack within 10 s`); // only this wait ended: the record is still in flight
   * }
   * ```
   */
  waitForAck(timeoutMs?: number): Promise<number> {
    if (timeoutMs === undefined || this.#done) return this.promise;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new ZerobusError('TIMEOUT', `no acknowledgement for offset ${this.offset} within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    return Promise.race([this.promise, timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * Calls `callback(error, offset)` once done (at once if already done). A throwing callback is ignored.
   *
   * @example
   * ```ts
   * const ack = await stream.ingestRecord(record);
   * ack.addDoneCallback((error, offset) => {
   *   if (error) console.error(`offset ${ack.offset} not acknowledged:`, error);
   *   else console.log(`offset ${offset} durable`);
   * });
   * ```
   */
  addDoneCallback(callback: (error: unknown, offset: number | undefined) => void): void {
    if (this.#done) this.#invoke(callback);
    else this.#callbacks.push(callback);
  }

  #finish(error: unknown): void {
    this.#done = true;
    this.#error = error;
    for (const callback of this.#callbacks.splice(0)) this.#invoke(callback);
  }

  #invoke(callback: (error: unknown, offset: number | undefined) => void): void {
    try {
      callback(this.#error, this.#error === undefined ? this.offset : undefined);
    } catch {
      // A done callback must not break acknowledgement processing.
    }
  }
}
