/** JSON records: every column type's accepted forms, normalized values and rejections. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeltaType } from '@zerobus/sdk/schema';
import { createJsonDecoder } from '../../src/validation/index.js';
import { rejects } from './support/rejection.js';
import { array, col, decimal, map, prim, table, utf8 } from './support/types.js';

/** Decodes `{"v": <valueText>}` for a one-column table of `type`, returning the value. */
function one(type: DeltaType, valueText: string): unknown {
  const decoder = createJsonDecoder(table(col('v', type)));
  return decoder.decode(utf8(`{"v": ${valueText}}`))[0];
}

function bad(type: DeltaType, valueText: string, message?: RegExp): void {
  rejects(() => one(type, valueText), 'v', message);
}

describe('JSON record values by type', () => {
  it('byte, short, integer: integers within range', () => {
    assert.equal(one(prim('byte'), '-128'), -128);
    assert.equal(one(prim('byte'), '127'), 127);
    assert.equal(one(prim('short'), '-32768'), -32768);
    assert.equal(one(prim('short'), '32767'), 32767);
    assert.equal(one(prim('integer'), '-2147483648'), -2147483648);
    assert.equal(one(prim('integer'), '2147483647'), 2147483647);
    assert.equal(one(prim('integer'), '5.0'), 5); // integral value
    assert.ok(Object.is(one(prim('integer'), '-0'), 0));
    bad(prim('byte'), '128', /expected byte \(an integer from -128 to 127\), got number 128/);
    bad(prim('byte'), '-129', /got number -129/);
    bad(prim('short'), '32768', /expected short/);
    bad(prim('integer'), '2147483648', /expected integer/);
    bad(prim('integer'), '1.5', /got number 1\.5/);
    bad(prim('integer'), '"5"', /got string "5"/);
    bad(prim('integer'), 'true', /got boolean true/);
    bad(prim('integer'), '12345678901234567890', /got number 12345678901234567890/); // lossless path
  });

  it('long: integer numbers and decimal strings within int64, as bigint', () => {
    assert.equal(one(prim('long'), '42'), 42n);
    assert.equal(one(prim('long'), '9223372036854775807'), 9223372036854775807n);
    assert.equal(one(prim('long'), '-9223372036854775808'), -9223372036854775808n);
    assert.equal(one(prim('long'), '"9223372036854775807"'), 9223372036854775807n);
    assert.equal(one(prim('long'), '"-9223372036854775808"'), -9223372036854775808n);
    assert.equal(one(prim('long'), '9007199254740993'), 9007199254740993n); // 2^53 + 1: a double would say ...992
    assert.equal(one(prim('long'), '1e3'), 1000n);
    assert.equal(one(prim('long'), '"+7"'), 7n);
    bad(prim('long'), '9223372036854775808', /expected long/);
    bad(prim('long'), '-9223372036854775809', /expected long/);
    bad(prim('long'), '"9223372036854775808"', /expected long/);
    bad(prim('long'), '1.5', /got number 1\.5/);
    bad(prim('long'), '"1.5"', /got string "1\.5"/);
    bad(prim('long'), '"0x10"');
    bad(prim('long'), '" 5"');
    bad(prim('long'), '[]', /got array \(0 items\)/);
  });

  it('float and double: numbers, the special strings, float rounding and ranges', () => {
    assert.equal(one(prim('double'), '1.5'), 1.5);
    assert.equal(one(prim('double'), '-2'), -2);
    assert.equal(one(prim('double'), '0.30000000000000004'), 0.30000000000000004);
    assert.equal(one(prim('double'), '1e308'), 1e308);
    assert.ok(Number.isNaN(one(prim('double'), '"NaN"')));
    assert.equal(one(prim('double'), '"Infinity"'), Number.POSITIVE_INFINITY);
    assert.equal(one(prim('double'), '"-Infinity"'), Number.NEGATIVE_INFINITY);
    assert.equal(one(prim('float'), '0.1'), Math.fround(0.1));
    assert.equal(one(prim('float'), '3.4028234663852886e38'), 3.4028234663852886e38);
    assert.equal(one(prim('float'), '"-Infinity"'), Number.NEGATIVE_INFINITY);
    bad(prim('double'), '"hot"', /^field "v": expected double \(.*\), got string "hot"$/);
    bad(prim('double'), '"1.5"', /got string "1\.5"/);
    bad(prim('double'), '1e400', /within the double range/);
    bad(prim('float'), '3.5e38', /expected float within/);
    bad(prim('float'), '{}', /got object \{\}/);
  });

  it('boolean and string', () => {
    assert.equal(one(prim('boolean'), 'true'), true);
    assert.equal(one(prim('boolean'), 'false'), false);
    bad(prim('boolean'), '1', /expected boolean, got number 1/);
    bad(prim('boolean'), '"true"', /got string "true"/);
    assert.equal(one(prim('string'), '"héllo \\u00e9 \\ud83d\\ude00"'), 'héllo é 😀');
    assert.equal(one(prim('string'), '""'), '');
    bad(prim('string'), '5', /expected string, got number 5/);
    bad(prim('string'), '12345678901234567890', /got number 12345678901234567890/);
  });

  it('binary: base64 (standard or URL-safe, padding optional) to Uint8Array', () => {
    assert.deepEqual(one(prim('binary'), '"AAEC/w=="'), new Uint8Array([0, 1, 2, 255]));
    assert.deepEqual(one(prim('binary'), '"AAEC_w"'), new Uint8Array([0, 1, 2, 255]));
    assert.deepEqual(one(prim('binary'), '"aGk="'), utf8('hi'));
    assert.deepEqual(one(prim('binary'), '""'), new Uint8Array(0));
    const value = one(prim('binary'), '"aGk="');
    assert.equal(Object.getPrototypeOf(value), Uint8Array.prototype); // not a pooled Buffer
    bad(prim('binary'), '"hello world!"', /which is not base64/);
    bad(prim('binary'), '"abcde"', /not base64/); // 4n+1 characters
    bad(prim('binary'), '"ab=c"', /not base64/);
    bad(prim('binary'), '[1,2]', /expected binary \(a base64 string\), got array/);
  });

  it('date: integer days or YYYY-MM-DD', () => {
    assert.equal(one(prim('date'), '0'), 0);
    assert.equal(one(prim('date'), '-1'), -1);
    assert.equal(one(prim('date'), '19723'), 19723);
    assert.equal(one(prim('date'), '"1970-01-01"'), 0);
    assert.equal(one(prim('date'), '"2024-02-29"'), 19782);
    assert.equal(one(prim('date'), '"1969-12-31"'), -1);
    assert.equal(one(prim('date'), '"0001-01-01"'), -719162);
    assert.equal(one(prim('date'), '"9999-12-31"'), 2932896);
    bad(prim('date'), '"2023-02-29"', /not a valid date/);
    bad(prim('date'), '"2024-13-01"', /not a valid date/);
    bad(prim('date'), '"2024-1-01"', /not a valid date/);
    bad(prim('date'), '1.5', /expected date/);
    bad(prim('date'), '2147483648', /expected date/);
  });

  it('timestamp: integer microseconds (number or string) or ISO-8601 with an offset', () => {
    assert.equal(one(prim('timestamp'), '1700000000123456'), 1700000000123456n);
    assert.equal(one(prim('timestamp'), '"1700000000123456"'), 1700000000123456n);
    assert.equal(one(prim('timestamp'), '-1'), -1n);
    assert.equal(one(prim('timestamp'), '9223372036854775807'), 9223372036854775807n);
    assert.equal(one(prim('timestamp'), '"2023-11-14T22:13:20.123456Z"'), 1700000000123456n);
    assert.equal(one(prim('timestamp'), '"2023-11-15T00:13:20.123456+02:00"'), 1700000000123456n);
    assert.equal(one(prim('timestamp'), '"1969-12-31T23:59:59.999999Z"'), -1n);
    assert.equal(one(prim('timestamp'), '"2023-11-14 22:13:20Z"'), 1700000000000000n);
    assert.equal(one(prim('timestamp'), '"2023-11-14T22:13:20.123456000Z"'), 1700000000123456n);
    bad(prim('timestamp'), '"2023-11-14T22:13:20"', /has no UTC offset/);
    bad(prim('timestamp'), '"2023-11-14T22:13:20.1234567Z"', /more than microsecond precision/);
    bad(prim('timestamp'), '"2023-11-31T00:00:00Z"', /not a valid calendar date/);
    bad(prim('timestamp'), '"2023-11-14T24:00:00Z"', /not a valid time of day/);
    bad(prim('timestamp'), '"yesterday"', /not an ISO-8601 date-time/);
    bad(prim('timestamp'), '1.5', /expected timestamp/);
    bad(prim('timestamp'), '9223372036854775808', /outside the 64-bit range/);
  });

  it('timestamp_ntz: integer microseconds or ISO-8601 without an offset', () => {
    assert.equal(one(prim('timestamp_ntz'), '1700000000123456'), 1700000000123456n);
    assert.equal(one(prim('timestamp_ntz'), '"2023-11-14T22:13:20.123456"'), 1700000000123456n);
    assert.equal(one(prim('timestamp_ntz'), '"0001-01-01T00:00:00"'), -62135596800000000n);
    bad(prim('timestamp_ntz'), '"2023-11-14T22:13:20Z"', /timestamp_ntz.*has a UTC offset/);
  });

  it('decimal: exact from the text, scale and precision enforced, never rounded', () => {
    const d = decimal(10, 2);
    assert.equal(one(d, '12.34'), 1234n);
    assert.equal(one(d, '"12.34"'), 1234n);
    assert.equal(one(d, '-0.5'), -50n);
    assert.equal(one(d, '7'), 700n);
    assert.equal(one(d, '1.50'), 150n);
    assert.equal(one(d, '1.500'), 150n); // extra zeros are exact
    assert.equal(one(d, '"1.2e3"'), 120000n);
    assert.equal(one(d, '99999999.99'), 9999999999n);
    assert.equal(one(d, '0.1'), 10n); // 0.1 is not exact as a double: the text is used
    assert.equal(one(d, '"-.5"'), -50n);
    assert.equal(one(d, '0'), 0n);
    bad(d, '1.234', /expected decimal\(10,2\), got number 1\.234, which has more than 2 fractional digits/);
    bad(d, '"1.234"', /more than 2 fractional digits/);
    bad(d, '100000000', /more than 8 digits before the decimal point/);
    bad(d, '"1e9"', /more than 8 digits/);
    bad(d, '"1e999999999999999999"', /more than 8 digits/);
    bad(d, '"1e-999999999999999999"', /fractional digits/);
    bad(d, '"abc"', /expected decimal\(10,2\) \(a number or decimal string\), got string "abc"/);
    bad(d, 'true', /got boolean true/);
    assert.equal(one(decimal(5, 0), '-99999'), -99999n);
    bad(decimal(5, 0), '100000', /more than 5 digits/);
    assert.equal(one(decimal(3, 3), '0.999'), 999n);
    bad(decimal(3, 3), '1', /more than 0 digits before/);
  });

  it('decimal(38,10): all 38 digits kept, as a number or a string', () => {
    const d = decimal(38, 10);
    const max = '9999999999999999999999999999.9999999999';
    assert.equal(one(d, max), 99999999999999999999999999999999999999n);
    assert.equal(one(d, `-${max}`), -99999999999999999999999999999999999999n);
    assert.equal(one(d, `"${max}"`), 99999999999999999999999999999999999999n);
    assert.equal(one(d, '1234567890123456789012345678.0123456789'), 12345678901234567890123456780123456789n);
    assert.equal(one(d, '0.0000000001'), 1n);
    bad(d, '10000000000000000000000000000', /more than 28 digits/);
    bad(d, '0.00000000001', /more than 10 fractional digits/);
  });

  it('variant: JSON text kept as sent, other JSON values serialized exactly', () => {
    assert.equal(one(prim('variant'), '"{\\"a\\": 1}"'), '{"a": 1}');
    assert.equal(one(prim('variant'), '"null"'), 'null');
    assert.equal(one(prim('variant'), '"12345678901234567890"'), '12345678901234567890');
    assert.equal(one(prim('variant'), '{"a": [1, 2.5, "x", true, null]}'), '{"a":[1,2.5,"x",true,null]}');
    assert.equal(one(prim('variant'), '{"big": 12345678901234567890123}'), '{"big":12345678901234567890123}');
    assert.equal(one(prim('variant'), '1.5e300'), '1.5e300');
    assert.equal(one(prim('variant'), '[]'), '[]');
    assert.equal(one(prim('variant'), '7'), '7');
    assert.equal(one(prim('variant'), 'false'), 'false');
    assert.equal(one(prim('variant'), 'null'), null); // SQL NULL
    const deep = `${'['.repeat(200000)}${']'.repeat(200000)}`;
    bad(prim('variant'), deep, /nested too deeply/); // a rejection, not a stack overflow escaping
    bad(
      prim('variant'),
      '"{not json"',
      /expected variant \(JSON text, or any JSON value\), got string "\{not json", which is not valid JSON/,
    );
  });

  it('array: elements converted, nulls only when the type allows them', () => {
    assert.deepEqual(one(array(prim('long')), '[1, "2", null]'), [1n, 2n, null]);
    assert.deepEqual(one(array(prim('string')), '[]'), []);
    rejects(() => one(array(prim('long'), false), '[1, null]'), 'v[1]', /the array holds no nulls/);
    rejects(() => one(array(prim('integer')), '[1, 2, "x"]'), 'v[2]', /expected integer.*got string "x"/);
    bad(array(prim('integer')), '{"0": 1}', /expected array<integer>, got object \{0\}/);
  });

  it('map: keys converted from their text, values by type', () => {
    const m = one(map(prim('string'), prim('integer')), '{"a": 1, "b": null}');
    assert.deepEqual(
      m,
      new Map<unknown, unknown>([
        ['a', 1],
        ['b', null],
      ]),
    );
    const byInt = one(map(prim('integer'), prim('string')), '{"-5": "x", "0": "y", "2147483647": "z"}');
    assert.deepEqual(
      byInt,
      new Map([
        [-5, 'x'],
        [0, 'y'],
        [2147483647, 'z'],
      ]),
    );
    const byLong = one(map(prim('long'), prim('boolean')), '{"9223372036854775807": true}');
    assert.deepEqual(byLong, new Map([[9223372036854775807n, true]]));
    assert.deepEqual(one(map(prim('byte'), prim('byte')), '{}'), new Map());
    rejects(() => one(map(prim('integer'), prim('string')), '{"01": "x"}'), 'v["01"]', /integer map key/);
    rejects(() => one(map(prim('byte'), prim('string')), '{"128": "x"}'), 'v["128"]', /byte map key/);
    rejects(() => one(map(prim('long'), prim('string')), '{"x": "x"}'), 'v["x"]', /long map key/);
    rejects(
      () => one(map(prim('string'), prim('integer'), false), '{"k": null}'),
      'v["k"]',
      /the map holds no null values/,
    );
    rejects(() => one(map(prim('string'), prim('integer')), '{"k": "one"}'), 'v["k"]', /expected integer/);
    rejects(() => one(map(prim('string'), prim('integer')), '{"a\\"b": "one"}'), 'v["a\\"b"]');
    bad(
      map(prim('string'), prim('integer')),
      '[["a", 1]]',
      /expected map<string,integer> \(a JSON object\), got array/,
    );
  });
});
