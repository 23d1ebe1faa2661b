/**
 * Callers waiting for room in the in-flight window, woken first come, first served, so that
 * concurrent `ingest*Offset` calls take offsets in the order they were made.
 */
import { abortError } from './offset-waiters.js';

interface RoomWaiter {
  resolve(): void;
  reject(error: unknown): void;
  cleanup(): void;
}

export class RoomWaiters {
  #queue: RoomWaiter[] = [];

  get size(): number {
    return this.#queue.length;
  }

  wait(signal: AbortSignal | undefined, what: string): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError(signal, what));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
        reject(abortError(signal as AbortSignal, what));
      };
      const waiter: RoomWaiter = {
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  /** Wakes up to `count` waiters, oldest first. */
  wake(count: number): void {
    while (count-- > 0 && this.#queue.length > 0) {
      const waiter = this.#queue.shift() as RoomWaiter;
      waiter.cleanup();
      waiter.resolve();
    }
  }

  rejectAll(error: unknown): void {
    const queue = this.#queue;
    this.#queue = [];
    for (const waiter of queue) {
      waiter.cleanup();
      waiter.reject(error);
    }
  }
}
