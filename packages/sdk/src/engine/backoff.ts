/**
 * The wait between two connection attempts, shared by the gRPC and Arrow streams. The official
 * SDKs wait a fixed `recoveryBackoffMs`; streams dropped together then reconnect in lock-step.
 * Here each wait is drawn uniformly within ±`recoveryBackoffJitter` of its nominal value, so the
 * mean stays the official one, and `recoveryBackoffMaxMs` turns on exponential growth:
 * the nominal wait before retry n (1, 2, ...) is min(recoveryBackoffMaxMs, recoveryBackoffMs·2^(n−1)).
 */

/** The options a backoff follows (a gRPC or Arrow stream's resolved options). */
export interface BackoffOptions {
  readonly recoveryBackoffMs: number;
  /** `null`: a fixed wait (the official SDKs'); a number: doubling from recoveryBackoffMs up to this. */
  readonly recoveryBackoffMaxMs: number | null;
  /** Fraction (0..1) of the nominal wait by which each wait varies, uniformly, either way. */
  readonly recoveryBackoffJitter: number;
}

/**
 * The wait before retry `retry` (1 for the first wait of an outage) in whole milliseconds, with
 * `random` a uniform source in [0, 1) (injectable for tests).
 */
export function backoffDelay(options: BackoffOptions, retry: number, random: () => number = Math.random): number {
  const { recoveryBackoffMs: base, recoveryBackoffMaxMs: max, recoveryBackoffJitter: jitter } = options;
  // 2^(retry-1) grows past any cap quickly; the exponent is bounded so the product stays finite.
  const nominal = max === null ? base : Math.min(max, base * 2 ** Math.min(Math.max(retry - 1, 0), 52));
  if (jitter === 0) return nominal;
  return Math.max(0, Math.round(nominal * (1 + jitter * (2 * random() - 1))));
}

/**
 * Resolves after `ms`, or at once (without an error) when `signal` aborts — the stream ended, or
 * its creation was abandoned — and leaves no listener behind either way.
 */
export function backoff(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
