/** JSON records: objects, nesting, nullability, unknown keys, field paths, and exact big numbers. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createJsonDecoder, RecordRejection, SchemaMismatch } from '../../src/validation/index.js';
import { mismatches, rejects } from './support/rejection.js';
import { array, col, decimal, map, notNull, prim, struct, table, utf8 } from './support/types.js';

// A table nested three levels deep: site (struct) → sensors (array of struct) → reading (struct) → ...
const SCHEMA = table(
  notNull('id', prim('long')),
  col('name', prim('string')),
  col(
    'site',
    struct(
      notNull('code', prim('string')),
      col(
        'sensors',
        array(
          struct(
            notNull('serial', prim('integer')),
            col(
              'reading',
              struct(
                notNull('temp', prim('double')),
                col('at', prim('timestamp')),
                col('tags', map(prim('string'), array(prim('short'), false), false)),
              ),
            ),
          ),
          false,
        ),
      ),
    ),
  ),
  col('amount', decimal(38, 10)),
);

const decoder = createJsonDecoder(SCHEMA);
const decode = (value: unknown): unknown[] =>
  decoder.decode(utf8(typeof value === 'string' ? value : JSON.stringify(value)));

describe('JSON records: structure', () => {
  it('decodes a full record three levels deep into column order', () => {
    const row = decode(
      '{"amount": "-1.5", "site": {"code": "X1", "sensors": [{"serial": 7, "reading": {"temp": 21.5, "at": "1700000000000000", "tags": {"a": [1, 2]}}}, {"serial": 8}]}, "id": 1}',
    );
    assert.deepEqual(row, [
      1n,
      null,
      {
        code: 'X1',
        sensors: [
          { serial: 7, reading: { temp: 21.5, at: 1700000000000000n, tags: new Map([['a', [1, 2]]]) } },
          { serial: 8, reading: null },
        ],
      },
      -15000000000n,
    ]);
    // Struct values are plain objects with every field present, in schema order.
    const site = row[2] as Record<string, unknown>;
    assert.deepEqual(Object.keys(site), ['code', 'sensors']);
    assert.equal(Object.getPrototypeOf(site), Object.prototype);
  });

  it('missing nullable columns are null; missing or null NOT NULL columns are rejected by name', () => {
    assert.deepEqual(decode({ id: 5 }), [5n, null, null, null]);
    assert.deepEqual(decode({ id: 5, name: null, site: null, amount: null }), [5n, null, null, null]);
    rejects(() => decode({ name: 'x' }), 'id', /^field "id": expected long \(NOT NULL\), got no value$/);
    rejects(() => decode({ id: null }), 'id', /expected long \(NOT NULL\), got null/);
    rejects(() => decode({ id: 1, site: {} }), 'site.code', /expected string \(NOT NULL\), got no value/);
    rejects(() => decode({ id: 1, site: { code: 'a', sensors: [{ serial: 1 }, {}] } }), 'site.sensors[1].serial');
    rejects(
      () => decode({ id: 1, site: { code: 'a', sensors: [{ serial: 1, reading: { temp: null } }] } }),
      'site.sensors[0].reading.temp',
      /got null/,
    );
  });

  it('rejects unknown keys at every level, naming the key', () => {
    rejects(
      () => decode({ id: 1, extra: 2 }),
      'extra',
      /unknown field: not a column of the table \(expected one of: id, name, site, amount\)/,
    );
    rejects(() => decode({ id: 1, site: { code: 'a', zone: 3 } }), 'site.zone', /not a field of site/);
    rejects(
      () =>
        decode({ id: 1, site: { code: 'a', sensors: [{ serial: 1 }, { serial: 2, reading: { temp: 1, hum: 2 } }] } }),
      'site.sensors[1].reading.hum',
      /not a field of site\.sensors\.element\.reading/,
    );
    rejects(() => decode({ id: 1, ID: 2 }), 'ID'); // case-sensitive
  });

  it('names the path of a bad value inside arrays and maps', () => {
    const record = (tags: unknown) => ({
      id: 1,
      site: { code: 'a', sensors: [{ serial: 1 }, { serial: 2 }, { serial: 3, reading: { temp: 0, tags } }] },
    });
    rejects(
      () => decode(record({ ok: [1], 'k"1': [1, 'x'] })),
      'site.sensors[2].reading.tags["k\\"1"][1]',
      /expected short/,
    );
    rejects(() => decode(record({ k: [1, null] })), 'site.sensors[2].reading.tags["k"][1]', /holds no nulls/);
    rejects(() => decode(record({ k: null })), 'site.sensors[2].reading.tags["k"]', /holds no null values/);
    rejects(() => decode({ id: 1, site: { code: 'a', sensors: [null] } }), 'site.sensors[0]', /holds no nulls/);
    rejects(
      () => decode({ id: 1, site: { code: 'a', sensors: {} } }),
      'site.sensors',
      /expected array<struct<serial:integer,reading:/,
    );
    rejects(
      () => decode({ id: 1, site: 'a' }),
      'site',
      /expected struct<code:string,sensors:.*> \(a JSON object\), got string "a"/,
    );
  });

  it('rejects records that are not a JSON object, not JSON, or not UTF-8', () => {
    for (const [text, message] of [
      ['[1]', /^expected a JSON object, got array \(1 item\)$/],
      ['null', /got null/],
      ['"x"', /got string "x"/],
      ['12345678901234567890', /got number 12345678901234567890/],
      ['{"id": 1', /record is not valid JSON/],
      ['{"id": 1} x', /record is not valid JSON/],
      ['{"id": 12345678901234567890,}', /record is not valid JSON/], // lossless path, too
      ['', /record is not valid JSON/],
    ] as const) {
      rejects(() => decode(text), undefined, message);
    }
    rejects(() => decoder.decode(new Uint8Array([0x7b, 0xff, 0x7d])), undefined, /not valid UTF-8/);
  });

  it('keeps 64-bit integers and 38-digit decimals exact through the lossless path', () => {
    const row = decode('{"id": 9223372036854775807, "amount": 1234567890123456789012345678.0123456789}');
    assert.equal(row[0], 9223372036854775807n);
    assert.equal(row[3], 12345678901234567890123456780123456789n);
    assert.equal(decode('{"id": -9223372036854775808}')[0], -9223372036854775808n);
    assert.equal(decode('{"id": 9007199254740993}')[0], 9007199254740993n);
    // A long number anywhere in the record switches the whole record to the lossless parser.
    const mixed = decode(
      '{"id": 3, "site": {"code": "c", "sensors": [{"serial": 1, "reading": {"temp": 0.1000000000000000055511151231257827}}]}}',
    );
    const site = mixed[2] as { sensors: { reading: { temp: number } }[] };
    assert.equal(site.sensors[0]?.reading.temp, 0.1);
  });

  it('gives the same result on the fast and the lossless path', () => {
    const plain =
      '{"id": 12, "name": "n", "amount": 0.25, "site": {"code": "c", "sensors": [{"serial": 3, "reading": {"temp": -1.5e2}}]}}';
    // The exponent forces the lossless path; the same record without it takes JSON.parse.
    const fast = decode(plain.replace('-1.5e2', '-150'));
    const lossless = decode(plain);
    assert.deepEqual(fast, lossless);
  });

  it('keeps the last value of a duplicated key on both paths (as JSON.parse does)', () => {
    assert.deepEqual(decode('{"id": 1, "id": 2}')[0], 2n);
    assert.deepEqual(decode('{"id": 1, "id": 1234567890123456789}')[0], 1234567890123456789n);
    assert.deepEqual(decode('{"id": 1234567890123456789, "id": 1}')[0], 1n);
  });

  it('treats keys that are Object.prototype names as ordinary fields', () => {
    const odd = createJsonDecoder(
      table(col('constructor', prim('string')), col('__proto__', prim('integer')), col('toString', prim('long'))),
    );
    assert.deepEqual(odd.decode(utf8('{}')), [null, null, null]);
    assert.deepEqual(odd.decode(utf8('{"__proto__": 5, "constructor": "c"}')), ['c', 5, null]);
    rejects(() => odd.decode(utf8('{"hasOwnProperty": 1}')), 'hasOwnProperty', /unknown field/);
    const nested = createJsonDecoder(table(col('s', struct(col('__proto__', prim('integer'))))));
    const value = nested.decode(utf8('{"s": {"__proto__": 1}}'))[0] as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value), ['__proto__']);
    assert.equal(Object.getOwnPropertyDescriptor(value, '__proto__')?.value, 1);
  });

  it('refuses map key types that JSON object keys cannot carry, at creation', () => {
    for (const keyType of [
      prim('date'),
      prim('double'),
      prim('boolean'),
      decimal(5, 2),
      struct(col('a', prim('string'))),
    ]) {
      mismatches(() => createJsonDecoder(table(col('m', map(keyType, prim('string'))))), 'm.key', /map keys of type/);
    }
    mismatches(
      () => createJsonDecoder(table(col('s', struct(col('inner', array(map(prim('binary'), prim('string')))))))),
      's.inner.element.key',
    );
    assert.ok(createJsonDecoder(table(col('m', map(prim('short'), prim('string'))))));
  });

  it('throws only RecordRejection for bad records (the stream fails with INVALID_ARGUMENT)', () => {
    for (const text of ['{"id": "x"}', '{"id": 1, "site": {"code": 5}}', '[]']) {
      assert.throws(
        () => decode(text),
        (e: unknown) => e instanceof RecordRejection && !(e instanceof SchemaMismatch),
      );
    }
  });
});
