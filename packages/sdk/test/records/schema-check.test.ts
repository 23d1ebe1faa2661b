/** Client-side record checks from the table schema: accepted forms, conversions, refusals and their paths. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { InvalidRecordError, NonRetriableError } from '../../src/errors.js';
import { createRecordEncoder } from '../../src/records/encoder.js';
import { fillSlot, type PayloadSlot } from '../../src/records/payload-slab.js';
import { type CheckMode, createRecordCheck, recordCheck } from '../../src/records/schema-check.js';
import { withSchemaCheck } from '../../src/records/schema-encoder.js';
import { parseDecimalText, toDecimalText, toUnscaled } from '../../src/schema/decimal-text.js';
import type { DeltaType, TableSchema } from '../../src/schema/types.js';
import { schemaFromUcColumns } from '../../src/schema/uc-columns.js';
import { assertRecordError } from './fixtures.js';

const SCHEMA = schemaFromUcColumns([
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
  { name: 'counts', type_text: 'map<bigint,int>' },
  { name: 'loc', type_text: 'struct<lat:double,lon:double not null,labels:array<string>>' },
  { name: 'readings', type_text: 'array<struct<temp:double,at:timestamp>>' },
  { name: 'device_name', type_text: 'string' },
]);

/** The converted record (what the encoder is given). */
function conv(record: object, mode: CheckMode = 'json'): Record<string, unknown> {
  return recordCheck(SCHEMA, mode)(record) as Record<string, unknown>;
}

/** One column's converted value. */
function col(name: string, value: unknown, mode: CheckMode = 'json'): unknown {
  return conv({ id: 1, [name]: value }, mode)[name];
}

const jsonEncoder = withSchemaCheck(createRecordEncoder('json', undefined), SCHEMA, undefined);
const jsonText = (record: unknown, index = 0): string => Buffer.from(jsonEncoder.encode(record, index)).toString();

/** Asserts the JSON-stream refusal of `value` in column `name`: the exact message after `record 0: `. */
function refused(name: string, value: unknown, message: string, path = name, mode: CheckMode = 'json'): void {
  const encoder = mode === 'json' ? jsonEncoder : { encode: (r: unknown, i: number) => checkOnly(r, i, mode) };
  const error = assertRecordError(() => encoder.encode({ id: 1, [name]: value }, 0), 0, path);
  assert.equal(error.message, `record 0: ${message}`);
}

function checkOnly(record: unknown, index: number, mode: CheckMode): Uint8Array {
  const inner = {
    mode,
    descriptorProto: undefined,
    encode: () => new Uint8Array(),
    encodeInto: (_record: unknown, _index: number, slot: PayloadSlot) => fillSlot(slot, new Uint8Array()),
    toUserRecord: () => '',
    release: () => {},
  };
  return withSchemaCheck(inner, SCHEMA, true).encode(record, index);
}

