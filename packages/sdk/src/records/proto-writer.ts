/**
 * A growable output buffer for protobuf (and, through `ascii`/`utf8`, JSON) records. One writer
 * is reused for every record of an encoder, so encoding allocates only the final copy of the
 * record's bytes.
 *
 * Length-delimited values (sub-messages, packed arrays, map entries, strings) reserve the
 * smallest length prefix they could need and move their content right in the rare case the
 * real length needs a longer varint: one pass, and no size pre-computation walk.
 */

import { copyIntoSlot, copyToSlab, type PayloadSlot } from './payload-slab.js';

/** Strings longer than this go through Buffer#write; shorter ones are faster by hand. */
const HAND_UTF8_MAX = 64;

export function varintSize32(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

/**
 * Memory a writer can live in instead of buffers of its own: the JSON writer's is WebAssembly
 * memory, so the SIMD escape scan reads what was just written in place (json-escape-simd.ts).
 */
export interface WriterMemory {
  /** The whole memory as a Buffer from its offset 0, grown to at least `bytes` bytes with its contents kept. */
  reserve(bytes: number): Buffer;
  /** True when bytes [start, end) of the memory hold a byte a JSON string must escape. */
  hasEscapeByte(start: number, end: number): boolean;
}

export class ProtoWriter {
  buf: Buffer;
  view: DataView;
  /** The buffer as 32-bit words (it is allocated on its own, so 4-byte aligned), for word-at-a-time scans. */
  words: Uint32Array;
  pos = 0;
  readonly memory: WriterMemory | undefined;

  constructor(initialSize = 1024, memory?: WriterMemory) {
    this.memory = memory;
    this.buf = memory === undefined ? Buffer.allocUnsafeSlow(initialSize) : memory.reserve(initialSize);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.words = new Uint32Array(this.buf.buffer, 0, this.buf.byteLength >> 2);
  }

  /** A copy of the bytes written since the last reset, carved out of a shared slab (payload-slab.ts). */
  finish(): Uint8Array {
    return copyToSlab(this.buf, this.pos);
  }

  /** finish(), with the copy left in `slot` (its slab and range, no view object). */
  finishInto(slot: PayloadSlot): void {
    copyIntoSlot(this.buf, this.pos, slot);
  }

  reset(): void {
    this.pos = 0;
  }

  ensure(extra: number): void {
    if (this.pos + extra > this.buf.length) this.grow(extra);
  }

  private grow(extra: number): void {
    const size = Math.max(this.buf.length * 2, this.pos + extra);
    let next: Buffer;
    if (this.memory === undefined) {
      next = Buffer.allocUnsafeSlow(size);
      this.buf.copy(next, 0, 0, this.pos);
    } else next = this.memory.reserve(size);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
    this.words = new Uint32Array(next.buffer, 0, next.byteLength >> 2);
  }

  /** An unsigned 32-bit varint (also used for tags and lengths). */
  uint32(value: number): void {
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    while (value > 0x7f) {
      buf[pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buf[pos++] = value;
    this.pos = pos;
  }

  /** A signed 32-bit varint: negative values are sign-extended to ten bytes, as protobuf requires. */
  int32(value: number): void {
    if (value >= 0) this.uint32(value);
    else this.varint64(value >>> 0, 0xffffffff);
  }

  /** A 64-bit varint given as two unsigned 32-bit halves. */
  varint64(lo: number, hi: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (hi !== 0) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 0x7f) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
  }

  fixed64(lo: number, hi: number): void {
    this.ensure(8);
    this.view.setUint32(this.pos, lo, true);
    this.view.setUint32(this.pos + 4, hi, true);
    this.pos += 8;
  }

  float(value: number): void {
    this.ensure(4);
    this.view.setFloat32(this.pos, value, true);
    this.pos += 4;
  }

  double(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  /** Length-prefixed raw bytes. */
  bytes(value: Uint8Array): void {
    this.uint32(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** Length-prefixed UTF-8; lone surrogates become U+FFFD, as TextEncoder does. */
  string(value: string): void {
    const n = value.length;
    // UTF-8 is at least one byte per UTF-16 unit, so this prefix is never too long.
    const reserved = varintSize32(n);
    this.ensure(reserved + n * 3);
    const start = this.pos;
    const buf = this.buf;
    let pos = start + reserved;
    if (n > HAND_UTF8_MAX) {
      pos += buf.write(value, pos);
    } else {
      for (let i = 0; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c < 0x80) {
          buf[pos++] = c;
        } else if (c < 0x800) {
          buf[pos++] = 0xc0 | (c >> 6);
          buf[pos++] = 0x80 | (c & 0x3f);
        } else if (c < 0xd800 || c > 0xdfff) {
          buf[pos++] = 0xe0 | (c >> 12);
          buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
          buf[pos++] = 0x80 | (c & 0x3f);
        } else {
          const d = c <= 0xdbff && i + 1 < n ? value.charCodeAt(i + 1) : 0;
          if (d >= 0xdc00 && d <= 0xdfff) {
            const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            buf[pos++] = 0xf0 | (cp >> 18);
            buf[pos++] = 0x80 | ((cp >> 12) & 0x3f);
            buf[pos++] = 0x80 | ((cp >> 6) & 0x3f);
            buf[pos++] = 0x80 | (cp & 0x3f);
            i++;
          } else {
            buf[pos++] = 0xef;
            buf[pos++] = 0xbf;
            buf[pos++] = 0xbd;
          }
        }
      }
    }
    this.pos = pos;
    this.patchLength(start, reserved);
  }

  /** Text the caller knows to be ASCII, copied without encoding. */
  ascii(text: string): void {
    const n = text.length;
    this.ensure(n);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) buf[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  /** Raw UTF-8, no length prefix; lone surrogates become U+FFFD. */
  utf8(text: string): void {
    this.ensure(text.length * 3);
    this.pos += this.buf.write(text, this.pos);
  }

  /** Starts a length-delimited value; pass the result to `join` once its content is written. */
  fork(): number {
    this.ensure(1);
    return this.pos++;
  }

  join(start: number): void {
    this.patchLength(start, 1);
  }

  /** Writes the length of the content after a `reserved`-byte gap at `start`, widening the gap if needed. */
  private patchLength(start: number, reserved: number): void {
    const length = this.pos - start - reserved;
    if (length < 0x80 && reserved === 1) {
      this.buf[start] = length;
      return;
    }
    const needed = varintSize32(length);
    if (needed !== reserved) {
      this.ensure(needed - reserved);
      this.buf.copyWithin(start + needed, start + reserved, this.pos);
      this.pos += needed - reserved;
    }
    const buf = this.buf;
    let pos = start;
    let value = length;
    while (value > 0x7f) {
      buf[pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buf[pos] = value;
  }
}
