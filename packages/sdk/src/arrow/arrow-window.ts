/**
 * The bookkeeping of an Arrow stream, apart from any I/O so that it can be tested alone: the
 * unacknowledged batches in offset order, what was sent on the current call (wire offsets count
 * batches from 0 on each call), and how a cumulative `{ack_up_to_offset, ack_up_to_records}`
 * maps back onto them. Rows are the source of truth: a batch is done once every one of its rows
 * is durable, and a partly durable batch remembers how many of its rows are (`ackedRows`), so a
 * replay sends only the rest.
 */
import type { RecordBatch } from 'apache-arrow';
import { ZerobusError } from '../errors.js';
import type { FlightAck } from '../transport/flight-codec.js';

export interface PendingBatch {
  /** Logical offset: never changes across reconnects. */
  readonly offset: number;
  readonly batch: RecordBatch;
  readonly rows: number;
  /** Rows already durable (a partial acknowledgement); a replay sends `batch.slice(ackedRows)`. */
  ackedRows: number;
  /** When it was last sent (ms); drives the lack-of-ack timeout. */
  sentAt: number;
}

interface SentBatch {
  readonly entry: PendingBatch;
  /** The entry's `ackedRows` when it was sent: the rows this send did not carry. */
  readonly rowsBefore: number;
  /** Rows sent on this call up to and including this batch. */
  readonly rowsEnd: number;
}

export class ArrowSendWindow {
  #queue: PendingBatch[] = [];
  #queueHead = 0;
  #sent: SentBatch[] = [];
  #sentHead = 0;
  #rowsSent = 0;
  #rowsAcked = 0;

  /** Unacknowledged batches. */
  get length(): number {
    return this.#queue.length - this.#queueHead;
  }

  push(entry: PendingBatch): void {
    this.#queue.push(entry);
  }

  pending(): PendingBatch[] {
    return this.#queue.slice(this.#queueHead);
  }

  /** A new call: nothing is sent on it yet; partly durable batches keep their `ackedRows`. */
  resetCall(): void {
    this.#sent = [];
    this.#sentHead = 0;
    this.#rowsSent = 0;
    this.#rowsAcked = 0;
  }

  /** The next batch to send on this call, if any. */
  nextToSend(): PendingBatch | undefined {
    return this.#queue[this.#queueHead + (this.#sent.length - this.#sentHead)];
  }

  /** Records that `entry` (the one `nextToSend` gave) was sent; returns its wire offset. */
  markSent(entry: PendingBatch, now: number): number {
    entry.sentAt = now;
    this.#rowsSent += entry.rows - entry.ackedRows;
    this.#sent.push({ entry, rowsBefore: entry.ackedRows, rowsEnd: this.#rowsSent });
    return this.#sent.length - 1;
  }

  /** Send time of the oldest batch in flight on this call. */
  oldestSentAt(): number | undefined {
    return this.#sent[this.#sentHead]?.entry.sentAt;
  }

  /**
   * Applies a cumulative acknowledgement of this call; returns the logical offset of the last
   * batch it completes, or undefined if it completes none. Throws for an acknowledgement that
   * contradicts what was sent (a protocol error: the call is then abandoned and recovered).
   */
  ack(ack: FlightAck): number | undefined {
    const { ackUpToOffset: wire, ackUpToRecords: rows } = ack;
    if (rows < this.#rowsAcked || rows > this.#rowsSent) {
      throw new ZerobusError(
        'INTERNAL',
        `the server acknowledged ${rows} rows; ${this.#rowsAcked} were acknowledged and ${this.#rowsSent} sent on this call`,
      );
    }
    if (wire >= this.#sent.length) {
      throw new ZerobusError('INTERNAL', `the server acknowledged batch ${wire}, which was never sent on this call`);
    }
    // Check everything before changing anything: a refused acknowledgement leaves no trace.
    let doneUpTo = this.#sentHead;
    while (doneUpTo < this.#sent.length && this.#sent[doneUpTo]!.rowsEnd <= rows) doneUpTo++;
    if (wire > doneUpTo - 1) {
      throw new ZerobusError(
        'INTERNAL',
        `the server acknowledged batch ${wire} in full but only ${rows} rows, which end before it`,
      );
    }
    this.#rowsAcked = rows;
    let completed: number | undefined;
    while (this.#sentHead < doneUpTo) {
      const done = this.#sent[this.#sentHead++]!;
      done.entry.ackedRows = done.entry.rows;
      completed = done.entry.offset;
      this.#queue[this.#queueHead++] = undefined as never; // let the batch go
    }
    const partial = this.#sent[this.#sentHead];
    if (partial) {
      const start = partial.rowsEnd - (partial.entry.rows - partial.rowsBefore);
      if (rows > start) partial.entry.ackedRows = partial.rowsBefore + (rows - start);
    }
    this.#compact();
    return completed;
  }

  #compact(): void {
    if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
    if (this.#sentHead > 1024 && this.#sentHead * 2 > this.#sent.length) {
      this.#sent = this.#sent.slice(this.#sentHead);
      this.#sentHead = 0;
    }
  }
}
