import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type PendingRequest, pendingRequest, RequestQueue } from '../../src/engine/request-queue.js';

const request = (offset: number): PendingRequest => pendingRequest(offset, [], false);

describe('RequestQueue', () => {
  it('behaves like an array under random pushes, shifts and acknowledgements', () => {
    // Commands: push the next offset, shift one, or acknowledge through some offset.
    const command = fc.oneof(
      fc.constant({ op: 'push' as const }),
      fc.constant({ op: 'shift' as const }),
      fc.nat(50).map((n) => ({ op: 'ack' as const, n })),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 300 }), fc.integer({ min: 1, max: 8 }), (commands, capacity) => {
        const queue = new RequestQueue(capacity);
        const model: number[] = [];
        let next = 0;
        for (const c of commands) {
          if (c.op === 'push') {
            queue.push(request(next));
            model.push(next++);
          } else if (c.op === 'shift') {
            assert.equal(queue.shift()?.offset, model.shift());
          } else {
            const through = next - c.n;
            let removed = 0;
            while (model.length > 0 && (model[0] as number) <= through) {
              model.shift();
              removed++;
            }
            assert.equal(queue.shiftThrough(through), removed);
          }
          assert.equal(queue.length, model.length);
          assert.equal(queue.peek()?.offset, model[0]);
        }
        assert.deepEqual(
          queue.toArray().map((r) => r.offset),
          model,
        );
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('indexes from the head with at()', () => {
    const queue = new RequestQueue(2);
    for (let i = 0; i < 5; i++) queue.push(request(i));
    queue.shift();
    assert.equal(queue.at(0)?.offset, 1);
    assert.equal(queue.at(3)?.offset, 4);
    assert.equal(queue.at(4), undefined);
    assert.equal(queue.at(-1), undefined);
  });

  it('keeps the payload bytes of what it holds', () => {
    const queue = new RequestQueue(2);
    const sized = (offset: number, ...lengths: number[]): PendingRequest =>
      pendingRequest(
        offset,
        lengths.map((n) => new Uint8Array(n)),
        lengths.length > 1,
      );
    queue.push(sized(0, 10));
    queue.push(sized(1, 5, 7, 0));
    queue.push(sized(2, 100));
    assert.equal(queue.bytes, 122);
    queue.shiftThrough(1);
    assert.equal(queue.bytes, 100);
    queue.shift();
    assert.equal(queue.bytes, 0);
  });
});
