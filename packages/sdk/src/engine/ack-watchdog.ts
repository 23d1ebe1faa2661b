/**
 * The lack-of-acknowledgement timeout (PROTOCOL.md §12): fires when the oldest unacknowledged
 * request has waited `timeoutMs` since it was sent. It is measured from that request's send
 * time, so repeated acks for the same offset do not postpone it, and it counts only while
 * something is in flight. One timer serves the whole stream: when it fires early (the request
 * it was armed for has been acknowledged since) it re-arms for the new oldest request, so
 * acknowledgements never touch the timer.
 */
export class AckWatchdog {
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #oldestSentAt: () => number | undefined;
  readonly #onExpired: () => void;
  #timer: NodeJS.Timeout | undefined;

  /**
   * @param oldestSentAt send time of the oldest request in flight, or undefined when none is
   * @param onExpired called once the timeout has passed for that request
   */
  constructor(timeoutMs: number, now: () => number, oldestSentAt: () => number | undefined, onExpired: () => void) {
    this.#timeoutMs = timeoutMs;
    this.#now = now;
    this.#oldestSentAt = oldestSentAt;
    this.#onExpired = onExpired;
  }

  /** Starts watching the oldest request in flight, unless already watching. */
  arm(): void {
    if (this.#timer !== undefined) return;
    const sentAt = this.#oldestSentAt();
    if (sentAt === undefined) return;
    this.#timer = setTimeout(() => this.#check(), Math.max(0, sentAt + this.#timeoutMs - this.#now()));
  }

  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #check(): void {
    this.#timer = undefined;
    const sentAt = this.#oldestSentAt();
    if (sentAt === undefined) return;
    if (this.#now() - sentAt >= this.#timeoutMs) this.#onExpired();
    else this.arm();
  }
}
