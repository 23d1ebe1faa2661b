import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hasJsonEscapeByte, wordScan } from '../../src/records/json-escape.js';
import { scanMemory, simdHasJsonEscapeByte } from '../../src/records/json-escape-simd.js';
import { ProtoWriter } from '../../src/records/proto-writer.js';

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
      { numRuns: 2000, seed: 6 },
    );
  });

  it('scans long ranges in WebAssembly SIMD, agreeing with a byte-by-byte scan (property)', () => {
    // Past 1 KiB the SIMD module scans (in 32-byte steps plus a tail, 64 KiB per copy): a long
    // run of plain bytes with at most one byte to escape, anywhere, or right at the edges.
    const special = fc.constantFrom(0x00, 0x1f, 0x22, 0x5c, 0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0xff);
    fc.assert(
      fc.property(
        fc.integer({ min: 1024, max: 70_000 }),
        fc.nat(3),
        fc.option(fc.tuple(fc.nat(), special)),
        (length, start, planted) => {
          const bytes = new Uint8Array(Math.ceil((start + length) / 4) * 4).fill(0x61);
          if (planted) bytes[start + (planted[0] % length)] = planted[1];
          const words = new Uint32Array(bytes.buffer);
          const end = start + length;
          assert.notEqual(simdHasJsonEscapeByte(bytes, start, end), undefined, 'WebAssembly SIMD runs here');
          assert.equal(simdHasJsonEscapeByte(bytes, start, end), naive(bytes, start, end));
          assert.equal(hasJsonEscapeByte(bytes, words, start, end), naive(bytes, start, end));
          assert.equal(wordScan(bytes, words, start, end), naive(bytes, start, end));
        },
      ),
      { numRuns: 300, seed: 20 },
    );
  });

  it('finds a byte to escape in each of the SIMD loop, its 32-byte step and its tail', () => {
    const bytes = new Uint8Array(4096).fill(0x78);
    for (const at of [0, 15, 16, 31, 32, 1023, 4064, 4095]) {
      for (const c of [0x00, 0x1f, 0x22, 0x5c]) {
        bytes[at] = c;
        assert.equal(simdHasJsonEscapeByte(bytes, 0, 4096), true, `0x${c.toString(16)} at ${at}`);
        assert.equal(simdHasJsonEscapeByte(bytes, at + 1, 4096), false, `range after ${at}`);
        bytes[at] = 0x78;
      }
    }
    assert.equal(simdHasJsonEscapeByte(bytes, 0, 4096), false);
  });

  it("scans a writer's WebAssembly memory in place, and the memory keeps what was written as it grows (property)", () => {
    // The JSON serializer's shared writer lives in the module's memory (64 KiB to start): text
    // written there is scanned where it lies, and growing the memory detaches its old buffer.
    const special = fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', 'é', '~');
    const chunk = fc
      .tuple(fc.integer({ min: 0, max: 40_000 }), fc.option(fc.tuple(fc.nat(), special)))
      .map(([length, planted]) => {
        const chars = 'x'.repeat(length).split('');
        if (planted && length > 0) chars[planted[0] % length] = planted[1];
        return chars.join('');
      });
    fc.assert(
      fc.property(fc.array(chunk, { minLength: 1, maxLength: 8 }), (chunks) => {
        const memory = scanMemory();
        assert.ok(memory, 'WebAssembly SIMD runs here');
        const writer = new ProtoWriter(1024, memory);
        for (const text of chunks) {
          const start = writer.pos;
          writer.utf8(text);
          assert.equal(memory.hasEscapeByte(start, writer.pos), naive(writer.buf, start, writer.pos));
        }
        assert.equal(writer.buf.subarray(0, writer.pos).toString(), chunks.join(''));
      }),
      { numRuns: 60, seed: 8 },
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
