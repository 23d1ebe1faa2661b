import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EnvelopePool, POOLED_ENVELOPE_BYTES } from '../src/transport/envelope-pool.js';

describe('EnvelopePool', () => {
  it('hands out exact-size views and reuses a buffer only after it was released', () => {
    const pool = new EnvelopePool();
    const a = pool.take(100);
    const b = pool.take(200);
    assert.equal(a.bytes.length, 100);
    assert.equal(b.bytes.length, 200);
    assert.notEqual(a.bytes.buffer, b.bytes.buffer, 'two envelopes in use never share memory');
    a.release();
    a.release(); // twice is harmless: the buffer is pooled once
    const c = pool.take(300);
    const d = pool.take(300);
    assert.equal(c.bytes.buffer, a.bytes.buffer);
    assert.notEqual(d.bytes.buffer, a.bytes.buffer);
  });

  it('gives requests above the pooled size a buffer of their own', () => {
    const pool = new EnvelopePool();
    const big = pool.take(POOLED_ENVELOPE_BYTES + 1);
    assert.equal(big.bytes.byteLength, POOLED_ENVELOPE_BYTES + 1);
    assert.equal(big.bytes.buffer.byteLength, POOLED_ENVELOPE_BYTES + 1);
    big.release();
    assert.notEqual(pool.take(10).bytes.buffer, big.bytes.buffer);
  });
});
