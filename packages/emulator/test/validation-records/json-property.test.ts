/**
 * Property tests: random table schemas, random values of their types written as JSON text (in
 * every accepted form), decoded → exactly the expected NormalizedValues. Also: arbitrary input
 * never escapes as anything but a RecordRejection.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeltaType, StructField } from '@zerobus/sdk/schema';
import fc from 'fast-check';
import { createJsonDecoder, RecordRejection } from '../../src/validation/index.js';
import { array, decimal, map, prim, struct, utf8 } from './support/types.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A value as record text plus what the decoder must make of it. */
interface Sample {
  readonly text: string;
  readonly expected: unknown;
}

const NAMES = ['a', 'b', 'id', 'value', 'x_1', 'Ünï', 'a.b', 'with space', 'constructor', '__proto__', 'toString', 'A'];

const primitiveType = fc.constantFrom<DeltaType>(
  prim('byte'),
  prim('short'),
  prim('integer'),
  prim('long'),
  prim('float'),
  prim('double'),
  prim('boolean'),
  prim('string'),
  prim('binary'),
  prim('date'),
  prim('timestamp'),
  prim('timestamp_ntz'),
  prim('variant'),
);

const decimalType = fc
  .integer({ min: 1, max: 38 })
  .chain((precision) => fc.integer({ min: 0, max: precision }).map((scale) => decimal(precision, scale)));

const keyType = fc.constantFrom<DeltaType>(prim('string'), prim('byte'), prim('short'), prim('integer'), prim('long'));

const fieldsOf = (type: fc.Arbitrary<DeltaType>) =>
  fc
    .uniqueArray(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 5 })
    .chain((names) =>
      fc.tuple(...names.map((name) => fc.record({ name: fc.constant(name), type, nullable: fc.boolean() }))),
    ) as fc.Arbitrary<StructField[]>;

const { type: deltaType } = fc.letrec<{ type: DeltaType }>((tie) => ({
  type: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    primitiveType,
    decimalType,
    fc.record({ e: tie('type'), n: fc.boolean() }).map(({ e, n }) => array(e, n)),
    fc.record({ k: keyType, v: tie('type'), n: fc.boolean() }).map(({ k, v, n }) => map(k, v, n)),
    fieldsOf(tie('type')).map((fields) => struct(...fields)),
  ),
}));

const quote = (s: string) => JSON.stringify(s);

function integer(min: number, max: number): fc.Arbitrary<Sample> {
  return fc.integer({ min, max }).map((n) => ({ text: String(n), expected: n }));
}

function int64Sample(min = INT64_MIN, max = INT64_MAX): fc.Arbitrary<Sample> {
  return fc
    .tuple(fc.bigInt({ min, max }), fc.boolean())
    .map(([n, asString]) => ({ text: asString ? quote(String(n)) : String(n), expected: n }));
}

function floating(single: boolean): fc.Arbitrary<Sample> {
  const source = single ? fc.float() : fc.double();
  return source.map((n) => {
    if (Number.isNaN(n)) return { text: '"NaN"', expected: Number.NaN };
    if (!Number.isFinite(n)) return { text: quote(String(n)), expected: n };
    const text = String(n);
    return { text, expected: single ? Math.fround(Number(text)) : Number(text) };
  });
}

const DAY_MIN = -719162; // 0001-01-01
const DAY_MAX = 2932896; // 9999-12-31
const SECOND_MIN = DAY_MIN * 86400;
const SECOND_MAX = DAY_MAX * 86400 + 86399;

function dateSample(): fc.Arbitrary<Sample> {
  return fc.oneof(
    integer(-2147483648, 2147483647),
    fc.integer({ min: DAY_MIN, max: DAY_MAX }).map((days) => ({
      text: quote(new Date(days * 86400000).toISOString().slice(0, 10)),
      expected: days,
    })),
  );
}

