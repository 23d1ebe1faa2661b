/**
 * The signals of a stream's (or a pool's) `close()` calls as one: `close()` runs once, and every
 * call returns its outcome, so the signal of any call made before it settles must be able to
 * end its wait, not only the first call's.
 */
export class CloseSignals {
  readonly #stop = new AbortController();
  /** Removes the listeners from the callers' signals; undefined once the close has settled. */
  #unlink: (() => void)[] | undefined = [];

  /** Aborts once the signal of any call followed so far aborts. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** Follows the signal of one `close()` call, unless the close has settled already. */
  follow(signal: AbortSignal | undefined): void {
    const unlink = this.#unlink;
    if (!signal || !unlink) return;
    const stop = this.#stop;
    const onAbort = () => stop.abort(signal.reason);
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    unlink.push(() => signal.removeEventListener('abort', onAbort));
  }

  /** The close has settled: forgets every signal, and follows no more. */
  settled(): void {
    for (const unlink of this.#unlink ?? []) unlink();
    this.#unlink = undefined;
  }
}
