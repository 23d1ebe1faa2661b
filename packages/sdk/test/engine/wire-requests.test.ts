import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { pendingRequest, RequestQueue } from '../../src/engine/request-queue.js';
import { nextWireRequest, WireOffsets } from '../../src/engine/wire-requests.js';

/** A queue from a list of entries: a number is a single record of that size, an array a user batch. */
function queueOf(entries: (number | number[])[]): RequestQueue {
  const queue = new RequestQueue(4);
  entries.forEach((entry, offset) => {
    const sizes = Array.isArray(entry) ? entry : [entry];
    queue.push(
      pendingRequest(
        offset,
        sizes.map((n) => new Uint8Array(n)),
        Array.isArray(entry),
      ),
    );
  });
  return queue;
}

describe('wire requests', () => {
  it('coalesces queued single records, never user batches, within the byte and record bounds', () => {
    const entry = fc.oneof(
      fc.integer({ min: 0, max: 50 }),
      fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 4 }),
    );
    fc.assert(
      fc.property(
        fc.array(entry, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 8 }),
        (entries, maxBytes, maxRecords) => {
          const queue = queueOf(entries);
          const limit = queue.length;
          let from = 0;
          const covered: number[] = [];
          while (from < limit) {
            const request = nextWireRequest(queue, from, limit, maxBytes, maxRecords);
            const first = entries[from] as number | number[];
            if (Array.isArray(first)) {
              assert.equal(request.count, 1, 'a user batch goes alone');
              assert.equal(request.records.length, first.length);
            } else {
              assert.ok(request.count >= 1);
              assert.ok(request.count <= maxRecords);
              for (let i = from; i < from + request.count; i++)
                assert.ok(!Array.isArray(entries[i]), 'only single records merge');
              const bytes = request.records.reduce((n, r) => n + r.length, 0);
              assert.ok(request.count === 1 || bytes <= maxBytes, 'bounded in bytes unless a lone record');
            }
            assert.equal(request.last.offset, from + request.count - 1);
            for (let i = 0; i < request.count; i++) covered.push(from + i);
            from += request.count;
          }
          assert.deepEqual(
            covered,
            Array.from({ length: limit }, (_, i) => i),
            'every entry once, in order',
          );
        },
      ),
      { seed: 3, numRuns: 500 },
    );
  });

  it('maps cumulative wire acks to the logical offset they end at', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 50 }),
        fc.array(fc.nat(60)),
        (sizes, acks) => {
          const wire = new WireOffsets();
          const ends: number[] = [];
          let logical = -1;
          for (const [i, size] of sizes.entries()) {
            logical += size;
            ends.push(logical);
            assert.equal(wire.push(logical), i);
          }
          let acked = -1;
          for (const ack of acks) {
            const result = wire.ack(ack);
            if (ack >= sizes.length) assert.equal(result, ack <= acked ? undefined : null);
            else if (ack <= acked) assert.equal(result, undefined);
            else {
              assert.equal(result, ends[ack]);
              acked = ack;
            }
          }
        },
      ),
      { seed: 4, numRuns: 500 },
    );
  });
});
