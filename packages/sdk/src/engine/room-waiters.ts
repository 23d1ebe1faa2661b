/**
 * Callers waiting for room in the in-flight window, woken first come, first served, so that
 * concurrent `ingest*Offset` calls take offsets in the order they were made.
 */
import { abortError } from './offset-waiters.js';

interface RoomWaiter {
  readonly ticket: number;
  resolve(): void;
  reject(error: unknown): void;
  cleanup(): void;
}

export class RoomWaiters {
  /** Ordered by ticket. */
  #queue: RoomWaiter[] = [];
  #nextTicket = 0;

  get size(): number {
    return this.#queue.length;
  }

  /** A place in line for `wait`. */
  ticket(): number {
    return this.#nextTicket++;
  }

  /**
   * Waits to be woken, in the order of `ticket`: a caller woken but beaten to the room (by a
   * `*Nowait` call) waits again with its old ticket and keeps its place ahead of later callers.
   */
  wait(signal: AbortSignal | undefined, what: string, ticket = this.ticket()): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError(signal, what));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
        reject(abortError(signal as AbortSignal, what));
      };
      const waiter: RoomWaiter = {
        ticket,
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const queue = this.#queue;
      let at = queue.length;
      while (at > 0 && queue[at - 1]!.ticket > ticket) at--;
      queue.splice(at, 0, waiter);
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
