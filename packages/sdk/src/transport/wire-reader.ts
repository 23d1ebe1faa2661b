/** A bounds-checked protobuf reader: every malformed input ends in a `WireDecodeError`, never a crash. */

/** Raised for bytes that are not a valid message of the expected type. */
export class WireDecodeError extends Error {
  override readonly name = 'WireDecodeError';
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** A bounds-checked protobuf reader over one message. */
export class WireReader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Reads a varint as a JavaScript number; int64 values outside ±2^53 are rejected. */
  varint(): number {
    // Fast path: up to seven bytes (49 bits) are exact in a double.
    let result = 0;
    let multiplier = 1;
    const start = this.pos;
    for (let i = 0; i < 7; i++) {
      if (this.pos >= this.end) throw new WireDecodeError('truncated varint');
      const byte = this.buf[this.pos++] as number;
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return result;
      multiplier *= 0x80;
    }
    this.pos = start;
    return this.#bigVarint();
  }

  /** Slow path for long varints, exact in BigInt: large and negative (ten-byte) int64 values. */
  #bigVarint(): number {
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireDecodeError('truncated varint');
      const byte = this.buf[this.pos++] as number;
      if (i === 9 && byte > 1) throw new WireDecodeError('varint longer than 64 bits');
      result |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if (byte < 0x80) {
        const signed = BigInt.asIntN(64, result);
        if (signed < BigInt(Number.MIN_SAFE_INTEGER) || signed > BigInt(Number.MAX_SAFE_INTEGER)) {
          throw new WireDecodeError(`integer ${signed} exceeds 2^53`);
        }
        return Number(signed);
      }
    }
    throw new WireDecodeError('varint longer than 64 bits');
  }

  /** Reads a tag; returns [fieldNumber, wireType]. */
  tag(): [number, number] {
    const tag = this.varint();
    const field = Math.floor(tag / 8);
    if (field === 0) throw new WireDecodeError('field number 0 is invalid');
    return [field, tag & 7];
  }

  /** Returns the bounds of a length-delimited field's payload and moves past it. */
  delimited(): [number, number] {
    const length = this.varint();
    const start = this.pos;
    const end = start + length;
    if (end > this.end) throw new WireDecodeError(`length ${length} runs past the end of the message`);
    this.pos = end;
    return [start, end];
  }

  bytes(): Uint8Array {
    const [start, end] = this.delimited();
    return this.buf.subarray(start, end);
  }

  string(): string {
    try {
      return textDecoder.decode(this.bytes());
    } catch {
      throw new WireDecodeError('string field is not valid UTF-8');
    }
  }

  sub(): WireReader {
    const [start, end] = this.delimited();
    return new WireReader(this.buf, start, end);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.delimited();
        return;
      case 5:
        this.advance(4);
        return;
      default:
        throw new WireDecodeError(`unsupported wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new WireDecodeError('truncated fixed-width field');
    this.pos += n;
  }

  expect(wireType: number, actual: number, what: string): void {
    if (wireType !== actual) throw new WireDecodeError(`${what} has wire type ${actual}, expected ${wireType}`);
  }
}
