import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { backoffDelay } from '../../src/engine/backoff.js';
import { DEFAULT_STREAM_OPTIONS } from '../../src/options.js';

describe('backoffDelay (recovery backoff with jitter)', () => {
  it('by default: the official fixed 2 s as the mean, each wait uniformly within ±20%', () => {
    const at = (r: number, retry = 1) => backoffDelay(DEFAULT_STREAM_OPTIONS, retry, () => r);
    assert.equal(at(0), 1_600);
    assert.equal(at(0.5), 2_000);
    assert.equal(at(0.999_999), 2_400);
    assert.equal(at(0.5, 3), 2_000, 'no growth without recoveryBackoffMaxMs');
    // The mean over an even grid of the random source is the nominal wait.
    const grid = Array.from({ length: 1_000 }, (_, i) => at((i + 0.5) / 1_000));
    assert.equal(grid.reduce((a, b) => a + b, 0) / grid.length, 2_000);
  });

  it('without jitter, the official fixed wait exactly, never consulting the random source', () => {
    const options = { ...DEFAULT_STREAM_OPTIONS, recoveryBackoffJitter: 0 };
    const random = () => assert.fail('no random draw without jitter');
    assert.equal(backoffDelay(options, 1, random), 2_000);
    assert.equal(backoffDelay(options, 7, random), 2_000);
  });

  it('with recoveryBackoffMaxMs: doubles from recoveryBackoffMs up to the cap', () => {
    const options = { recoveryBackoffMs: 100, recoveryBackoffMaxMs: 1_000, recoveryBackoffJitter: 0 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 100, 10_000].map((retry) => backoffDelay(options, retry)),
      [100, 200, 400, 800, 1_000, 1_000, 1_000, 1_000],
    );
  });

  it('stays within ±jitter of min(cap, base·2^(retry−1)), whatever the inputs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 600_000 }),
        fc.option(fc.integer({ min: 0, max: 3_600_000 }), { nil: null }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 2_000 }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        (base, extra, jitter, retry, r) => {
          const max = extra === null ? null : base + extra;
          const delay = backoffDelay(
            { recoveryBackoffMs: base, recoveryBackoffMaxMs: max, recoveryBackoffJitter: jitter },
            retry,
            () => r,
          );
          const nominal = max === null ? base : Math.min(max, base * 2 ** (retry - 1));
          assert.ok(Number.isInteger(delay) && delay >= 0, `delay ${delay}`);
          assert.ok(delay >= Math.floor(nominal * (1 - jitter)) && delay <= Math.ceil(nominal * (1 + jitter)));
        },
      ),
      { seed: 16, numRuns: 500 },
    );
  });
});