describe('schema check: integers', () => {
  it('takes TINYINT/SMALLINT/INT integers within range, bigints as numbers', () => {
    for (const [name, min, max] of [
      ['b', -128, 127],
      ['s', -32768, 32767],
      ['i', -2147483648, 2147483647],
    ] as const) {
      assert.equal(col(name, min), min);
      assert.equal(col(name, max), max);
      assert.equal(col(name, BigInt(max)), max);
      const label = { b: 'TINYINT', s: 'SMALLINT', i: 'INT' }[name];
      refused(
        name,
        max + 1,
        `field "${name}": expected ${label}, got number ${max + 1}, which is outside ${label}'s range ${min} to ${max}`,
      );
      refused(
        name,
        min - 1,
        `field "${name}": expected ${label}, got number ${min - 1}, which is outside ${label}'s range ${min} to ${max}`,
      );
    }
    refused('i', 1.5, 'field "i": expected INT, got number 1.5, which is not an integer');
    refused('i', '5', 'field "i": expected INT, got string "5"');
  });

  it('takes BIGINT as bigint, safe number, integer text or Long, up to ±2^63', () => {
    const max = 2n ** 63n - 1n;
    assert.equal(conv({ id: max }).id, max);
    assert.equal(conv({ id: -max - 1n }).id, -max - 1n);
    assert.equal(conv({ id: '9223372036854775807' }).id, max);
    assert.equal(conv({ id: '-9223372036854775808' }).id, -max - 1n);
    assert.equal(conv({ id: '+0005' }).id, 5n);
    assert.equal(conv({ id: Number.MAX_SAFE_INTEGER }).id, Number.MAX_SAFE_INTEGER);
    assert.equal(conv({ id: { low: -1, high: 0x7fffffff } }).id, max); // protobufjs Long
    assert.equal(conv({ id: { low: 0, high: -1, unsigned: false } }).id, -(2n ** 32n));
    assert.equal(jsonText({ id: '9223372036854775807' }), '{"id":9223372036854775807}');
    const fail = (id: unknown, why: string) => {
      const e = assertRecordError(() => jsonEncoder.encode({ id }, 4), 4, 'id');
      assert.equal(e.message, `record 4: field "id": expected ${why}`);
    };
    fail(max + 1n, 'BIGINT, got bigint 9223372036854775808n, which is outside the 64-bit range');
    fail(-max - 2n, 'BIGINT, got bigint -9223372036854775809n, which is outside the 64-bit range');
    fail('9223372036854775808', 'BIGINT, got string "9223372036854775808", which is outside the 64-bit range');
    fail('1'.repeat(60), `BIGINT, got string "${'1'.repeat(40)}…", which is outside the 64-bit range`);
    fail(2 ** 53, 'BIGINT, got number 9007199254740992, which is not a safe integer (pass a bigint or a string)');
    fail(1.5, 'BIGINT, got number 1.5, which is not an integer');
    fail('1.0', 'BIGINT (a bigint, a safe integer number or integer text), got string "1.0"');
    fail({ low: 0, high: -1, unsigned: true }, 'BIGINT, got Long -1:0, which is outside the 64-bit range');
  });

  it('keeps every int64 exact (property)', () => {
    fc.assert(
      fc.property(fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n), (n) => {
        assert.equal(conv({ id: n.toString() }).id, n);
        assert.equal(jsonText({ id: n }), `{"id":${n}}`);
      }),
      { numRuns: 300 },
    );
  });
});

describe('schema check: floating point, boolean, string, binary', () => {
  it('takes numbers; NaN and ±Infinity only on proto streams', () => {
    assert.equal(col('d', -0.5), -0.5);
    assert.ok(Number.isNaN(col('d', Number.NaN, 'proto')));
    assert.equal(col('f', Number.POSITIVE_INFINITY, 'proto'), Number.POSITIVE_INFINITY);
    refused(
      'd',
      Number.NaN,
      'field "d": expected DOUBLE, got number NaN, which JSON cannot carry (a proto stream can)',
    );
    refused(
      'f',
      -Infinity,
      'field "f": expected FLOAT, got number -Infinity, which JSON cannot carry (a proto stream can)',
    );
    refused('f', 3.5e38, 'field "f": expected FLOAT, got number 3.5e+38, which is outside the FLOAT range');
    refused(
      'f',
      3.5e38,
      'field "f": expected FLOAT, got number 3.5e+38, which is outside the FLOAT range',
      'f',
      'proto',
    );
    refused('d', '1.5', 'field "d": expected DOUBLE, got string "1.5"');
  });

  it('takes booleans, strings and bytes only as themselves', () => {
    assert.equal(
      jsonText({ id: 1, ok: false, name: 'x', bin: Buffer.from([0, 1, 255]) }),
      '{"id":1,"ok":false,"name":"x","bin":"AAH/"}',
    );
    refused('ok', 1, 'field "ok": expected BOOLEAN, got number 1');
    refused('name', 5, 'field "name": expected STRING, got number 5');
    refused('name', new Date(0), 'field "name": expected STRING, got Date');
    refused('bin', 'AAH/', 'field "bin": expected BINARY (a Uint8Array or Buffer), got string "AAH/"');
    refused('bin', new Uint16Array(2), 'field "bin": expected BINARY (a Uint8Array or Buffer), got Uint16Array');
  });

  it('shows at most 40 characters of a value', () => {
    const secret = `s3cr3t-${'x'.repeat(100)}`;
    const error = assertRecordError(() => jsonEncoder.encode({ id: 1, d: secret }, 0), 0, 'd');
    assert.equal(error.message, `record 0: field "d": expected DOUBLE, got string "${secret.slice(0, 40)}…"`);
  });
});

