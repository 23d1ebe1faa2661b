/**
 * What was sent on the current call of an Arrow stream, apart from any I/O so that it can be
 * tested alone: wire offsets count batches from 0 on each call, and a cumulative
 * `{ack_up_to_offset, ack_up_to_records}` maps back onto the batches sent. Rows are the source
 * of truth: a batch is done once every one of its rows is durable, and a partly durable batch
 * remembers how many of its rows are (`ackedRows`), so a replay sends only the rest. The
 * unacknowledged batches themselves are the engine's queue.
 */
import type { RecordBatch } from 'apache-arrow';
import type { QueuedUnit } from '../engine/request-queue.js';
import { ZerobusError } from '../errors.js';
import type { FlightAck } from '../transport/flight-codec.js';

/** A batch in an Arrow stream's queue; `records` is its row count. */
export interface PendingBatch extends QueuedUnit {
  readonly batch: RecordBatch;
  /** Rows already durable (a partial acknowledgement); a replay sends `batch.slice(ackedRows)`. */
  ackedRows: number;
}

/** A batch not yet sent, under logical offset `offset`. */
export function pendingBatch(offset: number, batch: RecordBatch): PendingBatch {
  return {
    offset,
    batch,
    records: batch.numRows,
    bytes: batch.data.byteLength,
    ackedRows: 0,
    sent: undefined,
    firstSent: undefined,
  };
}

interface SentBatch {
  readonly entry: PendingBatch;
  /** The entry's `ackedRows` when it was sent: the rows this send did not carry. */
  readonly rowsBefore: number;
  /** Rows sent on this call up to and including this batch. */
  readonly rowsEnd: number;
}

export class ArrowCallWindow {
  #sent: SentBatch[] = [];
  #sentHead = 0;
  #rowsSent = 0;
  #rowsAcked = 0;

  /** A new call: nothing is sent on it yet; partly durable batches keep their `ackedRows`. */
  resetCall(): void {
    this.#sent = [];
    this.#sentHead = 0;
    this.#rowsSent = 0;
    this.#rowsAcked = 0;
  }

  /** Records that `entry`, from its `ackedRows` on, was sent on this call; returns its wire offset. */
  markSent(entry: PendingBatch): number {
    this.#rowsSent += entry.records - entry.ackedRows;
    this.#sent.push({ entry, rowsBefore: entry.ackedRows, rowsEnd: this.#rowsSent });
    return this.#sent.length - 1;
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
      done.entry.ackedRows = done.entry.records;
      completed = done.entry.offset;
    }
    const partial = this.#sent[this.#sentHead];
    if (partial) {
      const start = partial.rowsEnd - (partial.entry.records - partial.rowsBefore);
      if (rows > start) partial.entry.ackedRows = partial.rowsBefore + (rows - start);
    }
    this.#compact();
    return completed;
  }

  #compact(): void {
    if (this.#sentHead > 1024 && this.#sentHead * 2 > this.#sent.length) {
      this.#sent = this.#sent.slice(this.#sentHead);
      this.#sentHead = 0;
    }
  }
}
