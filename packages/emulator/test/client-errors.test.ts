/**
 * Errors sent to clients never contain server file paths: a commit that fails on the file
 * system (here a table directory replaced by a file: ENOTDIR, as root ignores permissions)
 * reaches the client as the table and the failure kind, over EphemeralStream, DoPut and the
 * HTTP endpoint; the emulator's call records keep the full detail.
 */

import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import { Int64 } from 'apache-arrow';
import { ucClient } from '../../../test/support/uc-client.js';
import { commitFailure, failureKind, scrubPaths } from '../src/client-errors.js';
import { arrowTable, fixedVector } from './support/arrow-data.js';
import { FlightClient } from './support/flight-client.js';
import { RawClient } from './support/raw-client.js';

const TABLE = 'main.s.t';

async function brokenTable(t: { after(fn: () => unknown): void }): Promise<Emulator> {
  const emulator = await startEmulator({ commitIntervalMs: 5 });
  t.after(() => emulator.close());
  await emulator.createDeltaTable(TABLE, [{ name: 'id', type_text: 'bigint' }]);
  const dir = join(emulator.dataDir, 'main', 's', 't');
  await rm(dir, { recursive: true });
  await writeFile(dir, 'not a directory');
  return emulator;
}

function assertNoPath(details: string, dataDir: string): void {
  assert.ok(!details.includes(dataDir), details);
  assert.doesNotMatch(details, /\/tmp\/|\/main\/s\/t/);
}

describe('errors sent to clients', () => {
  it('a failed commit on EphemeralStream names the table and the failure kind, no path', async (t) => {
    const emulator = await brokenTable(t);
    const client = new RawClient(emulator);
    t.after(() => client.close());
    const call = client.open(TABLE);
    call.create(TABLE);
    await call.created();
    call.json(0, '{"id":1}');
    const ended = await call.status;
    assert.equal(ended.code, status.UNAVAILABLE);
    assert.equal(
      ended.details,
      `table ${TABLE}: a directory in the data directory is not a directory (ENOTDIR) while committing`,
    );
    assertNoPath(ended.details, emulator.dataDir);
  });

  it('a failed commit on DoPut names the table and the failure kind, no path', async (t) => {
    const emulator = await brokenTable(t);
    const client = new FlightClient(emulator);
    t.after(() => client.close());
    const put = client.open(TABLE);
    const ended = await put.putAll(arrowTable({ id: fixedVector(new Int64(), [1n]) }));
    assert.equal(ended.code, status.UNAVAILABLE);
    assert.match(ended.details, /^table main\.s\.t: .*\(ENOTDIR\) while committing$/);
    assertNoPath(ended.details, emulator.dataDir);
  });

  it('an unexpected error of the HTTP endpoint is a 500 without the path', async (t) => {
    const emulator = await brokenTable(t);
    // The schema directory is now a file: creating a table in it fails with ENOTDIR.
    await rm(join(emulator.dataDir, 'main', 's'), { recursive: true });
    await writeFile(join(emulator.dataDir, 'main', 's'), 'x');
    // A workspace token of the admin principal: it may create the table, so the disk is what fails.
    const uc = await ucClient(emulator.unityCatalogEndpoint);
    const response = await uc('POST', '/tables', {
      catalog_name: 'main',
      schema_name: 's',
      name: 'u',
      columns: [{ name: 'id', type_text: 'bigint' }],
    });
    assert.ok(response.status >= 400);
    const text = JSON.stringify(response.json);
    assert.match(text, /ENOTDIR/);
    assertNoPath(text, emulator.dataDir);
  });

  it('the kind of failure of file-system, Delta and other errors; paths scrubbed', () => {
    const enospc = Object.assign(new Error("ENOSPC: no space left on device, write '/var/lake/main/a/b/x.parquet'"), {
      code: 'ENOSPC',
      path: '/var/lake/main/a/b/x.parquet',
    });
    assert.equal(commitFailure('main.a.b', enospc), 'table main.a.b: disk full (ENOSPC) while committing');
    assert.equal(failureKind(Object.assign(new Error('x'), { code: 'EWHATEVER' })), 'file system error (EWHATEVER)');
    assert.equal(failureKind(new Error('cannot open /srv/data/x.json: gone')), 'cannot open <server path>: gone');
    assert.equal(
      scrubPaths("open 'C:\\lake\\t\\0.json' and file:///tmp/lake/t and /home/u/lake/t/_delta_log/0.json."),
      "open '<server path>' and <server path> and <server path>.",
    );
    // Not paths: fractions, units, names with slashes inside words.
    assert.equal(scrubPaths('10 rows/s, and/or 1/2, main.a.b'), '10 rows/s, and/or 1/2, main.a.b');
  });
});