describe('schema check: DATE and TIMESTAMP', () => {
  const DAY = 86_400_000;

  it('turns a Date into its UTC day, before 1970 included; takes days and YYYY-MM-DD', () => {
    assert.equal(col('day', new Date('2024-03-05T00:00:00Z')), Date.UTC(2024, 2, 5) / DAY);
    assert.equal(col('day', new Date('2024-03-05T23:59:59.999Z')), Date.UTC(2024, 2, 5) / DAY);
    assert.equal(col('day', new Date('1969-12-31T23:59:59.999Z')), -1);
    assert.equal(col('day', new Date('1970-01-01T00:00:00Z')), 0);
    assert.equal(col('day', new Date('1900-01-01T00:00:00Z')), -25567);
    assert.equal(col('day', new Date('0001-01-01T00:00:00Z')), -719162);
    assert.equal(col('day', 19_000), 19_000);
    assert.equal(col('day', -1), -1);
    assert.equal(col('day', '2024-02-29'), Date.UTC(2024, 1, 29) / DAY);
    assert.equal(col('day', '1969-12-31'), -1);
    assert.equal(jsonText({ id: 1, day: new Date('1969-12-30T12:00:00Z') }), '{"id":1,"day":-2}');
    const forms = 'DATE (a Date, integer days since 1970-01-01 or "YYYY-MM-DD" text)';
    refused(
      'day',
      '2023-02-29',
      `field "day": expected ${forms}, got string "2023-02-29", which is not a valid YYYY-MM-DD date`,
    );
    refused(
      'day',
      '2024-03-05T00:00:00Z',
      `field "day": expected ${forms}, got string "2024-03-05T00:00:00Z", which is not a valid YYYY-MM-DD date`,
    );
    refused('day', new Date(Number.NaN), `field "day": expected ${forms}, got invalid Date`);
    refused('day', 1.5, `field "day": expected ${forms}, got number 1.5`);
    refused('day', 2 ** 31, `field "day": expected ${forms}, got number 2147483648, which is outside the 32-bit range`);
    refused('day', 19000n, `field "day": expected ${forms}, got bigint 19000n`);
  });

  it('is the day floor(ms / day) for any Date (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        assert.equal(col('day', new Date(ms)), Math.floor(ms / DAY));
      }),
    );
  });

  it('turns a Date into exact microseconds (never sub-millisecond), takes micros and ISO text', () => {
    assert.equal(col('ts', new Date('2024-01-01T00:00:00.123Z')), 1_704_067_200_123_000);
    assert.equal(col('ts', new Date(-1)), -1000);
    assert.equal(col('ntz', new Date('1969-12-31T23:59:59.999Z')), -1000);
    assert.equal(col('ts', new Date(8.64e15)), 8_640_000_000_000_000_000n); // past 2^53: a bigint
    assert.equal(col('ts', new Date(-8.64e15)), -8_640_000_000_000_000_000n);
    assert.equal(col('ts', 1_764_000_000_123_456), 1_764_000_000_123_456);
    assert.equal(col('ts', -(2n ** 63n)), -(2n ** 63n));
    assert.equal(col('ts', '1764000000123456'), 1_764_000_000_123_456n);
    assert.equal(col('ts', '2024-01-01T00:00:00.123456Z'), 1_704_067_200_123_456n);
    assert.equal(col('ts', '2024-01-01T02:00:00+02:00'), 1_704_067_200_000_000n);
    assert.equal(col('ntz', '2024-01-01T00:00:00.000001'), 1_704_067_200_000_001n);
    const ts = 'TIMESTAMP (a Date, integer microseconds since the epoch, or ISO-8601 text with a UTC offset)';
    const ntz = 'TIMESTAMP_NTZ (a Date, integer microseconds since the epoch, or ISO-8601 text without a UTC offset)';
    refused(
      'ts',
      '2024-01-01T00:00:00',
      `field "ts": expected ${ts}, got string "2024-01-01T00:00:00", which has no UTC offset (Z or ±HH:MM), which a timestamp needs`,
    );
    refused(
      'ntz',
      '2024-01-01T00:00:00Z',
      `field "ntz": expected ${ntz}, got string "2024-01-01T00:00:00Z", which has a UTC offset, which a timestamp_ntz (wall-clock time) cannot keep`,
    );
    refused(
      'ts',
      '2024-01-01T00:00:00.0000001Z',
      `field "ts": expected ${ts}, got string "2024-01-01T00:00:00.0000001Z", which has more than microsecond precision`,
    );
    refused('ts', 1.5, 'field "ts": expected TIMESTAMP, got number 1.5, which is not an integer');
    refused(
      'ts',
      2n ** 63n,
      'field "ts": expected TIMESTAMP, got bigint 9223372036854775808n, which is outside the 64-bit range',
    );
    refused('ts', new Date('nope'), `field "ts": expected ${ts}, got invalid Date`);
    refused('ts', true, `field "ts": expected ${ts}, got boolean true`);
  });

  it('is ms × 1000 for any Date (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        const micros = col('ts', new Date(ms));
        assert.equal(BigInt(micros as number | bigint), BigInt(ms) * 1000n);
      }),
    );
  });
});

