/**
 * The fixed wait between two connection attempts, shared by the gRPC and Arrow streams: resolves
 * after `ms`, or at once (without an error) when `signal` aborts — the stream ended, or its
 * creation was abandoned — and leaves no listener behind either way.
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
