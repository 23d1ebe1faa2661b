/**
 * The protobuf wire reader of the record decoder. One cursor per decoder, reused for every
 * record (decoding is synchronous), reading straight from the payload with bounds checks
 * against the current message's end: malformed bytes always end in an `Invalid`, never in a
 * read past the message or a crash.
 *
 * 64-bit varints are read as two 32-bit halves (`lo`, `hi`) and only made a bigint at the end,
 * with a plain-number shortcut for the common magnitudes (timestamps, ids): this is the hot
 * path, and BigInt shifts per byte cost several times more.
 */

import { Invalid } from './errors.js';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_DELIMITED = 2;
export const WIRE_FIXED32 = 5;

const EMPTY = new Uint8Array(0);
const TWO_32 = 4294967296;
const TWO_21 = 2097152;

function malformed(what: string): Invalid {
  return new Invalid(`invalid protobuf encoding: ${what}`);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strings of at most this many bytes are decoded by hand when ASCII; TextDecoder's call overhead dominates below it. */
const SHORT_STRING = 32;

export class WireCursor {
  buf: Uint8Array = EMPTY;
  pos = 0;
  /** End of the message being read (a sub-message's end while inside it). */
  end = 0;
  /** Halves of the last 64-bit value read by varint64()/fixed64(). */
  lo = 0;
  hi = 0;
  private readonly scratch = new DataView(new ArrayBuffer(8));

  reset(buf: Uint8Array): void {
    this.buf = buf;
    this.pos = 0;
    this.end = buf.length;
  }

  /** A varint's low 32 bits, unsigned (`| 0` makes an int32 of it). Consumes all of a 10-byte varint. */
  uint32(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    if (pos >= end) throw malformed('truncated varint');
    let b = buf[pos++] as number;
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let value = b & 0x7f;
    for (let shift = 7; shift < 35; shift += 7) {
      if (pos >= end) throw malformed('truncated varint');
      b = buf[pos++] as number;
      value |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    // Bytes 6–10 only carry bits above 32 (negative int32 values are sign-extended to 10 bytes).
    for (let i = 5; i < 10; i++) {
      if (pos >= end) throw malformed('truncated varint');
      if ((buf[pos++] as number) < 0x80) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    throw malformed('varint longer than 10 bytes');
  }

  /** A varint into `lo`/`hi`. */
  varint64(): void {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw malformed('truncated varint');
      b = buf[pos++] as number;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        this.lo = lo;
        this.hi = 0;
        return;
      }
    }
    if (pos >= end) throw malformed('truncated varint');
    b = buf[pos++] as number;
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      for (let shift = 3; ; shift += 7) {
        if (shift > 31) throw malformed('varint longer than 10 bytes');
        if (pos >= end) throw malformed('truncated varint');
        b = buf[pos++] as number;
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
    }
    this.pos = pos;
    this.lo = lo;
    this.hi = hi;
  }

  /** Four little-endian bytes, unsigned. */
  fixed32(): number {
    const pos = this.pos;
    if (pos + 4 > this.end) throw malformed('truncated fixed32');
    const buf = this.buf;
    this.pos = pos + 4;
    return (
      ((buf[pos] as number) |
        ((buf[pos + 1] as number) << 8) |
        ((buf[pos + 2] as number) << 16) |
        ((buf[pos + 3] as number) << 24)) >>>
      0
    );
  }

  /** Eight little-endian bytes into `lo`/`hi`. */
  fixed64(): void {
    if (this.pos + 8 > this.end) throw malformed('truncated fixed64');
    this.lo = this.fixed32();
    this.hi = this.fixed32();
  }

  float(): number {
    this.scratch.setUint32(0, this.fixed32(), true);
    return this.scratch.getFloat32(0, true);
  }

  double(): number {
    if (this.pos + 8 > this.end) throw malformed('truncated double');
    const scratch = this.scratch;
    scratch.setUint32(0, this.fixed32(), true);
    scratch.setUint32(4, this.fixed32(), true);
    return scratch.getFloat64(0, true);
  }

  /** Reads a length prefix; returns where the delimited value ends (the cursor is at its start). */
  delimitedEnd(): number {
    const length = this.uint32();
    const end = this.pos + length;
    if (end > this.end) throw malformed(`length ${length} runs past the end of the message`);
    return end;
  }

  /** A length-delimited value as a fresh copy (never a view: the payload buffer is not ours to keep). */
  bytes(): Uint8Array {
    const end = this.delimitedEnd();
    // `new Uint8Array(view)` copies; `buf.slice` would not when the payload is a Node Buffer.
    const out = new Uint8Array(this.buf.subarray(this.pos, end));
    this.pos = end;
    return out;
  }

  /** A length-delimited UTF-8 string; invalid UTF-8 is malformed (table strings are UTF-8). */
  string(): string {
    const end = this.delimitedEnd();
    const start = this.pos;
    const buf = this.buf;
    this.pos = end;
    if (end - start <= SHORT_STRING) {
      let out = '';
      for (let i = start; i < end; i++) {
        const b = buf[i] as number;
        if (b >= 0x80) return decodeUtf8(buf, start, end);
        out += String.fromCharCode(b);
      }
      return out;
    }
    return decodeUtf8(buf, start, end);
  }

  /** Steps over one value of `wireType`. */
  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        if (this.pos + 8 > this.end) throw malformed('truncated fixed64');
        this.pos += 8;
        return;
      case WIRE_DELIMITED:
        this.pos = this.delimitedEnd();
        return;
      case WIRE_FIXED32:
        if (this.pos + 4 > this.end) throw malformed('truncated fixed32');
        this.pos += 4;
        return;
      default:
        throw malformed(`wire type ${wireType} is not supported (groups are not)`);
    }
  }
}

function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  try {
    return utf8.decode(buf.subarray(start, end));
  } catch {
    throw malformed('string is not valid UTF-8');
  }
}

/** A signed 64-bit value from its halves. */
export function int64Of(lo: number, hi: number): bigint {
  const h = hi | 0;
  if (h >= -TWO_21 && h < TWO_21) return BigInt(h * TWO_32 + (lo >>> 0)); // |value| < 2^53: exact as a number
  return (BigInt(h) << 32n) | BigInt(lo >>> 0);
}

/** An unsigned 64-bit value from its halves. */
export function uint64Of(lo: number, hi: number): bigint {
  const h = hi >>> 0;
  if (h < TWO_21) return BigInt(h * TWO_32 + (lo >>> 0));
  return (BigInt(h) << 32n) | BigInt(lo >>> 0);
}

/** A zigzag-encoded (sint64) value from its halves. */
export function sint64Of(lo: number, hi: number): bigint {
  const mask = -(lo & 1);
  return int64Of(((lo >>> 1) | (hi << 31)) ^ mask, (hi >>> 1) ^ mask);
}

/** Zigzag-decodes a sint32 from its varint's low 32 bits. */
export function sint32Of(n: number): number {
  return (n >>> 1) ^ -(n & 1);
}

export function wireTypeName(wireType: number): string {
  switch (wireType) {
    case WIRE_VARINT:
      return 'varint';
    case WIRE_FIXED64:
      return '64-bit';
    case WIRE_DELIMITED:
      return 'length-delimited';
    case 3:
      return 'start-group';
    case 4:
      return 'end-group';
    case WIRE_FIXED32:
      return '32-bit';
    default:
      return `invalid (${wireType})`;
  }
}