describe('schema check: DECIMAL', () => {
  const dec = (precision: number, scale: number, value: unknown): unknown =>
    recordCheck(
      { fields: [{ name: 'x', type: { kind: 'decimal', precision, scale }, nullable: true }] },
      'json',
    )({
      x: value,
    });

  it('turns numbers, bigints and decimal text into exact text at the scale', () => {
    assert.equal(col('price', 12.5), '12.50');
    assert.equal(col('price', 0.1), '0.10');
    assert.equal(col('price', 5n), '5.00');
    assert.equal(col('price', '-0.5'), '-0.50');
    assert.equal(col('price', '-0'), '0.00');
    assert.equal(col('price', '1e3'), '1000.00');
    assert.equal(col('price', '1.230'), '1.23');
    assert.equal(col('price', '.5'), '0.50');
    assert.equal(col('price', '99999999.99'), '99999999.99');
    assert.equal(col('price', '-99999999.99'), '-99999999.99');
    assert.equal(jsonText({ id: 1, price: 1234.56 }), '{"id":1,"price":"1234.56"}');
    assert.deepEqual(dec(38, 0, 10n ** 38n - 1n), { x: (10n ** 38n - 1n).toString() });
    assert.deepEqual(dec(5, 5, '0.12345'), { x: '0.12345' });
    assert.deepEqual(dec(3, 0, 1e2), { x: '100' });
  });

  it('refuses too many fractional or integer digits, saying which', () => {
    refused(
      'price',
      '1.234',
      'field "price": expected DECIMAL(10,2), got string "1.234", which has more than 2 fractional digits (values are not rounded)',
    );
    refused(
      'price',
      0.1 + 0.2,
      'field "price": expected DECIMAL(10,2), got number 0.30000000000000004, which has more than 2 fractional digits (values are not rounded)',
    );
    refused(
      'price',
      '100000000',
      'field "price": expected DECIMAL(10,2), got string "100000000", which has more than 8 digits before the decimal point',
    );
    refused(
      'price',
      1e300,
      'field "price": expected DECIMAL(10,2), got number 1e+300, which has more than 8 digits before the decimal point',
    );
    refused('price', Number.NaN, 'field "price": expected DECIMAL(10,2), got number NaN, which is not a finite number');
    refused(
      'price',
      '1,5',
      'field "price": expected DECIMAL(10,2) (a number, bigint or decimal text), got string "1,5"',
    );
    refused(
      'price',
      true,
      'field "price": expected DECIMAL(10,2) (a number, bigint or decimal text), got boolean true',
    );
    assert.throws(() => dec(38, 0, 10n ** 38n), /more than 38 digits before the decimal point/);
    assert.throws(() => dec(5, 5, '1'), /more than 0 digits before the decimal point/);
  });

  it('round-trips any value within precision and scale to exact text (property)', () => {
    const arb = fc
      .integer({ min: 1, max: 38 })
      .chain((p) => fc.tuple(fc.constant(p), fc.integer({ min: 0, max: p })))
      .chain(([p, s]) =>
        fc.tuple(fc.constant(p), fc.constant(s), fc.bigInt(-(10n ** BigInt(p)) + 1n, 10n ** BigInt(p) - 1n)),
      );
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 3 }), ([p, s, unscaled], extraZeros) => {
        const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(s + 1, '0');
        const expectedText = `${unscaled < 0n ? '-' : ''}${s === 0 ? digits : `${digits.slice(0, -s)}.${digits.slice(-s)}`}`;
        // The same value written with trailing fraction zeros, or as an exponent, comes out the same.
        const padded =
          s === 0
            ? `${expectedText}${extraZeros > 0 ? `.${'0'.repeat(extraZeros)}` : ''}`
            : expectedText + '0'.repeat(extraZeros);
        const exponent = `${unscaled}e-${s}`;
        for (const input of [expectedText, padded, exponent]) assert.deepEqual(dec(p, s, input), { x: expectedText });
      }),
      { numRuns: 500 },
    );
  });

  it('formats exactly the values the server parser accepts, as their unscaled value (property)', () => {
    const text = fc
      .tuple(
        fc.constantFrom('', '-', '+'),
        fc.stringMatching(/^\d{0,25}$/),
        fc.option(fc.stringMatching(/^\d{0,12}$/)),
        fc.option(fc.integer({ min: -30, max: 30 })),
      )
      .map(([sign, whole, fraction, exponent]) => {
        const body = fraction === null ? whole : `${whole}.${fraction}`;
        return `${sign}${body}${exponent === null ? '' : `e${exponent}`}`;
      });
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 38 }), fc.integer({ min: 0, max: 38 }), (t, p, rawScale) => {
        const s = Math.min(rawScale, p);
        const parts = parseDecimalText(t);
        if (!parts) return;
        const unscaled = toUnscaled(parts, p, s);
        const formatted = toDecimalText(parts, p, s);
        if (typeof unscaled !== 'bigint') return assert.equal(formatted, unscaled);
        assert.equal(typeof formatted, 'string');
        assert.equal(BigInt((formatted as string).replace('.', '')), unscaled);
        assert.equal((formatted as string).split('.')[1]?.length ?? 0, s);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses any value with one digit too many (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 10 }), (p, extra) => {
        const s = Math.min(extra, p);
        const tooLong = `${'9'.repeat(p - s + 1)}${s > 0 ? `.${'1'.repeat(s)}` : ''}`;
        assert.throws(() => dec(p, s, tooLong), /digits before the decimal point/);
        assert.throws(() => dec(p, s, `0.${'0'.repeat(s)}1`), /fractional digits/);
      }),
    );
  });
});

