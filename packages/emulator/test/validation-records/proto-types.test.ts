/** Protobuf records: every column type from every proto type it accepts, with ranges and exactness. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeltaType } from '@zerobus/sdk/schema';
import { createProtoDecoder } from '../../src/validation/index.js';
import { protoFixture } from './support/proto.js';
import { mismatches, rejects } from './support/rejection.js';
import { array, col, decimal, map, notNull, prim, struct, table } from './support/types.js';

const ENUM = 'enum Color { COLOR_UNSPECIFIED = 0; RED = 1; GREEN = 2; BIG = 1000; NEG = -1; }';

/** A table with one column `v` of `column`, and a message `Row { optional <protoType> v = 1; }`. */
function single(protoType: string, column: DeltaType, label = 'optional') {
  const fixture = protoFixture(`message Row { ${ENUM} ${label} ${protoType} v = 1; }`);
  const decoder = createProtoDecoder(table(col('v', column)), fixture.descriptor);
  return {
    decoder,
    value: (v: unknown): unknown => decoder.decode(fixture.encode({ v }))[0],
    bad: (v: unknown, message?: RegExp) => rejects(() => decoder.decode(fixture.encode({ v })), 'v', message),
  };
}

function refuses(protoType: string, column: DeltaType, message?: RegExp) {
  const fixture = protoFixture(`message Row { ${ENUM} optional ${protoType} v = 1; }`);
  mismatches(() => createProtoDecoder(table(col('v', column)), fixture.descriptor), 'v', message);
}

