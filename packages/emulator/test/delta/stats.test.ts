import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { schemaFromUcColumns } from '@zerobus/sdk/schema';
import { compareCodePoints, decimalNumber, fileStats, JsonNumber, statsJson } from '../../src/tables/delta/stats.js';
import { seeded } from './support.js';

function statsOf(typeText: string, values: unknown[]) {
  const schema = schemaFromUcColumns([{ name: 'c', type_text: typeText, nullable: true }]);
  return JSON.parse(statsJson(fileStats(schema, [values], values.length)));
}

describe('Delta file stats', () => {
  it('orders strings by UTF-8 bytes (code points), not UTF-16 units', () => {
    const words = ['\uFFFD', '\u{1F600}', 'a', '', '\uE000', 'ab', '\u{10FFFF}', 'é'];
    const byBytes = [...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual([...words].sort(compareCodePoints), byBytes);
    const s = statsOf('string', ['\u{1F600}', '\uFFFD']);
    assert.equal(s.minValues.c, '\uFFFD');
    assert.equal(s.maxValues.c, '\u{1F600}');
  });

  it('finds the byte-order bounds of strings with and without units past U+D7FF mixed', () => {
    const rand = seeded(42);
    const units = ['a', 'z', '\u00e9', '\uD7FF', '\uE000', '\uFFFD', '\u{1F600}', '\u{10FFFF}'];
    for (let round = 0; round < 200; round++) {
      const words = Array.from({ length: 1 + Math.floor(rand() * 12) }, () =>
        Array.from({ length: Math.floor(rand() * 4) }, () => units[Math.floor(rand() * units.length)]).join(''),
      );
      const byBytes = [...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      const s = statsOf('string', words);
      assert.equal(s.minValues.c, byBytes[0], JSON.stringify(words));
      assert.equal(s.maxValues.c, byBytes.at(-1), JSON.stringify(words));
    }
  });

  it('truncates long strings to 32 characters, keeping both bounds valid', () => {
    const long = `${'x'.repeat(31)}🌍yz`;
    const s = statsOf('string', [long]);
    assert.equal(s.minValues.c, `${'x'.repeat(31)}🌍`); // a prefix, not split inside the pair
    assert.equal(s.maxValues.c, `${'x'.repeat(31)}🌍\u{10FFFF}`);
    assert.ok(Buffer.compare(Buffer.from(s.maxValues.c), Buffer.from(long)) > 0);
    const exact = 'y'.repeat(32);
    assert.deepEqual([statsOf('string', [exact]).maxValues.c], [exact]);
  });

  it('widens timestamps to whole milliseconds and leaves out what the format cannot spell', () => {
    const s = statsOf('timestamp', [1_500n, -1n, 2_001n]);
    assert.equal(s.minValues.c, '1969-12-31T23:59:59.999Z');
    assert.equal(s.maxValues.c, '1970-01-01T00:00:00.003Z');
    const ntz = statsOf('timestamp_ntz', [0n]);
    assert.equal(ntz.maxValues.c, '1970-01-01T00:00:00.000');
    // Rounding the max up would pass year 9999; a date before year 1 has no spelling.
    assert.deepEqual(statsOf('timestamp', [253_402_300_799_999_001n]).maxValues, {});
    assert.deepEqual(statsOf('date', [-800_000, 0]).minValues, {});
    assert.deepEqual(statsOf('date', [-1, 0]).minValues, { c: '1969-12-31' });
  });

  it('writes longs and decimals as exact JSON numbers', () => {
    assert.equal(decimalNumber(1234n, 2).text, '12.34');
    assert.equal(decimalNumber(-5n, 3).text, '-0.005');
    assert.equal(decimalNumber(0n, 2).text, '0.00');
    assert.equal(decimalNumber(7n, 0).text, '7');
    assert.equal(
      statsJson({ a: 2n ** 63n - 1n, b: new JsonNumber('1.10'), c: [1, 'x'], d: undefined }),
      '{"a":9223372036854775807,"b":1.10,"c":[1,"x"]}',
    );
    assert.throws(() => statsJson({ a: Number.NaN }), /cannot hold NaN/);
    const schema = schemaFromUcColumns([{ name: 'd', type_text: 'decimal(20,3)', nullable: true }]);
    const text = statsJson(fileStats(schema, [[-123456789012345678901n, 5n]], 2));
    assert.match(text, /"minValues":\{"d":-123456789012345678\.901\}/);
  });

  it('bounds float columns by their float32 values', () => {
    const s = statsOf('float', [0.1, 0.2]);
    assert.equal(s.minValues.c, Math.fround(0.1));
    assert.equal(s.maxValues.c, Math.fround(0.2));
  });

  it('counts nulls of struct fields when the struct itself is null, and keeps __proto__ as a name', () => {
    const schema = schemaFromUcColumns([{ name: 's', type_text: 'struct<__proto__:int,b:binary>', nullable: true }]);
    const row = JSON.parse('{"__proto__": 4, "b": null}');
    const stats = fileStats(schema, [[row, null]], 2);
    assert.equal(statsJson(stats.nullCount), '{"s":{"__proto__":1,"b":2}}');
    assert.equal(statsJson(stats.minValues), '{"s":{"__proto__":4}}');
  });
});
