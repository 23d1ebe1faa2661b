import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hasJsonEscapeByte } from '../../src/records/json-escape.js';

const naive = (bytes: Uint8Array, start: number, end: number): boolean =>
  bytes.subarray(start, end).some((c) => c < 0x20 || c === 0x22 || c === 0x5c);

describe('hasJsonEscapeByte', () => {
  it('agrees with a byte-by-byte scan on any bytes and any range (property)', () => {
    // Mostly bytes that are near the ones looked for, so that carries in the word test happen.
    const byte = fc.oneof(
      fc.constantFrom(0x00, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x7f, 0x80, 0xa2, 0xdc, 0xff),
      fc.integer({ min: 0x20, max: 0xff }),
    );
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 64 }), fc.nat(), fc.nat(), (values, a, b) => {
        const bytes = new Uint8Array(Math.ceil(values.length / 4) * 4);
        bytes.set(values);
        const words = new Uint32Array(bytes.buffer, 0, bytes.length / 4);
        const start = values.length === 0 ? 0 : a % (values.length + 1);
        const end = start + (values.length === 0 ? 0 : b % (values.length - start + 1));
        assert.equal(hasJsonEscapeByte(bytes, words, start, end), naive(bytes, start, end));
      }),
      { numRuns: 2000 },
    );
  });

  it('ignores matching bytes outside the range', () => {
    const bytes = new Uint8Array([0x22, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x5c]);
    const words = new Uint32Array(bytes.buffer);
    assert.equal(hasJsonEscapeByte(bytes, words, 1, 7), false);
    assert.equal(hasJsonEscapeByte(bytes, words, 0, 7), true);
    assert.equal(hasJsonEscapeByte(bytes, words, 1, 8), true);
    assert.equal(hasJsonEscapeByte(bytes, words, 5, 6), false);
  });
});