function timestampSample(zoned: boolean): fc.Arbitrary<Sample> {
  const iso = fc
    .tuple(
      fc.integer({ min: SECOND_MIN, max: SECOND_MAX }),
      fc.integer({ min: 0, max: 999999 }),
      fc.integer({ min: 0, max: 6 }),
    )
    .map(([seconds, micros, digits]) => {
      // `digits` fractional digits (micros truncated to them), as written by different clients.
      const kept = digits === 0 ? 0 : Math.floor(micros / 10 ** (6 - digits)) * 10 ** (6 - digits);
      const fraction = digits === 0 ? '' : `.${String(kept).padStart(6, '0').slice(0, digits)}`;
      const base = new Date(seconds * 1000).toISOString().slice(0, 19);
      return {
        text: quote(`${base}${fraction}${zoned ? 'Z' : ''}`),
        expected: BigInt(seconds) * 1000000n + BigInt(kept),
      };
    });
  return fc.oneof(int64Sample(), iso);
}

function decimalSample(precision: number, scale: number): fc.Arbitrary<Sample> {
  const bound = 10n ** BigInt(precision) - 1n;
  return fc
    .tuple(fc.bigInt({ min: -bound, max: bound }), fc.integer({ min: 0, max: 2 }), fc.boolean())
    .map(([unscaled, zeros, asString]) => {
      const negative = unscaled < 0n;
      let digits = (negative ? -unscaled : unscaled).toString();
      if (scale > 0) {
        digits = digits.padStart(scale + 1, '0');
        digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}${'0'.repeat(zeros)}`; // trailing zeros are exact
      }
      const text = `${negative ? '-' : ''}${digits}`;
      return { text: asString ? quote(text) : text, expected: unscaled };
    });
}

function variantSample(): fc.Arbitrary<Sample> {
  return fc.oneof(
    fc.json().map((json) => ({ text: quote(json), expected: json })), // JSON text in a string: kept as sent
    // Any other JSON value is stored as its compact text (a JSON string would be read as JSON text, null as SQL NULL).
    fc
      .json()
      .filter((json) => json !== 'null' && !json.startsWith('"'))
      .map((json) => ({ text: json, expected: json })),
  );
}

function keySample(type: DeltaType): fc.Arbitrary<{ key: string; expected: unknown }> {
  const name = type.kind === 'primitive' ? type.name : 'string';
  switch (name) {
    case 'byte':
      return fc.integer({ min: -128, max: 127 }).map((n) => ({ key: String(n), expected: n }));
    case 'short':
      return fc.integer({ min: -32768, max: 32767 }).map((n) => ({ key: String(n), expected: n }));
    case 'integer':
      return fc.integer().map((n) => ({ key: String(n), expected: n }));
    case 'long':
      return fc.bigInt({ min: INT64_MIN, max: INT64_MAX }).map((n) => ({ key: String(n), expected: n }));
    default:
      return fc.string({ unit: 'binary', maxLength: 6 }).map((s) => ({ key: s, expected: s }));
  }
}

/** A non-null value of `type`. */
function sample(type: DeltaType): fc.Arbitrary<Sample> {
  switch (type.kind) {
    case 'decimal':
      return decimalSample(type.precision, type.scale);
    case 'array': {
      const element = type.containsNull
        ? fc.option(sample(type.elementType), { nil: null, freq: 4 })
        : sample(type.elementType);
      return fc.array(element, { maxLength: 4 }).map((items) => ({
        text: `[${items.map((i) => (i === null ? 'null' : i.text)).join(', ')}]`,
        expected: items.map((i) => (i === null ? null : i.expected)),
      }));
    }
    case 'map': {
      const value = type.valueContainsNull
        ? fc.option(sample(type.valueType), { nil: null, freq: 4 })
        : sample(type.valueType);
      return fc
        .uniqueArray(fc.tuple(keySample(type.keyType), value), { maxLength: 4, selector: ([k]) => k.key })
        .map((entries) => ({
          text: `{${entries.map(([k, v]) => `${quote(k.key)}: ${v === null ? 'null' : v.text}`).join(', ')}}`,
          expected: new Map(entries.map(([k, v]) => [k.expected, v === null ? null : v.expected])),
        }));
    }
    case 'struct':
      return objectSample(type.fields).map(({ text, values }) => {
        const expected: Record<string, unknown> = {};
        type.fields.forEach((f, i) => {
          Object.defineProperty(expected, f.name, {
            value: values[i],
            enumerable: true,
            writable: true,
            configurable: true,
          });
        });
        return { text, expected };
      });
    case 'primitive':
      switch (type.name) {
        case 'byte':
          return integer(-128, 127);
        case 'short':
          return integer(-32768, 32767);
        case 'integer':
          return integer(-2147483648, 2147483647);
        case 'long':
          return int64Sample();
        case 'float':
          return floating(true);
        case 'double':
          return floating(false);
        case 'boolean':
          return fc.boolean().map((b) => ({ text: String(b), expected: b }));
        case 'string':
          return fc.string({ unit: 'binary', maxLength: 12 }).map((s) => ({ text: quote(s), expected: s }));
        case 'binary':
          return fc
            .uint8Array({ maxLength: 12 })
            .map((b) => ({ text: quote(Buffer.from(b).toString('base64')), expected: b }));
        case 'date':
          return dateSample();
        case 'timestamp':
          return timestampSample(true);
        case 'timestamp_ntz':
          return timestampSample(false);
        case 'variant':
          return variantSample();
      }
  }
}

/** An object of `fields` in random key order: nullable fields may be absent or null. */
function objectSample(fields: readonly StructField[]): fc.Arbitrary<{ text: string; values: unknown[] }> {
  const parts = fields.map((f) =>
    f.nullable ? fc.oneof(fc.constant<'absent' | null>('absent'), fc.constant(null), sample(f.type)) : sample(f.type),
  );
  const ranks = fc.array(fc.nat(), { minLength: fields.length, maxLength: fields.length });
  return fc.tuple(fc.tuple(...parts), ranks).map(([values, rank]) => {
    const present = fields
      .map((f, i) => ({ f, v: values[i], rank: rank[i] as number }))
      .filter(({ v }) => v !== 'absent')
      .sort((a, b) => a.rank - b.rank);
    const text = `{${present.map(({ f, v }) => `${quote(f.name)}: ${v === null ? 'null' : (v as Sample).text}`).join(', ')}}`;
    return { text, values: values.map((v) => (v === 'absent' || v === null ? null : (v as Sample).expected)) };
  });
}

const tableAndRecord = fieldsOf(deltaType).chain((fields) =>
  objectSample(fields).map((record) => ({ fields, record })),
);

describe('JSON records: properties', () => {
  it('random schema, random values in any accepted form → exactly the expected row', () => {
    fc.assert(
      fc.property(tableAndRecord, ({ fields, record }) => {
        const row = createJsonDecoder({ fields }).decode(utf8(record.text));
        assert.deepStrictEqual(row, record.values);
      }),
      { numRuns: 400 },
    );
  });

  it('64-bit integers and full-precision decimals stay exact next to fast-path values', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
        decimalSample(38, 10),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        (long, dec, d) => {
          const decoder = createJsonDecoder({
            fields: [
              { name: 'l', type: prim('long'), nullable: false },
              { name: 'd', type: decimal(38, 10), nullable: false },
              { name: 'x', type: prim('double'), nullable: false },
            ],
          });
          const row = decoder.decode(utf8(`{"l": ${long}, "d": ${dec.text}, "x": ${String(d)}}`));
          assert.deepStrictEqual(row, [long, dec.expected, Number(String(d))]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('any input ends in a row or a RecordRejection, nothing else', () => {
    fc.assert(
      fc.property(
        fieldsOf(deltaType),
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.uint8Array().map((b) => Buffer.from(b).toString('latin1')),
        ),
        (fields, text) => {
          const decoder = createJsonDecoder({ fields });
          try {
            decoder.decode(utf8(text));
          } catch (error) {
            assert.ok(error instanceof RecordRejection, String(error));
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
