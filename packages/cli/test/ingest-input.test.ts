/**
 * The ingest input layer without processes or servers: exact JSON numbers, NDJSON lines across
 * chunk boundaries, CSV positions and conversions, and offsets mapped back to input positions.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { parseTypeText, type TableSchema } from '@zerobus/sdk/schema';
import { csvRowCoercer, InputError, jsonRecordCoercer } from '../src/ingest/coerce.js';
import { parseExactJson, RawNumber } from '../src/ingest/exact-json.js';
import { OrdinalMap } from '../src/ingest/pump.js';
import { csvSource, type InputItem, type InputSource, LocatedInputError, ndjsonSource } from '../src/ingest/sources.js';

function schema(columns: Record<string, string>): TableSchema {
  return {
    fields: Object.entries(columns).map(([name, type]) => ({ name, type: parseTypeText(type), nullable: true })),
  };
}

async function collect(source: InputSource): Promise<{ items: InputItem[]; error?: unknown }> {
  const items: InputItem[] = [];
  try {
    for await (const batch of source.items()) items.push(...batch);
    return { items };
  } catch (error) {
    return { items, error };
  }
}

const chunks = (...parts: string[]) => Readable.from(parts.map((p) => Buffer.from(p)));

describe('parseExactJson', () => {
  it('keeps integers beyond 2^53 as bigints and long fractions as text, and leaves the rest to JSON.parse', () => {
    assert.deepEqual(parseExactJson('{"a":1,"b":"12345678901234567890"}'), {
      value: { a: 1, b: '12345678901234567890' },
      exact: false,
    });
    assert.deepEqual(parseExactJson('{"a":0.14285714285714285,"b":9007199254740991}'), {
      value: { a: 0.14285714285714285, b: 9007199254740991 },
      exact: false,
    });
    const { value, exact } = parseExactJson(
      '[9007199254740993,-12345678901234567890,1234567890123456.1234,{"x":[1e400]}]',
    );
    assert.equal(exact, true);
    assert.deepEqual(value, [
      9007199254740993n,
      -12345678901234567890n,
      new RawNumber('1234567890123456.1234'),
      { x: [Infinity] },
    ]);
    assert.throws(() => parseExactJson('{"a":12345678901234567890'), SyntaxError);
  });
});

describe('jsonRecordCoercer', () => {
  it('gives each column what the SDK takes: doubles, exact decimal text, bytes from base64', () => {
    const coerce = jsonRecordCoercer(
      schema({ d: 'double', m: 'decimal(30,4)', b: 'binary', v: 'variant', n: 'bigint' }),
    );
    const { value } = parseExactJson(
      '{"d":12345678901234567890,"m":1234567890123456.1234,"b":"aGk=","v":{"k":0.12345678901234567891},"n":12345678901234567890,"x":1.00000000000000000001}',
    );
    assert.deepEqual(coerce(value, true), {
      d: Number('12345678901234567890'),
      m: '1234567890123456.1234',
      b: Buffer.from('hi'),
      v: { k: 0.12345678901234568 },
      n: 12345678901234567890n,
      x: 1,
    });
    assert.throws(
      () => coerce({ b: 'not base64!' }, false),
      (error: unknown) =>
        error instanceof InputError && error.message === 'field "b": expected BINARY as base64 text, got "not base64!"',
    );
  });
});

describe('csvRowCoercer', () => {
  it('converts cells per column type, matches header names ignoring case, and keeps unknown columns for the SDK to refuse', () => {
    const coerce = csvRowCoercer(
      schema({
        i: 'int',
        l: 'bigint',
        f: 'float',
        b: 'boolean',
        d: 'date',
        s: 'string',
        a: 'array<struct<x:int>>',
        t: 'timestamp',
      }),
      ['I', 'l', 'f', 'b', 'd', 's', 'a', 't', 'extra'],
    );
    assert.deepEqual(
      coerce([' 42 ', '12345678901234567890', '-1.5e3', 'TRUE', '19000', '', '[{"x":1}]', '2024-01-01T00:00:00Z', 'e']),
      {
        i: 42,
        l: 12345678901234567890n,
        f: -1500,
        b: true,
        d: 19000,
        s: '',
        a: [{ x: 1 }],
        t: '2024-01-01T00:00:00Z',
        extra: 'e',
      },
    );
    // Unquoted empty cells (null) are not set; text that is no number is left for the SDK's message.
    assert.deepEqual(coerce([null, 'x', 'inf', '0', '2024-02-03', null, null, null, null]), {
      l: 'x',
      f: Infinity,
      b: false,
      d: '2024-02-03',
    });
    assert.throws(
      () => coerce(['1', '1', '1', '1', '1', '1', '[1,', '', '']),
      (error: unknown) => error instanceof InputError && /^field "a": expected ARRAY as JSON text/.test(error.message),
    );
  });
});

describe('ndjsonSource', () => {
  const options = { name: 'in', schema: schema({ id: 'bigint' }), totalBytes: undefined };

  it('splits lines across chunks (CRLF, byte order mark, a last line without newline), with byte positions', async () => {
    const input = chunks('\ufeff{"id":1}\r', '\n{"id"', ':2}\n\n{"id":', '3', '}');
    const source = ndjsonSource(input, { ...options, skip: 0 });
    const { items, error } = await collect(source);
    assert.equal(error, undefined);
    assert.deepEqual(
      items.map((i) => [i.ordinal, i.raw, i.bytesRead]),
      [
        [1, '{"id":1}', 13],
        [2, '{"id":2}', 22],
        [3, '', 23],
        [4, '{"id":3}', 31],
      ],
    );
    assert.deepEqual(
      items.map((i) => source.decode(i)),
      [{ id: 1 }, { id: 2 }, undefined, { id: 3 }],
    );
  });

  it('skips lines without decoding them and knows how many bytes it skipped', async () => {
    const source = ndjsonSource(chunks('not json\n', '{"id":2}\n{"id":3}\n'), { ...options, skip: 1 });
    const { items } = await collect(source);
    assert.deepEqual(
      items.map((i) => i.ordinal),
      [2, 3],
    );
    assert.equal(source.skippedBytes, 9);
  });
});

describe('csvSource', () => {
  const options = { name: 'in.csv', schema: schema({ a: 'int', b: 'string' }), totalBytes: undefined };

  it('numbers data rows, with the line each starts on, and keeps the rows before a syntax error', async () => {
    const input = chunks('a,b\n1,x\n\n2,"two\nlines"\n3,y\n4,"un', 'closed\n');
    const { items, error } = await collect(csvSource(input, { ...options, skip: 1 }));
    assert.deepEqual(
      items.map((i) => [i.ordinal, i.line, i.raw]),
      [
        [2, 4, ['2', 'two\nlines']],
        [3, 6, ['3', 'y']],
      ],
    );
    assert.ok(error instanceof LocatedInputError);
    assert.equal(error.ordinal, 4);
    assert.equal(error.line, 7);
    assert.match(error.reason, /^not valid CSV: Quote Not Closed/);
  });

  it('reads on past a row with too many or too few cells: that row alone is bad', async () => {
    const source = csvSource(chunks('a,b\n1,x\n2,y,extra\n3\n4,z\n'), { ...options, skip: 0 });
    const { items, error } = await collect(source);
    assert.equal(error, undefined);
    assert.deepEqual(
      items.map((i) => i.ordinal),
      [1, 2, 3, 4],
    );
    assert.deepEqual(source.decode(items[3]!), { a: 4, b: 'z' });
    for (const [i, cells] of [
      [1, 3],
      [2, 1],
    ] as const) {
      assert.throws(
        () => source.decode(items[i]!),
        (e: unknown) =>
          e instanceof InputError && e.message === `not valid CSV: ${cells} fields where the header has 2`,
      );
    }
  });
});

describe('OrdinalMap', () => {
  it('maps stream offsets back to input positions across lines without records', () => {
    const map = new OrdinalMap(10);
    // Lines 11, 12, (13 blank), 14, (15, 16 blank), 17 → offsets 0..3.
    for (const [offset, ordinal] of [
      [0, 11],
      [1, 12],
      [2, 14],
      [3, 17],
    ] as const) {
      map.note(offset, ordinal);
    }
    assert.deepEqual(
      [0, 1, 2, 3].map((o) => map.ordinalOf(o)),
      [11, 12, 14, 17],
    );
  });
});
