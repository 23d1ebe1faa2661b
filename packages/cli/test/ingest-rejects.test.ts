/**
 * The reject file of `--max-bad-records` (what each line holds, for NDJSON lines, CSV rows and
 * Parquet rows with BIGINT and BINARY values; when the load stops instead) and the CSV header
 * test behind "looks like CSV: pass --format csv".
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InvalidRecordError } from '@zerobus/sdk';
import { InputError } from '../src/ingest/coerce.js';
import { csvHeaderDelimiter, csvHint, WrongFormatError } from '../src/ingest/format-hint.js';
import { Rejects } from '../src/ingest/rejects.js';
import type { InputItem } from '../src/ingest/sources.js';

const item = (ordinal: number, line: number | undefined, raw: unknown): InputItem => ({
  ordinal,
  line,
  raw,
  bytesRead: 0,
});

describe('Rejects', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zerobus-rejects-unit-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes each bad record as one JSON line, up to the limit, then stops the load', async () => {
    const file = join(dir, 'rejects');
    const rejects = new Rejects(3, file);
    const bad = new InputError('expected BIGINT, got string "x"', 'id');
    assert.equal(rejects.take(item(2, 2, '{"id":"x"}'), bad, 'line'), undefined);
    assert.equal(
      rejects.take(item(4, 5, ['x', null]), new InvalidRecordError('record 0: field "id": no'), 'row'),
      undefined,
    );
    const parquetRow = { id: 9007199254740993n, blob: new Uint8Array([104, 105]), at: new Date(0) };
    assert.equal(rejects.take(item(7, undefined, parquetRow), new Error('boom'), 'row'), undefined);
    const stop = rejects.take(item(9, 9, 'x'), bad, 'line');
    assert.equal(stop?.code, 'TOO_MANY_BAD_RECORDS');
    assert.equal(stop?.ordinal, 9);
    assert.match(stop?.reason ?? '', /\(bad record 4: more than --max-bad-records 3\)$/);
    assert.equal(rejects.count, 3);
    rejects.close();
    const lines = (await readFile(file, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines, [
      { line: 2, reason: 'field "id": expected BIGINT, got string "x"', raw: '{"id":"x"}' },
      { row: 4, line: 5, reason: 'field "id": no', raw: ['x', null] },
      {
        row: 7,
        reason: 'cannot read: boom',
        raw: { id: '9007199254740993', blob: 'aGk=', at: '1970-01-01T00:00:00.000Z' },
      },
    ]);
  });

  it('never sets aside input in the wrong format; without a limit, the first bad record stops the load', async () => {
    const file = join(dir, 'strict');
    await writeFile(file, 'old rejects\n');
    const lenient = new Rejects(10, file);
    const wrongFormat = lenient.take(item(1, 1, 'id,name'), new WrongFormatError('looks like CSV'), 'line');
    assert.equal(wrongFormat?.code, 'INVALID_RECORD');
    lenient.close();
    assert.equal(await readFile(file, 'utf8'), '', 'a run from the start empties the file');
    const strict = new Rejects(0);
    assert.equal(strict.take(item(3, 3, 'x'), new InputError('bad'), 'line')?.reason, 'bad');
    const appended = new Rejects(1, file, true);
    appended.take(item(1, 1, 'x'), new InputError('bad'), 'line');
    appended.close();
    const resumed = new Rejects(1, file, true);
    resumed.take(item(2, 2, 'y'), new InputError('bad'), 'line');
    resumed.close();
    assert.equal((await readFile(file, 'utf8')).split('\n').length, 3, 'a resuming run adds to the file');
    assert.throws(() => new Rejects(1, join(dir, 'no', 'such', 'dir')), /--reject-file .*: cannot write it \(ENOENT\)/);
  });
});

describe('csvHint', () => {
  it('recognizes a header of column names separated by commas, semicolons or tabs', () => {
    assert.equal(csvHint('id,name,created_at'), 'looks like CSV: pass --format csv');
    assert.equal(csvHint('"id", "Full Name"'), 'looks like CSV: pass --format csv');
    assert.equal(csvHint('id;name'), "looks like CSV: pass --format csv --delimiter ';'");
    assert.equal(csvHint('id\tname'), "looks like CSV: pass --format csv --delimiter $'\\t'");
    for (const line of ['{"id":1', 'hello', '1,2,3', 'id,', '[1,2]', 'not json, really: no']) {
      assert.equal(csvHeaderDelimiter(line), undefined, line);
    }
  });
});