describe('schema check: VARIANT', () => {
  it('takes JSON text as given and serializes other values', () => {
    assert.equal(col('v', '{"k":[1,2]}'), '{"k":[1,2]}');
    assert.equal(col('v', 'null'), 'null');
    assert.equal(
      col('v', { a: 1n << 70n, b: [true, null], c: new Uint8Array([1]) }),
      '{"a":1180591620717411303424,"b":[true,null],"c":"AQ=="}',
    );
    assert.equal(col('v', 1.5), '1.5');
    assert.equal(col('v', [1, 'x']), '[1,"x"]');
    assert.equal(jsonText({ id: 1, v: { k: 1 } }), '{"id":1,"v":"{\\"k\\":1}"}');
    refused(
      'v',
      '{nope',
      'field "v": expected VARIANT (JSON text, or a value JSON can represent), got string "{nope", which is not valid JSON',
    );
    refused('v', { x: { y: Number.NaN } }, 'field "v.x.y" is NaN, which JSON cannot represent', 'v.x.y');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    refused('v', cycle, 'field "v.self" refers back to one of its parents (circular structure)', 'v.self');
    refused('v', () => 1, 'field "v": expected VARIANT (JSON text, or a value JSON can represent), got function');
  });
});

describe('schema check: arrays, maps, structs and the record', () => {
  it('names nested paths', () => {
    const record = { id: 1, readings: [{ temp: 1 }, { temp: 2 }, { temp: 'abc' }] };
    const error = assertRecordError(() => jsonEncoder.encode(record, 3), 3, 'readings[2].temp');
    assert.equal(error.message, 'record 3: field "readings[2].temp": expected DOUBLE, got string "abc"');
    refused('attrs', { k: 'x' }, 'field "attrs["k"]": expected INT, got string "x"', 'attrs["k"]');
    refused(
      'attrs',
      new Map([['k', 1.5]]),
      'field "attrs["k"]": expected INT, got number 1.5, which is not an integer',
      'attrs["k"]',
    );
    refused('attrs', new Map([[1, 1]]), 'field "attrs["1"]": expected STRING, got number 1', 'attrs["1"]');
    refused('tags', ['a', 2], 'field "tags[1]": expected STRING, got number 2', 'tags[1]');
    refused('tags', 'a', 'field "tags": expected ARRAY<STRING> (an array), got string "a"');
    refused('attrs', [1], 'field "attrs": expected MAP<STRING,INT> (a Map or plain object), got array (1 items)');
    refused(
      'loc',
      { lon: 1, alt: 3 },
      'field "loc.alt": no such field in the struct (fields: lat, lon, labels)',
      'loc.alt',
    );
    refused('loc', { lat: 1 }, 'field "loc.lon": expected DOUBLE (NOT NULL), got no value', 'loc.lon');
    refused('loc', { lon: null }, 'field "loc.lon": expected DOUBLE (NOT NULL), got null', 'loc.lon');
    refused(
      'loc',
      [1],
      'field "loc": expected STRUCT<lat:DOUBLE,lon:DOUBLE,labels:ARRAY<STRING>> (an object), got array (1 items)',
    );
    refused(
      'readings',
      [{ at: new Date(Number.NaN) }],
      'field "readings[0].at": expected TIMESTAMP (a Date, integer microseconds since the epoch, or ISO-8601 text with a UTC offset), got invalid Date',
      'readings[0].at',
    );
  });

  it('converts nested values and leaves the user record untouched', () => {
    const at = new Date('2024-01-01T00:00:00Z');
    const record = { id: 1, readings: [{ temp: 1 }, { temp: 2, at }], counts: new Map([[5n, 1]]), loc: { lon: 2 } };
    const out = conv(record);
    assert.deepEqual(out.readings, [{ temp: 1 }, { temp: 2, at: 1_704_067_200_000_000 }]);
    assert.equal((out.readings as unknown[])[0], record.readings[0]); // unchanged parts are not copied
    assert.equal(out.loc, record.loc);
    assert.deepEqual(out.counts, new Map([[5n, 1]]));
    assert.equal(record.readings[1]?.at, at);
    const plain = { id: 1n, name: 'x', tags: ['a'], attrs: { k: 1 } };
    assert.equal(conv(plain), plain); // nothing converted: the record itself is encoded
  });

  it('checks integral map keys: numbers, bigints, canonical integer text', () => {
    assert.deepEqual(col('counts', { '-5': 1, '9223372036854775807': 2 }), { '-5': 1, '9223372036854775807': 2 });
    assert.deepEqual(
      col(
        'counts',
        new Map<unknown, number>([
          [5, 1],
          ['6', 2],
        ]),
      ),
      new Map<unknown, number>([
        [5, 1],
        ['6', 2],
      ]),
    );
    refused(
      'counts',
      { '05': 1 },
      'field "counts["05"]": expected BIGINT map key (integer text without leading zeros or "+"), got string "05"',
      'counts["05"]',
    );
    refused(
      'counts',
      { '9223372036854775808': 1 },
      'field "counts["9223372036854775808"]": expected BIGINT map key (integer text without leading zeros or "+"), got string "9223372036854775808"',
      'counts["9223372036854775808"]',
    );
    refused(
      'counts',
      new Map([[null, 1]]),
      'field "counts["null"]": expected BIGINT map key, got null',
      'counts["null"]',
    );
  });

  it('checks INT map keys against the range, in text and as numbers', () => {
    const schema: TableSchema = {
      fields: [
        {
          name: 'm',
          type: {
            kind: 'map',
            keyType: { kind: 'primitive', name: 'short' },
            valueType: { kind: 'primitive', name: 'string' },
            valueContainsNull: true,
          },
          nullable: true,
        },
      ],
    };
    const check = (m: unknown) => (recordCheck(schema, 'proto')({ m }) as { m: unknown }).m;
    assert.deepEqual(check({ '-32768': 'a', 32767: 'b' }), { '-32768': 'a', 32767: 'b' });
    assert.deepEqual(
      check(
        new Map<unknown, string>([
          [5n, 'a'],
          ['-7', 'b'],
        ]),
      ),
      new Map<unknown, string>([
        [5, 'a'],
        ['-7', 'b'],
      ]),
    );
    const encoder = withSchemaCheck(createRecordEncoder('json', undefined), schema, true);
    const fail = (m: unknown, path: string, message: string) => {
      const error = assertRecordError(() => encoder.encode({ m }, 0), 0, path);
      assert.equal(error.message, `record 0: field "${path}": ${message}`);
    };
    fail(
      { 32768: 'a' },
      'm["32768"]',
      'expected SMALLINT map key (integer text from -32768 to 32767 without leading zeros), got string "32768"',
    );
    fail(
      { '-0': 'a' },
      'm["-0"]',
      'expected SMALLINT map key (integer text from -32768 to 32767 without leading zeros), got string "-0"',
    );
    fail(new Map([[1.5, 'a']]), 'm["1.5"]', 'expected SMALLINT map key, got number 1.5, which is not an integer');
    fail(
      new Map([[40000n, 'a']]),
      'm["40000"]',
      "expected SMALLINT map key, got bigint 40000n, which is outside SMALLINT map key's range -32768 to 32767",
    );
    fail(
      { k: 1 },
      'm["k"]',
      'expected SMALLINT map key (integer text from -32768 to 32767 without leading zeros), got string "k"',
    );
  });

  it('treats null and undefined as "not set" where allowed; proto streams refuse nulls inside arrays and maps', () => {
    assert.equal(
      jsonText({ id: 1, name: null, d: undefined, tags: ['a', null], attrs: { k: null, u: undefined } }),
      '{"id":1,"name":null,"tags":["a",null],"attrs":{"k":null}}',
    );
    refused(
      'tags',
      ['a', null],
      'field "tags[1]": expected STRING, got null, which a proto stream cannot send in an array',
      'tags[1]',
      'proto',
    );
    refused(
      'attrs',
      { k: null },
      'field "attrs["k"]": expected INT, got null, which a proto stream cannot send as a map value',
      'attrs["k"]',
      'proto',
    );
    const strict: TableSchema = {
      fields: [
        {
          name: 'a',
          type: { kind: 'array', elementType: { kind: 'primitive', name: 'integer' }, containsNull: false },
          nullable: true,
        },
      ],
    };
    const encoder = withSchemaCheck(createRecordEncoder('json', undefined), strict, true);
    const error = assertRecordError(() => encoder.encode({ a: [1, null] }, 0), 0, 'a[1]');
    assert.equal(error.message, 'record 0: field "a[1]": expected INT (the array holds no nulls), got null');
  });

  it('refuses unknown columns, missing NOT NULL columns and non-objects', () => {
    const all = 'id, b, s, i, f, d, ok, name, bin, day, … (10 more)';
    let error = assertRecordError(() => jsonEncoder.encode({ id: 1, tmep: 5 }, 2), 2, 'tmep');
    assert.equal(error.message, `record 2: field "tmep": no such column in the table (columns: ${all})`);
    error = assertRecordError(() => jsonEncoder.encode({ name: 'x' }, 0), 0, 'id');
    assert.equal(error.message, 'record 0: field "id": expected BIGINT (NOT NULL), got no value');
    error = assertRecordError(() => jsonEncoder.encode({ id: null }, 0), 0, 'id');
    assert.equal(error.message, 'record 0: field "id": expected BIGINT (NOT NULL), got null');
    error = assertRecordError(() => jsonEncoder.encode(5, 1), 1, undefined);
    assert.equal(error.message, "record 1: expected an object with the table's columns, got number 5");
    assert.equal(jsonText({ id: 1, extra: undefined }), '{"id":1}'); // undefined keys are "not set"
  });

  it('reads class instances by their own properties, and JSON records through toJSON()', () => {
    class Row {
      id = 7n;
      day = new Date(0);
      get ignored(): number {
        return 1;
      }
    }
    assert.equal(jsonText(new Row()), '{"id":7,"day":0}');
    const viaToJson = { toJSON: () => ({ id: 1, day: new Date(86_400_000) }) };
    assert.equal(jsonText(viaToJson), '{"id":1,"day":1}');
  });

  it('takes camelCase keys for columns on proto streams only, as the proto encoder does', () => {
    assert.deepEqual(conv({ id: 1, deviceName: 'x' }, 'proto'), { id: 1, deviceName: 'x' });
    assert.throws(() => conv({ id: 1, deviceName: 'x' }, 'json'), /no such column/);
    assertRecordError(
      () => checkOnly({ id: 1, deviceName: 'x', device_name: 'y' }, 0, 'proto'),
      0,
      'device_name',
      'record 0: field "device_name" is given twice, as device_name and deviceName',
    );
  });
});

