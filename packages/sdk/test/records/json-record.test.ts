import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidRecordError } from '../../src/errors.js';
import { createRecordEncoder } from '../../src/records/encoder.js';
import { assertRecordError } from './fixtures.js';

const json = createRecordEncoder('json', undefined);

const utf16 = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  maxLength: 90,
});
const utf16Key = fc.string({
  unit: fc.integer({ min: 0xd7fe, max: 0xe001 }).map((c) => String.fromCharCode(c)),
  maxLength: 3,
});

/** JSON values plus what JSON.stringify would drop or change: functions, symbols, undefined, lone surrogates, unsafe integers. */
const lossyValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer(),
      fc.constantFrom(2 ** 53, -(2 ** 60), 2 ** 64, undefined, () => 1, Symbol('s')),
      utf16Key,
      fc.string(),
    ),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(utf16Key, tie('value'), { maxKeys: 4 }),
  ),
})).value;

function holdsUnsafeInteger(value: unknown): boolean {
  if (typeof value === 'number') return Math.abs(value) > Number.MAX_SAFE_INTEGER && Math.abs(value) < 2 ** 64;
  if (typeof value === 'object' && value !== null) return Object.values(value).some(holdsUnsafeInteger);
  return false;
}

/** Whether JSON.stringify would drop or change something in `value` (an undefined property aside). */
function changedByJson(value: unknown, inArray = false): boolean {
  switch (typeof value) {
    case 'number':
      return holdsUnsafeInteger(value);
    case 'string':
      return !value.isWellFormed();
    case 'function':
    case 'symbol':
      return true;
    case 'undefined':
      return inArray;
    case 'object':
      if (value === null) return false;
      if (Array.isArray(value)) return value.some((item) => changedByJson(item, true));
      return Object.entries(value).some(([key, item]) => !key.isWellFormed() || changedByJson(item));
    default:
      return false;
  }
}

function withoutUndefinedProperties(value: unknown): unknown {
  if (typeof value === 'number') return Object.is(value, -0) ? 0 : value;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(withoutUndefinedProperties);
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .map(([key, item]) => [key, withoutUndefinedProperties(item)]),
  );
}
const text = (record: unknown, index = 0): string => Buffer.from(json.encode(record, index)).toString('utf8');

