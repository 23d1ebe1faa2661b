import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createRecordEncoder } from '../../src/records/encoder.js';
import { assertRecordError } from './fixtures.js';

const json = createRecordEncoder('json', undefined);
const text = (record: unknown, index = 0): string => Buffer.from(json.encode(record, index)).toString('utf8');

describe('JSON records', () => {
  it('serializes plain objects exactly as JSON.stringify does', () => {
    const record = {
      s: 'plain',
      q: 'quote " backslash \\ newline \n tab \t nul \u0000',
      u: 'ünïcødé 中文 😀',
      n: [0, -0, 1.5, -1e-7, 1e21, 2 ** 53],
      b: [true, false, null],
      nested: { deep: { deeper: [{}, []] } },
      '': 'empty key',
      'key "quoted"': 1,
      2: 'integer-like keys come first',
    };
    assert.equal(text(record), JSON.stringify(record));
  });

  it('matches JSON.stringify for random JSON objects (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue()), (record) => {
        assert.equal(text(record), JSON.stringify(record));
      }),
      { numRuns: 300 },
    );
  });

  it('escapes any UTF-16 string, lone surrogates included, as JSON.stringify does (property)', () => {
    const utf16 = fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      maxLength: 90,
    });
    fc.assert(
      fc.property(utf16, utf16, (key, value) => {
        const record = { [key]: value };
        assert.equal(text(record), JSON.stringify(record));
      }),
      { numRuns: 500 },
    );
  });

  it('escapes long mostly-ASCII strings with rare specials anywhere, as JSON.stringify does (property)', () => {
    // Long strings take the word-at-a-time escape scan: specials at every alignment and position.
    const special = fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', 'é', '中', '😀', '\ud800', '\udfff', '\u007f');
    const long = fc
      .tuple(fc.integer({ min: 65, max: 3000 }), fc.array(fc.tuple(fc.nat(), special), { maxLength: 4 }))
      .map(([length, specials]) => {
        const chars = 'a'.repeat(length).split('');
        for (const [at, c] of specials) chars[at % length] = c;
        return chars.join('');
      });
    fc.assert(
      fc.property(fc.string({ maxLength: 3 }), long, (prefix, value) => {
        const record = { [prefix]: value, after: value.slice(0, 70) };
        assert.equal(text(record), JSON.stringify(record));
      }),
      { numRuns: 500 },
    );
  });

  it('writes bigint as exact number literals (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }), (value) => {
        const out = text({ id: value, nested: [{ v: value }] });
        const match = /^\{"id":(-?\d+),"nested":\[\{"v":(-?\d+)\}\]\}$/.exec(out);
        assert.ok(match, out);
        assert.equal(BigInt(match[1]!), value);
        assert.equal(BigInt(match[2]!), value);
      }),
    );
    assert.equal(text({ big: 9007199254740993n }), '{"big":9007199254740993}');
  });

  it('writes Uint8Array and Buffer as base64 (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const parsed = JSON.parse(text({ raw: bytes, buf: Buffer.from(bytes) }));
        assert.deepEqual(new Uint8Array(Buffer.from(parsed.raw, 'base64')), bytes);
        assert.equal(parsed.buf, parsed.raw);
      }),
    );
    const view = new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4);
    assert.equal(text({ raw: view }), '{"raw":"AQID"}');
  });

  it('follows JSON.stringify for dates, toJSON, undefined, functions and symbols', () => {
    const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6));
    const record = {
      at: date,
      custom: { toJSON: (key: string) => `custom:${key}` },
      gone: undefined,
      fn: () => 1,
      sym: Symbol('s'),
      dropped: { toJSON: () => undefined },
      list: [undefined, () => 1, Symbol('x'), { toJSON: () => undefined }],
    };
    assert.equal(text(record), JSON.stringify(record));
    assert.equal(
      text(record),
      '{"at":"2024-01-02T03:04:05.006Z","custom":"custom:custom","list":[null,null,null,null]}',
    );
    // A record with its own toJSON (a protobufjs message, say) is serialized through it.
    assert.equal(text({ toJSON: () => ({ a: 1n }) }), '{"a":1}');
  });

  it('writes Map as an object and Set as an array, instead of {}', () => {
    assert.equal(
      text({
        m: new Map<unknown, unknown>([
          ['a', 1],
          [2, new Set([1, 'x'])],
        ]),
      }),
      '{"m":{"a":1,"2":[1,"x"]}}',
    );
    assert.equal(text(new Map([['top', true]])), '{"top":true}');
  });

  it('serializes class instances by their own enumerable properties', () => {
    class Point {
      x = 1;
      y = 2;
      get sum() {
        return this.x + this.y;
      }
    }
    assert.equal(text({ p: new Point() }), '{"p":{"x":1,"y":2}}');
    assert.equal(text(Object.assign(Object.create(null), { a: 1 })), '{"a":1}');
  });

  it('refuses non-finite numbers, naming the field path', () => {
    const record = { payload: { items: [{ value: 1 }, { value: 2 }, { value: Number.NaN }] } };
    assertRecordError(() => json.encode(record, 7), 7, 'payload.items[2].value', 'is NaN, which JSON cannot represent');
    assertRecordError(() => json.encode({ a: [Number.POSITIVE_INFINITY] }, 0), 0, 'a[0]', 'Infinity');
    assertRecordError(() => json.encode({ m: new Map([['k', -Infinity]]) }, 0), 0, 'm.k', '-Infinity');
  });

  it('refuses circular structures and invalid dates, naming the field path', () => {
    const record: Record<string, unknown> = { a: { b: [{}] } };
    ((record.a as { b: object[] }).b[0] as Record<string, unknown>).loop = record.a;
    assertRecordError(() => json.encode(record, 1), 1, 'a.b[0].loop', 'circular');
    const shared = { x: 1 };
    assert.equal(text({ one: shared, two: shared }), '{"one":{"x":1},"two":{"x":1}}'); // repeated, not circular
    assertRecordError(() => json.encode({ when: new Date(Number.NaN) }, 2), 2, 'when', 'invalid Date');
    assertRecordError(() => json.encode({ f: new Float64Array(2) }, 2), 2, 'f', 'Float64Array', 'only Uint8Array');
  });

  it('requires the record to be an object', () => {
    for (const [record, kind] of [
      [[1, 2], 'got array'],
      [new Set([1]), 'got Set'],
    ] as const) {
      assertRecordError(() => json.encode(record, 3), 3, undefined, `a JSON record must be an object, ${kind}`);
    }
    for (const record of [null, undefined, 5, 5n, true, new Uint8Array(2), Buffer.from('{}')]) {
      assertRecordError(() => json.encode(record, 3), 3, undefined, 'a JSON stream takes objects or JSON strings');
    }
    assertRecordError(() => json.encode(new Date(0), 3), 3, undefined, 'must be an object, got Date');
    assertRecordError(() => json.encode({ toJSON: () => [1] }, 3), 3, undefined, 'got array from its toJSON()');
  });

  it('accepts strings that are JSON objects and sends them unchanged', () => {
    const exact = '{"id": 12345678901234567890, "s": "ü"}';
    assert.equal(text(exact), exact);
    assertRecordError(() => json.encode('{"a":}', 3), 3, undefined, /^record 3 is not valid JSON: .*Unexpected token/);
    assertRecordError(() => json.encode('{"a": 1', 3), 3, undefined, 'is not valid JSON', 'position 7');
    assertRecordError(() => json.encode('[1]', 3), 3, undefined, 'a JSON record must be an object, got array');
    assertRecordError(() => json.encode('null', 3), 3, undefined, 'got null');
    assertRecordError(() => json.encode('"str"', 3), 3, undefined, 'got string');
    const long = assertRecordError(
      () => json.encode(`{"k": "${'x'.repeat(10_000)}" oops}`, 0),
      0,
      undefined,
      'not valid JSON',
    );
    assert.ok(long.message.length < 250, long.message);
  });

  it('gives JSON text back as the user record', () => {
    const payload = json.encode({ a: 'ü', b: 1n }, 0);
    assert.equal(json.toUserRecord(payload), '{"a":"ü","b":1}');
    assert.equal(json.descriptorProto, undefined);
  });

  it('survives a toJSON that encodes another record while it runs', () => {
    const inner = { toJSON: () => text({ inner: [1, 2] }) };
    assert.equal(
      text({ outer: inner, after: 'x'.repeat(2000) }),
      JSON.stringify({ outer: '{"inner":[1,2]}', after: 'x'.repeat(2000) }),
    );
  });

  it('grows its buffer for large records and stays correct afterwards', () => {
    const big = { rows: Array.from({ length: 5000 }, (_, i) => ({ i, s: `row ${i} ✓` })) };
    assert.equal(text(big), JSON.stringify(big));
    assert.equal(text({ small: 1 }), '{"small":1}');
  });
});
