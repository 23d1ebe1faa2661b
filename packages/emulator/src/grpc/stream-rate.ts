/**
 * A per-stream record rate, as the real service has one (PROTOCOL.md §8: on the order of
 * 15k–100k records/s per stream): each accepted request books its records on a clock, and when
 * the booking runs ahead of real time the session stops reading until it catches up, so HTTP/2
 * flow control pushes back on the client exactly as the service's limit would. This is what
 * makes several streams (a StreamPool) faster than one.
 */
export class StreamRateLimit {
  readonly #msPerRecord: number;
  readonly #now: () => number;
  /** When the records booked so far may all have been read. */
  #bookedUntil = 0;

  constructor(recordsPerSecond: number, now: () => number = performance.now.bind(performance)) {
    this.#msPerRecord = 1000 / recordsPerSecond;
    this.#now = now;
  }

  /** Books `records`; returns how long (ms) to stop reading, 0 when within the rate. */
  take(records: number): number {
    const now = this.#now();
    this.#bookedUntil = Math.max(this.#bookedUntil, now) + records * this.#msPerRecord;
    // A few milliseconds of burst are allowed: timers cannot pause for less anyway.
    const ahead = this.#bookedUntil - now;
    return ahead > 5 ? ahead : 0;
  }
}
