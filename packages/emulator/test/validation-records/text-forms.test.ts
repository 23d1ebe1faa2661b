/** The text helpers behind the JSON decoder: the lossless-path trigger, exact decimals, dates and timestamps, base64. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { daysFromCivil, parseDateText, parseDecimalText, parseTimestampText, toUnscaled } from '@zerobus/sdk/schema';
import fc from 'fast-check';
import { decodeBase64 } from '../../src/validation/base64.js';
import { mayLoseNumbers, type NumberText, parseJsonText, stringifyJson } from '../../src/validation/json-text.js';
import { utf8 } from './support/types.js';

/** A JSON number token: sign, integer part, fraction, exponent, of any length. */
const numberToken = fc
  .tuple(
    fc.boolean(),
    fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9][0-9]{0,25}$/)),
    fc.option(fc.stringMatching(/^[0-9]{1,25}$/), { nil: undefined }),
    fc.option(fc.stringMatching(/^[eE][+-]?[0-9]{1,3}$/), { nil: undefined }),
  )
  .map(
    ([neg, whole, fraction, exponent]) => `${neg ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}${exponent ?? ''}`,
  );

/** Tokens at the edges of the rule: 15/16/17 digits, around 2^53. */
const edgeToken = fc.constantFrom(
  '9007199254740991',
  '9007199254740992',
  '9007199254740993',
  '-9007199254740993',
  '1700000000123456',
  '9999999999999999',
  '1000000000000000',
  '12345678901234567',
  '123456789012345.6',
  '0.123456789012345',
  '0.1234567890123456',
);

const sameDecimal = (a: string, b: string) =>
  assert.deepEqual(parseDecimalText(a), parseDecimalText(b), `${a} vs ${b}`);

describe('the lossless-path trigger (mayLoseNumbers)', () => {
  it('whenever it says no, JSON.parse keeps every number token exactly', () => {
    fc.assert(
      fc.property(fc.oneof(numberToken, edgeToken), (token) => {
        const record = `{"a": [${token}]}`;
        if (mayLoseNumbers(utf8(record))) return;
        const parsed = (JSON.parse(record) as { a: number[] }).a[0] as number;
        sameDecimal(String(parsed), token);
      }),
      { numRuns: 5000 },
    );
  });

  it('triggers on long digit runs and exponents outside strings only', () => {
    assert.equal(mayLoseNumbers(utf8('{"a": 123456789012345}')), false); // 15 digits
    assert.equal(mayLoseNumbers(utf8('{"a": 1234567890123456}')), false); // 16 digits, below 2^53
    assert.equal(mayLoseNumbers(utf8('{"a": 9007199254740991}')), false); // 2^53 - 1
    assert.equal(mayLoseNumbers(utf8('{"a": 9007199254740992}')), true);
    assert.equal(mayLoseNumbers(utf8('{"a": [-9007199254740993]}')), true);
    assert.equal(mayLoseNumbers(utf8('9007199254740993')), true); // at the very end
    assert.equal(mayLoseNumbers(utf8('{"a": 12345678901234567}')), true);
    assert.equal(mayLoseNumbers(utf8('{"a": 1234567890123456.5}')), true);
    assert.equal(mayLoseNumbers(utf8('{"ts": 1700000000123456, "b": 2}')), false);
    assert.equal(mayLoseNumbers(utf8('{"a": 12345678.12345678}')), true); // 16 digits across the point
    assert.equal(mayLoseNumbers(utf8('{"a": 0.0000000000000001}')), true);
    assert.equal(mayLoseNumbers(utf8('{"a": 1e5}')), true);
    assert.equal(mayLoseNumbers(utf8('{"a": -2.5E-3}')), true);
    assert.equal(mayLoseNumbers(utf8('{"a": true, "b": false, "c": null, "d": -1.25}')), false);
    assert.equal(mayLoseNumbers(utf8('{"id": "12345678901234567890", "u": "550e8400-e29b-41d4"}')), false);
    assert.equal(mayLoseNumbers(utf8('{"s": "a\\"1e5\\\\", "n": 1}')), false); // escapes inside strings
    assert.equal(mayLoseNumbers(utf8('{"s": "a\\\\", "n": 1e5}')), true);
  });

  it('the lossless parser gives numbers as text, and stringifyJson writes them back as written', () => {
    const value = parseJsonText('{"a": [1, 12345678901234567890, -1.5e300], "b": {"c": null}}', true) as Record<
      string,
      unknown
    >;
    assert.deepEqual(
      (value.a as NumberText[]).map((n) => n.text),
      ['1', '12345678901234567890', '-1.5e300'],
    );
    assert.equal(stringifyJson(value), '{"a":[1,12345678901234567890,-1.5e300],"b":{"c":null}}');
    fc.assert(
      fc.property(fc.json(), (json) => {
        assert.equal(stringifyJson(parseJsonText(json, true)), json);
        assert.equal(stringifyJson(parseJsonText(json, false)), JSON.stringify(JSON.parse(json)));
      }),
    );
  });
});

