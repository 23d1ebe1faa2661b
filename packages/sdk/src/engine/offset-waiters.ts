/**
 * Promises waiting for "everything up to offset N is acknowledged", kept sorted by offset so an
 * acknowledgement settles a prefix. Waits are almost always registered in increasing order, so
 * insertion is an append and settlement walks from the front.
 */
import { ZerobusError } from '../errors.js';

interface Waiter {
  readonly offset: number;
  readonly resolve: (offset: number) => void;
  readonly reject: (error: unknown) => void;
  cleanup: (() => void) | undefined;
}

export interface WaitOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /** Names the wait in a timeout error, e.g. "flush". */
  what?: string;
}

/** Rejection for an aborted wait: a ZerobusError with code ABORTED and the signal's reason as cause. */
export function abortError(signal: AbortSignal, what: string): ZerobusError {
  return new ZerobusError('ABORTED', `${what} was aborted`, { cause: signal.reason });
}

export class OffsetWaiters {
  #waiters: Waiter[] = [];
  #head = 0;

  get size(): number {
    return this.#waiters.length - this.#head;
  }

  /** Waits until `settleThrough(n)` is called with n >= offset, or until `rejectAll`. */
  wait(offset: number, options: WaitOptions = {}): Promise<number> {
    const { signal, timeoutMs } = options;
    if (signal === undefined && timeoutMs === undefined) {
      // Nothing can end it early: no closures, no name (the ack path of one record at a time).
      return new Promise<number>((resolve, reject) => this.#insert({ offset, resolve, reject, cleanup: undefined }));
    }
    const what = options.what ?? `wait for offset ${offset}`;
    if (signal?.aborted) return Promise.reject(abortError(signal, what));
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = { offset, resolve, reject, cleanup: undefined };
      const cleanups: (() => void)[] = [];
      if (timeoutMs !== undefined) {
        const timer = setTimeout(() => {
          this.#remove(waiter);
          reject(new ZerobusError('TIMEOUT', `${what} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        cleanups.push(() => clearTimeout(timer));
      }
      if (signal) {
        const onAbort = () => {
          this.#remove(waiter);
          reject(abortError(signal, what));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        cleanups.push(() => signal.removeEventListener('abort', onAbort));
      }
      if (cleanups.length > 0) {
        waiter.cleanup = () => {
          for (const fn of cleanups) fn();
        };
      }
      this.#insert(waiter);
    });
  }

  /** Resolves every waiter whose offset is at most `offset`. */
  settleThrough(offset: number): void {
    const waiters = this.#waiters;
    while (this.#head < waiters.length) {
      const waiter = waiters[this.#head] as Waiter;
      if (waiter.offset > offset) break;
      waiters[this.#head] = undefined as unknown as Waiter;
      this.#head++;
      waiter.cleanup?.();
      waiter.resolve(waiter.offset);
    }
    this.#compact();
  }

  rejectAll(error: unknown): void {
    const pending = this.#waiters.slice(this.#head);
    this.#waiters = [];
    this.#head = 0;
    for (const waiter of pending) {
      waiter.cleanup?.();
      waiter.reject(error);
    }
  }

  #insert(waiter: Waiter): void {
    const waiters = this.#waiters;
    let i = waiters.length;
    while (i > this.#head && (waiters[i - 1] as Waiter).offset > waiter.offset) i--;
    if (i === waiters.length) waiters.push(waiter);
    else waiters.splice(i, 0, waiter);
  }

  #remove(waiter: Waiter): void {
    const index = this.#waiters.indexOf(waiter, this.#head);
    if (index >= 0) this.#waiters.splice(index, 1);
    waiter.cleanup?.();
  }

  #compact(): void {
    if (this.#head === this.#waiters.length) {
      this.#waiters = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
      this.#waiters = this.#waiters.slice(this.#head);
      this.#head = 0;
    }
  }
}
