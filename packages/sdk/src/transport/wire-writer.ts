/**
 * Protobuf writing primitives for the envelope codec: exact sizes first, then one allocation,
 * so a request is written into a single buffer with no intermediate objects.
 */

export function varintSize(value: number): number {
  if (value < 0) return 10; // negative int64 is always ten bytes
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let size = 4;
  let v = Math.floor(value / 0x10000000);
  while (v > 0) {
    size++;
    v = Math.floor(v / 0x80);
  }
  return size;
}

/** Size of a length-delimited field (tag of one byte, as every field number here is < 16). */
export function delimitedSize(length: number): number {
  return 1 + varintSize(length) + length;
}

export class BufferWriter {
  readonly buf: Uint8Array;
  pos = 0;

  /** Writes into `target` (from its start) if given, or into a new buffer of `size` bytes. */
  constructor(size: number, target?: Uint8Array) {
    this.buf = target ?? new Uint8Array(size);
  }

  varint(value: number): void {
    if (value < 0) {
      this.bigVarint(BigInt.asUintN(64, BigInt(value)));
      return;
    }
    const buf = this.buf;
    while (value >= 0x80) {
      buf[this.pos++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    buf[this.pos++] = value;
  }

  private bigVarint(value: bigint): void {
    while (value >= 0x80n) {
      this.buf[this.pos++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    this.buf[this.pos++] = Number(value);
  }

  tag(field: number, wireType: number): void {
    this.buf[this.pos++] = (field << 3) | wireType;
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }
}
