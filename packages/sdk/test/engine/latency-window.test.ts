import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LatencyWindow } from '../../src/engine/latency-window.js';

describe('LatencyWindow', () => {
  it('is all zeros when empty', () => {
    assert.deepEqual(new LatencyWindow(4).summary(), { count: 0, p50: 0, p90: 0, p99: 0, max: 0 });
  });

  it('gives nearest-rank percentiles', () => {
    const window = new LatencyWindow(100);
    for (let ms = 100; ms >= 1; ms--) window.add(ms); // order does not matter
    assert.deepEqual(window.summary(), { count: 100, p50: 50, p90: 90, p99: 99, max: 100 });
    const one = new LatencyWindow(8);
    one.add(7.5);
    assert.deepEqual(one.summary(), { count: 1, p50: 7.5, p90: 7.5, p99: 7.5, max: 7.5 });
  });

  it('keeps only the most recent samples once full', () => {
    const window = new LatencyWindow(3);
    for (const ms of [1000, 900, 1, 2, 3]) window.add(ms);
    assert.equal(window.count, 3);
    assert.deepEqual(window.summary(), { count: 3, p50: 2, p90: 3, p99: 3, max: 3 });
  });

  it('agrees with sorting the last `capacity` samples', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { maxLength: 200 }),
        fc.integer({ min: 1, max: 64 }),
        (samples, capacity) => {
          const window = new LatencyWindow(capacity);
          for (const ms of samples) window.add(ms);
          const held = samples.slice(-capacity).sort((a, b) => a - b);
          const rank = (p: number) => held[Math.max(0, Math.ceil(p * held.length) - 1)] ?? 0;
          assert.deepEqual(window.summary(), {
            count: held.length,
            p50: rank(0.5),
            p90: rank(0.9),
            p99: rank(0.99),
            max: held.at(-1) ?? 0,
          });
        },
      ),
    );
  });

  it('refuses a capacity below 1', () => {
    assert.throws(() => new LatencyWindow(0), RangeError);
  });
});
