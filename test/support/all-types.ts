/** A table with every column type of PROTOCOL.md §7, and records for it, shared by the Delta tests. */

/** Every column type of PROTOCOL.md §7, NOT NULL and nullable, nested included. */
export const ALL_TYPES_COLUMNS = [
  { name: 'id', type_text: 'bigint', nullable: false },
  { name: 'b', type_text: 'tinyint' },
  { name: 's', type_text: 'smallint' },
  { name: 'i', type_text: 'int' },
  { name: 'f', type_text: 'float' },
  { name: 'd', type_text: 'double' },
  { name: 'ok', type_text: 'boolean' },
  { name: 'name', type_text: 'string' },
  { name: 'bin', type_text: 'binary' },
  { name: 'day', type_text: 'date' },
  { name: 'ts', type_text: 'timestamp' },
  { name: 'ntz', type_text: 'timestamp_ntz' },
  { name: 'price', type_text: 'decimal(10,2)' },
  { name: 'v', type_text: 'variant' },
  { name: 'tags', type_text: 'array<string>' },
  { name: 'attrs', type_text: 'map<string,int>' },
  { name: 'loc', type_text: 'struct<lat:double,lon:double,labels:array<string>>' },
];

export const FULL = {
  b: -128,
  s: 32767,
  i: -2147483648,
  f: 1.5,
  d: 2.25,
  ok: true,
  name: 'héllo ✓',
  day: 19_000,
  ts: 1_764_000_000_123_456n,
  ntz: -1n,
  tags: ['x', 'y'],
  loc: { lat: 1.5, lon: -2.5, labels: ['a'] },
};

/** What DuckDB reads back for FULL with the given id (and the JSON/proto-specific fields). */
export function expected(id: bigint): Record<string, unknown> {
  return {
    id,
    ...FULL,
    bin: new Uint8Array([0, 1, 255]),
    price: 123456n, // 1234.56 unscaled
    v: '{"k":[1,2]}',
    attrs: new Map([['k', 7]]),
  };
}

export const NULLS = {
  b: null,
  s: null,
  i: null,
  f: null,
  d: null,
  ok: null,
  name: null,
  bin: null,
  day: null,
  ts: null,
  ntz: null,
  price: null,
  v: null,
  tags: null,
  attrs: null,
  loc: null,
};

/** A JSON-stream record of every type for `id` (column `i` carries the id too). */
export function allTypesJsonRecord(id: number): Record<string, unknown> {
  return {
    id: BigInt(id),
    ...FULL,
    i: id,
    bin: Buffer.from([0, 1, 255]),
    price: '1234.56',
    v: '{"k":[1,2]}',
    attrs: { k: 7 },
  };
}

/** The row DuckDB reads back for {@link allTypesJsonRecord}. */
export function allTypesRow(id: number): Record<string, unknown> {
  return { ...expected(BigInt(id)), i: id };
}
