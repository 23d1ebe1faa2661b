import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import fc from 'fast-check';
import { OffsetWaiters } from '../../src/engine/offset-waiters.js';
import { ZerobusError } from '../../src/errors.js';

describe('OffsetWaiters', () => {
  it('settles exactly the waiters at or below each acknowledged offset, in any registration order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(100), { maxLength: 60 }),
        fc.array(fc.nat(100), { maxLength: 10 }),
        async (offsets, acks) => {
          const waiters = new OffsetWaiters();
          const settled = new Set<number>();
          offsets.forEach((offset, i) => {
            void waiters.wait(offset).then(() => settled.add(i));
          });
          let high = -1;
          for (const ack of acks) {
            high = Math.max(high, ack);
            waiters.settleThrough(ack);
            await Promise.resolve();
            await Promise.resolve();
            for (const [i, offset] of offsets.entries()) {
              assert.equal(settled.has(i), offset <= high, `waiter ${i} for ${offset} at ack ${high}`);
            }
          }
          assert.equal(waiters.size, offsets.filter((o) => o > high).length);
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  it('rejects with TIMEOUT after timeoutMs and forgets the waiter', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const waiters = new OffsetWaiters();
      const waiting = waiters.wait(5, { timeoutMs: 1000, what: 'flush' });
      mock.timers.tick(999);
      assert.equal(waiters.size, 1);
      mock.timers.tick(1);
      await assert.rejects(waiting, (error: unknown) => {
        assert.ok(error instanceof ZerobusError);
        assert.equal(error.code, 'TIMEOUT');
        assert.match(error.message, /flush timed out after 1000 ms/);
        return true;
      });
      assert.equal(waiters.size, 0);
    } finally {
      mock.timers.reset();
    }
  });

  it('rejects with ABORTED when the signal fires, and at once for an aborted signal', async () => {
    const waiters = new OffsetWaiters();
    const controller = new AbortController();
    const waiting = waiters.wait(1, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await assert.rejects(waiting, { code: 'ABORTED' });
    await assert.rejects(waiters.wait(1, { signal: controller.signal }), { code: 'ABORTED' });
    assert.equal(waiters.size, 0);
  });

  it('rejectAll rejects every pending waiter with the given error', async () => {
    const waiters = new OffsetWaiters();
    const error = new ZerobusError('UNAVAILABLE', 'gone');
    const all = [waiters.wait(1), waiters.wait(2)];
    waiters.rejectAll(error);
    for (const p of all) await assert.rejects(p, (e) => e === error);
  });
});
