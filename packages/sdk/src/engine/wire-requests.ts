/**
 * How queued requests become wire requests. Consecutive single-record requests that are already
 * queued when the stream writes are sent together as one `ingest_record_batch` (bounded in
 * bytes and records), so a burst of `ingestRecordNowait` calls costs one gRPC message instead of
 * one each — without waiting for more records, so no latency is added. Every record keeps its
 * own logical offset; user batches are never merged, so their structure stays intact.
 *
 * `WireOffsets` remembers, for each wire request of the current call, the logical offset it
 * ends at, so a cumulative ack of wire offset N acknowledges exactly the records sent up to it.
 */
import { type PendingRequest, payloadsOf, type RequestQueue, singlePayload } from './request-queue.js';

/** Coalesced requests stay far below any server's message limit (4 MiB is the smallest documented). */
export const MAX_COALESCED_BYTES = 256 * 1024;
export const MAX_COALESCED_RECORDS = 10_000;

export interface WireRequest {
  readonly records: readonly Uint8Array[];
  /** How many queue entries it covers. */
  readonly count: number;
  /** The last queue entry it covers. */
  readonly last: PendingRequest;
}

/** The next wire request from the queue entries at `from` .. `limit - 1`. */
export function nextWireRequest(
  queue: RequestQueue,
  from: number,
  limit: number,
  maxBytes = MAX_COALESCED_BYTES,
  maxRecords = MAX_COALESCED_RECORDS,
): WireRequest {
  const first = queue.at(from)!;
  const firstRecord = singlePayload(first);
  if (firstRecord === undefined) return { records: payloadsOf(first), count: 1, last: first };
  const records = [firstRecord];
  let bytes = firstRecord.length;
  let last = first;
  for (let i = from + 1; i < limit && records.length < maxRecords; i++) {
    const next = queue.at(i)!;
    const record = singlePayload(next);
    if (record === undefined || bytes + record.length > maxBytes) break;
    records.push(record);
    bytes += record.length;
    last = next;
  }
  return { records, count: records.length, last };
}

export class WireOffsets {
  /** Logical end offset of each unacknowledged wire request, oldest at `#head`. */
  #ends: number[] = [];
  #head = 0;
  /** Wire offset of `#ends[#head]`. */
  #base = 0;

  /** Starts a new call: wire offsets begin again at 0. */
  reset(): void {
    this.#ends = [];
    this.#head = 0;
    this.#base = 0;
  }

  /** Records a wire request ending at logical offset `lastOffset`; returns its wire offset. */
  push(lastOffset: number): number {
    this.#ends.push(lastOffset);
    return this.#base + this.#ends.length - this.#head - 1;
  }

  /**
   * The logical offset a cumulative ack of `wireOffset` covers: `undefined` when it acknowledges
   * nothing new, `null` when that wire offset was never sent (a server bug).
   */
  ack(wireOffset: number): number | undefined | null {
    if (wireOffset < this.#base) return undefined;
    const index = this.#head + (wireOffset - this.#base);
    const end = this.#ends[index];
    if (end === undefined) return null;
    this.#head = index + 1;
    this.#base = wireOffset + 1;
    if (this.#head > 1024 && this.#head * 2 > this.#ends.length) {
      this.#ends = this.#ends.slice(this.#head);
      this.#head = 0;
    }
    return end;
  }
}
