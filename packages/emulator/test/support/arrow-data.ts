/**
 * Exact Arrow test data: vectors built from raw buffers (64-bit integers, timestamps, decimals
 * keep every bit, which apache-arrow's builders do not promise for every unit), and tables
 * with a chosen schema (field nullability included) from named vectors.
 */

import {
  type DataType,
  Decimal,
  Field,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table,
  type Vector,
} from 'apache-arrow';

function validity(values: readonly unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8) || 1);
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null) nullCount++;
    else nullBitmap[i >> 3] = (nullBitmap[i >> 3] as number) | (1 << (i & 7));
  });
  return { nullBitmap, nullCount };
}

/**
 * A fixed-width vector (Int*, Uint*, Float*, Date*, Timestamp*) from exact values; nulls are
 * `null`. Values go into the type's own typed array as they are (bigint for 64-bit types).
 */
export function fixedVector<T extends DataType>(type: T, values: readonly (number | bigint | null)[]): Vector<T> {
  const ArrayType = type.ArrayType as new (n: number) => { [i: number]: number | bigint };
  const array = new ArrayType(values.length);
  values.forEach((v, i) => {
    if (v !== null) array[i] = v;
  });
  const { nullBitmap, nullCount } = validity(values);
  // biome-ignore lint/suspicious/noExplicitAny: makeData's overloads are per type; this helper is generic
  return makeVector(makeData({ type, length: values.length, nullCount, nullBitmap, data: array } as any)) as Vector<T>;
}

/** A Decimal vector from unscaled values (two's complement little-endian words). */
export function decimalVector(
  precision: number,
  scale: number,
  values: readonly (bigint | null)[],
  bitWidth = 128,
): Vector<Decimal> {
  const words = bitWidth / 32;
  const data = new Uint32Array(values.length * words);
  values.forEach((v, i) => {
    if (v === null) return;
    let x = v < 0n ? (1n << BigInt(bitWidth)) + v : v;
    for (let w = 0; w < words; w++) {
      data[i * words + w] = Number(x & 0xffffffffn);
      x >>= 32n;
    }
  });
  const { nullBitmap, nullCount } = validity(values);
  const type = new Decimal(scale, precision, bitWidth);
  return makeVector(makeData({ type, length: values.length, nullCount, nullBitmap, data }));
}

/** A one-batch table whose fields are the named vectors, nullable unless listed in `notNull`. */
export function arrowTable(columns: Record<string, Vector>, notNull: readonly string[] = []): Table {
  const entries = Object.entries(columns);
  const fields = entries.map(([name, v]) => new Field(name, v.type, !notNull.includes(name)));
  const length = entries[0]?.[1].length ?? 0;
  const data = makeData({
    type: new Struct(fields),
    length,
    nullCount: 0,
    children: entries.map(([, v]) => v.data[0] as NonNullable<(typeof v.data)[0]>),
  });
  return new Table([new RecordBatch(new Schema(fields), data)]);
}
