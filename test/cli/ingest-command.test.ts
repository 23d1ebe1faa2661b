/**
 * `zerobus ingest` as a process against the local server (in this process): NDJSON, CSV and
 * Parquet into Delta tables, read back with DuckDB; proto records; standard input; dry runs;
 * a malformed line and a stream failure with the exact resume point; progress on a terminal.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import { parquetWriteBuffer } from 'hyparquet-writer';
import {
  hasScript,
  serverFlags,
  startZerobus,
  withoutProgress,
  zerobus,
  zerobusInTerminal,
} from '../support/cli-process.js';
import { readDeltaTable } from '../support/delta-reader.js';
import { settle } from '../support/harness.js';

const micros = (iso: string, extraMicros = 0) => BigInt(Date.parse(iso)) * 1000n + BigInt(extraMicros);
const days = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
const bytes = (text: string) => new Uint8Array(Buffer.from(text));

async function tableRows(emulator: Emulator, table: string): Promise<Record<string, unknown>[]> {
  const dir = emulator.catalog.table(table)?.delta.dir;
  assert.ok(dir, `table ${table} exists`);
  return [...(await readDeltaTable(dir, { orderBy: 'id' })).rows];
}

function ids(rows: readonly Record<string, unknown>[]): number[] {
  return rows.map((r) => Number(r.id));
}

describe('zerobus ingest', { concurrency: 4 }, () => {
  let emulator: Emulator;
  let dir: string;
  let flags: string[];
  const file = async (name: string, content: string | Uint8Array) => {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  };

  before(async () => {
    emulator = await startEmulator();
    dir = await mkdtemp(join(tmpdir(), 'zerobus-ingest-'));
    flags = serverFlags(emulator);
  });
  after(async () => {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('ingests NDJSON exactly (long integers and decimals, base64 BINARY, blank lines) and prints plain progress off a terminal', async () => {
    await emulator.createDeltaTable('main.ingest.ndjson', [
      { name: 'id', type_text: 'bigint', nullable: false },
      { name: 'name', type_text: 'string' },
      { name: 'score', type_text: 'double' },
      { name: 'ok', type_text: 'boolean' },
      { name: 'day', type_text: 'date' },
      { name: 'ts', type_text: 'timestamp' },
      { name: 'amount', type_text: 'decimal(20,4)' },
      { name: 'tags', type_text: 'array<string>' },
      { name: 'blob', type_text: 'binary' },
      { name: 'attrs', type_text: 'map<string,int>' },
    ]);
    const input = await file(
      'events.ndjson',
      [
        '{"id":1,"name":"a","score":1.5,"ok":true,"day":"2024-01-02","ts":"2024-01-02T03:04:05.123456Z","amount":"12.3456","tags":["x","y"],"blob":"aGVsbG8=","attrs":{"k":1}}',
        '{"id":9007199254740993,"name":"big","score":2,"amount":1234567890123456.1234}',
        '',
        '{"id":3,"name":null,"day":19000,"ts":1700000000000000}\r',
      ].join('\n'),
    );
    const run = await zerobus(['ingest', ...flags, '--table', 'main.ingest.ndjson', input]);
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /\r/, 'no terminal: no carriage returns');
    assert.match(
      withoutProgress(run.stderr),
      /^zerobus: 3 records \(\d+ B\) into main\.ingest\.ndjson in [\d.]+ s: [\d,]+ records\/s, [\d.]+ MB\/s\n$/,
    );
    const none = { ok: null, day: null, ts: null, tags: null, blob: null, attrs: null };
    assert.deepEqual(await tableRows(emulator, 'main.ingest.ndjson'), [
      {
        id: 1n,
        name: 'a',
        score: 1.5,
        ok: true,
        day: days('2024-01-02'),
        ts: micros('2024-01-02T03:04:05Z', 123_456),
        amount: 123456n,
        tags: ['x', 'y'],
        blob: bytes('hello'),
        attrs: new Map([['k', 1]]),
      },
      { id: 3n, name: null, score: null, amount: null, ...none, day: 19000, ts: 1700000000000000n },
      { id: 9007199254740993n, name: 'big', score: 2, amount: 12345678901234561234n, ...none },
    ]);
  });

  it('ingests CSV: header names in any order and case, quoted cells, values converted per column type', async () => {
    await emulator.createDeltaTable('main.ingest.csv', [
      { name: 'id', type_text: 'bigint', nullable: false },
      { name: 'name', type_text: 'string' },
      { name: 'score', type_text: 'double' },
      { name: 'ok', type_text: 'boolean' },
      { name: 'day', type_text: 'date' },
      { name: 'ts', type_text: 'timestamp_ntz' },
      { name: 'amount', type_text: 'decimal(10,2)' },
      { name: 'tags', type_text: 'array<int>' },
      { name: 'blob', type_text: 'binary' },
    ]);
    const input = await file(
      'events.csv',
      [
        'ID,Name,ok,score,day,ts,amount,tags,blob',
        '1,"Smith, John",true,1.25,2024-02-29,2024-02-29 12:00:00,12.34,"[1,2]",aGk=',
        '2,"multi',
        'line",FALSE,-3e2,,2024-03-01T00:00:00.5,-0.5,[],',
        '',
        '3,"",0,,,,,,',
        '',
      ].join('\r\n'),
    );
    const run = await zerobus(['ingest', ...flags, '--table', 'main.ingest.csv', '--json', input]);
    assert.equal(run.status, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.equal(summary.ok, true);
    assert.equal(summary.records, 3);
    assert.deepEqual(await tableRows(emulator, 'main.ingest.csv'), [
      {
        id: 1n,
        name: 'Smith, John',
        score: 1.25,
        ok: true,
        day: days('2024-02-29'),
        ts: micros('2024-02-29T12:00:00Z'),
        amount: 1234n,
        tags: [1, 2],
        blob: bytes('hi'),
      },
      {
        id: 2n,
        name: 'multi\r\nline',
        score: -300,
        ok: false,
        day: null,
        ts: micros('2024-03-01T00:00:00Z', 500_000),
        amount: -50n,
        tags: [],
        blob: null,
      },
      { id: 3n, name: '', score: null, ok: false, day: null, ts: null, amount: null, tags: null, blob: null },
    ]);
  });

  it('ingests Parquet by row groups, resumes from a row with --skip, and reports a bad row by number', async () => {
    const columns = [
      { name: 'id', type_text: 'bigint', nullable: false },
      { name: 'name', type_text: 'string' },
      { name: 'score', type_text: 'double' },
      { name: 'ok', type_text: 'boolean' },
      { name: 'ts', type_text: 'timestamp' },
      { name: 'n', type_text: 'int' },
    ];
    await emulator.createDeltaTable('main.ingest.parquet', columns);
    await emulator.createDeltaTable('main.ingest.parquet_tail', columns);
    await emulator.createDeltaTable('main.ingest.parquet_strict', [
      ...columns.filter((c) => c.name !== 'name'),
      { name: 'name', type_text: 'string', nullable: false },
    ]);
    const count = 10;
    const at = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 1000);
    const rows = Array.from({ length: count }, (_, i) => ({
      id: BigInt(i + 1),
      name: i === 6 ? null : `row ${i + 1}`,
      score: i / 4,
      ok: i % 2 === 0,
      ts: micros(at(i).toISOString()),
      n: i * 10,
    }));
    const buffer = parquetWriteBuffer({
      rowGroupSize: 4,
      columnData: [
        { name: 'id', data: BigInt64Array.from(rows.map((r) => r.id)), type: 'INT64' },
        { name: 'name', data: rows.map((r) => r.name), type: 'STRING' },
        { name: 'score', data: rows.map((r) => r.score), type: 'DOUBLE' },
        { name: 'ok', data: rows.map((r) => r.ok), type: 'BOOLEAN' },
        { name: 'ts', data: rows.map((_, i) => at(i)), type: 'TIMESTAMP' },
        { name: 'n', data: Int32Array.from(rows.map((r) => r.n)), type: 'INT32' },
      ],
    });
    const input = await file('events.parquet', new Uint8Array(buffer));
    const [all, tail, strict] = await Promise.all([
      zerobus(['ingest', ...flags, '--table', 'main.ingest.parquet', input]),
      zerobus(['ingest', ...flags, '--table', 'main.ingest.parquet_tail', '--skip', '5', input]),
      zerobus(['ingest', ...flags, '--table', 'main.ingest.parquet_strict', '--dry-run', input]),
    ]);
    assert.equal(all.status, 0, all.stderr);
    assert.deepEqual(await tableRows(emulator, 'main.ingest.parquet'), rows);
    assert.equal(tail.status, 0, tail.stderr);
    assert.match(tail.stderr, /5 records .*5 rows skipped/);
    assert.deepEqual(await tableRows(emulator, 'main.ingest.parquet_tail'), rows.slice(5));
    assert.equal(strict.status, 1);
    assert.match(strict.stderr, /events\.parquet: row 7: field "name"/);
    assert.match(strict.stderr, /dry run: rows 1–6 are valid; nothing was sent/);
    assert.deepEqual((await readDeltaTable(emulator.catalog.table('main.ingest.parquet_strict')!.delta.dir)).rows, []);
  });

  it('sends proto records, with the descriptor generated from the table or read from a .proto file', async () => {
    const columns = [
      { name: 'id', type_text: 'bigint', nullable: false },
      { name: 'name', type_text: 'string' },
      { name: 'tags', type_text: 'array<string>' },
      { name: 'ts', type_text: 'timestamp' },
    ];
    await emulator.createDeltaTable('main.ingest.proto', columns);
    await emulator.createDeltaTable('main.ingest.protofile', columns);
    const input = await file(
      'proto.ndjson',
      '{"id":1,"name":"a","tags":["x"],"ts":"2024-05-06T07:08:09Z"}\n{"id":2,"ts":1}\n{"id":3,"tags":[]}\n',
    );
    const proto = await file(
      'row.proto',
      'syntax = "proto2";\nmessage Row { required int64 id = 1; optional string name = 2; repeated string tags = 3; optional int64 ts = 4; }\nmessage Other { optional int32 x = 1; }\n',
    );
    const [fromTable, fromFile] = await Promise.all([
      zerobus(['ingest', ...flags, '--table', 'main.ingest.proto', '--record-type', 'proto', input]),
      zerobus(['ingest', ...flags, '--table', 'main.ingest.protofile', '--proto', proto, '--proto-msg', 'Row', input]),
    ]);
    assert.equal(fromTable.status, 0, fromTable.stderr);
    assert.equal(fromFile.status, 0, fromFile.stderr);
    const expected = [
      { id: 1n, name: 'a', tags: ['x'], ts: micros('2024-05-06T07:08:09Z') },
      { id: 2n, name: null, tags: null, ts: 1n },
      { id: 3n, name: null, tags: null, ts: null },
    ];
    const protoRows = await tableRows(emulator, 'main.ingest.proto');
    // An empty repeated field is absent in protobuf: DuckDB reads null or [] depending on the writer.
    const normalize = (rows: Record<string, unknown>[]) =>
      rows.map((r) => ({ ...r, tags: Array.isArray(r.tags) && r.tags.length === 0 ? null : r.tags }));
    assert.deepEqual(normalize(protoRows), expected);
    assert.deepEqual(normalize(await tableRows(emulator, 'main.ingest.protofile')), expected);
  });

  it('reads standard input ("-") and prints the summary as JSON', async () => {
    await emulator.createDeltaTable('main.ingest.stdin', [
      { name: 'id', type_text: 'bigint', nullable: false },
      { name: 'v', type_text: 'string' },
    ]);
    const input = '{"id":1,"v":"a"}\n{"id":2,"v":"b"}\n{"id":3}';
    const run = await zerobus(['ingest', ...flags, '--table', 'main.ingest.stdin', '--json', '--quiet', '-'], {
      input,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '', '--quiet: nothing on stderr');
    const summary = JSON.parse(run.stdout);
    assert.deepEqual(
      {
        ok: summary.ok,
        records: summary.records,
        bytes: summary.bytes,
        dryRun: summary.dryRun,
        skipped: summary.skipped,
      },
      { ok: true, records: 3, bytes: Buffer.byteLength(input), dryRun: false, skipped: 0 },
    );
    for (const key of ['seconds', 'recordsPerSecond', 'mbPerSecond']) assert.equal(typeof summary[key], 'number');
    assert.deepEqual(ids(await tableRows(emulator, 'main.ingest.stdin')), [1, 2, 3]);
  });

  it('--dry-run checks every record against the table and sends nothing', async () => {
    await emulator.createDeltaTable('main.ingest.dry', [
      { name: 'id', type_text: 'bigint', nullable: false },
      { name: 'score', type_text: 'double' },
    ]);
    const good = await file('dry-good.ndjson', '{"id":1,"score":1}\n{"id":2}\n{"id":3,"score":0.5}\n');
    const bad = await file('dry-bad.ndjson', '{"id":1,"score":1}\n{"id":2}\n{"id":3,"score":"hot"}\n{"id":4}\n');
    const [ok, failed] = await Promise.all([
      zerobus(['ingest', ...flags, '--table', 'main.ingest.dry', '--dry-run', '--json', good]),
      zerobus(['ingest', ...flags, '--table', 'main.ingest.dry', '--dry-run', bad]),
    ]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual((({ ok: o, dryRun, records }) => ({ ok: o, dryRun, records }))(JSON.parse(ok.stdout)), {
      ok: true,
      dryRun: true,
      records: 3,
    });
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /dry-bad\.ndjson:3: field "score": expected DOUBLE, got string "hot"/);
    assert.match(failed.stderr, /dry run: lines 1–2 are valid; nothing was sent/);
    assert.deepEqual((await readDeltaTable(emulator.catalog.table('main.ingest.dry')!.delta.dir)).rows, []);
  });

  it('stops at a malformed line with everything before it in the table, and resumes with --skip', async () => {
    await emulator.createDeltaTable('main.ingest.resume', [
      { name: 'id', type_text: 'bigint', nullable: false },
      { name: 'v', type_text: 'string' },
    ]);
    const lines = Array.from({ length: 10 }, (_, i) => `{"id":${i + 1},"v":"line ${i + 1}"}`);
    const input = await file(
      'resume.ndjson',
      `${lines.map((l, i) => (i === 4 ? '{"id":5,"v":oops}' : l)).join('\n')}\n`,
    );
    const first = await zerobus(['ingest', ...flags, '--table', 'main.ingest.resume', input]);
    assert.equal(first.status, 1);
    assert.match(first.stderr, /resume\.ndjson:5: not valid JSON/);
    assert.match(first.stderr, /lines 1–4 are in the table; rerun with --skip 4 to resume/);
    assert.deepEqual(ids(await tableRows(emulator, 'main.ingest.resume')), [1, 2, 3, 4]);

    await writeFile(input, `${lines.join('\n')}\n`);
    const second = await zerobus(['ingest', ...flags, '--table', 'main.ingest.resume', '--skip', '4', input]);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stderr, /6 records .*4 lines skipped/);
    assert.deepEqual(ids(await tableRows(emulator, 'main.ingest.resume')), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('reports a stream failure with the acknowledged lines, and resumes after them without duplicates', async () => {
    // A server of its own, for the fault. Input from standard input, so that the failure comes
    // at a known point: after the first lines are acknowledged, before the others are read.
    await using server = await startEmulator({ storeRecords: true });
    await server.createDeltaTable('main.ingest.fail', [
      { name: 'id', type_text: 'bigint', nullable: false },
      { name: 'v', type_text: 'string' },
    ]);
    const own = ['--endpoint', server.endpoint, '--uc-endpoint', server.unityCatalogEndpoint, ...flags.slice(4)];
    const args = ['ingest', ...own, '--table', 'main.ingest.fail', '-'];
    const line = (id: number) => `{"id":${id},"v":"line ${id}"}\n`;
    const lines = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => line(from + i)).join('');
    const { child, done } = startZerobus(args);
    child.stdin.write(lines(1, 700));
    const allAcked = () =>
      server.records('main.ingest.fail').length === 700 &&
      server.streams.every((s) => s.tableName !== 'main.ingest.fail' || s.ackedUpTo === s.nextOffsetId - 1);
    for (let waited = 0; !allAcked(); waited += 10) {
      assert.ok(waited < 20_000, 'the first 700 lines are acknowledged');
      await settle(10);
    }
    server.faults.failActiveStreams('INVALID_ARGUMENT', 'injected failure');
    child.stdin.end(lines(701, 1000));
    const failed = await done;
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /the stream to main\.ingest\.fail failed: INVALID_ARGUMENT: injected failure/);
    assert.match(failed.stderr, /lines 1–700 are in the table; rerun with --skip 700 to resume/);
    const expectIds = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    assert.deepEqual(ids(await tableRows(server, 'main.ingest.fail')), expectIds(700));

    const rest = await zerobus([...args.slice(0, -1), '--skip', '700', '-'], { input: lines(1, 1000) });
    assert.equal(rest.status, 0, rest.stderr);
    assert.deepEqual(ids(await tableRows(server, 'main.ingest.fail')), expectIds(1000));
  });

  it('shows one updating progress line on a terminal, then the summary', async (t) => {
    if (!(await hasScript())) {
      t.skip('util-linux script is not installed');
      return;
    }
    await emulator.createDeltaTable('main.ingest.tty', [{ name: 'id', type_text: 'bigint' }]);
    const input = await file('tty.ndjson', Array.from({ length: 100 }, (_, i) => `{"id":${i}}\n`).join(''));
    const run = await zerobusInTerminal(['ingest', ...flags, '--table', 'main.ingest.tty', input]);
    assert.equal(run.status, 0, run.output);
    assert.match(
      run.output,
      /\r[\d,]+ records {2}[\d.]+ [kM]?B {2}[\d.]+ MB\/s {2}[\d.]+%/,
      'a line rewritten in place',
    );
    assert.match(run.output, /\r100 records {2}990 B {2}[\d.]+ MB\/s {2}100%/, 'the final state');
    assert.match(
      run.output,
      /\r\nzerobus: 100 records \(990 B\) into main\.ingest\.tty in [\d.]+ s/,
      'then the summary',
    );
    assert.equal((await tableRows(emulator, 'main.ingest.tty')).length, 100);
  });

  it('exits 1 on bad usage, with one line pointing at the help; --help exits 0', async () => {
    const [help, noTable, noFormat, parquetStdin, noEndpoint, recordType, noFile] = await Promise.all([
      zerobus(['ingest', '--help']),
      zerobus(['ingest', ...flags, 'x.ndjson']),
      zerobus(['ingest', ...flags, '--table', 'a.b.c', 'data.txt']),
      zerobus(['ingest', ...flags, '--table', 'a.b.c', '--format', 'parquet', '-']),
      zerobus(['ingest', ...flags.slice(2), '--table', 'a.b.c', 'x.ndjson'], { env: { ZEROBUS_ENDPOINT: '' } }),
      zerobus(['ingest', ...flags, '--table', 'a.b.c', '--record-type', 'xml', 'x.ndjson']),
      zerobus(['ingest', ...flags, '--table', 'main.ingest.ndjson', join(dir, 'missing.ndjson')]),
    ]);
    assert.equal(help.status, 0);
    for (const option of ['--skip N', '--dry-run', '--format ndjson|csv|parquet', '--proto FILE', 'Exit codes: 0']) {
      assert.ok(help.stdout.includes(option), option);
    }
    for (const [run, message] of [
      [noTable, /--table is required/],
      [noFormat, /cannot tell the format of data\.txt/],
      [parquetStdin, /Parquet cannot be read from standard input/],
      [noEndpoint, /--endpoint \(or ZEROBUS_ENDPOINT\) is required/],
      [recordType, /--record-type must be json, proto/],
    ] as const) {
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /^zerobus: [^\n]+\nRun "zerobus ingest --help" for usage\.\n$/);
    }
    assert.equal(noFile.status, 1);
    assert.match(noFile.stderr, /cannot read .*missing\.ndjson/);
  });
});
