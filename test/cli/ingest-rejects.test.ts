/**
 * `zerobus ingest --max-bad-records N --reject-file FILE` as a process against the local server in
 * this process: bad records set aside (NDJSON lines, CSV rows, in record and Arrow mode) with
 * where they were, why and the raw input, counted in the summary; the (N+1)-th stops the load
 * with the resume hint; and CSV piped as NDJSON says to pass --format csv.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import { serverFlags, withoutProgress, zerobus } from '../support/cli-process.js';

const COLUMNS = [
  { name: 'id', type_text: 'bigint', nullable: false },
  { name: 'name', type_text: 'string' },
];

async function jsonLines(path: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

describe('zerobus ingest --max-bad-records', { concurrency: 4 }, () => {
  let emulator: Emulator;
  let dir: string;
  let flags: string[];
  const file = async (name: string, content: string) => {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  };
  /** The ids in a table, in order: JSON records' payloads, Arrow rows' values. */
  const ids = (table: string) =>
    emulator
      .records(table)
      .map((r) => Number(r.row ? r.row.id : (JSON.parse(r.payload as string) as { id: unknown }).id))
      .sort((a, b) => a - b);

  before(async () => {
    emulator = await startEmulator({ storeRecords: true });
    dir = await mkdtemp(join(tmpdir(), 'zerobus-rejects-'));
    flags = serverFlags(emulator);
  });
  after(async () => {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  const NDJSON = ['{"id":1,"name":"a"}', '{"id":"x"}', '{"id":3}', 'not json', '', '{"id":6,"name":7}', '{"id":7}'];

  it('sets aside up to N bad NDJSON records in the reject file and counts them in the summary', async () => {
    await emulator.createDeltaTable('main.rej.ndjson', COLUMNS);
    await emulator.createDeltaTable('main.rej.arrow', COLUMNS);
    const input = await file('bad.ndjson', `${NDJSON.join('\n')}\n`);
    const rejectFile = join(dir, 'ndjson.rejects');
    const arrowRejects = join(dir, 'arrow.rejects');
    const [human, arrow] = await Promise.all([
      zerobus([
        'ingest',
        ...flags,
        '--table',
        'main.rej.ndjson',
        '--max-bad-records',
        '3',
        '--reject-file',
        rejectFile,
        input,
      ]),
      zerobus([
        'ingest',
        ...flags,
        '--table',
        'main.rej.arrow',
        '--arrow',
        '--json',
        '--max-bad-records',
        '3',
        '--reject-file',
        arrowRejects,
        input,
      ]),
    ]);
    assert.equal(human.status, 0, human.stderr);
    assert.match(
      withoutProgress(human.stderr),
      /^zerobus: 3 records .* into main\.rej\.ndjson .*, 3 bad records set aside in \S+ndjson\.rejects\n$/,
    );
    assert.deepEqual(ids('main.rej.ndjson'), [1, 3, 7]);
    const expected = [
      { line: 2, reason: /field "id": expected BIGINT/, raw: '{"id":"x"}' },
      { line: 4, reason: /^not valid JSON/, raw: 'not json' },
      { line: 6, reason: /field "name": expected STRING, got number 7/, raw: '{"id":6,"name":7}' },
    ];
    for (const path of [rejectFile, arrowRejects]) {
      const rejects = await jsonLines(path);
      assert.equal(rejects.length, 3, path);
      for (const [i, want] of expected.entries()) {
        assert.equal(rejects[i]!.line, want.line);
        assert.equal(rejects[i]!.raw, want.raw);
        assert.match(String(rejects[i]!.reason), want.reason);
      }
    }
    assert.equal(arrow.status, 0, arrow.stderr);
    const summary = JSON.parse(arrow.stdout);
    assert.equal(summary.ok, true);
    assert.equal(summary.records, 3);
    assert.equal(summary.rejected, 3);
    assert.equal(summary.rejectFile, arrowRejects);
    assert.deepEqual(ids('main.rej.arrow'), [1, 3, 7]);
  });

  it('stops at the (N+1)-th bad record with the resume hint; the records before it are in', async () => {
    await emulator.createDeltaTable('main.rej.over', COLUMNS);
    const input = await file('over.ndjson', `${NDJSON.join('\n')}\n`);
    const rejectFile = join(dir, 'over.rejects');
    const run = await zerobus([
      'ingest',
      ...flags,
      '--table',
      'main.rej.over',
      '--json',
      '--max-bad-records',
      '2',
      '--reject-file',
      rejectFile,
      input,
    ]);
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /over\.ndjson:6: field "name": .* \(bad record 3: more than --max-bad-records 2\)/);
    assert.match(
      run.stderr,
      /lines 1–5 are in the table \(but for 2 bad records set aside in \S+\); rerun with --skip 5/,
    );
    const failed = JSON.parse(run.stdout);
    assert.equal(failed.ok, false);
    assert.equal(failed.rejected, 2);
    assert.equal(failed.resumeSkip, 5);
    assert.equal(failed.error.code, 'TOO_MANY_BAD_RECORDS');
    assert.match(failed.error.hint, /rerun with --skip 5 to resume/);
    assert.deepEqual(ids('main.rej.over'), [1, 3]);
    assert.deepEqual(
      (await jsonLines(rejectFile)).map((r) => r.line),
      [2, 4],
    );
    // Resuming adds to the reject file rather than emptying it.
    const rest = await zerobus([
      'ingest',
      ...flags,
      '--table',
      'main.rej.over',
      '--skip',
      '5',
      '--max-bad-records',
      '2',
      '--reject-file',
      rejectFile,
      input,
    ]);
    assert.equal(rest.status, 0, rest.stderr);
    assert.deepEqual(
      (await jsonLines(rejectFile)).map((r) => r.line),
      [2, 4, 6],
    );
    assert.deepEqual(ids('main.rej.over'), [1, 3, 7]);
  });

  it('sets aside CSV rows (bad values, a wrong number of cells) with their row, line and cells; --max-bad-records needs --reject-file', async () => {
    await emulator.createDeltaTable('main.rej.csv', COLUMNS);
    const input = await file('bad.csv', 'id,name\n1,a\nx,b\n3,\n4,d,extra\n5,e\n');
    const rejectFile = join(dir, 'csv.rejects');
    const [run, noFile, noMax] = await Promise.all([
      zerobus([
        'ingest',
        ...flags,
        '--table',
        'main.rej.csv',
        '--max-bad-records',
        '2',
        '--reject-file',
        rejectFile,
        input,
      ]),
      zerobus(['ingest', ...flags, '--table', 'main.rej.csv', '--max-bad-records', '1', input]),
      zerobus(['ingest', ...flags, '--table', 'main.rej.csv', '--reject-file', rejectFile, input]),
    ]);
    assert.equal(run.status, 0, run.stderr);
    const [reject, tooLong, ...others] = await jsonLines(rejectFile);
    assert.deepEqual(others, []);
    assert.deepEqual({ row: reject!.row, line: reject!.line, raw: reject!.raw }, { row: 2, line: 3, raw: ['x', 'b'] });
    assert.match(String(reject!.reason), /field "id": /);
    assert.deepEqual(tooLong, {
      row: 4,
      line: 5,
      reason: 'not valid CSV: 3 fields where the header has 2',
      raw: ['4', 'd', 'extra'],
    });
    assert.deepEqual(ids('main.rej.csv'), [1, 3, 5]);
    for (const usage of [noFile, noMax]) {
      assert.equal(usage.status, 1, usage.stderr);
      assert.match(usage.stderr, /\nRun "zerobus ingest --help" for usage\.\n$/);
    }
    assert.match(noFile.stderr, /--max-bad-records needs --reject-file FILE/);
    assert.match(noMax.stderr, /--reject-file is for --max-bad-records N/);
  });

  it('says "looks like CSV: pass --format csv" when CSV is piped without --format, even within --max-bad-records', async () => {
    await emulator.createDeltaTable('main.rej.hint', COLUMNS);
    const csv = 'id,name\n1,a\n2,b\n';
    const [plain, lenient, semicolons, json] = await Promise.all([
      zerobus(['ingest', ...flags, '--table', 'main.rej.hint', '-'], { input: csv }),
      zerobus(
        [
          'ingest',
          ...flags,
          '--table',
          'main.rej.hint',
          '--max-bad-records',
          '5',
          '--reject-file',
          join(dir, 'h'),
          '-',
        ],
        { input: csv },
      ),
      zerobus(['ingest', ...flags, '--table', 'main.rej.hint', '-'], { input: 'id;name\n1;a\n' }),
      zerobus(['ingest', ...flags, '--table', 'main.rej.hint', '-'], { input: '{"id":1}\nnot json\n' }),
    ]);
    for (const run of [plain, lenient]) {
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, /stdin:1: not valid JSON: .*; looks like CSV: pass --format csv\n/);
    }
    assert.match(semicolons.stderr, /looks like CSV: pass --format csv --delimiter ';'/);
    assert.equal(json.status, 1);
    assert.doesNotMatch(json.stderr, /looks like CSV/);
    assert.deepEqual(ids('main.rej.hint'), [1]);
  });
});
