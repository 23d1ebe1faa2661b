import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { ProtoWriter, varintSize32 } from '../../src/records/proto-writer.js';
import { hex } from './fixtures.js';

function written(fill: (w: ProtoWriter) => void, initialSize?: number): string {
  const w = new ProtoWriter(initialSize);
  fill(w);
  return hex(w.finish());
}

function reference(fill: (w: protobuf.Writer) => void): string {
  const w = protobuf.Writer.create();
  fill(w);
  return hex(w.finish());
}

describe('ProtoWriter', () => {
  it('writes 32-bit varints like protobufjs, at every size boundary', () => {
    const edges = [0, 1, 127, 128, 16383, 16384, 2097151, 2097152, 268435455, 268435456, 2 ** 32 - 1];
    for (const v of edges) {
      assert.equal(
        written((w) => w.uint32(v)),
        reference((w) => w.uint32(v)),
        `uint32 ${v}`,
      );
      assert.equal(written((w) => w.uint32(v)).length / 2, varintSize32(v));
    }
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (v) => {
        assert.equal(
          written((w) => w.int32(v)),
          reference((w) => w.int32(v)),
        );
      }),
    );
  });

  it('writes 64-bit varints and fixed values from their two halves like protobufjs', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => {
        const lo = Number(v & 0xffffffffn);
        const hi = Number(v >> 32n);
        const long = new protobuf.util.LongBits(lo, hi).toLong(true);
        assert.equal(
          written((w) => w.varint64(lo, hi)),
          reference((w) => w.uint64(long)),
        );
        assert.equal(
          written((w) => w.fixed64(lo, hi)),
          reference((w) => w.fixed64(long)),
        );
      }),
    );
  });

  it('writes floats, doubles and fixed32 little-endian', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (d, u) => {
        assert.equal(
          written((w) => w.double(d)),
          reference((w) => w.double(d)),
        );
        assert.equal(
          written((w) => w.float(d)),
          reference((w) => w.float(d)),
        );
        assert.equal(
          written((w) => w.fixed32(u)),
          reference((w) => w.fixed32(u)),
        );
      }),
    );
  });

  it('writes length-prefixed strings of any size and script, growing the prefix when needed', () => {
    const lengths = [0, 1, 42, 43, 63, 64, 65, 127, 128, 129, 5000, 16383, 16384, 70000];
    for (const n of lengths) {
      for (const unit of ['a', 'é', '中', '😀']) {
        const s = unit.repeat(n); // whole characters: protobufjs would write lone surrogates raw
        assert.equal(
          written((w) => w.string(s), 16),
          reference((w) => w.string(s)),
          `${n} × ${unit}`,
        );
      }
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        assert.equal(
          written((w) => w.string(s), 8),
          reference((w) => w.string(s)),
        );
      }),
    );
  });

  it('back-patches fork/join lengths, moving content when the length needs more bytes', () => {
    for (const n of [0, 1, 127, 128, 300, 16383, 16384, 100000]) {
      const content = new Uint8Array(n).fill(7);
      const ours = written((w) => {
        w.uint32(10);
        const outer = w.fork();
        const inner = w.fork();
        w.bytes(content);
        w.join(inner);
        w.byte(1);
        w.join(outer);
      }, 4);
      const theirs = reference((w) => {
        w.uint32(10).fork().fork().bytes(content).ldelim().uint32(1).ldelim();
      });
      assert.equal(ours, theirs, `content ${n}`);
    }
  });

  it('starts over after reset and hands out independent copies', () => {
    const w = new ProtoWriter(2);
    w.string('first');
    const first = w.finish();
    w.reset();
    w.string('second!');
    const second = w.finish();
    assert.equal(Buffer.from(first).toString('latin1'), '\u0005first');
    assert.equal(Buffer.from(second).toString('latin1'), '\u0007second!');
  });
});
