/**
 * The unacknowledged units of a stream (requests of records, or Arrow batches), in
 * logical-offset order: a growable ring buffer, so that acknowledging from the head and
 * ingesting at the tail are O(1) with no array shifting. The queue is the stream's replay
 * buffer and its in-flight window at once: what it holds is what the window counts.
 */

import { fillSlot, NO_BYTES, type PayloadSlot, slotPayload } from '../records/payload-slab.js';

/**
 * When units were written to a call: one per write of the engine's pump, shared by every unit
 * it wrote. A time kept in a number field of each unit would be a heap-allocated box per unit
 * (a fractional value is no small integer), which with a full window of 50,000 units in flight
 * cost JSON 750 B fire-and-forget a quarter of its throughput (bench/README.md).
 */
export interface SendStamp {
  /** The stream's clock (ms, sub-millisecond resolution) at the write. */
  readonly at: number;
}

/** What the engine needs of every queued unit, whatever the protocol. */
export interface QueuedUnit {
  /** Logical offset: what the user was given; never changes across reconnects. */
  readonly offset: number;
  /** Records it carries (the rows of an Arrow batch): counted by `stats()`. */
  readonly records: number;
  /** Payload bytes it holds for replay: counted by the window's byte bound and by `stats()`. */
  readonly bytes: number;
  /** When it was last written to a call; drives the lack-of-ack timeout. */
  sent: SendStamp | undefined;
  /** When it was first written to a call, undefined before: ack latency counts from here, replays included. */
  firstSent: SendStamp | undefined;
}

/**
 * A request of a gRPC records stream: one record, or a batch the user ingested in one call.
 * A single record is a PayloadSlot its encoder fills (records/payload-slab.ts): its bytes, or
 * the slab and range holding them, with no array or view object around them. Each object a
 * request holds outlives V8's young generation while the window is full (bench/README.md,
 * "What a full window costs per record").
 */
export interface PendingRequest extends QueuedUnit, PayloadSlot {
  /** Set once its record is encoded (a record's toJSON() may ingest another record meanwhile). */
  offset: number;
  /**
   * Encoded records: a single record's bytes, or its slab at `start` (see PayloadSlot), or an
   * array for a batch. Read through payloadsOf() or singlePayload().
   */
  payload: Uint8Array | readonly Uint8Array[];
  /** Where a single record's bytes start in `payload` (its slab), or -1. */
  start: number;
  bytes: number;
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
  if (!batch && payloads.length === 1) return pendingRecord(offset, payloads[0]!, owned);
  let bytes = 0;
  for (const payload of payloads) bytes += payload.length;
  return {
    offset,
    payload: payloads,
    start: -1,
    batch,
    owned,
    records: payloads.length,
    bytes,
    sent: undefined,
    firstSent: undefined,
  };
}

/** A single-record request (see pendingRequest) of bytes already encoded. */
export function pendingRecord(offset: number, payload: Uint8Array, owned: boolean): PendingRequest {
  const request = unencodedRecord(owned);
  request.offset = offset;
  fillSlot(request, payload);
  return request;
}

/**
 * A single-record request for the stream's encoder to fill (`encodeInto`), then its offset to be
 * set: what every `ingestRecord*` call queues.
 */
export function unencodedRecord(owned: boolean): PendingRequest {
  return {
    offset: -1,
    payload: NO_BYTES,
    start: -1,
    batch: false,
    owned,
    records: 1,
    bytes: 0,
    sent: undefined,
    firstSent: undefined,
  };
}

/** The request's records, in order (an array of one for a single record). */
export function payloadsOf(request: PendingRequest): readonly Uint8Array[] {
  return isPayloadList(request.payload) ? request.payload : [slotPayload(request)];
}

/**
 * The record of a single-record request, as a view made now (read it, do not keep it: its slab
 * is reused once the request is acknowledged); undefined for a batch (even of one record).
 */
export function singlePayload(request: PendingRequest): Uint8Array | undefined {
  return request.batch || isPayloadList(request.payload) ? undefined : slotPayload(request);
}

export function isPayloadList(payload: Uint8Array | readonly Uint8Array[]): payload is readonly Uint8Array[] {
  return Array.isArray(payload);
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
