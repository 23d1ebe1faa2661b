/** `zerobus tables create|get|list|delete` as a process against the local server's Unity Catalog REST API. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import { serverFlags, zerobus } from '../support/cli-process.js';
import { ucClient } from '../support/uc-client.js';

describe('zerobus tables', () => {
  let emulator: Emulator;
  let dir: string;
  let flags: string[];
  before(async () => {
    emulator = await startEmulator();
    dir = await mkdtemp(join(tmpdir(), 'zerobus-tables-'));
    flags = serverFlags(emulator, { endpoint: false });
  });
  after(async () => {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates, shows, lists and deletes tables', async () => {
    const columns = [
      '--column',
      'id bigint NOT NULL',
      '--column',
      '`event time` timestamp',
      '--column',
      'payload struct<a: int, b: array<string>>',
      '--column',
      'amount decimal(10, 2) not null',
    ];
    const missing = await zerobus(['tables', 'create', ...flags, '--table', 'cli.tabs.events', ...columns]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /does not exist.*; --create-parents creates the catalog and the schema/);

    const created = await zerobus([
      'tables',
      'create',
      ...flags,
      '--table',
      'cli.tabs.events',
      '--create-parents',
      ...columns,
    ]);
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout, /^created cli\.tabs\.events \(MANAGED DELTA\), 4 columns\n/);
    assert.match(created.stdout, /^ {2}event time +timestamp$/m);
    assert.match(created.stdout, /^ {2}amount +decimal\(10, ?2\) +NOT NULL$/m);
    const uc = await ucClient(emulator.unityCatalogEndpoint);
    const table = (await uc('GET', '/tables/cli.tabs.events')).json as { columns: Record<string, unknown>[] };
    assert.deepEqual(
      table.columns.map((c) => [c.name, c.type_name, c.nullable]),
      [
        ['id', 'LONG', false],
        ['event time', 'TIMESTAMP', true],
        ['payload', 'STRUCT', true],
        ['amount', 'DECIMAL', false],
      ],
    );

    const again = await zerobus(['tables', 'create', ...flags, '--table', 'cli.tabs.events', ...columns]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already exists \(HTTP 409 TABLE_ALREADY_EXISTS\)/);

    // `tables get --json` output is what --columns-json takes: a copy of the table.
    const json = await zerobus(['tables', 'get', ...flags, '--table', 'cli.tabs.events', '--json']);
    assert.equal(json.status, 0, json.stderr);
    const info = JSON.parse(json.stdout);
    assert.equal(info.full_name, 'cli.tabs.events');
    const columnsFile = join(dir, 'events.json');
    await writeFile(columnsFile, json.stdout);
    const copy = await zerobus([
      'tables',
      'create',
      ...flags,
      '--table',
      'cli.tabs.copy',
      '--columns-json',
      columnsFile,
      '--comment',
      'a copy',
      '--json',
    ]);
    assert.equal(copy.status, 0, copy.stderr);
    const copied = JSON.parse(copy.stdout);
    assert.equal(copied.comment, 'a copy');
    assert.deepEqual(
      copied.columns.map((c: Record<string, unknown>) => [c.name, c.type_text, c.nullable]),
      info.columns.map((c: Record<string, unknown>) => [c.name, c.type_text, c.nullable]),
    );

    const [human, list, listJson] = await Promise.all([
      zerobus(['tables', 'get', ...flags, '--table', 'cli.tabs.copy']),
      zerobus(['tables', 'list', ...flags, '--catalog', 'cli', '--schema', 'tabs']),
      zerobus(['tables', 'list', ...flags, '--schema', 'cli.tabs', '--json']),
    ]);
    assert.equal(human.status, 0, human.stderr);
    assert.match(
      human.stdout,
      /^cli\.tabs\.copy \(MANAGED DELTA\), 4 columns\n {2}location {2}file:\/\/.*\n {2}comment {3}a copy\n/,
    );
    assert.match(human.stdout, /^ {2}id +bigint +NOT NULL$/m);
    assert.equal(list.status, 0, list.stderr);
    assert.equal(list.stdout, 'cli.tabs.events  4 columns\ncli.tabs.copy    4 columns\n');
    assert.deepEqual(
      JSON.parse(listJson.stdout).tables.map((t: { full_name: string }) => t.full_name),
      ['cli.tabs.events', 'cli.tabs.copy'],
    );

    const deleted = await zerobus(['tables', 'delete', ...flags, '--table', 'cli.tabs.copy']);
    assert.equal(deleted.status, 0, deleted.stderr);
    assert.equal(deleted.stdout, 'deleted cli.tabs.copy\n');
    const [gone, deleteGone] = await Promise.all([
      zerobus(['tables', 'get', ...flags, '--table', 'cli.tabs.copy']),
      zerobus(['tables', 'delete', ...flags, '--table', 'cli.tabs.copy', '--json']),
    ]);
    for (const run of [gone, deleteGone]) {
      assert.equal(run.status, 1);
      assert.match(run.stderr, /table 'cli\.tabs\.copy' does not exist \(HTTP 404 TABLE_DOES_NOT_EXIST\)/);
    }
  });

  it('exits 1 on refused credentials without printing the secret, and on bad usage with one line pointing at the help', async () => {
    const [refused, help, noColumns, badColumn, badType, action, extra] = await Promise.all([
      zerobus(['tables', 'list', ...flags.slice(0, 4), '--client-secret', 'wr0ng-s3cret', '--schema', 'a.b']),
      zerobus(['tables', '--help']),
      zerobus(['tables', 'create', ...flags, '--table', 'a.b.c']),
      zerobus(['tables', 'create', ...flags, '--table', 'a.b.c', '--column', 'lonely']),
      zerobus(['tables', 'create', ...flags, '--table', 'a.b.c', '--column', 'x int3']),
      zerobus(['tables', 'rename', ...flags]),
      zerobus(['tables', 'get', ...flags, '--table', 'a.b.c', '--column', 'x int']),
    ]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /refused the client credentials/);
    assert.doesNotMatch(refused.stderr + refused.stdout, /wr0ng-s3cret/);
    assert.equal(help.status, 0);
    for (const command of ['create --table', 'get    --table', 'list   --catalog', 'delete --table', 'Exit codes']) {
      assert.ok(help.stdout.includes(command), command);
    }
    for (const [run, message] of [
      [noColumns, /give the columns/],
      [badColumn, /expected 'NAME TYPE \[NOT NULL\]'/],
      [badType, /column "x": .*int3/],
      [action, /unknown tables command "rename"/],
      [extra, /--column does not apply to "tables get"/],
    ] as const) {
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /\nRun "zerobus tables --help" for usage\.\n$/);
      assert.doesNotMatch(run.stderr, /Usage: zerobus tables/);
    }
  });
});
