import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RoomWaiters } from '../../src/engine/room-waiters.js';

describe('RoomWaiters', () => {
  it('wakes in ticket order, so a caller that waits again keeps its place', async () => {
    const waiters = new RoomWaiters();
    const woken: string[] = [];
    const a = waiters.ticket();
    const first = waiters.wait(undefined, 'a', a).then(() => woken.push('a'));
    const b = waiters.wait(undefined, 'b').then(() => woken.push('b'));
    waiters.wake(1);
    await first;
    // "a" found no room after all and waits again with its old ticket: still ahead of "b".
    const again = waiters.wait(undefined, 'a', a).then(() => woken.push('a again'));
    const c = waiters.wait(undefined, 'c').then(() => woken.push('c'));
    assert.equal(waiters.size, 3);
    waiters.wake(3);
    await Promise.all([again, b, c]);
    assert.deepEqual(woken, ['a', 'a again', 'b', 'c']);
  });

  it('an aborted waiter leaves the line; rejectAll rejects everyone left', async () => {
    const waiters = new RoomWaiters();
    const controller = new AbortController();
    const aborted = waiters.wait(controller.signal, 'ingestRecordOffset');
    const left = waiters.wait(undefined, 'ingestRecordOffset');
    controller.abort();
    await assert.rejects(aborted, { code: 'ABORTED' });
    assert.equal(waiters.size, 1);
    waiters.rejectAll(new Error('closed'));
    await assert.rejects(left, /closed/);
    assert.equal(waiters.size, 0);
  });
});
