/**
 * `zerobus ingest --arrow` without processes or servers: records checked and written into Arrow
 * columns exactly (ArrowBatchBuilder), refused with the record mode's messages, and the batch
 * loop's resume points after a bad row or a stream failure (arrowPump, with a fake stream).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTypeText, type TableSchema } from '@zerobus/sdk/schema';
import * as arrow from 'apache-arrow';
import { arrowSchemaFromTable } from '../../sdk/src/arrow/arrow-schema.js';
import { ArrowBatchBuilder } from '../src/ingest/arrow-batch.js';
import { type ArrowSink, arrowPump } from '../src/ingest/arrow-pump.js';
import { InputError, parquetRowCoercer } from '../src/ingest/coerce.js';
import type { InputItem, InputSource } from '../src/ingest/sources.js';

function schema(columns: Record<string, string>, notNull: readonly string[] = []): TableSchema {
  return {
    fields: Object.entries(columns).map(([name, type]) => ({
      name,
      type: parseTypeText(type),
      nullable: !notNull.includes(name),
    })),
  };
}

function builderFor(table: TableSchema): ArrowBatchBuilder {
  return new ArrowBatchBuilder(table, arrowSchemaFromTable(arrow, table));
}

/** The raw values buffer of a column (BigInt64Array for timestamps and longs, Uint32Array for decimals). */
function values(batch: arrow.RecordBatch, name: string): unknown {
  return batch.getChild(name)!.data[0]!.values;
}

/** The unscaled DECIMAL values of a column, from its 128-bit little-endian words. */
function unscaled(batch: arrow.RecordBatch, name: string): (bigint | null)[] {
  const vector = batch.getChild(name)!;
  const words = vector.data[0]!.values as Uint32Array;
  return Array.from({ length: batch.numRows }, (_, i) => {
    if (!vector.isValid(i)) return null;
    let x = 0n;
    for (let w = 3; w >= 0; w--) x = (x << 32n) | BigInt(words[i * 4 + w]!);
    return BigInt.asIntN(128, x);
  });
}

function plain(batch: arrow.RecordBatch, name: string): unknown[] {
  const vector = batch.getChild(name)!;
  return Array.from({ length: batch.numRows }, (_, i) => {
    const v = vector.get(i);
    return v !== null && typeof v === 'object' && !(v instanceof Uint8Array) ? JSON.parse(JSON.stringify(v)) : v;
  });
}

