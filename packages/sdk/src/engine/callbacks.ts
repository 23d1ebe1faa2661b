/**
 * Runs the user's ack callbacks. A callback that throws or rejects is logged and never reaches
 * the stream; asynchronous callbacks are tracked so that `close()` can wait for them, for at
 * most `callbackMaxWaitTimeMs`.
 */
import type { Logger } from '../logger.js';
import type { AckCallback } from '../options.js';

export class CallbackRunner {
  readonly #callback: AckCallback | undefined;
  readonly #logger: Logger;
  readonly #pending = new Set<Promise<void>>();

  constructor(callback: AckCallback | undefined, logger: Logger) {
    this.#callback = callback;
    this.#logger = logger;
  }

  get hasErrorCallback(): boolean {
    return this.#callback?.onError !== undefined;
  }

  /**
   * `onAck` once per offset from `first` to `last`, ascending, as the official core calls it
   * (PROTOCOL.md §12): one cumulative ack covering several offsets makes several calls. Without
   * an `onAck` this is one check, so acknowledging costs nothing per offset.
   */
  ack(first: number, last: number): void {
    const callback = this.#callback;
    const fn = callback?.onAck;
    if (!fn) return;
    // No closure per offset: with a callback set this loop runs once per record acknowledged.
    for (let offset = first; offset <= last; offset++) {
      try {
        this.#track('onAck', fn.call(callback, offset));
      } catch (error) {
        this.#report('onAck', error);
      }
    }
  }

  error(offset: number, message: string): void {
    const callback = this.#callback;
    const fn = callback?.onError;
    if (!fn) return;
    try {
      this.#track('onError', fn.call(callback, offset, message));
    } catch (error) {
      this.#report('onError', error);
    }
  }

  /** Waits for pending asynchronous callbacks; false when `maxWaitMs` ran out or `signal` aborted first. */
  async drain(maxWaitMs: number | null, signal?: AbortSignal): Promise<boolean> {
    if (this.#pending.size === 0) return true;
    const all = Promise.all(this.#pending).then(() => true);
    if (maxWaitMs === null && !signal) return all;
    if (signal?.aborted) return false;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const giveUp = new Promise<boolean>((resolve) => {
      if (maxWaitMs !== null) timer = setTimeout(() => resolve(false), maxWaitMs);
      onAbort = () => resolve(false);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([all, giveUp]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Keeps an asynchronous callback's promise until it settles, so `close()` can wait for it. */
  #track(name: string, result: void | Promise<void>): void {
    if (result && typeof (result as Promise<void>).then === 'function') {
      const tracked = Promise.resolve(result)
        .catch((error: unknown) => this.#report(name, error))
        .finally(() => this.#pending.delete(tracked));
      this.#pending.add(tracked);
    }
  }

  #report(name: string, error: unknown): void {
    this.#logger.warn(
      { callback: name, error: error instanceof Error ? error.message : String(error) },
      'ack callback threw',
    );
  }
}
