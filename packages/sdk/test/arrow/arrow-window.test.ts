import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordBatch } from 'apache-arrow';
import fc from 'fast-check';
import { ArrowCallWindow, type PendingBatch } from '../../src/arrow/arrow-window.js';
import { RequestQueue } from '../../src/engine/request-queue.js';

const batch = (offset: number, rows: number): PendingBatch => ({
  offset,
  batch: {} as RecordBatch, // the window never looks inside
  records: rows,
  bytes: 0,
  ackedRows: 0,
  sent: undefined,
  firstSent: undefined,
});

/**
 * The call window with the engine's queue around it, as the engine drives them: everything
 * queued is sent on the current call, and a completed batch leaves the queue.
 */
class ArrowSendWindow {
  readonly #queue = new RequestQueue<PendingBatch>();
  readonly #call = new ArrowCallWindow();
  #sent = 0;

  get length(): number {
    return this.#queue.length;
  }
  push(entry: PendingBatch): void {
    this.#queue.push(entry);
  }
  pending(): PendingBatch[] {
    return this.#queue.toArray();
  }
  resetCall(): void {
    this.#call.resetCall();
    this.#sent = 0;
  }
  /** Sends everything queued and not sent on this call; returns the rows sent per wire offset. */
  sendAll(): number[] {
    const rows: number[] = [];
    for (; this.#sent < this.#queue.length; this.#sent++) {
      const entry = this.#queue.at(this.#sent)!;
      rows.push(entry.records - entry.ackedRows);
      this.#call.markSent(entry);
    }
    return rows;
  }
  ack(ack: { ackUpToOffset: number; ackUpToRecords: number }): number | undefined {
    const done = this.#call.ack(ack);
    if (done !== undefined) this.#sent -= this.#queue.shiftThrough(done);
    return done;
  }
}

const sendAll = (window: ArrowSendWindow): number[] => window.sendAll();

describe('ArrowCallWindow', () => {
  it('completes batches by rows, keeps a partial acknowledgement, and replays only the rest', () => {
    const window = new ArrowSendWindow();
    for (const [offset, rows] of [
      [0, 10],
      [1, 5],
      [2, 7],
    ] as const)
      window.push(batch(offset, rows));
    assert.deepEqual(sendAll(window), [10, 5, 7]);
    assert.equal(window.ack({ ackUpToOffset: -1, ackUpToRecords: 4 }), undefined, 'inside batch 0');
    assert.equal(window.ack({ ackUpToOffset: 0, ackUpToRecords: 12 }), 0, 'batch 0 done, 2 rows of batch 1');
    assert.equal(window.length, 2);
    // The call fails; on the next one, batch 1 is sent from its third row, then batch 2 whole.
    window.resetCall();
    assert.deepEqual(sendAll(window), [3, 7]);
    assert.equal(window.ack({ ackUpToOffset: 1, ackUpToRecords: 10 }), 2);
    assert.equal(window.length, 0);
  });

  it('refuses acknowledgements that contradict what was sent', () => {
    const window = new ArrowSendWindow();
    window.push(batch(0, 10));
    sendAll(window);
    assert.throws(
      () => window.ack({ ackUpToOffset: -1, ackUpToRecords: 11 }),
      /11 rows; 0 were acknowledged and 10 sent/,
    );
    assert.throws(() => window.ack({ ackUpToOffset: 1, ackUpToRecords: 10 }), /batch 1, which was never sent/);
    assert.throws(() => window.ack({ ackUpToOffset: 0, ackUpToRecords: 9 }), /batch 0 in full but only 9 rows/);
    window.ack({ ackUpToOffset: -1, ackUpToRecords: 5 });
    assert.throws(() => window.ack({ ackUpToOffset: -1, ackUpToRecords: 4 }), /4 rows; 5 were acknowledged/);
  });

  it('never loses or duplicates a row across partial acknowledgements and reconnects (property)', () => {
    // Batches of random sizes; a random sequence of acks (cumulative, within what was sent) and
    // reconnects. Every row must be sent at least once; rows are re-sent only if not acknowledged.
    const step = fc.oneof(
      fc.record({ kind: fc.constant('ack' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
      fc.constant({ kind: 'reconnect' as const }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 12 }),
        fc.array(step, { maxLength: 30 }),
        (sizes, steps) => {
          const window = new ArrowSendWindow();
          for (const [offset, rows] of sizes.entries()) window.push(batch(offset, rows));
          const total = sizes.reduce((a, b) => a + b, 0);
          let durable = 0; // rows durable overall, in order
          let onCall = 0; // rows acknowledged on this call
          let sentRows = sendAll(window); // rows of each wire offset on this call
          let completed = -1;
          for (const s of steps) {
            if (s.kind === 'reconnect') {
              window.resetCall();
              onCall = 0;
              sentRows = sendAll(window);
              const resent = sentRows.reduce((a, b) => a + b, 0);
              assert.equal(resent, total - durable, 'a replay sends exactly the rows not yet durable');
            } else {
              const sentOnCall = sentRows.reduce((a, b) => a + b, 0);
              const rows = onCall + Math.floor(s.fraction * (sentOnCall - onCall));
              // ackUpToOffset: the last wire batch whose rows all fit within `rows`.
              let wire = -1;
              let end = 0;
              for (const r of sentRows) {
                end += r;
                if (end > rows) break;
                wire++;
              }
              const done = window.ack({ ackUpToOffset: wire, ackUpToRecords: rows });
              durable += rows - onCall;
              onCall = rows;
              if (done !== undefined) {
                assert.ok(done > completed);
                completed = done;
              }
            }
          }
          const leftRows = window.pending().reduce((a, p) => a + p.records - p.ackedRows, 0);
          assert.equal(leftRows, total - durable, 'pending rows are exactly those not durable');
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });
});