describe('ArrowBatchBuilder', () => {
  it('writes every value form the input layer makes, exactly: microseconds, BIGINT, DECIMAL, days', () => {
    const table = schema(
      {
        id: 'bigint',
        ts: 'timestamp',
        ntz: 'timestamp_ntz',
        day: 'date',
        amount: 'decimal(38,4)',
        f: 'float',
        ok: 'boolean',
        bin: 'binary',
        v: 'variant',
      },
      ['id'],
    );
    const builder = builderFor(table);
    builder.add({
      id: 9223372036854775807n,
      ts: 1_700_000_000_000_001n, // Parquet microseconds
      ntz: '2024-02-29 12:00:00.000001',
      day: '2024-02-29',
      amount: '12345678901234567890123456789012.1234',
      f: 1.5,
      ok: true,
      bin: new Uint8Array([0, 255]),
      v: '{"k":[1,2]}',
    });
    builder.add({
      id: '-9223372036854775808', // integer text
      ts: '2024-01-01T01:00:00.000007+01:00',
      ntz: -1,
      day: 19_000,
      amount: -0.5,
      f: -2.25,
      ok: false,
      v: { a: 9007199254740993n, b: [true, null], c: new Uint8Array([104, 105]) },
    });
    builder.add({ id: 3, ts: new Date('2024-01-01T00:00:00.123Z'), day: new Date(86_400_000), amount: 7n, v: 5 });
    assert.equal(builder.length, 3);
    const batch = builder.finish();
    assert.equal(builder.length, 0, 'a new batch starts');
    assert.equal(batch.numRows, 3);
    assert.deepEqual(values(batch, 'id'), BigInt64Array.from([9223372036854775807n, -9223372036854775808n, 3n]));
    assert.deepEqual(
      values(batch, 'ts'),
      BigInt64Array.from([1_700_000_000_000_001n, 1_704_067_200_000_007n, 1_704_067_200_123_000n]),
    );
    assert.deepEqual(values(batch, 'ntz'), BigInt64Array.from([1_709_208_000_000_001n, -1n, 0n]));
    assert.equal(batch.getChild('ntz')!.isValid(2), false);
    assert.deepEqual(values(batch, 'day'), Int32Array.from([19_782, 19_000, 1]));
    assert.deepEqual(unscaled(batch, 'amount'), [123456789012345678901234567890121234n, -5000n, 70000n]);
    assert.deepEqual(plain(batch, 'f'), [1.5, -2.25, null]);
    assert.deepEqual(plain(batch, 'ok'), [true, false, null]);
    assert.deepEqual(plain(batch, 'v'), ['{"k":[1,2]}', '{"a":9007199254740993,"b":[true,null],"c":"aGk="}', '5']);
    assert.deepEqual(Array.from(batch.getChild('bin')!.get(0) as Uint8Array), [0, 255]);
    assert.equal(batch.getChild('bin')!.get(1), null);
  });

  it('writes ARRAY, MAP and STRUCT values, nested nulls included', () => {
    const table = schema({
      id: 'int',
      tags: 'array<int>',
      attrs: 'map<bigint,string>',
      loc: 'struct<lat:double,at:timestamp,labels:array<string>>',
    });
    const builder = builderFor(table);
    builder.add({
      id: 1,
      tags: [1, null, 3],
      attrs: { '5': 'five', '-1': null },
      loc: { lat: 1.5, at: '2024-01-01T00:00:00.000001Z', labels: ['a'] },
    });
    builder.add({ id: 2, tags: [], attrs: new Map([[7n, 'seven']]), loc: { lat: null } });
    builder.add({ id: 3 });
    const batch = builder.finish();
    assert.deepEqual(plain(batch, 'tags'), [[1, null, 3], [], null]);
    const attrs = batch.getChild('attrs')!;
    assert.deepEqual(
      [0, 1, 2].map((i) => (attrs.isValid(i) ? [...(attrs.get(i) as Iterable<unknown>)] : null)),
      [
        [
          [5n, 'five'],
          [-1n, null],
        ],
        [[7n, 'seven']],
        null,
      ],
    );
    assert.deepEqual(
      plain(batch, 'loc').map((loc) => (loc === null ? null : { ...(loc as object), at: undefined })),
      [{ lat: 1.5, at: undefined, labels: ['a'] }, { lat: null, at: undefined, labels: null }, null],
    );
    const at = batch.getChild('loc')!.data[0]!.children[1]!.values as BigInt64Array;
    assert.equal(at[0], 1_704_067_200_000_001n);
  });

  it('refuses what record mode refuses, with its messages, and keeps the batch as it was', () => {
    const table = schema(
      {
        id: 'bigint',
        score: 'double',
        n: 'tinyint',
        ts: 'timestamp',
        amount: 'decimal(10,4)',
        tags: 'array<int>',
        attrs: 'map<int,string>',
        s: 'struct<a:int>',
      },
      ['id'],
    );
    const builder = builderFor(table);
    builder.add({ id: 1 });
    const cases: [Record<string, unknown> | unknown, RegExp, string | undefined][] = [
      [{ id: 2, score: 'hot' }, /^field "score": expected DOUBLE, got string "hot"$/, 'score'],
      [
        { id: 2, score: Number.NaN },
        /^field "score": expected DOUBLE, got number NaN, which JSON cannot carry/,
        'score',
      ],
      [{ score: 1 }, /^field "id": expected BIGINT \(NOT NULL\), got no value$/, 'id'],
      [{ id: null }, /^field "id": expected BIGINT \(NOT NULL\), got null$/, 'id'],
      [{ id: 2, zzz: 1 }, /^field "zzz": no such column in the table \(columns: id, score, n, ts, /, 'zzz'],
      [
        { id: 2, n: 200 },
        /^field "n": expected TINYINT, got number 200, which is outside TINYINT's range -128 to 127$/,
        'n',
      ],
      [{ id: 2, ts: '2024-01-01T00:00:00' }, /^field "ts": .*has no UTC offset/, 'ts'],
      [{ id: 2, amount: '1.23456' }, /^field "amount": .*more than 4 fractional digits/, 'amount'],
      [{ id: 2, amount: '1234567.1' }, /^field "amount": .*more than 6 digits before the decimal point/, 'amount'],
      [{ id: 2, tags: [1, 'x'] }, /^field "tags\[1\]": expected INT, got string "x"$/, 'tags[1]'],
      [
        { id: 2, attrs: { k: 'v' } },
        /^field "attrs\["k"\]": expected INT map key \(integer text from -2147483648 to 2147483647/,
        'attrs["k"]',
      ],
      [{ id: 2, s: { a: 1, b: 2 } }, /^field "s\.b": no such field in the struct \(fields: a\)$/, 's.b'],
      [{ id: 2, s: 'x' }, /^field "s": expected STRUCT<a:INT> \(an object\), got string "x"$/, 's'],
      [[1, 2], /^expected an object with the table's columns, got array \(2 items\)$/, undefined],
    ];
    for (const [record, message, field] of cases) {
      assert.throws(
        () => builder.add(record),
        (error: unknown) => error instanceof InputError && message.test(error.message) && error.field === field,
        JSON.stringify(record),
      );
    }
    builder.add({ id: 2, score: 0.5 });
    const batch = builder.finish();
    assert.equal(batch.numRows, 2);
    assert.deepEqual(values(batch, 'id'), BigInt64Array.from([1n, 2n]));
    assert.deepEqual(plain(batch, 'score'), [null, 0.5]);
  });
});

describe('parquetRowCoercer with raw DECIMAL columns', () => {
  it('makes exact decimal text of int32, int64 and big-endian byte values at the file scale', () => {
    const coerce = parquetRowCoercer(
      schema({ a: 'decimal(9,2)', b: 'decimal(38,4)', c: 'decimal(38,4)', d: 'double' }),
      new Map([
        ['a', 2],
        ['b', 4],
        ['c', 0],
        ['d', 3],
      ]),
    );
    const bytes = (n: bigint) => {
      const out = new Uint8Array(16);
      let x = BigInt.asUintN(128, n);
      for (let i = 15; i >= 0; i--) {
        out[i] = Number(x & 0xffn);
        x >>= 8n;
      }
      return out;
    };
    assert.deepEqual(coerce({ a: -1234, b: 123456789012345678901234n, c: bytes(-42n), d: 1500n }), {
      a: '-12.34',
      b: '12345678901234567890.1234',
      c: '-42',
      d: 1.5,
    });
    assert.deepEqual(coerce({ a: 5, b: bytes(-123456789012345678901234567n), c: null }), {
      a: '0.05',
      b: '-12345678901234567890123.4567',
    });
  });
});

// --- the batch loop ------------------------------------------------------------------------------

/** NDJSON-like input: each text a line; '' a blank line (no record), 'bad' one that cannot be read. */
function source(lines: readonly string[], skip = 0): InputSource {
  return {
    name: 'in.ndjson',
    unit: 'line',
    totalBytes: undefined,
    skippedBytes: 0,
    async *items() {
      const items: InputItem[] = lines.map((raw, i) => ({ ordinal: i + 1, line: i + 1, raw, bytesRead: i + 1 }));
      // Two chunks, so that batches span them.
      yield items.slice(skip, 4);
      yield items.slice(Math.max(skip, 4));
    },
    decode(item) {
      const raw = item.raw as string;
      if (raw === '') return undefined;
      if (raw === 'bad') throw new InputError('not valid JSON');
      return { id: Number(raw) };
    },
  };
}

class FakeSink implements ArrowSink {
  readonly batches: arrow.RecordBatch[] = [];
  ackedOffset = -1;
  flushError: Error | undefined;
  /** Rows of each unacknowledged batch after a failure (a partly durable batch is sliced). */
  unacked: number[] = [];

  ingestBatchNowait(input: unknown): boolean {
    this.batches.push(input as arrow.RecordBatch);
    return this.batches.length % 2 === 1; // every other batch waits for room
  }

  async ready(): Promise<void> {}

  async flush(): Promise<void> {
    if (this.flushError) throw this.flushError;
    this.ackedOffset = this.batches.length - 1;
  }

  getUnackedBatches(): arrow.RecordBatch[] {
    return this.unacked.map((rows) => ({ numRows: rows }) as arrow.RecordBatch);
  }
}

const idsOf = (batches: readonly arrow.RecordBatch[]) =>
  batches.map((b) => Array.from(b.getChild('id')!.toArray() as Int32Array));

describe('arrowPump', () => {
  const table = schema({ id: 'int' });
  const run = (lines: readonly string[], sink: FakeSink, skip = 0, batchRows = 3) =>
    arrowPump(source(lines, skip), sink, builderFor(table), {
      skip,
      batchRows,
      progress: undefined,
      signal: new AbortController().signal,
    });

  it('sends batches of batchRows rows across input chunks, then the rest, and flushes', async () => {
    const sink = new FakeSink();
    const result = await run(['1', '2', '', '3', '4', '5', '6', '7'], sink);
    assert.deepEqual(idsOf(sink.batches), [[1, 2, 3], [4, 5, 6], [7]]);
    assert.deepEqual(
      { records: result.records, batches: result.batches, ackedThrough: result.ackedThrough, bytes: result.bytes },
      { records: 7, batches: 3, ackedThrough: 8, bytes: 8 },
    );
  });

  it('at a bad record sends the rows before it (the batch under way too), acknowledged up to the line before', async () => {
    const sink = new FakeSink();
    const result = await run(['1', '2', '3', '4', '', 'bad', '7'], sink);
    assert.deepEqual(idsOf(sink.batches), [[1, 2, 3], [4]]);
    assert.equal(result.inputError?.ordinal, 6);
    assert.equal(result.ackedThrough, 5);
    assert.equal(result.records, 4);

    const skipped = new FakeSink();
    const rest = await run(['1', '2', '3', '4', '', '6', '7'], skipped, 5);
    assert.deepEqual(idsOf(skipped.batches), [[6, 7]]);
    assert.equal(rest.ackedThrough, 7);
  });

  it('after a stream failure counts the acknowledged rows: whole batches, and the durable part of the next', async () => {
    const lines = ['1', '', '2', '3', '4', '5', '6', '7', '8'];
    const partly = new FakeSink();
    partly.flushError = new Error('the stream has failed: UNAVAILABLE');
    partly.ackedOffset = 0; // rows 1–3 (lines 1–4)
    partly.unacked = [1, 2]; // of [4,5,6] two rows durable; [7,8] not
    const result = await run(lines, partly);
    assert.equal(result.streamError, partly.flushError);
    assert.equal(result.ackedThrough, 6, 'rows 1–5: lines 1–6');
    assert.equal(result.sentThrough, 9);

    const whole = new FakeSink();
    whole.flushError = new Error('failed');
    whole.ackedOffset = 0;
    whole.getUnackedBatches = () => {
      throw new Error('not failed yet');
    };
    assert.equal((await run(lines, whole)).ackedThrough, 4, 'rows 1–3: lines 1–4');

    const none = new FakeSink();
    none.flushError = new Error('failed');
    none.unacked = [3, 3, 2];
    assert.equal((await run(lines, none, 0)).ackedThrough, 0);
  });
});