describe('exact decimal text', () => {
  it('converts to the unscaled value without rounding', () => {
    const unscaled = (text: string, p: number, s: number) => {
      const parts = parseDecimalText(text);
      assert.ok(parts, text);
      return toUnscaled(parts, p, s);
    };
    assert.equal(unscaled('12.34', 10, 2), 1234n);
    assert.equal(unscaled('-0.001', 10, 3), -1n);
    assert.equal(unscaled('1.2300', 10, 2), 123n);
    assert.equal(unscaled('000123', 3, 0), 123n);
    assert.equal(unscaled('0.000', 1, 0), 0n);
    assert.equal(unscaled('-0', 1, 0), 0n);
    assert.equal(unscaled('1e2', 3, 0), 100n);
    assert.equal(unscaled('12345e-2', 5, 2), 12345n);
    assert.equal(unscaled('1.005', 10, 2), 'fraction');
    assert.equal(unscaled('1000', 3, 0), 'overflow');
    assert.equal(unscaled('1e99999999999999999999', 38, 0), 'overflow');
    assert.equal(unscaled('1e-99999999999999999999', 38, 10), 'fraction');
    assert.equal(unscaled('0e99999999999999999999', 38, 10), 0n);
    for (const bad of ['', '-', '.', '1..2', '1e', 'e5', '0x10', ' 1', '1 ', 'NaN', 'Infinity', '1,5']) {
      assert.equal(parseDecimalText(bad), undefined, bad);
    }
  });

  it('parses exactly what the decimal grammar allows (checked against a regular-expression reference)', () => {
    const grammar = /^([+-])?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;
    const reference = (text: string) => {
      const m = grammar.exec(text);
      if (!m) return undefined;
      const fraction = m[3] ?? m[4] ?? '';
      const digits = `${m[2] ?? ''}${fraction}`.replace(/^0+/, '');
      const trimmed = digits.replace(/0+$/, '');
      if (trimmed === '') return { negative: false, digits: '', exponent: 0 };
      const exponent = Number(m[5] ?? 0) - fraction.length + (digits.length - trimmed.length);
      return { negative: m[1] === '-', digits: trimmed, exponent };
    };
    const alphabet = fc.constantFrom(...'0123456789.-+eE x0'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: alphabet, maxLength: 12 }), numberToken), (text) => {
        assert.deepEqual(parseDecimalText(text), reference(text), text);
      }),
      { numRuns: 5000 },
    );
  });

  it('round-trips every unscaled value of decimal(38, s)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n }),
        fc.integer({ min: 0, max: 38 }),
        (u, s) => {
          const negative = u < 0n;
          const digits = (negative ? -u : u).toString().padStart(s + 1, '0');
          const text = `${negative ? '-' : ''}${s === 0 ? digits : `${digits.slice(0, -s)}.${digits.slice(-s)}`}`;
          assert.equal(toUnscaled(parseDecimalText(text)!, 38, s), u);
        },
      ),
    );
  });
});

describe('dates and timestamps', () => {
  it('days_from_civil agrees with Date.UTC over the supported years', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        (y, m, d) => {
          const date = new Date(0);
          date.setUTCFullYear(y, m - 1, d);
          assert.equal(daysFromCivil(y, m, d), Math.floor(date.getTime() / 86400000));
          const text = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
          assert.equal(parseDateText(text), daysFromCivil(y, m, d));
        },
      ),
    );
  });

  it('checks calendars strictly', () => {
    assert.equal(parseDateText('2000-02-29'), 11016);
    assert.equal(parseDateText('1900-02-29'), undefined);
    assert.equal(parseDateText('2024-04-31'), undefined);
    assert.equal(parseDateText('2024-00-10'), undefined);
    assert.equal(parseDateText('24-01-01'), undefined);
    assert.equal(parseDateText('2024-01-01T00:00:00Z'), undefined);
  });

  it('timestamps agree with Date.parse to the millisecond and keep microseconds', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 999 }),
        (date, micros) => {
          const iso = date.toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`);
          assert.equal(parseTimestampText(iso, true), BigInt(date.getTime()) * 1000n + BigInt(micros));
          assert.equal(parseTimestampText(iso.slice(0, -1), false), BigInt(date.getTime()) * 1000n + BigInt(micros));
        },
      ),
    );
    assert.equal(parseTimestampText('1970-01-01T01:00:00+01:00', true), 0n);
    assert.equal(parseTimestampText('1970-01-01T00:00:00-00:30', true), 1800000000n);
    assert.match(parseTimestampText('1970-01-01T00:00:00+24:00', true) as string, /invalid UTC offset/);
  });
});

describe('base64', () => {
  it('decodes what Buffer encodes, in both alphabets, with or without padding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const standard = Buffer.from(bytes).toString('base64');
        assert.deepEqual(decodeBase64(standard), bytes);
        assert.deepEqual(decodeBase64(standard.replace(/=+$/, '')), bytes);
        assert.deepEqual(decodeBase64(Buffer.from(bytes).toString('base64url')), bytes);
      }),
    );
    for (const bad of ['a', 'abcde', 'ab=c', 'ab===', '====', 'ab c', 'abc!', 'YQ==YQ=='])
      assert.equal(decodeBase64(bad), undefined, bad);
  });
});
