/**
 * `zerobus ingest --arrow` as a process against the local server (in this process): CSV and
 * Parquet sent as Arrow record batches over Arrow Flight into Delta tables, read back with
 * DuckDB equal to the input and to what record mode writes for the same file; a bad row and a
 * stream failure (part of a batch durable) with the exact resume point; dry runs; usage.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { withoutProgress, zerobus } from '../support/cli-process.js';
import { readDeltaTable } from '../support/delta-reader.js';

const micros = (iso: string, extraMicros = 0) => BigInt(Date.parse(iso)) * 1000n + BigInt(extraMicros);
const days = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;

async function tableRows(emulator: Emulator, table: string): Promise<Record<string, unknown>[]> {
  const dir = emulator.catalog.table(table)?.delta.dir;
  assert.ok(dir, `table ${table} exists`);
  return [...(await readDeltaTable(dir, { orderBy: 'id' })).rows];
}

const ids = (rows: readonly Record<string, unknown>[]) => rows.map((r) => Number(r.id));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('zerobus ingest --arrow', { concurrency: true }, () => {
  let emulator: Emulator;
  let dir: string;
  let credentials: string[];
  let flags: string[];
  const file = async (name: string, content: string | Uint8Array) => {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  };
  const flagsFor = (server: Emulator) => [
    '--endpoint',
    server.endpoint,
    '--uc-endpoint',
    server.unityCatalogEndpoint,
    ...credentials,
  ];

  before(async () => {
    emulator = await startEmulator();
    dir = await mkdtemp(join(tmpdir(), 'zerobus-ingest-arrow-'));
    credentials = ['--client-id', 'emulator-client', '--client-secret', 'emulator-secret'];
    flags = flagsFor(emulator);
  });
  after(async () => {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends CSV as record batches of --batch-rows rows: every type exact, the same rows as record mode', async () => {
    const columns = [
      { name: 'id', type_text: 'bigint', nullable: false },
      { name: 'n', type_text: 'int' },
      { name: 'score', type_text: 'double' },
      { name: 'name', type_text: 'string' },
      { name: 'ok', type_text: 'boolean' },
      { name: 'day', type_text: 'date' },
      { name: 'ts', type_text: 'timestamp' },
      { name: 'ntz', type_text: 'timestamp_ntz' },
      { name: 'amount', type_text: 'decimal(38,6)' },
      { name: 'blob', type_text: 'binary' },
      { name: 'v', type_text: 'variant' },
      { name: 'tags', type_text: 'array<string>' },
      { name: 'attrs', type_text: 'map<string,bigint>' },
      { name: 'loc', type_text: 'struct<lat:double,at:timestamp,labels:array<int>>' },
    ];
    await emulator.createDeltaTable('main.arrow.csv', columns);
    await emulator.createDeltaTable('main.arrow.csv_records', columns);
    const input = await file(
      'all.csv',
      [
        'id,n,score,name,ok,day,ts,ntz,amount,blob,v,tags,attrs,loc',
        '1,-2147483648,1.5,"Smith, John",true,2024-02-29,2024-02-29T12:00:00.123456Z,2024-02-29 12:00:00.000001,12345678901234567890123456789012.123456,aGk=,"{""k"":[1,2]}","[""x"",""y""]","{""a"":9007199254740993}","{""lat"":1.5,""at"":""2024-01-01T00:00:00.000007Z"",""labels"":[1,null,3]}"',
        '9223372036854775807,7,-0.1,"",false,1969-12-31,1700000000000001,1970-01-01T00:00:00,-0.000001,,5,[],{},"{""lat"":null}"',
        '3,,,,,,,,,,,,,',
        '4,0,1e300,multi ✓,1,19000,2000-01-01T00:00:00+01:00,2000-01-01T00:00:00.5,0,AAH/,"""text""","[null]","{""k"":null}",',
        '5,42,2.5,five,0,2024-03-01,2024-03-01T00:00:00Z,2024-03-01T00:00:00,1.5,,null,"[""z""]","{""x"":-1}","{""lat"":-2.25,""at"":null,""labels"":[]}"',
      ].join('\n'),
    );
    const [arrow, records] = await Promise.all([
      zerobus(['ingest', ...flags, '--table', 'main.arrow.csv', '--arrow', '--batch-rows', '2', '--json', input]),
      zerobus(['ingest', ...flags, '--table', 'main.arrow.csv_records', input]),
    ]);
    assert.equal(arrow.status, 0, arrow.stderr);
    assert.equal(records.status, 0, records.stderr);
    const summary = JSON.parse(arrow.stdout);
    assert.deepEqual(
      { ok: summary.ok, records: summary.records, arrow: summary.arrow, batches: summary.batches },
      { ok: true, records: 5, arrow: true, batches: 3 },
    );
    const none = { n: null, score: null, name: null, ok: null, day: null, ts: null, ntz: null, amount: null };
    const noneNested = { blob: null, v: null, tags: null, attrs: null, loc: null };
    const expected = [
      {
        id: 1n,
        n: -2147483648,
        score: 1.5,
        name: 'Smith, John',
        ok: true,
        day: days('2024-02-29'),
        ts: micros('2024-02-29T12:00:00Z', 123_456),
        ntz: micros('2024-02-29T12:00:00Z', 1),
        amount: 12345678901234567890123456789012123456n,
        blob: new Uint8Array(Buffer.from('hi')),
        v: '{"k":[1,2]}',
        tags: ['x', 'y'],
        attrs: new Map([['a', 9007199254740993n]]),
        loc: { lat: 1.5, at: micros('2024-01-01T00:00:00Z', 7), labels: [1, null, 3] },
      },
      { id: 3n, ...none, ...noneNested },
      {
        id: 4n,
        n: 0,
        score: 1e300,
        name: 'multi ✓',
        ok: true,
        day: 19000,
        ts: micros('1999-12-31T23:00:00Z'),
        ntz: micros('2000-01-01T00:00:00Z', 500_000),
        amount: 0n,
        blob: new Uint8Array([0, 1, 255]),
        v: '"text"',
        tags: [null],
        attrs: new Map([['k', null]]),
        loc: null,
      },
      {
        id: 5n,
        n: 42,
        score: 2.5,
        name: 'five',
        ok: false,
        day: days('2024-03-01'),
        ts: micros('2024-03-01T00:00:00Z'),
        ntz: micros('2024-03-01T00:00:00Z'),
        amount: 1500000n,
        blob: null,
        v: 'null',
        tags: ['z'],
        attrs: new Map([['x', -1n]]),
        loc: { lat: -2.25, at: null, labels: [] },
      },
      {
        id: 9223372036854775807n,
        n: 7,
        score: -0.1,
        name: '',
        ok: false,
        day: -1,
        ts: 1700000000000001n,
        ntz: 0n,
        amount: -1n,
        blob: null,
        v: '5',
        tags: [],
        attrs: new Map(),
        loc: { lat: null, at: null, labels: null },
      },
    ];
    assert.deepEqual(await tableRows(emulator, 'main.arrow.csv'), expected);
    assert.deepEqual(await tableRows(emulator, 'main.arrow.csv_records'), expected);
  });

  it('sends Parquet row groups as batches: microsecond timestamps and long decimals exact, as record mode writes them', async () => {
    const columns = [
      { name: 'id', type_text: 'bigint', nullable: false },
      { name: 'n', type_text: 'int' },
      { name: 'score', type_text: 'double' },
      { name: 'name', type_text: 'string' },
      { name: 'ok', type_text: 'boolean' },
      { name: 'day', type_text: 'date' },
      { name: 'ts', type_text: 'timestamp' },
      { name: 'ntz', type_text: 'timestamp_ntz' },
      { name: 'price', type_text: 'decimal(9,2)' },
      { name: 'amount', type_text: 'decimal(24,4)' },
    ];
    await emulator.createDeltaTable('main.arrow.parquet', columns);
    await emulator.createDeltaTable('main.arrow.parquet_records', columns);
    const count = 11;
    const rows = Array.from({ length: count }, (_, i) => ({
      id: BigInt(i + 1),
      n: i === 3 ? null : i * 1000 - 5000,
      score: i === 4 ? null : i / 3,
      name: i === 5 ? null : `row ${i + 1} ✓`,
      ok: i === 6 ? null : i % 2 === 0,
      day: i === 7 ? null : 19_000 + i,
      ts: i === 8 ? null : micros('2024-05-06T07:08:09Z', 123_457 + i),
      ntz: i === 9 ? null : -1n - BigInt(i),
      price: i === 10 ? null : BigInt(i * 1001 - 3) * (i % 2 === 0 ? 1n : -1n), // unscaled, 2 digits
      amount: i === 2 ? null : 12345678901234567891n * BigInt(i + 1) * (i % 3 === 0 ? -1n : 1n), // unscaled, 4 digits
    }));
    const column = <K extends keyof (typeof rows)[number]>(name: K) => rows.map((r) => r[name]);
    const buffer = parquetWriteBuffer({
      rowGroupSize: 4,
      schema: [
        { name: 'root', num_children: 10 },
        { name: 'id', type: 'INT64', repetition_type: 'REQUIRED' },
        { name: 'n', type: 'INT32', repetition_type: 'OPTIONAL' },
        { name: 'score', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
        { name: 'name', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
        { name: 'ok', type: 'BOOLEAN', repetition_type: 'OPTIONAL' },
        { name: 'day', type: 'INT32', converted_type: 'DATE', repetition_type: 'OPTIONAL' },
        {
          name: 'ts',
          type: 'INT64',
          converted_type: 'TIMESTAMP_MICROS',
          logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
          repetition_type: 'OPTIONAL',
        },
        {
          name: 'ntz',
          type: 'INT64',
          logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' },
          repetition_type: 'OPTIONAL',
        },
        {
          name: 'price',
          type: 'INT32',
          converted_type: 'DECIMAL',
          precision: 9,
          scale: 2,
          repetition_type: 'OPTIONAL',
        },
        {
          name: 'amount',
          type: 'FIXED_LEN_BYTE_ARRAY',
          type_length: 16,
          converted_type: 'DECIMAL',
          precision: 24,
          scale: 4,
          repetition_type: 'OPTIONAL',
        },
      ],
      columnData: [
        { name: 'id', data: BigInt64Array.from(column('id')) },
        { name: 'n', data: column('n') },
        { name: 'score', data: column('score') },
        { name: 'name', data: column('name') },
        { name: 'ok', data: column('ok') },
        { name: 'day', data: column('day') },
        { name: 'ts', data: column('ts') },
        { name: 'ntz', data: column('ntz') },
        { name: 'price', data: column('price') },
        { name: 'amount', data: column('amount') },
      ],
    });
    const input = await file('all.parquet', new Uint8Array(buffer));
    const before = emulator.stats.flightBatches;
    const [arrow, records] = await Promise.all([
      zerobus(['ingest', ...flags, '--table', 'main.arrow.parquet', '--arrow', '--batch-rows', '3', input]),
      zerobus(['ingest', ...flags, '--table', 'main.arrow.parquet_records', input]),
    ]);
    assert.equal(arrow.status, 0, arrow.stderr);
    assert.match(
      withoutProgress(arrow.stderr),
      /^zerobus: 11 records \([\d.]+ [kM]?B\) into main\.arrow\.parquet in [\d.]+ s: [\d,]+ records\/s, [\d.]+ MB\/s\n$/,
    );
    assert.equal(records.status, 0, records.stderr);
    assert.ok(emulator.stats.flightBatches - before >= 4, 'at least 11 / 3 → 4 Flight batches');
    assert.deepEqual(await tableRows(emulator, 'main.arrow.parquet'), rows);
    assert.deepEqual(await tableRows(emulator, 'main.arrow.parquet_records'), rows);
  });

  it('stops at a bad row with the rows before it in the table (the batch under way too), and resumes with --skip', async () => {
    await emulator.createDeltaTable('main.arrow.resume', [
      { name: 'id', type_text: 'bigint', nullable: false },
      { name: 'score', type_text: 'double' },
      { name: 'at', type_text: 'timestamp' },
    ]);
    const row = (id: number, score: string) => `${id},${score},2024-01-01T00:00:${String(id).padStart(2, '0')}.000001Z`;
    const good = range(1, 10).map((id) => row(id, `${id}.5`));
    const bad = good.map((line, i) => (i === 6 ? row(7, 'hot') : line));
    const input = await file('resume.csv', ['id,score,at', ...bad].join('\n'));
    const args = ['ingest', ...flags, '--table', 'main.arrow.resume', '--arrow', '--batch-rows', '4'];
    const [first, dry] = await Promise.all([
      zerobus([...args, '--json', input]),
      zerobus([...args, '--dry-run', input]),
    ]);
    assert.equal(first.status, 1);
    assert.match(first.stderr, /resume\.csv:8 \(row 7\): field "score": expected DOUBLE, got string "hot"/);
    assert.match(first.stderr, /rows 1–6 are in the table; rerun with --skip 6 to resume/);
    const failed = JSON.parse(first.stdout);
    assert.deepEqual(
      {
        ok: failed.ok,
        records: failed.records,
        resumeSkip: failed.resumeSkip,
        arrow: failed.arrow,
        batches: failed.batches,
      },
      { ok: false, records: 6, resumeSkip: 6, arrow: true, batches: 2 },
    );
    assert.equal(dry.status, 1);
    assert.match(dry.stderr, /dry run: rows 1–6 are valid; nothing was sent/);
    assert.deepEqual(ids(await tableRows(emulator, 'main.arrow.resume')), range(1, 6));

    await writeFile(input, ['id,score,at', ...good].join('\n'));
    const [second, dryGood] = await Promise.all([
      zerobus([...args, '--skip', '6', input]),
      zerobus([...args, '--dry-run', '--json', input]),
    ]);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stderr, /4 records .*6 rows skipped/);
    assert.equal(dryGood.status, 0, dryGood.stderr);
    const summary = JSON.parse(dryGood.stdout);
    assert.deepEqual(
      { ok: summary.ok, dryRun: summary.dryRun, records: summary.records, batches: summary.batches },
      { ok: true, dryRun: true, records: 10, batches: 3 },
    );
    const rows = await tableRows(emulator, 'main.arrow.resume');
    assert.deepEqual(ids(rows), range(1, 10));
    assert.deepEqual(rows[9], { id: 10n, score: 10.5, at: micros('2024-01-01T00:00:10Z', 1) });
  });

  it('after a stream failure with part of a batch durable, reports the acknowledged rows and resumes without duplicates', async () => {
    // Servers of their own, for the faults: the first call has only 25 rows committed (the middle
    // of the third batch of 10), then fails for good; on the other, it fails retriably and the
    // SDK sends only the rows not yet durable again.
    await using failing = await startEmulator();
    await using recovering = await startEmulator();
    const columns = [
      { name: 'id', type_text: 'bigint', nullable: false },
      { name: 'v', type_text: 'string' },
    ];
    await failing.createDeltaTable('main.arrow.fail', columns);
    await recovering.createDeltaTable('main.arrow.recover', columns);
    const input = await file('fail.csv', ['id,v', ...range(1, 50).map((id) => `${id},row ${id}`)].join('\n'));
    failing.faults.failFlightAfterRows(25, { status: 'INVALID_ARGUMENT', message: 'injected failure' });
    recovering.faults.failFlightAfterRows(25);
    const args = (server: Emulator, table: string) => [
      'ingest',
      ...flagsFor(server),
      '--table',
      table,
      '--arrow',
      '--batch-rows',
      '10',
    ];
    const [failed, recovered] = await Promise.all([
      zerobus([...args(failing, 'main.arrow.fail'), input]),
      zerobus([...args(recovering, 'main.arrow.recover'), input]),
    ]);
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /the stream to main\.arrow\.fail failed: .*injected failure/);
    assert.match(failed.stderr, /rows 1–25 are in the table; rerun with --skip 25 to resume/);
    assert.deepEqual(ids(await tableRows(failing, 'main.arrow.fail')), range(1, 25));
    assert.equal(recovered.status, 0, recovered.stderr);
    assert.deepEqual(ids(await tableRows(recovering, 'main.arrow.recover')), range(1, 50));

    const rest = await zerobus([...args(failing, 'main.arrow.fail'), '--skip', '25', input]);
    assert.equal(rest.status, 0, rest.stderr);
    assert.deepEqual(ids(await tableRows(failing, 'main.arrow.fail')), range(1, 50));
  });

  it('exits 1 for --arrow with single-record options or a bad --batch-rows; --help documents both flags', async () => {
    const [help, proto, batchRows, zero] = await Promise.all([
      zerobus(['ingest', '--help']),
      zerobus(['ingest', ...flags, '--table', 'a.b.c', '--arrow', '--record-type', 'proto', 'x.csv']),
      zerobus(['ingest', ...flags, '--table', 'a.b.c', '--batch-rows', '5', 'x.csv']),
      zerobus(['ingest', ...flags, '--table', 'a.b.c', '--arrow', '--batch-rows', '0', 'x.csv']),
    ]);
    assert.equal(help.status, 0);
    for (const option of ['--arrow', '--batch-rows N']) assert.ok(help.stdout.includes(option), option);
    for (const [run, message] of [
      [proto, /--arrow sends Arrow record batches: --record-type and --proto are for single records/],
      [batchRows, /--batch-rows is for --arrow/],
      [zero, /--batch-rows must be at least 1/],
    ] as const) {
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, message);
    }
  });
});