describe('schema check: streams', () => {
  it('sends pre-encoded records as given, unchecked', () => {
    assert.equal(jsonText('{"id":"not checked"}'), '{"id":"not checked"}');
    const bytes = new Uint8Array([8, 1]);
    const Row = protobuf.parse('syntax = "proto2"; message Row { required int64 id = 1; }').root.lookupType('Row');
    const proto = withSchemaCheck(createRecordEncoder('proto', Row), { fields: [SCHEMA.fields[0]!] }, undefined);
    assert.equal(proto.encode(bytes, 0), bytes);
  });

  it('converts before the proto encoder: DATE as int32, TIMESTAMP as int64, DECIMAL and VARIANT as strings', () => {
    const schema = schemaFromUcColumns([
      { name: 'id', type_text: 'bigint', nullable: false },
      { name: 'day', type_text: 'date' },
      { name: 'ts', type_text: 'timestamp' },
      { name: 'price', type_text: 'decimal(10,2)' },
      { name: 'v', type_text: 'variant' },
      { name: 'bin', type_text: 'binary' },
    ]);
    const Row = protobuf
      .parse(`syntax = "proto2"; message Row { required int64 id = 1; optional int32 day = 2; optional int64 ts = 3;
        optional string price = 4; optional string v = 5; optional bytes bin = 6; }`)
      .root.lookupType('Row');
    const encoder = withSchemaCheck(createRecordEncoder('proto', Row), schema, undefined);
    const payload = encoder.encode(
      {
        id: '-9223372036854775808',
        day: new Date('1969-12-31T00:00:00Z'),
        ts: new Date(-1),
        price: 3n,
        v: { a: 1 },
        bin: Buffer.from('hi'),
      },
      0,
    );
    const decoded = Row.toObject(Row.decode(payload), { longs: String, bytes: String });
    assert.deepEqual(decoded, {
      id: '-9223372036854775808',
      day: -1,
      ts: '-1000',
      price: '3.00',
      v: '{"a":1}',
      bin: 'aGk=',
    });
    assertRecordError(() => encoder.encode({ id: 1, price: '1.001' }, 0), 0, 'price', /more than 2 fractional digits/);
  });

  it('is on by default with a schema, off with validate: false, and needs a schema with validate: true', () => {
    const plain = createRecordEncoder('json', undefined);
    assert.equal(withSchemaCheck(plain, undefined, undefined), plain);
    assert.equal(withSchemaCheck(plain, SCHEMA, false), plain);
    assert.notEqual(withSchemaCheck(plain, SCHEMA, undefined), plain);
    assert.throws(
      () => withSchemaCheck(plain, undefined, true),
      (e: unknown) =>
        e instanceof NonRetriableError &&
        e.code === 'INVALID_OPTIONS' &&
        /validate: true needs the table schema: pass \{ schema \} to TableProperties .* or use TableProperties.fromTable/.test(
          e.message,
        ),
    );
  });

  it('refuses schemas it cannot check when the stream is created', () => {
    const dateKeys: DeltaType = {
      kind: 'map',
      keyType: { kind: 'primitive', name: 'date' },
      valueType: { kind: 'primitive', name: 'integer' },
      valueContainsNull: true,
    };
    assert.throws(
      () => recordCheck({ fields: [{ name: 'm', type: dateKeys, nullable: true }] }, 'json'),
      (e: unknown) =>
        e instanceof NonRetriableError &&
        e.code === 'INVALID_SCHEMA' &&
        /column "m": map keys of type DATE/.test(e.message),
    );
    assert.throws(
      () => recordCheck({ fields: [{ name: 'x', type: { kind: 'nope' } as never, nullable: true }] }, 'json'),
      /column "x" has no valid type/,
    );
    assert.throws(() => recordCheck(null as never, 'json'), /a table schema is \{ fields: StructField\[\] \}/);
  });

  it('compiles a schema once per mode', () => {
    assert.equal(recordCheck(SCHEMA, 'json'), recordCheck(SCHEMA, 'json'));
    assert.notEqual(recordCheck(SCHEMA, 'json'), recordCheck(SCHEMA, 'proto'));
  });

  it('reports other errors thrown while checking (a throwing toJSON) as InvalidRecordError', () => {
    const bad = {
      toJSON() {
        throw new Error('boom');
      },
    };
    const error = assertRecordError(() => jsonEncoder.encode(bad, 5), 5, undefined);
    assert.ok(error instanceof InvalidRecordError);
    assert.equal(error.message, 'record 5 could not be encoded: boom');
  });
});

describe('createRecordCheck (@zerobus/sdk/schema)', () => {
  it('returns the converted record and throws InvalidRecordError naming the record and field', () => {
    const check = createRecordCheck(SCHEMA, 'json');
    const out = check({ id: 1, day: '1970-01-02', price: 3, tags: ['a'] }) as Record<string, unknown>;
    assert.deepEqual(out, { id: 1, day: 1, price: '3.00', tags: ['a'] });
    assertRecordError(() => check({ id: 1, i: 'x' }, 7), 7, 'i', 'expected INT, got string "x"');
    assertRecordError(() => check({ id: 1, d: Number.NaN }), 0, 'd', 'JSON cannot carry');
    assert.deepEqual(createRecordCheck(SCHEMA, 'proto')({ id: 1, d: Number.NaN }), { id: 1, d: Number.NaN });
  });
});