describe('JSON records', () => {
  it('serializes plain objects exactly as JSON.stringify does', () => {
    const record = {
      s: 'plain',
      q: 'quote " backslash \\ newline \n tab \t nul \u0000',
      u: 'ünïcødé 中文 😀',
      n: [0, -0, 1.5, -1e-7, 1e21, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 64, 1e300],
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
        fc.pre(!holdsUnsafeInteger(record)); // refused: see 'refuses integers a JS number cannot hold'
        assert.equal(text(record), JSON.stringify(record));
      }),
      { numRuns: 300 },
    );
  });

  it('matches JSON.stringify on records with long strings, where the SIMD escape scan runs (property)', () => {
    // Strings of 1-20 KB: mostly plain ASCII, with at most a few characters to escape or encode,
    // so that both answers of the scan (nothing to escape / something) are exercised at length.
    const rare = fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', 'é', '€', '😀', ' ', '~');
    const longString = fc
      .tuple(fc.integer({ min: 1024, max: 20_000 }), fc.array(fc.tuple(fc.nat(), rare), { maxLength: 3 }))
      .map(([length, inserts]) => {
        const chars = 'abcdefghijklmnopqrstuvwxyz0123456789'
          .repeat(Math.ceil(length / 36))
          .slice(0, length)
          .split('');
        for (const [at, c] of inserts) chars[at % length] = c;
        return chars.join('');
      });
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(longString, fc.integer(), fc.string())),
        (record) => {
          assert.equal(text(record), JSON.stringify(record));
        },
      ),
      { numRuns: 200, seed: 20 },
    );
  });

  it('refuses what JSON would change, and every record it takes round-trips through JSON.parse exactly (property)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.dictionary(utf16Key, lossyValue), (record) => {
        let out: string;
        try {
          out = text(record);
        } catch (error) {
          assert.ok(error instanceof InvalidRecordError, String(error));
          assert.ok(changedByJson(record), `refused a record JSON keeps as it is: ${error.message}`);
          return;
        }
        accepted++;
        // -0 is the one exception: JSON (and so the SDK) writes it as 0.
        assert.deepStrictEqual(JSON.parse(out), withoutUndefinedProperties(record));
        assert.equal(out, JSON.stringify(record));
      }),
      { numRuns: 1000 },
    );
    assert.ok(accepted > 100, `only ${accepted} of 1000 records accepted: the generator is too lossy to test much`);
  });

  it('escapes any well-formed UTF-16 string as JSON.stringify does, and refuses lone surrogates (property)', () => {
    fc.assert(
      fc.property(utf16, utf16, (key, value) => {
        const record = { [key]: value };
        if (key.isWellFormed() && value.isWellFormed()) {
          assert.equal(text(record), JSON.stringify(record));
        } else {
          const problem = key.isWellFormed() ? 'holds a lone surrogate' : 'has a key with a lone surrogate';
          assertRecordError(
            () => json.encode(record, 0),
            0,
            (key.isWellFormed() ? key : JSON.stringify(key).slice(1, -1)) || undefined,
            problem,
            'U+FFFD',
          );
        }
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
        if (value.isWellFormed() && record.after.isWellFormed()) assert.equal(text(record), JSON.stringify(record));
        else assert.throws(() => text(record), /lone surrogate/);
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

  it('follows JSON.stringify for dates, toJSON and undefined properties', () => {
    const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6));
    const record = {
      at: date,
      custom: { toJSON: (key: string) => `custom:${key}` },
      gone: undefined,
      dropped: { toJSON: () => undefined },
      list: [date, null],
    };
    assert.equal(text(record), JSON.stringify(record));
    assert.equal(
      text(record),
      '{"at":"2024-01-02T03:04:05.006Z","custom":"custom:custom","list":["2024-01-02T03:04:05.006Z",null]}',
    );
    // A record with its own toJSON (a protobufjs message, say) is serialized through it.
    assert.equal(text({ toJSON: () => ({ a: 1n }) }), '{"a":1}');
  });

  it('refuses functions, symbols and undefined in arrays, which JSON would drop or turn into null', () => {
    assertRecordError(
      () => json.encode({ a: { fn: () => 1 } }, 3),
      3,
      'a.fn',
      'is a function',
      'JSON.stringify would drop it',
    );
    assertRecordError(() => json.encode({ sym: Symbol('s') }, 0), 0, 'sym', 'is a symbol');
    assertRecordError(() => json.encode({ list: [1, undefined] }, 0), 0, 'list[1]', 'is undefined', 'pass null');
    // biome-ignore lint/suspicious/noSparseArray: a hole is read as undefined
    assertRecordError(() => json.encode({ list: [1, , 3] }, 0), 0, 'list[1]', 'is undefined (or a hole)');
    assertRecordError(() => json.encode({ list: [() => 1] }, 0), 0, 'list[0]', 'is a function');
    assertRecordError(() => json.encode({ list: [Symbol('x')] }, 0), 0, 'list[0]', 'is a symbol');
    assertRecordError(
      () => json.encode({ list: [{ toJSON: () => undefined }] }, 0),
      0,
      'list[0]',
      'toJSON() that returned undefined',
    );
    assertRecordError(() => json.encode({ m: new Map([['k', () => 1]]) }, 0), 0, 'm.k', 'is a function');
  });

  it('refuses integers a JS number cannot hold exactly, without a table schema, suggesting a bigint or text', () => {
    for (const value of [2 ** 53, -(2 ** 53), 2 ** 60, 1e18, -(2 ** 63), 2 ** 64 - 2 ** 12]) {
      assertRecordError(
        () => json.encode({ ids: [1, { id: value }] }, 2),
        2,
        'ids[1].id',
        'MAX_SAFE_INTEGER',
        'pass a bigint',
        'DOUBLE',
      );
    }
    // Safe integers, fractions and doubles no BIGINT can hold go out as JSON.stringify writes them.
    const fine = { a: 2 ** 53 - 1, b: -(2 ** 53 - 1), c: 2 ** 64, d: -1e300, e: 4503599627370495.5 };
    assert.equal(text(fine), JSON.stringify(fine));
    assert.equal(text({ id: 2n ** 60n }), '{"id":1152921504606846976}');
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
