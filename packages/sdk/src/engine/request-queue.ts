/**
 * The unacknowledged units of a stream (requests of records, or Arrow batches), in
 * logical-offset order: a growable ring buffer, so that acknowledging from the head and
 * ingesting at the tail are O(1) with no array shifting. The queue is the stream's replay
 * buffer and its in-flight window at once: what it holds is what the window counts.
 */

/** What the engine needs of every queued unit, whatever the protocol. */
export interface QueuedUnit {
  /** Logical offset: what the user was given; never changes across reconnects. */
  readonly offset: number;
  /** Records it carries (the rows of an Arrow batch): counted by `stats()`. */
  readonly records: number;
  /** Payload bytes it holds for replay: counted by the window's byte bound and by `stats()`. */
  readonly bytes: number;
  /** When it was last written to a call (ms, the stream's clock); drives the lack-of-ack timeout. */
  sentAt: number;
  /** When it was first written to a call, -1 before: ack latency counts from here, replays included. */
  firstSentAt: number;
}

/** A request of a gRPC records stream: one record, or a batch the user ingested in one call. */
export interface PendingRequest extends QueuedUnit {
  /** Encoded records: one for a single-record request, any number for a batch. */
  readonly payloads: readonly Uint8Array[];
  /** Whether the user ingested it as a batch (it stays one in `getUnackedBatches()`). */
  readonly batch: boolean;
  /**
   * Whether its payloads were encoded for it, by this stream: given back to the encoder once
   * acknowledged (their memory is reused). False for payloads moved from another stream by
   * recreateStream, which that stream's getUnacked*() may still read: those are never reused.
   */
  readonly owned: boolean;
}

/**
 * A request not yet sent, holding `payloads` under logical offset `offset`; `owned` when the
 * stream's encoder made the payloads for it (see PendingRequest.owned).
 */
export function pendingRequest(
  offset: number,
  payloads: readonly Uint8Array[],
  batch: boolean,
  owned = false,
): PendingRequest {
  let bytes = 0;
  for (const payload of payloads) bytes += payload.length;
  return { offset, payloads, batch, owned, records: payloads.length, bytes, sentAt: 0, firstSentAt: -1 };
}

export class RequestQueue<U extends QueuedUnit = PendingRequest> {
  #items: (U | undefined)[];
  #head = 0;
  #length = 0;
  #bytes = 0;
  #records = 0;

  constructor(initialCapacity = 64) {
    this.#items = new Array(Math.max(2, initialCapacity));
  }

  get length(): number {
    return this.#length;
  }

  /** Payload bytes of all queued requests. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Records of all queued requests (each record of a batch counts). */
  get records(): number {
    return this.#records;
  }

  push(item: U): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) % this.#items.length] = item;
    this.#length++;
    this.#bytes += item.bytes;
    this.#records += item.records;
  }

  /** The item at position `index` from the head (0 = oldest). */
  at(index: number): U | undefined {
    if (index < 0 || index >= this.#length) return undefined;
    return this.#items[(this.#head + index) % this.#items.length];
  }

  peek(): U | undefined {
    return this.at(0);
  }

  shift(): U | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#length--;
    this.#bytes -= item!.bytes;
    this.#records -= item!.records;
    return item;
  }

  /** Removes every item whose offset is at most `offset`; returns how many were removed. */
  shiftThrough(offset: number): number {
    let removed = 0;
    for (let item = this.peek(); item !== undefined && item.offset <= offset; item = this.peek()) {
      this.shift();
      removed++;
    }
    return removed;
  }

  toArray(): U[] {
    const out: U[] = [];
    for (let i = 0; i < this.#length; i++) out.push(this.at(i) as U);
    return out;
  }

  #grow(): void {
    const next = new Array<U | undefined>(this.#items.length * 2);
    for (let i = 0; i < this.#length; i++) next[i] = this.#items[(this.#head + i) % this.#items.length];
    this.#items = next;
    this.#head = 0;
  }
}
