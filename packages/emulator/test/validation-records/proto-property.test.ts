/**
 * Property tests for protobuf records: random values of every supported type, encoded by
 * protobufjs (an independent encoder), decode to exactly the expected row; random bytes and
 * mutated records only ever end in a row or a RecordRejection.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createProtoDecoder, RecordRejection } from '../../src/validation/index.js';
import { protoFixture } from './support/proto.js';
import { array, col, decimal, map, notNull, prim, struct, table } from './support/types.js';

const FIXTURE = protoFixture(`
  message Row {
    required int64 id = 1;
    optional int32 b = 2;
    optional sint32 s = 3;
    optional sfixed32 i = 4;
    optional sint64 l = 5;
    optional float f = 6;
    optional double d = 7;
    optional bool ok = 8;
    optional string str = 9;
    optional bytes bin = 10;
    optional int32 day = 11;
    optional fixed64 ts = 12;
    optional string dec = 13;
    optional sfixed64 dec_int = 14;
    optional string v = 15;
    repeated sint32 shorts = 16 [packed = true];
    repeated Inner inners = 17;
    map<int64, Inner> by_id = 18;
    map<string, string> labels = 19;
    optional Inner inner = 20;
    optional Color color = 21;
    message Inner {
      optional uint32 n = 1;
      optional Deep deep = 2;
    }
    message Deep {
      repeated string words = 1;
      optional double x = 2;
    }
    enum Color { RED = 0; GREEN = 1; BLUE = 2; }
  }`);

const DEEP = struct(col('words', array(prim('string'))), col('x', prim('double')));
const INNER = struct(col('n', prim('integer')), col('deep', DEEP));
const SCHEMA = table(
  notNull('id', prim('long')),
  col('b', prim('byte')),
  col('s', prim('short')),
  col('i', prim('integer')),
  col('l', prim('long')),
  col('f', prim('float')),
  col('d', prim('double')),
  col('ok', prim('boolean')),
  col('str', prim('string')),
  col('bin', prim('binary')),
  col('day', prim('date')),
  col('ts', prim('timestamp')),
  col('dec', decimal(38, 10)),
  col('dec_int', decimal(19, 0)),
  col('v', prim('variant')),
  col('shorts', array(prim('short'))),
  col('inners', array(INNER)),
  col('by_id', map(prim('long'), INNER)),
  col('labels', map(prim('string'), prim('string'))),
  col('inner', INNER),
  col('color', prim('string')),
);
const decoder = createProtoDecoder(SCHEMA, FIXTURE.descriptor);

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** An optional field: [what protobufjs encodes, what the row holds] or absent (→ null). */
const opt = <E, V>(arb: fc.Arbitrary<[E, V]>) => fc.option(arb, { nil: undefined });
const same = <V>(arb: fc.Arbitrary<V>) => arb.map((v): [V, V] => [v, v]);
const int64 = (min = INT64_MIN, max = INT64_MAX) =>
  fc.bigInt({ min, max }).map((n): [string, bigint] => [String(n), n]);

const deep = fc.record(
  { words: fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }), x: opt(same(fc.double({ noNaN: true }))) },
  { requiredKeys: ['words'] },
);
const inner = fc.record({
  n: opt(same(fc.integer({ min: 0, max: 2147483647 }))),
  deep: opt(deep.map((d) => [d, d] as const)),
});

type Pair = readonly [unknown, unknown] | undefined;
const encodeInner = (v: { n?: Pair; deep?: Pair }) => ({
  ...(v.n ? { n: v.n[0] } : {}),
  ...(v.deep ? { deep: encodeDeep(v.deep[0] as { words: string[]; x?: Pair }) } : {}),
});
const encodeDeep = (v: { words: string[]; x?: Pair }) => ({ words: v.words, ...(v.x ? { x: v.x[0] } : {}) });
const expectInner = (v: { n?: Pair; deep?: Pair }) => ({
  n: v.n ? v.n[1] : null,
  deep: v.deep ? expectDeep(v.deep[1] as { words: string[]; x?: Pair }) : null,
});
const expectDeep = (v: { words: string[]; x?: Pair }) => ({ words: v.words, x: v.x ? v.x[1] : null });

