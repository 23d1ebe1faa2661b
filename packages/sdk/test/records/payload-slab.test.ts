import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  copyToSlab,
  detachPayload,
  IDLE_FREE_SLABS,
  IDLE_TRIM_MS,
  MAX_FREE_SLABS,
  releasePayload,
  slabCounters,
} from '../../src/records/payload-slab.js';

const SLAB = 1 << 20;

/** `length` bytes all equal to `fill`. */
function bytes(length: number, fill: number): Uint8Array {
  return new Uint8Array(length).fill(fill);
}

describe('payload slabs', () => {
  it('hands a slab back to the free list once every record carved from it is released', () => {
    // 100 KiB records: ten fit a slab; the eleventh opens the next slab.
    const record = 100 * 1024;
    const first = Array.from({ length: 10 }, (_, i) => copyToSlab(bytes(record, i), record));
    const next = copyToSlab(bytes(record, 10), record);
    assert.notEqual(next.buffer, first[0]!.buffer, 'a slab of its own');
    const before = slabCounters();
    for (const payload of first.slice(0, 9)) releasePayload(payload);
    assert.equal(slabCounters().free, before.free, 'one record still live: the slab is not free');
    releasePayload(first[9]!);
    assert.equal(slabCounters().free, before.free + 1);
    // Filling the current slab takes the free one: no new allocation.
    for (let i = 0; i < 10; i++) copyToSlab(bytes(record, 20 + i), record);
    const after = slabCounters();
    assert.equal(after.allocated, before.allocated);
    assert.equal(after.reused, before.reused + 1);
  });

  it('never overwrites a record that is not released', () => {
    const kept = copyToSlab(bytes(1000, 7), 1000);
    // Release everything else that is carved, many slabs' worth: only `kept` pins its slab.
    for (let i = 0; i < 5_000; i++) releasePayload(copyToSlab(bytes(1000, i & 0xff), 1000));
    assert.deepEqual(Buffer.from(kept), Buffer.from(bytes(1000, 7)));
  });

  it('fills the current slab from the start again when all its records are released', () => {
    // Carve (and release) until a record opens a slab: then it is that slab's only record.
    let a = copyToSlab(bytes(100 * 1024, 1), 100 * 1024);
    while (a.byteOffset !== 0) {
      releasePayload(a);
      a = copyToSlab(bytes(100 * 1024, 1), 100 * 1024);
    }
    const allocated = slabCounters().allocated;
    releasePayload(a);
    const b = copyToSlab(bytes(64, 2), 64);
    assert.equal(b.buffer, a.buffer, 'the same slab');
    assert.equal(b.byteOffset, 0, 'from the start');
    assert.equal(slabCounters().allocated, allocated);
    releasePayload(b);
  });

  it('keeps at most a bounded number of free slabs, and only a few once ingestion pauses', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const record = 64 * 1024;
    const live: Uint8Array[] = [];
    for (let i = 0; i < 100 * (SLAB / record); i++) live.push(copyToSlab(bytes(record, i & 0xff), record));
    for (const payload of live) releasePayload(payload);
    assert.equal(slabCounters().free, MAX_FREE_SLABS, 'a whole window of acknowledgements is kept, no more');
    t.mock.timers.tick(IDLE_TRIM_MS);
    assert.equal(slabCounters().free, IDLE_FREE_SLABS, 'trimmed once no slab was taken for a while');
  });

  it('ignores bytes that are not a slab record, and leaves large records a buffer of their own', () => {
    const before = slabCounters();
    const mine = bytes(100, 3);
    releasePayload(mine);
    releasePayload(Buffer.from('pooled by node'));
    const large = copyToSlab(bytes(200 * 1024, 9), 200 * 1024);
    assert.equal(large.byteLength, large.buffer.byteLength, 'an exact buffer');
    releasePayload(large);
    assert.deepEqual(slabCounters(), before);
    assert.equal(detachPayload(mine), mine, "the user's own bytes are returned as given");
  });

  it('detaches a slab record as a copy that reuse cannot touch', () => {
    const payload = copyToSlab(bytes(300, 5), 300);
    const detached = detachPayload(payload);
    assert.notEqual(detached.buffer, payload.buffer);
    assert.deepEqual(detached, Buffer.from(payload));
    releasePayload(payload);
    for (let i = 0; i < 4_000; i++) releasePayload(copyToSlab(bytes(300, 6), 300));
    assert.deepEqual(detached, Buffer.from(bytes(300, 5)));
  });
});
