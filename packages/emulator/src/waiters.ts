/**
 * Event-driven waiting for tests: `emulator.waitFor(predicate)` re-checks its predicate after
 * every observable change (a call opened, a record stored, an ack sent, ...) instead of polling
 * on a timer, so tests wait exactly as long as needed.
 */

/**
 * Options of `Emulator.waitFor` and `Emulator.waitForRecords`.
 *
 * @example
 * ```ts
 * import type { WaitOptions } from '@zerobus/emulator';
 *
 * // a load test stores 100,000 records: more than the default 5 s
 * const patient: WaitOptions = { timeoutMs: 60_000 };
 * await emulator.waitForRecords('main.iot.readings', 100_000, patient);
 * await emulator.waitFor((e) => e.streams.length === 0, patient); // rejects if still not true after 60 s
 * ```
 */
export interface WaitOptions {
  /** How long to wait before rejecting. Default 5000 ms. */
  timeoutMs?: number;
}

interface Waiter {
  check(): void;
  abort(error: Error): void;
}

export class Waiters {
  private readonly waiters = new Set<Waiter>();
  private wakePending = false;
  private closedError: Error | undefined;

  /** Resolves once `predicate()` holds; rejects on timeout, on a throwing predicate, or on close. */
  wait(predicate: () => boolean, options: WaitOptions = {}): Promise<void> {
    try {
      if (predicate()) return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.closedError) return Promise.reject(this.closedError);
    const timeoutMs = options.timeoutMs ?? 5000;
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: unknown) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        if (error === undefined) resolve();
        else reject(error);
      };
      const waiter: Waiter = {
        check: () => {
          try {
            if (predicate()) settle();
          } catch (error) {
            settle(error);
          }
        },
        abort: (error) => settle(error),
      };
      const timer = setTimeout(
        () => settle(new Error(`emulator.waitFor: condition not met within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.add(waiter);
    });
  }

  /** Something changed: re-check every predicate once, after the current synchronous work. */
  notify(): void {
    if (this.waiters.size === 0 || this.wakePending) return;
    this.wakePending = true;
    queueMicrotask(() => {
      this.wakePending = false;
      for (const waiter of [...this.waiters]) waiter.check();
    });
  }

  /** The emulator closed: last check, then reject whoever still waits (no test hangs on a timer). */
  close(): void {
    this.closedError = new Error('emulator.waitFor: the emulator was closed');
    for (const waiter of [...this.waiters]) waiter.check();
    for (const waiter of [...this.waiters]) waiter.abort(this.closedError);
  }
}