const decimalText = fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n }).map((u): [string, bigint] => {
  const negative = u < 0n;
  const digits = (negative ? -u : u).toString().padStart(11, '0');
  return [`${negative ? '-' : ''}${digits.slice(0, -10)}.${digits.slice(-10)}`, u];
});

const record = fc.record({
  id: int64(),
  b: opt(same(fc.integer({ min: -128, max: 127 }))),
  s: opt(same(fc.integer({ min: -32768, max: 32767 }))),
  i: opt(same(fc.integer())),
  l: opt(int64()),
  f: opt(fc.float().map((f): [number, number] => [f, f])),
  d: opt(same(fc.double())),
  ok: opt(same(fc.boolean())),
  str: opt(same(fc.string({ unit: 'binary', maxLength: 40 }))),
  bin: opt(fc.uint8Array({ maxLength: 20 }).map((b): [Uint8Array, Uint8Array] => [b, b])),
  day: opt(same(fc.integer())),
  ts: opt(int64(0n, INT64_MAX)),
  dec: opt(decimalText),
  dec_int: opt(int64()), // every int64 fits decimal(19,0)
  v: opt(same(fc.json())),
  shorts: fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 5 }),
  inners: fc.array(inner, { maxLength: 3 }),
  by_id: fc.uniqueArray(fc.tuple(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), inner), {
    maxLength: 3,
    selector: ([k]) => k,
  }),
  labels: fc.uniqueArray(fc.tuple(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 })), {
    maxLength: 3,
    selector: ([k]) => k,
  }),
  inner: opt(inner.map((v) => [v, v] as const)),
  color: opt(fc.constantFrom<[number, string]>([0, 'RED'], [1, 'GREEN'], [2, 'BLUE'])),
});

describe('proto records: properties', () => {
  it('random values of every type → exactly the expected row', () => {
    fc.assert(
      fc.property(record, (r) => {
        const message: Record<string, unknown> = {};
        const expected: unknown[] = [];
        for (const column of SCHEMA.fields) {
          const value = (r as Record<string, unknown>)[column.name];
          switch (column.name) {
            case 'shorts':
              message.shorts = value;
              expected.push(value);
              break;
            case 'inners':
              message.inners = (value as { n?: Pair }[]).map(encodeInner);
              expected.push((value as { n?: Pair }[]).map(expectInner));
              break;
            case 'by_id': {
              const entries = value as [bigint, { n?: Pair }][];
              message.by_id = Object.fromEntries(entries.map(([k, v]) => [String(k), encodeInner(v)]));
              expected.push(new Map(entries.map(([k, v]) => [k, expectInner(v)])));
              break;
            }
            case 'labels': {
              const entries = value as [string, string][];
              message.labels = Object.fromEntries(entries);
              expected.push(new Map(entries));
              break;
            }
            case 'inner': {
              const pair = value as Pair;
              if (pair) message.inner = encodeInner(pair[0] as { n?: Pair });
              expected.push(pair ? expectInner(pair[1] as { n?: Pair }) : null);
              break;
            }
            default: {
              const pair = value as Pair;
              if (pair) message[column.name] = pair[0];
              expected.push(pair ? pair[1] : null);
            }
          }
        }
        assert.deepStrictEqual(decoder.decode(FIXTURE.encode(message)), expected);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes, and valid records with bytes flipped or cut, end in a row or a RecordRejection', () => {
    const valid = FIXTURE.encode({
      id: '5',
      str: 'hello',
      inners: [{ n: 1, deep: { words: ['a', 'b'], x: 1.5 } }],
      by_id: { '-1': { n: 2 } },
      labels: { k: 'v' },
      dec: '1.5',
      shorts: [1, 2, 3],
    });
    const mutated = fc
      .tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.nat({ max: valid.length }))
      .map(([at, byte, cut]) => {
        const copy = valid.slice(0, Math.max(cut, at + 1));
        copy[at] = byte;
        return copy;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated), (payload) => {
        try {
          decoder.decode(payload);
        } catch (error) {
          assert.ok(error instanceof RecordRejection, String(error));
        }
      }),
      { numRuns: 3000 },
    );
  });
});