describe('proto record values by type', () => {
  it('byte/short/integer from every 32-bit integer type, range-checked', () => {
    for (const t of ['int32', 'sint32', 'sfixed32']) {
      const byte = single(t, prim('byte'));
      assert.equal(byte.value(-128), -128);
      assert.equal(byte.value(127), 127);
      byte.bad(128, /expected byte \(an integer from -128 to 127\), got 128/);
      byte.bad(-129, /got -129/);
      const short = single(t, prim('short'));
      assert.equal(short.value(-32768), -32768);
      short.bad(32768, /expected short/);
      const int = single(t, prim('integer'));
      assert.equal(int.value(-2147483648), -2147483648);
      assert.equal(int.value(2147483647), 2147483647);
    }
    for (const t of ['uint32', 'fixed32']) {
      const int = single(t, prim('integer'));
      assert.equal(int.value(2147483647), 2147483647);
      int.bad(2147483648, /expected integer \(an integer from -2147483648 to 2147483647\), got 2147483648/);
      int.bad(4294967295, /got 4294967295/);
      assert.equal(single(t, prim('byte')).value(127), 127);
    }
    assert.equal(single('Color', prim('integer')).value(1000), 1000);
    assert.equal(single('Color', prim('short')).value(-1), -1);
    single('Color', prim('byte')).bad(1000, /expected byte/);
    refuses(
      'int64',
      prim('integer'),
      /expected a field of type int32, sint32, sfixed32, uint32, fixed32 or enum for integer, got int64 field "v" \(number 1\)/,
    );
    refuses('double', prim('byte'));
    refuses('string', prim('short'));
  });

  it('long from the int64 family (exact at both ends), 32-bit types and enums', () => {
    for (const t of ['int64', 'sint64', 'sfixed64']) {
      const long = single(t, prim('long'));
      assert.equal(long.value('9223372036854775807'), 9223372036854775807n);
      assert.equal(long.value('-9223372036854775808'), -9223372036854775808n);
      assert.equal(long.value('-1'), -1n);
      assert.equal(long.value('0'), 0n);
      assert.equal(long.value('9007199254740993'), 9007199254740993n);
      assert.equal(long.value('-9007199254740993'), -9007199254740993n);
      assert.equal(long.value('4294967296'), 4294967296n);
    }
    for (const t of ['uint64', 'fixed64']) {
      const long = single(t, prim('long'));
      assert.equal(long.value('9223372036854775807'), 9223372036854775807n);
      assert.equal(long.value('12345'), 12345n);
      long.bad('9223372036854775808', /expected long \(a 64-bit integer\), got 9223372036854775808/);
      long.bad('18446744073709551615', /got 18446744073709551615/);
    }
    for (const t of ['int32', 'sint32', 'sfixed32', 'uint32', 'fixed32']) {
      assert.equal(single(t, prim('long')).value(2147483647), 2147483647n);
    }
    assert.equal(single('int32', prim('long')).value(-5), -5n);
    assert.equal(single('uint32', prim('long')).value(4294967295), 4294967295n);
    assert.equal(single('Color', prim('long')).value(2), 2n);
    refuses('double', prim('long'));
    refuses('string', prim('long'), /for long, got string field "v"/);
  });

  it('date from signed 32-bit types; timestamps from the int64 family, as bigint microseconds', () => {
    for (const t of ['int32', 'sint32', 'sfixed32']) {
      const date = single(t, prim('date'));
      assert.equal(date.value(19723), 19723);
      assert.equal(date.value(-719162), -719162);
    }
    refuses('uint32', prim('date'));
    refuses('int64', prim('date'));
    for (const name of ['timestamp', 'timestamp_ntz'] as const) {
      for (const t of ['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']) {
        const ts = single(t, prim(name));
        assert.equal(ts.value('1700000000123456'), 1700000000123456n);
        assert.equal(ts.value('9223372036854775807'), 9223372036854775807n);
      }
      assert.equal(single('int64', prim(name)).value('-62135596800000000'), -62135596800000000n);
      single('uint64', prim(name)).bad('9223372036854775808', new RegExp(`expected ${name}`));
      refuses('int32', prim(name), /microseconds since the epoch/);
      refuses('string', prim(name));
    }
  });

  it('float from float only; double from double or float', () => {
    const float = single('float', prim('float'));
    assert.equal(float.value(0.1), Math.fround(0.1));
    assert.equal(float.value(3.4028234663852886e38), 3.4028234663852886e38);
    assert.ok(Number.isNaN(float.value(Number.NaN)));
    assert.equal(float.value(Number.NEGATIVE_INFINITY), Number.NEGATIVE_INFINITY);
    refuses('double', prim('float'), /expected a field of type float for float, got double field/);
    const double = single('double', prim('double'));
    assert.equal(double.value(0.30000000000000004), 0.30000000000000004);
    assert.equal(double.value(-1e308), -1e308);
    assert.equal(double.value(5e-324), 5e-324);
    assert.equal(single('float', prim('double')).value(0.1), Math.fround(0.1));
    refuses('int32', prim('double'));
  });

  it('boolean, string, variant, binary', () => {
    const bool = single('bool', prim('boolean'));
    assert.equal(bool.value(true), true);
    assert.equal(bool.value(false), false);
    refuses('int32', prim('boolean'));
    const string = single('string', prim('string'));
    assert.equal(string.value('héllo 😀'), 'héllo 😀');
    assert.equal(string.value(''), '');
    assert.equal(string.value('x'.repeat(1000)), 'x'.repeat(1000));
    assert.equal(single('Color', prim('string')).value(2), 'GREEN');
    refuses('bytes', prim('string'), /expected a field of type string or enum for string, got bytes field/);
    const variant = single('string', prim('variant'));
    assert.equal(variant.value('{"a": [1, 12345678901234567890]}'), '{"a": [1, 12345678901234567890]}');
    variant.bad('{oops', /expected variant \(JSON text\), got "\{oops", which is not valid JSON/);
    refuses('bytes', prim('variant'));
    const binary = single('bytes', prim('binary'));
    const bytes = binary.value(new Uint8Array([0, 1, 255])) as Uint8Array;
    assert.deepEqual(bytes, new Uint8Array([0, 1, 255]));
    assert.equal(bytes.buffer.byteLength, 3); // a copy, not a view into the payload
    assert.deepEqual(binary.value(new Uint8Array(0)), new Uint8Array(0));
    refuses('string', prim('binary'));
  });

  it('decimal from decimal text (exact) or integers (scaled)', () => {
    const text = single('string', decimal(38, 10));
    assert.equal(text.value('9999999999999999999999999999.9999999999'), 99999999999999999999999999999999999999n);
    assert.equal(text.value('-9999999999999999999999999999.9999999999'), -99999999999999999999999999999999999999n);
    assert.equal(text.value('1234567890123456789012345678.0123456789'), 12345678901234567890123456780123456789n);
    assert.equal(text.value('0.1'), 1000000000n);
    text.bad('0.00000000001', /more than 10 fractional digits \(values are not rounded\)/);
    text.bad('99999999999999999999999999999', /more than 28 digits before the decimal point/);
    text.bad('twelve', /expected decimal\(38,10\) as decimal text, got "twelve"/);
    text.bad('', /got ""/);
    for (const t of ['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']) {
      const int = single(t, decimal(20, 2));
      assert.equal(int.value('123'), 12300n);
      assert.equal(int.value('999999999999999999'), 99999999999999999900n);
    }
    assert.equal(single('int64', decimal(20, 2)).value('-5'), -500n);
    single('int64', decimal(5, 2)).bad(
      '1000',
      /expected decimal\(5,2\), got 1000, which has more than 3 digits before the decimal point/,
    );
    single('sint32', decimal(5, 2)).bad(-1000, /got -1000/);
    assert.equal(single('int32', decimal(5, 2)).value(-999), -99900n);
    assert.equal(single('int32', decimal(10, 0)).value(2147483647), 2147483647n);
    refuses('double', decimal(10, 2), /string \(decimal text\) or an integer type/);
    refuses('float', decimal(10, 2));
    refuses('bytes', decimal(10, 2));
  });

  it('enums: unknown numbers are rejected', () => {
    const fixture = protoFixture(`message Row { ${ENUM} optional int32 v = 1; }`);
    const asEnum = protoFixture(`message Row { ${ENUM} optional Color v = 1; }`);
    const decoder = createProtoDecoder(table(col('v', prim('string'))), asEnum.descriptor);
    rejects(
      () => decoder.decode(fixture.encode({ v: 7 })),
      'v',
      /expected a value of enum Row\.Color, got unknown number 7/,
    );
    const numbers = createProtoDecoder(table(col('v', prim('integer'))), asEnum.descriptor);
    rejects(() => numbers.decode(fixture.encode({ v: 7 })), 'v', /unknown number 7/);
    assert.equal(numbers.decode(fixture.encode({ v: -1 }))[0], -1);
  });

  it('array from repeated fields, packed or not; map from map fields; struct from messages', () => {
    const fixture = protoFixture(`
      message Row {
        repeated sint64 packed = 1 [packed = true];
        repeated int32 unpacked = 2 [packed = false];
        repeated string names = 3;
        repeated Point points = 4;
        map<string, int64> counts = 5;
        map<int32, Point> by_id = 6;
        map<int64, string> by_long = 7;
        optional Point where = 8;
        repeated double ratios = 9;
        message Point { required double x = 1; optional double y = 2; }
      }`);
    const point = struct(notNull('x', prim('double')), col('y', prim('double')));
    const decoder = createProtoDecoder(
      table(
        col('packed', array(prim('long'))),
        col('unpacked', array(prim('integer'))),
        col('names', array(prim('string'))),
        col('points', array(point)),
        col('counts', map(prim('string'), prim('long'))),
        col('by_id', map(prim('integer'), point)),
        col('by_long', map(prim('long'), prim('string'))),
        col('where', point),
        col('ratios', array(prim('double'))),
      ),
      fixture.descriptor,
    );
    const row = decoder.decode(
      fixture.encode({
        packed: ['-9223372036854775808', '1', '9223372036854775807'],
        unpacked: [1, -2, 3],
        names: ['a', ''],
        points: [{ x: 1, y: 2 }, { x: 3 }],
        counts: { a: '9223372036854775807', b: '-1' },
        by_id: { '-7': { x: 1.5 } },
        by_long: { '9223372036854775807': 'max' },
        where: { x: 0.5, y: -0.5 },
        ratios: [0.5, 0.25],
      }),
    );
    assert.deepEqual(row, [
      [-9223372036854775808n, 1n, 9223372036854775807n],
      [1, -2, 3],
      ['a', ''],
      [
        { x: 1, y: 2 },
        { x: 3, y: null },
      ],
      new Map([
        ['a', 9223372036854775807n],
        ['b', -1n],
      ]),
      new Map([[-7, { x: 1.5, y: null }]]),
      new Map([[9223372036854775807n, 'max']]),
      { x: 0.5, y: -0.5 },
      [0.5, 0.25],
    ]);
    // Repeated fields without elements are empty, never null.
    assert.deepEqual(decoder.decode(new Uint8Array(0)), [[], [], [], [], new Map(), new Map(), new Map(), null, []]);
  });
});
