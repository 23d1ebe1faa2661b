/** Hand-made protobuf wire bytes, for payloads no well-behaved encoder produces. */

export function varint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

export const tag = (field: number, wireType: number): number[] => varint(field * 8 + wireType);

/** A length-delimited field: tag, length, bytes. */
export function delimited(field: number, bytes: ArrayLike<number>): number[] {
  return [...tag(field, 2), ...varint(bytes.length), ...Array.from(bytes)];
}

export function fixed32(value: number): number[] {
  const b = new DataView(new ArrayBuffer(4));
  b.setUint32(0, value >>> 0, true);
  return [...new Uint8Array(b.buffer)];
}

export const bytes = (...parts: (number | number[])[]): Uint8Array => new Uint8Array(parts.flat());

export const text = (s: string): number[] => [...new TextEncoder().encode(s)];
