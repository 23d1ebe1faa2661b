/**
 * Reusable buffers for ingest request envelopes. Every wire request is written into an
 * envelope, and grpc-js then copies it into a frame of its own; without reuse each envelope
 * (up to 1 MiB of coalesced records) was garbage at once, and with a full window of 50,000
 * 750 B records that garbage alone held ~37 MB of RSS until V8 next collected.
 *
 * An envelope goes back to the pool from grpc-js's write callback, which runs after the frame
 * copy was handed to HTTP/2. One that never comes back (its call failed) is simply collected.
 */

/** Envelopes of this size are pooled; larger requests (big user batches) get their own buffer. */
export const POOLED_ENVELOPE_BYTES = 256 * 1024 + 64 * 1024;
/** Enough for the writes grpc-js holds at once before it signals back-pressure. */
const MAX_FREE = 2;

export interface Envelope {
  /** Exactly `size` bytes to write the request into. */
  readonly bytes: Uint8Array;
  /** Gives the buffer back; call once the transport no longer reads it. */
  release(): void;
}

const noop = () => {};

export class EnvelopePool {
  readonly #free: Uint8Array[] = [];

  take(size: number): Envelope {
    if (size > POOLED_ENVELOPE_BYTES) return { bytes: new Uint8Array(size), release: noop };
    const buffer = this.#free.pop() ?? new Uint8Array(POOLED_ENVELOPE_BYTES);
    let released = false;
    return {
      bytes: buffer.subarray(0, size),
      release: () => {
        if (released) return;
        released = true;
        if (this.#free.length < MAX_FREE) this.#free.push(buffer);
      },
    };
  }
}
